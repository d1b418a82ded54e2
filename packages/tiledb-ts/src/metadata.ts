/**
 * Array and group metadata (format spec: metadata.md): `__meta/<timestamped_name>` files, each one generic tile
 * holding key/value entries or deletions. Files apply in timestamp order; a later entry for a key replaces or
 * deletes an earlier one.
 */
import { ByteReader, ByteWriter, compareByteArrays, textDecoder, textEncoder } from "./binary.js";
import { Datatype, datatypeName, datatypeSize, isStringType } from "./datatype.js";
import { TileDBError } from "./errors.js";
import { decodeGenericTile, encodeGenericTile } from "./generic-tile.js";
import { makeTimestampedName, parseTimestampedName } from "./timestamped-name.js";
import { joinUri, vfsFor } from "./vfs/index.js";
import type { VFS } from "./vfs/vfs.js";

export const METADATA_DIR = "__meta";

/** A decoded metadata value: strings for string types, bigint for 64-bit integer types, number otherwise. */
export type MetadataScalar = string | number | bigint | boolean;

export interface MetadataValue {
  type: Datatype;
  /** Number of values (bytes for strings). */
  count: number;
  /** The value bytes as stored. */
  raw: Uint8Array;
  /** Decoded: a string for string types, a scalar when `count === 1`, else an array. */
  value: MetadataScalar | MetadataScalar[];
}

/** What callers may store: plain values, or a value with an explicit TileDB type. */
export type MetadataInput =
  | MetadataScalar
  | Uint8Array
  | number[]
  | bigint[]
  | { type: Datatype; value: MetadataScalar | ArrayLike<number> | ArrayLike<bigint> };

/** One entry of a metadata file: a value, or a deletion (value undefined). */
export interface MetadataEntry {
  key: string;
  value?: { type: Datatype; count: number; raw: Uint8Array };
}

// ---- payload (the bytes inside the generic tile) ----

/** Entries of one metadata file's payload, in file order. */
export function decodeMetadataPayload(payload: Uint8Array, what = "metadata"): MetadataEntry[] {
  const r = new ByteReader(payload, what);
  const out: MetadataEntry[] = [];
  while (r.remaining > 0) {
    const keyLen = r.u32();
    const key = r.string(keyLen);
    const del = r.u8();
    if (del) {
      out.push({ key });
      continue;
    }
    const type = r.u8() as Datatype;
    const count = r.u32();
    let size: number;
    try {
      size = count * datatypeSize(type);
    } catch {
      throw new TileDBError("E_METADATA", `${what}: key "${key}" has unknown datatype id ${type}`);
    }
    out.push({ key, value: { type, count, raw: r.bytesView(size).slice() } });
  }
  return out;
}

/** Serializes entries as TileDB does: sorted by key (byte order), deletions carry no value. */
export function encodeMetadataPayload(entries: MetadataEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => compareByteArrays(textEncoder.encode(a.key), textEncoder.encode(b.key)));
  const w = new ByteWriter(256);
  for (const e of sorted) {
    const key = textEncoder.encode(e.key);
    w.u32(key.byteLength).bytes(key);
    if (!e.value) {
      w.u8(1);
      continue;
    }
    w.u8(0).u8(e.value.type).u32(e.value.count).bytes(e.value.raw);
  }
  return w.finish();
}

// ---- values ----

