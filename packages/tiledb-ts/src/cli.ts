#!/usr/bin/env node
/**
 * tiledb-ts: look at TileDB data from a shell.
 *   tiledb-ts schema <array-uri>
 *   tiledb-ts export <array-uri> [--format csv|jsonl] [--columns a,b] [--limit N]
 *   tiledb-ts ls <group-uri>
 * Export prints one row per cell, dimensions first, in the array's global order.
 */
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { openArray } from "./array.js";
import { describeType } from "./array-schema.js";
import { Datatype, datatypeSize } from "./datatype.js";
import { loadEnumeration } from "./enumeration.js";
import { TileDBError } from "./errors.js";
import { objectType, openGroup } from "./group.js";
import { readMetadata } from "./metadata.js";
import { readBatches } from "./read/index.js";
import type { ResultColumn } from "./read/result.js";
import { columnValues } from "./read/result.js";
import type { ArraySchema, Enumeration } from "./schema.js";
import { VAR_NUM } from "./schema.js";
import { configureS3, S3_DEFAULT_CONCURRENCY, vfsFor } from "./vfs/index.js";

const textDecoder = new TextDecoder();

function out(line: string): boolean {
  return process.stdout.write(`${line}\n`);
}

export function formatSchema(uri: string, schema: ArraySchema): string {
  const lines = [
    `array ${uri}`,
    `  type: ${schema.arrayType}${schema.arrayType === "sparse" ? `, duplicates ${schema.allowsDuplicates ? "allowed" : "not allowed"}, capacity ${schema.capacity}` : ""}`,
    `  format version: ${schema.version}`,
    `  tile order: ${schema.tileOrder}, cell order: ${schema.cellOrder}`,
    "  dimensions:",
  ];
  const filters = (p: { filters: Array<{ type: number; options: Record<string, number> }> }) =>
    p.filters.length === 0 ? "none" : p.filters.map((f) => `${filterName(f.type)}${Object.keys(f.options).length ? `(${Object.entries(f.options).map(([k, v]) => `${k}=${v}`).join(", ")})` : ""}`).join(" > ");
  for (const d of schema.dimensions) {
    const dom = d.domain ? `[${d.domain[0]}, ${d.domain[1]}]` : "(string)";
    lines.push(`    ${d.name}: ${describeType(d.type, d.cellValNum)} domain ${dom}${d.tileExtent !== null ? ` tile ${d.tileExtent}` : ""}; filters ${filters(d.filters)}`);
  }
  lines.push("  attributes:");
  for (const a of schema.attributes) {
    const extra = [a.nullable ? "nullable" : "", a.enumerationName ? `enumeration "${a.enumerationName}"` : ""].filter(Boolean).join(", ");
    lines.push(`    ${a.name}: ${describeType(a.type, a.cellValNum)}${extra ? ` (${extra})` : ""}; filters ${filters(a.filters)}`);
  }
  if (schema.enumerations.size > 0) lines.push(`  enumerations: ${[...schema.enumerations.keys()].join(", ")}`);
  if (schema.currentDomain && !schema.currentDomain.empty) {
    lines.push(`  current domain: ${schema.currentDomain.ranges.map(([lo, hi]) => `[${lo}, ${hi}]`).join(" x ")}`);
  }
  return lines.join("\n");
}

const FILTER_NAMES: Record<number, string> = {
  0: "none", 1: "gzip", 2: "zstd", 3: "lz4", 4: "rle", 5: "bzip2", 6: "double-delta", 7: "bit-width-reduction",
  8: "bitshuffle", 9: "byteshuffle", 10: "positive-delta", 12: "checksum-md5", 13: "checksum-sha256", 14: "dictionary",
  15: "float-scale", 16: "xor", 17: "deprecated", 18: "webp", 19: "delta",
};
function filterName(t: number): string {
  return FILTER_NAMES[t] ?? `filter#${t}`;
}

