/**
 * Enumerations (format spec: enumeration.md, format v20+): the labels of an enumerated attribute, one generic
 * tile per file in `__schema/__enumerations/`. TileDB's serializer also stores the name and path name,
 * which the spec's table leaves out.
 */
import { ByteReader, ByteWriter, textDecoder, textEncoder } from "./binary.js";
import { Datatype, datatypeSize, isStringType } from "./datatype.js";
import { readDomainValue } from "./domain-value.js";
import { TileDBError } from "./errors.js";
import { decodeGenericTile, encodeGenericTile } from "./generic-tile.js";
import type { ArraySchema, DomainValue, Enumeration } from "./schema.js";
import { VAR_NUM } from "./schema.js";
import { newNameUuid } from "./timestamped-name.js";
import { joinUri } from "./vfs/index.js";
import type { VFS } from "./vfs/vfs.js";

/** Newest enumeration record version we read and the one we write. */
export const ENUMERATION_VERSION = 0;

export function decodeEnumerationPayload(payload: Uint8Array, what = "enumeration"): Enumeration {
  const r = new ByteReader(payload, what);
  try {
    const version = r.u32();
    if (version > ENUMERATION_VERSION) {
      throw new TileDBError("E_UNSUPPORTED_VERSION", `${what}: enumeration version ${version} is newer than the supported version ${ENUMERATION_VERSION}`);
    }
    const name = r.string(r.u32());
    const pathName = r.string(r.u32());
    const t = r.u8();
    if (!(t in Datatype)) throw new TileDBError("E_CORRUPT", `${what}: enumeration "${name}" has unknown datatype id ${t}`);
    const type = t as Datatype;
    const cellValNum = r.u32();
    const ordered = r.bool();
    const data = r.bytesView(r.u64n()).slice();
    let offsets: BigUint64Array | null = null;
    if (cellValNum === VAR_NUM) {
      const size = r.u64n();
      if (size % 8 !== 0) throw new TileDBError("E_CORRUPT", `${what}: enumeration "${name}" offsets size ${size} is not a multiple of 8`);
      const raw = r.bytesView(size).slice();
      offsets = new BigUint64Array(raw.buffer, 0, size / 8);
      for (let i = 0; i < offsets.length; i++) {
        if (offsets[i] > BigInt(data.byteLength) || (i > 0 && offsets[i] < offsets[i - 1])) {
          throw new TileDBError("E_CORRUPT", `${what}: enumeration "${name}" offset ${i} (${offsets[i]}) is out of order or past the data`);
        }
      }
    } else if (cellValNum === 0 || data.byteLength % (cellValNum * datatypeSize(type)) !== 0) {
      throw new TileDBError("E_CORRUPT", `${what}: enumeration "${name}" data size ${data.byteLength} is not a multiple of its cell size`);
    }
    return { name, pathName, type, cellValNum, ordered, data, offsets };
  } catch (err) {
    if (err instanceof RangeError) throw new TileDBError("E_CORRUPT", `${what}: invalid enumeration: ${err.message}`);
    throw err;
  }
}

export function encodeEnumerationPayload(e: Enumeration): Uint8Array {
  const w = new ByteWriter(64 + e.data.byteLength);
  w.u32(ENUMERATION_VERSION);
  w.u32(textEncoder.encode(e.name).byteLength);
  w.string(e.name);
  w.u32(textEncoder.encode(e.pathName).byteLength);
  w.string(e.pathName);
  w.u8(e.type);
  w.u32(e.cellValNum);
  w.bool(e.ordered);
  w.u64(e.data.byteLength);
  w.bytes(e.data);
  if (e.cellValNum === VAR_NUM) {
    const offs = e.offsets ?? new BigUint64Array(0);
    w.u64(offs.byteLength);
    w.bytes(new Uint8Array(offs.buffer, offs.byteOffset, offs.byteLength));
  }
  return w.finish().slice();
}

/** Decodes an enumeration file (a generic tile); `uri` names it in errors. */
export function decodeEnumeration(fileBytes: Uint8Array, uri: string): Enumeration {
  return decodeEnumerationPayload(decodeGenericTile(fileBytes, uri), uri);
}

export function encodeEnumeration(e: Enumeration): Uint8Array {
  return encodeGenericTile(encodeEnumerationPayload(e));
}

/** The file TileDB names for a new enumeration: `__<uuid>_<format version>`. */
export function newEnumerationPathName(formatVersion: number): string {
  return `__${newNameUuid()}_${formatVersion}`;
}

/** Builds an enumeration of strings (UTF-8 labels, var-sized) as SOMA's categoricals use. */
export function stringEnumeration(name: string, labels: string[], options: { ordered?: boolean; pathName?: string; type?: Datatype } = {}): Enumeration {
  const parts = labels.map((l) => textEncoder.encode(l));
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const data = new Uint8Array(total);
  const offsets = new BigUint64Array(parts.length);
  let pos = 0;
  parts.forEach((p, i) => {
    offsets[i] = BigInt(pos);
    data.set(p, pos);
    pos += p.byteLength;
  });
  return {
    name,
    pathName: options.pathName ?? newEnumerationPathName(22),
    type: options.type ?? Datatype.STRING_UTF8,
    cellValNum: VAR_NUM,
    ordered: options.ordered ?? false,
    data,
    offsets,
  };
}

/** The labels of an enumeration: strings for string types, numbers/bigints for fixed single-value types. */
export function enumerationValues(e: Enumeration): Array<string | DomainValue | Uint8Array> {
  if (e.cellValNum === VAR_NUM) {
    const offs = e.offsets ?? new BigUint64Array(0);
    const out: Array<string | Uint8Array> = [];
    for (let i = 0; i < offs.length; i++) {
      const start = Number(offs[i]);
      const end = i + 1 < offs.length ? Number(offs[i + 1]) : e.data.byteLength;
      const bytes = e.data.subarray(start, end);
      out.push(isStringType(e.type) ? textDecoder.decode(bytes) : bytes.slice());
    }
    return out;
  }
  const size = datatypeSize(e.type) * e.cellValNum;
  const n = e.data.byteLength / size;
  const out: Array<string | DomainValue | Uint8Array> = [];
  for (let i = 0; i < n; i++) {
    if (isStringType(e.type)) out.push(textDecoder.decode(e.data.subarray(i * size, (i + 1) * size)));
    else if (e.cellValNum === 1) out.push(readDomainValue(e.data, i * size, e.type));
    else out.push(e.data.slice(i * size, (i + 1) * size));
  }
  return out;
}

/** Loads (and caches in `schema.enumerations`) the enumeration named `name` of an array. */
export async function loadEnumeration(arrayUri: string, schema: ArraySchema, name: string, vfs: VFS): Promise<Enumeration> {
  const entry = schema.enumerations.get(name);
  if (!entry) throw new TileDBError("E_NOT_FOUND", `array ${arrayUri} has no enumeration named "${name}"`);
  if (!("loaded" in entry)) return entry;
  const uri = joinUri(arrayUri, "__schema", "__enumerations", entry.pathName);
  const e = decodeEnumeration(await vfs.read(uri), uri);
  if (e.name !== name) throw new TileDBError("E_CORRUPT", `${uri}: holds enumeration "${e.name}", schema expects "${name}"`);
  schema.enumerations.set(name, e);
  return e;
}

/** Loads every enumeration of the schema. */
export async function loadAllEnumerations(arrayUri: string, schema: ArraySchema, vfs: VFS): Promise<Enumeration[]> {
  return Promise.all([...schema.enumerations.keys()].map((n) => loadEnumeration(arrayUri, schema, n, vfs)));
}