/** Decodes stored bytes into JS values. */
export function decodeMetadataValue(type: Datatype, count: number, raw: Uint8Array): MetadataValue["value"] {
  if (isStringType(type) && datatypeSize(type) === 1) return textDecoder.decode(raw);
  if (type === Datatype.BLOB || type === Datatype.ANY || type === Datatype.GEOM_WKB || type === Datatype.GEOM_WKT) {
    return Array.from(raw);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size = datatypeSize(type);
  const vals: MetadataScalar[] = [];
  for (let i = 0; i < count; i++) vals.push(readScalar(view, i * size, type));
  return count === 1 ? vals[0] : vals;
}

function readScalar(v: DataView, o: number, type: Datatype): MetadataScalar {
  switch (type) {
    case Datatype.INT8: return v.getInt8(o);
    case Datatype.UINT8: return v.getUint8(o);
    case Datatype.BOOL: return v.getUint8(o) !== 0;
    case Datatype.INT16: return v.getInt16(o, true);
    case Datatype.UINT16: return v.getUint16(o, true);
    case Datatype.INT32: return v.getInt32(o, true);
    case Datatype.UINT32: return v.getUint32(o, true);
    case Datatype.FLOAT32: return v.getFloat32(o, true);
    case Datatype.FLOAT64: return v.getFloat64(o, true);
    case Datatype.UINT64: return v.getBigUint64(o, true);
    default:
      if (datatypeSize(type) === 8) return v.getBigInt64(o, true); // INT64 and datetimes
      if (datatypeSize(type) === 2) return v.getUint16(o, true);
      return v.getUint32(o, true);
  }
}

/**
 * Encodes a JS value with TileDB's conventions (as Python `tiledb` stores them): strings as UTF-8, numbers as
 * float64 (int64 when `Number.isInteger` and `integersAsInt64`), bigints as int64, booleans as bool,
 * `Uint8Array` as blob. Pass `{ type, value }` for any other type.
 */
export function encodeMetadataValue(key: string, input: MetadataInput): { type: Datatype; count: number; raw: Uint8Array } {
  if (typeof input === "string") {
    const raw = textEncoder.encode(input);
    return { type: Datatype.STRING_UTF8, count: raw.byteLength, raw };
  }
  if (typeof input === "number") return encodeTyped(key, Datatype.FLOAT64, [input]);
  if (typeof input === "bigint") return encodeTyped(key, Datatype.INT64, [input]);
  if (typeof input === "boolean") return encodeTyped(key, Datatype.BOOL, [input]);
  if (input instanceof Uint8Array) return { type: Datatype.BLOB, count: input.byteLength, raw: input.slice() };
  if (Array.isArray(input)) {
    if (input.length === 0) throw new TileDBError("E_METADATA", `metadata key "${key}": empty array needs an explicit type`);
    return encodeTyped(key, typeof input[0] === "bigint" ? Datatype.INT64 : Datatype.FLOAT64, input);
  }
  if (input && typeof input === "object" && "type" in input) {
    const { type, value } = input;
    if (typeof value === "string") {
      if (!isStringType(type) || datatypeSize(type) !== 1) {
        throw new TileDBError("E_METADATA", `metadata key "${key}": a string needs a 1-byte string type, not ${datatypeName(type)}`);
      }
      const raw = textEncoder.encode(value);
      return { type, count: raw.byteLength, raw };
    }
    const arr = typeof value === "object" ? Array.from(value as ArrayLike<number | bigint>) : [value];
    return encodeTyped(key, type, arr);
  }
  throw new TileDBError("E_METADATA", `metadata key "${key}": unsupported value ${String(input)}`);
}

function encodeTyped(key: string, type: Datatype, values: ArrayLike<MetadataScalar>): { type: Datatype; count: number; raw: Uint8Array } {
  if (type === Datatype.ANY) throw new TileDBError("E_METADATA", `metadata key "${key}": type "any" cannot be stored`);
  const size = datatypeSize(type);
  const raw = new Uint8Array(size * values.length);
  const v = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const o = i * size;
    const bad = () => new TileDBError("E_METADATA", `metadata key "${key}": value ${String(x)} does not fit ${datatypeName(type)}`);
    if (size === 8 && type !== Datatype.FLOAT64) {
      if (typeof x !== "bigint" && !(typeof x === "number" && Number.isInteger(x))) throw bad();
      const b = BigInt(x as number | bigint);
      if (type === Datatype.UINT64) v.setBigUint64(o, BigInt.asUintN(64, b), true);
      else v.setBigInt64(o, BigInt.asIntN(64, b), true);
      continue;
    }
    const n = typeof x === "boolean" ? (x ? 1 : 0) : Number(x);
    if (type !== Datatype.FLOAT32 && type !== Datatype.FLOAT64) {
      const bits = size * 8;
      const signed = type === Datatype.INT8 || type === Datatype.INT16 || type === Datatype.INT32;
      const lo = signed ? -(2 ** (bits - 1)) : 0;
      const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
      if (!Number.isInteger(n) || n < lo || n > hi) throw bad();
    }
    switch (type) {
      case Datatype.FLOAT64: v.setFloat64(o, n, true); break;
      case Datatype.FLOAT32: v.setFloat32(o, n, true); break;
      case Datatype.INT8: v.setInt8(o, n); break;
      case Datatype.UINT8: case Datatype.BOOL: case Datatype.CHAR: case Datatype.STRING_ASCII: case Datatype.STRING_UTF8: case Datatype.BLOB:
        v.setUint8(o, n); break;
      case Datatype.INT16: v.setInt16(o, n, true); break;
      case Datatype.UINT16: v.setUint16(o, n, true); break;
      case Datatype.INT32: v.setInt32(o, n, true); break;
      case Datatype.UINT32: v.setUint32(o, n, true); break;
      default: throw bad();
    }
  }
  return { type, count: values.length, raw };
}

