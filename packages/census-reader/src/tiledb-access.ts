/**
 * The one module that talks to tiledb-ts: groups, metadata, array schemas and sparse reads as Arrow batches.
 * Everything above it speaks SOMA; everything below it is the TileDB format.
 */

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as tiledb from "@census-cube/tiledb-ts";
import type { RecordBatch, Schema } from "apache-arrow";
import { type ArrowLayout, arrowLayout, toRecordBatch } from "./arrow/from-tiledb.js";
import { CensusReaderError } from "./errors.js";
import type { RangeSet } from "./value-filter/pushdown.js";

export type MetadataMap = Map<string, { value: unknown }>;
export type ObjectKind = "group" | "array" | "invalid";

export interface GroupInfo {
  uri: string;
  metadata: MetadataMap;
  members: Array<{ name: string; uri: string; type: ObjectKind }>;
}

export interface DimensionInfo {
  name: string;
  /** Integer dimensions only (SOMA index columns may also be strings or floats: then null). */
  domain: [bigint, bigint] | null;
  /** The current domain (shape) newer arrays carry, when set. */
  currentDomain: [bigint, bigint] | null;
}

export interface ArrayInfo {
  uri: string;
  metadata: MetadataMap;
  arrayType: "dense" | "sparse";
  dimensions: DimensionInfo[];
  /** Arrow schema of every dimension then attribute, as reads return them. */
  arrowSchema: Schema;
  /** Sparse read: the given columns, restricted to the ranges (per dimension name), in batches bounded by `memoryBudget` bytes. */
  read(options: {
    columns: string[];
    ranges?: Map<string, RangeSet>;
    order?: "global" | "unordered";
    memoryBudget?: number;
    reuseBuffers?: boolean;
  }): AsyncIterable<RecordBatch>;
}

const DEFAULT_BUDGET = 256 * 1024 * 1024;

/** Memory a Node process uses before reading anything (runtime, Arrow, tiledb-ts, zstd), measured at ~70-100 MiB. */
export const RUNTIME_RESERVE = 96 * 1024 * 1024;

/**
 * The part of a read's memory budget given to tiledb-ts for decoded tiles. Measured on Census-shaped X
 * (tools/bench/src/census-reader-x-stream.ts): peak RSS is about the runtime reserve plus 3.3x the decoded-tile
 * budget (the gathered batch handed out, compressed and unshuffled copies awaiting GC), so a fifth of what
 * is left after the reserve keeps the whole process within the budget.
 */
export function tileBudget(memoryBudget: number): number {
  return Math.max(4 * 1024 * 1024, Math.floor((memoryBudget - RUNTIME_RESERVE) / 5));
}

function wrap<T>(uri: string, what: string, f: () => Promise<T>): Promise<T> {
  return f().catch((e: unknown) => {
    if (e instanceof CensusReaderError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new CensusReaderError("E_TILEDB", `${what} ${uri}: ${msg}`, { cause: e });
  });
}

/**
 * A group's URI as a comparison key: `file://` URLs and relative paths become absolute paths (what members store
 * and what users type differ), trailing slashes are dropped.
 */
export function groupKey(uri: string): string {
  if (uri.startsWith("file://")) return resolve(fileURLToPath(uri));
  if (tiledb.uriScheme(uri) === "file") return resolve(uri);
  return uri.replace(/\/+$/, "");
}

export function objectKind(uri: string): Promise<ObjectKind> {
  return wrap(uri, "cannot inspect", async () => (await tiledb.objectType(uri)) as ObjectKind);
}

export function openGroupInfo(uri: string): Promise<GroupInfo> {
  return wrap(uri, "cannot open group", async () => {
    const g = await tiledb.openGroup(uri);
    return {
      uri,
      metadata: g.metadata as MetadataMap,
      members: g.members.map((m) => ({ name: m.name ?? m.uri.slice(m.uri.replace(/\/+$/, "").lastIndexOf("/") + 1), uri: m.uri, type: m.type as ObjectKind })),
    };
  });
}

export function openArrayInfo(uri: string): Promise<ArrayInfo> {
  return wrap(uri, "cannot open array", async () => {
    const array = await tiledb.openArray(uri);
    const metadata = (await tiledb.readMetadata(uri)) as MetadataMap;
    const schema = array.schema;
    const enumerations = new Map<string, tiledb.Enumeration>();
    for (const e of await tiledb.loadAllEnumerations(uri, schema, array.vfs)) enumerations.set(e.name, e);
    const layout = arrowLayout(schema, enumerations, uri);
    const cd = schema.currentDomain && !schema.currentDomain.empty ? schema.currentDomain.ranges : null;
    const dimensions: DimensionInfo[] = schema.dimensions.map((d, i) => {
      const dom = d.domain;
      const isInt = dom !== null && d.type !== tiledb.Datatype.FLOAT32 && d.type !== tiledb.Datatype.FLOAT64;
      const cur = cd?.[i];
      return {
        name: d.name,
        domain: isInt && dom ? [BigInt(dom[0]), BigInt(dom[1])] : null,
        currentDomain: isInt && cur && typeof cur[0] !== "string" && typeof cur[1] !== "string" ? [BigInt(cur[0]), BigInt(cur[1])] : null,
      };
    });
    return {
      uri,
      metadata,
      arrayType: schema.arrayType,
      dimensions,
      arrowSchema: layout.schema,
      read: (options) => readBatches(array, uri, layout, options),
    };
  });
}

async function* readBatches(
  array: tiledb.TileDBArray,
  uri: string,
  layout: ArrowLayout,
  options: { columns: string[]; ranges?: Map<string, RangeSet>; order?: "global" | "unordered"; memoryBudget?: number; reuseBuffers?: boolean },
): AsyncGenerator<RecordBatch> {
  const subarray: tiledb.Subarray = {};
  for (const [name, r] of options.ranges ?? []) {
    if (r.length === 0) return;
    subarray[name] = r;
  }
  const it = tiledb.readBatches(array, {
    columns: options.columns,
    subarray,
    order: options.order ?? "global",
    memoryBudget: tileBudget(options.memoryBudget ?? DEFAULT_BUDGET),
    reuseBuffers: options.reuseBuffers ?? false,
  });
  while (true) {
    let next: IteratorResult<tiledb.ReadBatch>;
    try {
      next = await it.next();
    } catch (e) {
      if (e instanceof CensusReaderError) throw e;
      throw new CensusReaderError("E_TILEDB", `cannot read ${uri}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (next.done) return;
    if (next.value.length > 0) yield toRecordBatch(next.value, layout);
  }
}

export function pathExists(uri: string): Promise<boolean> {
  return wrap(uri, "cannot inspect", () => tiledb.vfsFor(uri).exists(uri));
}
