/**
 * The results table as TSV, Arrow IPC or Parquet, chosen by the file's extension. Files are written aside and
 * renamed into place, so a reader never sees half a table; an existing file is kept unless `overwrite`.
 */
import { existsSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { makeVector, Table, tableToIPC, Utf8, type Vector, vectorFromArray } from "apache-arrow";
import { parquetWriteBuffer } from "hyparquet-writer";
import { MementoDeError } from "./errors.js";
import type { DeResults } from "./run.js";

export type OutputFormat = "tsv" | "arrow" | "parquet";

/** Column names of every output format, in order. */
export const RESULT_COLUMNS = ["feature_id", "coef", "se", "z", "pval", "padj", "mean_control", "mean_case"] as const;

export function outputFormat(path: string): OutputFormat {
  const ext = path.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (ext === "tsv") return "tsv";
  if (ext === "arrow" || ext === "feather" || ext === "ipc") return "arrow";
  if (ext === "parquet") return "parquet";
  throw new MementoDeError("E_OUTPUT_FORMAT", `--output ${path}: unknown format; the file name must end in .tsv, .arrow or .parquet`);
}

function numberColumns(r: DeResults): Record<Exclude<(typeof RESULT_COLUMNS)[number], "feature_id">, Float64Array> {
  return { coef: r.coef, se: r.se, z: r.z, pval: r.pval, padj: r.padj, mean_control: r.meanControl, mean_case: r.meanCase };
}

export function encodeResults(r: DeResults, format: OutputFormat, metadata: Record<string, string> = {}): Uint8Array {
  const nums = numberColumns(r);
  if (format === "tsv") {
    const lines = [RESULT_COLUMNS.join("\t")];
    const cols = Object.values(nums);
    for (let i = 0; i < r.featureId.length; i++) lines.push([r.featureId[i], ...cols.map((c) => formatNumber(c[i]))].join("\t"));
    return new TextEncoder().encode(`${lines.join("\n")}\n`);
  }
  if (format === "arrow") {
    const vectors: Record<string, Vector> = { feature_id: vectorFromArray(r.featureId, new Utf8()) };
    for (const [k, v] of Object.entries(nums)) vectors[k] = makeVector(v);
    const table = new Table(vectors);
    for (const [k, v] of Object.entries(metadata)) table.schema.metadata.set(k, v);
    return tableToIPC(table, "file");
  }
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "feature_id", data: r.featureId, type: "STRING", nullable: false },
      ...Object.entries(nums).map(([name, data]) => ({ name, data, type: "DOUBLE" as const })),
    ],
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    createdBy: "memento-de",
  });
  return new Uint8Array(buffer);
}

/** NaN and infinities as pandas reads and writes them; numbers in the shortest form that reads back exactly. */
function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "-inf";
  return String(v);
}

/** Writes `data` to `path` through a temporary file beside it and a rename. */
export async function writeAtomically(path: string, data: Uint8Array | string, overwrite: boolean, flag: string): Promise<void> {
  if (!overwrite && existsSync(path)) throw new MementoDeError("E_OUTPUT_EXISTS", `${flag} ${path} exists; pass --overwrite to replace it`);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new MementoDeError("E_WRITE", `${flag} ${path}: cannot write: ${(e as Error).message}`, { cause: e });
  }
}