// ---- files ----

export interface MetadataOptions {
  vfs?: VFS;
  /** Only files whose timestamp range lies within [start, end] (milliseconds) apply. */
  timestamp?: number | [number, number];
}

interface MetaFile {
  uri: string;
  name: string;
  t1: number;
  t2: number;
}

/** Metadata files of `objectUri` (an array or group), oldest first, excluding those a vacuum file lists. */
export async function listMetadataFiles(objectUri: string, vfs: VFS = vfsFor(objectUri)): Promise<MetaFile[]> {
  const dir = joinUri(objectUri, METADATA_DIR);
  const entries = await vfs.ls(dir);
  // Files a consolidation replaced are listed in its vacuum file; they no longer count even before vacuuming.
  const replaced = new Set<string>();
  for (const e of entries) {
    if (!e.name.endsWith(".vac")) continue;
    for (const line of textDecoder.decode(await vfs.read(e.uri)).split("\n")) {
      if (line.length > 0) replaced.add(line.slice(line.lastIndexOf("/") + 1));
    }
  }
  const files: MetaFile[] = [];
  for (const e of entries) {
    if (e.isDir || e.name.endsWith(".vac") || e.name.endsWith(".tmp") || !e.name.startsWith("__")) continue;
    if (replaced.has(e.name)) continue;
    const ts = parseTimestampedName(e.name);
    if (!ts) continue;
    files.push({ uri: e.uri, name: e.name, t1: ts.t1, t2: ts.t2 });
  }
  files.sort((a, b) => a.t2 - b.t2 || a.t1 - b.t1 || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return files;
}

/** The metadata of an array or group: every file in timestamp order, later entries win. */
export async function readMetadata(objectUri: string, options: MetadataOptions = {}): Promise<Map<string, MetadataValue>> {
  const vfs = options.vfs ?? vfsFor(objectUri);
  const [lo, hi] = timestampRange(options.timestamp);
  const out = new Map<string, MetadataValue>();
  for (const f of await listMetadataFiles(objectUri, vfs)) {
    if (f.t1 < lo || f.t2 > hi) continue;
    for (const e of await readMetadataFile(f.uri, vfs)) {
      out.delete(e.key);
      if (e.value) out.set(e.key, { ...e.value, value: decodeMetadataValue(e.value.type, e.value.count, e.value.raw) });
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The entries of one metadata file. */
export async function readMetadataFile(uri: string, vfs: VFS = vfsFor(uri)): Promise<MetadataEntry[]> {
  const bytes = await vfs.read(uri);
  return decodeMetadataPayload(decodeGenericTile(bytes, uri), uri);
}

function timestampRange(t: MetadataOptions["timestamp"]): [number, number] {
  if (t === undefined) return [0, Number.MAX_SAFE_INTEGER];
  if (typeof t === "number") return [0, t];
  return t;
}

export interface WriteMetadataOptions {
  vfs?: VFS;
  /** Timestamp (ms) of the new file; default now. */
  timestamp?: number;
}

/**
 * Writes one metadata file with `put` values and `del` deletions (whole or not at all: VFS writes are atomic). Returns the new file's URI (undefined if empty).
 */
export async function writeMetadata(
  objectUri: string,
  changes: { put?: Record<string, MetadataInput> | Map<string, MetadataInput>; del?: string[] },
  options: WriteMetadataOptions = {},
): Promise<string | undefined> {
  const vfs = options.vfs ?? vfsFor(objectUri);
  const entries = new Map<string, MetadataEntry>();
  const puts = changes.put instanceof Map ? [...changes.put.entries()] : Object.entries(changes.put ?? {});
  for (const [key, val] of puts) {
    if (key.length === 0) throw new TileDBError("E_METADATA", "metadata key must not be empty");
    entries.set(key, { key, value: encodeMetadataValue(key, val) });
  }
  for (const key of changes.del ?? []) entries.set(key, { key });
  if (entries.size === 0) return undefined;
  // Files apply in timestamp order, so a change made within the same millisecond as the last must still sort after it.
  const latest = options.timestamp === undefined ? (await listMetadataFiles(objectUri, vfs)).reduce((m, f) => Math.max(m, f.t2), -1) : -1;
  const ts = options.timestamp ?? Math.max(Date.now(), latest + 1);
  return writeMetadataEntries(objectUri, [...entries.values()], ts, ts, vfs);
}

/** Deletes keys (writes a file of deletion entries). */
export function deleteMetadata(objectUri: string, keys: string[], options: WriteMetadataOptions = {}): Promise<string | undefined> {
  return writeMetadata(objectUri, { del: keys }, options);
}

async function writeMetadataEntries(objectUri: string, entries: MetadataEntry[], t1: number, t2: number, vfs: VFS): Promise<string> {
  const name = makeTimestampedName(t1, t2);
  const uri = joinUri(objectUri, METADATA_DIR, name);
  const tile = encodeGenericTile(encodeMetadataPayload(entries));
  await vfs.write(uri, tile);
  return uri;
}

/**
 * Consolidates every metadata file into one spanning their timestamp range, then writes a vacuum file listing
 * the files it replaces (as TileDB's metadata consolidation does). Returns the new file's URI, or undefined if
 * there were fewer than two files.
 */
export async function consolidateMetadata(objectUri: string, options: { vfs?: VFS } = {}): Promise<string | undefined> {
  const vfs = options.vfs ?? vfsFor(objectUri);
  const files = await listMetadataFiles(objectUri, vfs);
  if (files.length < 2) return undefined;
  const merged = new Map<string, MetadataEntry>();
  for (const f of files) {
    for (const e of await readMetadataFile(f.uri, vfs)) {
      merged.delete(e.key);
      if (e.value) merged.set(e.key, e);
    }
  }
  const t1 = Math.min(...files.map((f) => f.t1));
  const t2 = Math.max(...files.map((f) => f.t2));
  const entries = [...merged.values()];
  // TileDB skips writing an empty metadata file; an all-deleted result still needs the old files gone.
  const name = makeTimestampedName(t1, t2);
  const uri = joinUri(objectUri, METADATA_DIR, name);
  await vfs.write(uri, encodeGenericTile(encodeMetadataPayload(entries)));
  const vac = `${files.map((f) => f.uri).join("\n")}\n`;
  await vfs.write(joinUri(objectUri, METADATA_DIR, `${name}.vac`), textEncoder.encode(vac));
  return uri;
}

/** Removes metadata files listed by vacuum files, then the vacuum files themselves. */
export async function vacuumMetadata(objectUri: string, options: { vfs?: VFS } = {}): Promise<number> {
  const vfs = options.vfs ?? vfsFor(objectUri);
  const dir = joinUri(objectUri, METADATA_DIR);
  let removed = 0;
  for (const e of await vfs.ls(dir)) {
    if (!e.name.endsWith(".vac")) continue;
    const listed = textDecoder.decode(await vfs.read(e.uri)).split("\n").filter((l) => l.length > 0);
    for (const l of listed) {
      const base = l.slice(l.lastIndexOf("/") + 1);
      await vfs.remove(joinUri(dir, base));
      removed++;
    }
    await vfs.remove(e.uri);
  }
  return removed;
}