/** Cell i of a column as a JSON-ready value: numbers, strings for 64-bit integers, text, hex for bytes. */
function cellValue(col: ResultColumn, values: ArrayLike<number | bigint> | null, i: number, labels?: string[]): unknown {
  if (col.validity && !col.validity[i]) return null;
  const text = col.type === Datatype.STRING_ASCII || col.type === Datatype.STRING_UTF8;
  if (col.cellValNum === VAR_NUM || (text || col.type === Datatype.CHAR || col.type === Datatype.BLOB)) {
    const cs = col.cellValNum === VAR_NUM ? 0 : col.cellValNum;
    const b = col.offsets ? col.data.subarray(col.offsets[i], col.offsets[i + 1]) : col.data.subarray(i * cs, (i + 1) * cs);
    if (text || col.type === Datatype.CHAR) return textDecoder.decode(b);
    if (col.type === Datatype.BLOB) return Buffer.from(b).toString("hex");
    const size = datatypeSize(col.type);
    const copy = b.slice();
    const v = columnValues({ ...col, data: copy, length: copy.byteLength / size, cellValNum: 1 });
    return Array.from(v as ArrayLike<number | bigint>, (x) => (typeof x === "bigint" ? x.toString() : x));
  }
  const n = col.cellValNum;
  const at = (k: number) => {
    const x = (values as ArrayLike<number | bigint>)[k];
    if (col.type === Datatype.BOOL) return x !== 0;
    return typeof x === "bigint" ? x.toString() : x;
  };
  if (n > 1) return Array.from({ length: n }, (_, k) => at(i * n + k));
  const v = at(i);
  if (labels && typeof v === "number") return labels[v] ?? v;
  return v;
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : Array.isArray(v) ? v.join(" ") : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function enumerationLabels(e: Enumeration): string[] {
  const labels: string[] = [];
  if (e.offsets) {
    for (let i = 0; i < e.offsets.length; i++) {
      const end = i + 1 < e.offsets.length ? Number(e.offsets[i + 1]) : e.data.byteLength;
      labels.push(textDecoder.decode(e.data.subarray(Number(e.offsets[i]), end)));
    }
  }
  return labels;
}

async function exportArray(uri: string, opts: { format: string; columns?: string; limit?: number }): Promise<void> {
  const arr = await openArray(uri);
  const schema = arr.schema;
  let columns = opts.columns?.split(",").map((s) => s.trim()).filter(Boolean);
  if (columns) {
    // dimensions first, then attributes, each in the order given
    const dims = new Set(schema.dimensions.map((d) => d.name));
    columns = [...columns.filter((c) => dims.has(c)), ...columns.filter((c) => !dims.has(c))];
  }
  const labels = new Map<string, string[]>();
  for (const a of schema.attributes) {
    if (a.enumerationName && (!columns || columns.includes(a.name))) {
      labels.set(a.name, enumerationLabels(await loadEnumeration(arr.uri, schema, a.enumerationName, arr.vfs)));
    }
  }
  let left = opts.limit ?? Number.POSITIVE_INFINITY;
  let header = false;
  for await (const batch of readBatches(arr, { columns, order: "global", memoryBudget: 64 << 20 })) {
    const cols = batch.columns;
    if (!header && opts.format === "csv") {
      out(cols.map((c) => csvField(c.name)).join(","));
      header = true;
    }
    const values = cols.map((c) => (c.cellValNum === VAR_NUM || c.type === Datatype.STRING_ASCII || c.type === Datatype.STRING_UTF8 || c.type === Datatype.CHAR || c.type === Datatype.BLOB ? null : columnValues(c)));
    const n = Math.min(batch.length, left);
    for (let i = 0; i < n; i++) {
      const row = cols.map((c, k) => cellValue(c, values[k] as ArrayLike<number | bigint> | null, i, labels.get(c.name)));
      if (opts.format === "csv") out(row.map(csvField).join(","));
      else out(JSON.stringify(Object.fromEntries(cols.map((c, k) => [c.name, row[k]]))));
    }
    left -= n;
    if (left <= 0) break;
  }
  if (!header && opts.format === "csv") out((columns ?? [...schema.dimensions.map((d) => d.name), ...schema.attributes.map((a) => a.name)]).join(","));
}

/** A group's URI as a key: trailing slashes dropped, so a member pointing back at a group is recognised. */
function groupKey(uri: string): string {
  return uri.replace(/\/+$/, "");
}

/**
 * Lists a group's members, recursing into member groups. A member that is one of the groups being listed (a
 * group holding itself, or an ancestor) is a cycle: reported, not followed, and the listing fails at the end.
 */
async function listGroup(uri: string, depth = 0, ancestors: string[] = [], cycles: string[] = []): Promise<void> {
  const group = await openGroup(uri);
  const pad = "  ".repeat(depth);
  const path = [...ancestors, groupKey(uri)];
  if (depth === 0) {
    out(`group ${uri}`);
    for (const [k, v] of group.metadata) out(`  metadata ${k} = ${JSON.stringify(v.value, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`);
  }
  for (const m of group.members) {
    const kind = await objectType(m.uri, vfsFor(m.uri)).catch(() => "invalid" as const);
    const label = `${pad}  ${m.name ?? "(unnamed)"} ${m.type} ${m.relative ? m.storedUri : m.uri}`;
    if (kind === "invalid") {
      out(`${label}  MISSING: member "${m.name ?? m.storedUri}" is listed but ${m.uri} does not exist`);
      continue;
    }
    if (kind === "group" && path.includes(groupKey(m.uri))) {
      const cycle = `member "${m.name ?? m.storedUri}" of ${uri} is ${m.uri}, which contains it`;
      out(`${label}  CYCLE: ${cycle}`);
      cycles.push(cycle);
      continue;
    }
    out(label);
    if (kind === "group") await listGroup(m.uri, depth + 1, path, cycles);
  }
  if (depth === 0 && cycles.length > 0) {
    throw new TileDBError("E_GROUP", `${uri}: the group refers back to itself (${cycles.length} cycle${cycles.length > 1 ? "s" : ""}): ${cycles.join("; ")}`);
  }
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${v}" is not a non-negative integer`);
  return n;
}

interface S3Flags {
  s3Region?: string;
  s3Endpoint?: string;
  s3Anonymous?: boolean;
  s3Concurrency?: number;
}

/** The flags that say how s3:// URIs are reached; applied before the command runs. */
function withS3Flags(cmd: Command): Command {
  return cmd
    .option("--s3-region <region>", "region of s3:// buckets (default: AWS_REGION, else us-east-1)")
    .option("--s3-endpoint <url>", "an S3-compatible endpoint, e.g. http://127.0.0.1:9000 (path-style addressing; default: AWS_ENDPOINT_URL_S3)")
    .option("--s3-anonymous", "unsigned requests, for public buckets such as the Census")
    .option("--s3-concurrency <n>", `S3 requests in flight at once (default ${S3_DEFAULT_CONCURRENCY})`, positiveInt)
    .hook("preAction", (_cmd, action) => {
      const f = action.opts<S3Flags>();
      if (f.s3Region || f.s3Endpoint || f.s3Anonymous || f.s3Concurrency) {
        configureS3({ region: f.s3Region, endpoint: f.s3Endpoint, anonymous: f.s3Anonymous, concurrency: f.s3Concurrency || undefined });
      }
    });
}

export function cli(): Command {
  const program = new Command("tiledb-ts")
    .description("Read TileDB arrays and groups (local paths, file:// or s3:// URIs)")
    .version((createRequire(import.meta.url)("../package.json") as { version: string }).version)
    .showHelpAfterError();
  withS3Flags(program.command("schema <uri>"))
    .description("print an array's schema")
    .action(async (uri: string) => {
      const arr = await openArray(uri);
      out(formatSchema(uri, arr.schema));
      out(`  fragments: ${arr.fragments.length}`);
      const meta = await readMetadata(uri, { vfs: arr.vfs });
      for (const [k, v] of meta) out(`  metadata ${k} = ${JSON.stringify(v.value, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`);
    });
  withS3Flags(program.command("export <uri>"))
    .description("print every cell, one row per cell, dimensions first, in global order")
    .option("--format <format>", "csv or jsonl", "csv")
    .option("--columns <names>", "comma-separated attributes/dimensions")
    .option("--limit <n>", "at most n rows", positiveInt)
    .action(async (uri: string, opts: { format: string; columns?: string; limit?: number }) => {
      if (opts.format !== "csv" && opts.format !== "jsonl") throw new TileDBError("E_INVALID_ARGUMENT", `--format must be csv or jsonl, not "${opts.format}"`);
      await exportArray(uri, opts);
    });
  withS3Flags(program.command("ls <uri>"))
    .description("list a group's members (recursively) and metadata")
    .action(async (uri: string) => {
      await listGroup(uri);
    });
  return program;
}

/** Whether this module is the program being run (also through the `tiledb-ts` bin symlink). */
function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
  });
  cli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`tiledb-ts: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
