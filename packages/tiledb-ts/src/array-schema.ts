/**
 * The array schema (format spec: array_schema.md): one generic tile in `__schema/<timestamped_name>`
 * (or the legacy `__array_schema.tdb`). Field order and version gates follow TileDB's serializer, which
 * also stores an enumeration name per attribute (v20+) that the spec's table omits.
 */
import { ByteReader, ByteWriter } from "./binary.js";
import { Datatype, datatypeName, datatypeSize, isStringType } from "./datatype.js";
import { decodeCurrentDomain, encodeCurrentDomain } from "./current-domain.js";
import { readDomainValue, writeDomainValue } from "./domain-value.js";
import { TileDBError } from "./errors.js";
import { decodeFilterPipeline, encodeFilterPipeline } from "./filters/index.js";
import type { FilterPipeline } from "./filters/filter.js";
import { FORMAT_VERSION, MAX_READ_FORMAT_VERSION } from "./format-version.js";
import { decodeGenericTile, encodeGenericTile } from "./generic-tile.js";
import type { ArraySchema, ArrayType, Attribute, Dimension, DimensionLabel, Layout } from "./schema.js";
import { VAR_NUM } from "./schema.js";
import type { VFS } from "./vfs/vfs.js";

export const SCHEMA_DIR = "__schema";
export const ENUMERATIONS_DIR = "__enumerations";
export const LEGACY_SCHEMA_FILE = "__array_schema.tdb";

const ARRAY_TYPES: ArrayType[] = ["dense", "sparse"];
const LAYOUTS: Layout[] = ["row-major", "col-major", "global-order", "unordered", "hilbert"];
const ORDERS = ["unordered", "increasing", "decreasing"] as const;

const EMPTY_PIPELINE: FilterPipeline = { maxChunkSize: 65536, filters: [] };

function corrupt(what: string, detail: string): TileDBError {
  return new TileDBError("E_CORRUPT", `${what}: invalid array schema: ${detail}`);
}

function datatypeAt(r: ByteReader, field: string): Datatype {
  const t = r.u8();
  if (!(t in Datatype)) throw corrupt(r.what, `unknown datatype id ${t} for ${field}`);
  return t as Datatype;
}

function name32(r: ByteReader): string {
  return r.string(r.u32());
}

// Filter options are self-sized, so the record reads the same in every format version.
function pipeline(r: ByteReader, field: string): FilterPipeline {
  return decodeFilterPipeline(r, `${r.what}: ${field}`);
}

function decodeDimension(r: ByteReader, version: number, legacyType: Datatype, coords: FilterPipeline): Dimension {
  const name = name32(r);
  let type = legacyType;
  let cellValNum: number;
  let filters = coords;
  let filtersInherited = true;
  if (version >= 5) {
    type = datatypeAt(r, `dimension "${name}"`);
    cellValNum = r.u32();
    const own = pipeline(r, `dimension "${name}" filters`);
    if (own.filters.length > 0) {
      filters = own;
      filtersInherited = false;
    }
  } else {
    cellValNum = isStringType(type) ? VAR_NUM : 1;
  }
  const domainSize = version >= 5 ? r.u64n() : 2 * datatypeSize(type);
  let domain: Dimension["domain"] = null;
  if (domainSize !== 0) {
    const size = datatypeSize(type);
    if (domainSize !== 2 * size) throw corrupt(r.what, `dimension "${name}" domain has ${domainSize} bytes, expected ${2 * size}`);
    const bytes = r.bytesView(domainSize);
    domain = [readDomainValue(bytes, 0, type), readDomainValue(bytes, size, type)];
  }
  const nullExtent = r.u8();
  let tileExtent: Dimension["tileExtent"] = null;
  if (nullExtent === 0) tileExtent = readDomainValue(r.bytesView(datatypeSize(type)), 0, type);
  return { name, type, cellValNum, filters, domain, tileExtent, filtersInherited };
}

/** The fill value TileDB uses when none is set: the datatype's "empty" value, one per cell value. */
export function defaultFillValue(type: Datatype, cellValNum: number): Uint8Array {
  const n = cellValNum === VAR_NUM ? 1 : cellValNum;
  const size = datatypeSize(type);
  const one = new Uint8Array(size);
  const v = new DataView(one.buffer);
  switch (type) {
    case Datatype.INT8: v.setInt8(0, -128); break;
    case Datatype.UINT8: v.setUint8(0, 0xff); break;
    case Datatype.INT16: v.setInt16(0, -32768, true); break;
    case Datatype.UINT16: v.setUint16(0, 0xffff, true); break;
    case Datatype.INT32: v.setInt32(0, -2147483648, true); break;
    case Datatype.UINT32: v.setUint32(0, 0xffffffff, true); break;
    case Datatype.UINT64: v.setBigUint64(0, 0xffffffffffffffffn, true); break;
    case Datatype.FLOAT32: v.setFloat32(0, Number.NaN, true); break;
    case Datatype.FLOAT64: v.setFloat64(0, Number.NaN, true); break;
    case Datatype.CHAR: v.setInt8(0, -128); break;
    case Datatype.BOOL:
    case Datatype.STRING_ASCII:
    case Datatype.STRING_UTF8:
    case Datatype.STRING_UTF16:
    case Datatype.STRING_UTF32:
    case Datatype.STRING_UCS2:
    case Datatype.STRING_UCS4:
    case Datatype.ANY:
    case Datatype.BLOB:
    case Datatype.GEOM_WKB:
    case Datatype.GEOM_WKT:
      break;
    default: v.setBigInt64(0, -(1n << 63n), true); // INT64 and datetime/time types
  }
  const out = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) out.set(one, i * size);
  return out;
}

function decodeAttribute(r: ByteReader, version: number): Attribute {
  const name = name32(r);
  const type = datatypeAt(r, `attribute "${name}"`);
  const cellValNum = r.u32();
  const filters = pipeline(r, `attribute "${name}" filters`);
  let fillValue: Uint8Array;
  if (version >= 6) {
    const size = r.u64n();
    fillValue = r.bytesView(size).slice();
  } else {
    fillValue = defaultFillValue(type, cellValNum);
  }
  let nullable = false;
  let fillValueValidity = false;
  if (version >= 7) {
    nullable = r.bool();
    fillValueValidity = r.bool();
  }
  let order: Attribute["order"] = "unordered";
  if (version >= 17) {
    const o = r.u8();
    if (o >= ORDERS.length) throw corrupt(r.what, `attribute "${name}" has unknown data order ${o}`);
    order = ORDERS[o];
  }
  const attr: Attribute = { name, type, cellValNum, filters, fillValue, nullable, fillValueValidity, order };
  if (version >= 20) {
    const len = r.u32();
    if (len > 0) attr.enumerationName = r.string(len);
  }
  return attr;
}

function decodeDimensionLabel(r: ByteReader): DimensionLabel {
  const dimensionIndex = r.u32();
  const name = name32(r);
  const relativeUri = r.bool();
  const uri = r.string(r.u64n());
  const attributeName = name32(r);
  const o = r.u8();
  if (o >= ORDERS.length) throw corrupt(r.what, `dimension label "${name}" has unknown order ${o}`);
  const type = datatypeAt(r, `dimension label "${name}"`);
  const cellValNum = r.u32();
  const isExternal = r.bool();
  return { dimensionIndex, name, relativeUri, uri, attributeName, order: ORDERS[o], type, cellValNum, isExternal };
}

/**
 * Decodes the payload of a schema file (the bytes inside its generic tile).
 * `fileName` is the schema's name in `__schema/` (or `__array_schema.tdb`); `what` names the file in errors.
 */
export function decodeArraySchemaPayload(payload: Uint8Array, fileName: string, what = fileName): ArraySchema {
  const r = new ByteReader(payload, what);
  try {
    const version = r.u32();
    if (version > MAX_READ_FORMAT_VERSION || version === 0) {
      throw new TileDBError(
        "E_UNSUPPORTED_VERSION",
        `${what}: array format version ${version} is not supported (this library reads versions 1 to ${MAX_READ_FORMAT_VERSION})`,
      );
    }
    const allowsDuplicates = version >= 5 ? r.bool() : false;
    const at = r.u8();
    if (at >= ARRAY_TYPES.length) throw corrupt(what, `unknown array type ${at}`);
    const to = r.u8();
    if (to >= LAYOUTS.length) throw corrupt(what, `unknown tile order ${to}`);
    const co = r.u8();
    if (co >= LAYOUTS.length) throw corrupt(what, `unknown cell order ${co}`);
    const capacity = r.u64();
    const coordsFilters = pipeline(r, "coords filters");
    const offsetsFilters = pipeline(r, "offsets filters");
    const validityFilters = version >= 7 ? pipeline(r, "validity filters") : EMPTY_PIPELINE;
    const legacyType = version < 5 ? datatypeAt(r, "domain") : Datatype.INT32;
    const dimNum = r.u32();
    if (dimNum === 0 || dimNum > r.remaining) throw corrupt(what, `implausible dimension count ${dimNum}`);
    const dimensions: Dimension[] = [];
    for (let i = 0; i < dimNum; i++) dimensions.push(decodeDimension(r, version, legacyType, coordsFilters));
    const attrNum = r.u32();
    if (attrNum > r.remaining) throw corrupt(what, `implausible attribute count ${attrNum}`);
    const attributes: Attribute[] = [];
    for (let i = 0; i < attrNum; i++) attributes.push(decodeAttribute(r, version));
    const dimensionLabels: DimensionLabel[] = [];
    if (version >= 18) {
      const n = r.u32();
      if (n > r.remaining) throw corrupt(what, `implausible dimension label count ${n}`);
      for (let i = 0; i < n; i++) dimensionLabels.push(decodeDimensionLabel(r));
    }
    const enumerations: ArraySchema["enumerations"] = new Map();
    if (version >= 20) {
      const n = r.u32();
      if (n > r.remaining) throw corrupt(what, `implausible enumeration count ${n}`);
      for (let i = 0; i < n; i++) {
        const name = name32(r);
        const pathName = name32(r);
        enumerations.set(name, { name, pathName, loaded: false });
      }
    }
    const schema: ArraySchema = {
      version,
      arrayType: ARRAY_TYPES[at],
      allowsDuplicates,
      tileOrder: LAYOUTS[to],
      cellOrder: LAYOUTS[co],
      capacity,
      coordsFilters,
      offsetsFilters,
      validityFilters,
      dimensions,
      attributes,
      enumerations,
      fileName,
    };
    if (dimensionLabels.length > 0) schema.dimensionLabels = dimensionLabels;
    if (version >= 22) schema.currentDomain = decodeCurrentDomain(r, dimensions);
    for (const a of attributes) {
      if (a.enumerationName !== undefined && !enumerations.has(a.enumerationName)) {
        throw corrupt(what, `attribute "${a.name}" refers to enumeration "${a.enumerationName}" that the schema does not list`);
      }
    }
    return schema;
  } catch (err) {
    if (err instanceof RangeError) throw corrupt(what, `${err.message} (truncated or not a schema file?)`);
    throw err;
  }
}

/** Decodes a whole schema file (a generic tile). `uri` names it in errors; its last path part is the schema name. */
export function decodeArraySchema(fileBytes: Uint8Array, uri: string): ArraySchema {
  const fileName = uri.slice(uri.replace(/\/+$/, "").lastIndexOf("/") + 1);
  return decodeArraySchemaPayload(decodeGenericTile(fileBytes, uri), fileName, uri);
}

/** Reads and decodes one schema file. */
export async function readArraySchemaFile(uri: string, vfs: VFS): Promise<ArraySchema> {
  return decodeArraySchema(await vfs.read(uri), uri);
}

// ---- encoding ----

function encodeDimension(w: ByteWriter, d: Dimension): void {
  const nameBytes = new TextEncoder().encode(d.name);
  w.u32(nameBytes.byteLength).bytes(nameBytes);
  w.u8(d.type);
  w.u32(d.cellValNum);
  encodeFilterPipeline(w, d.filtersInherited ? EMPTY_PIPELINE : d.filters);
  if (d.cellValNum === VAR_NUM || d.domain === null) {
    if (d.cellValNum !== VAR_NUM) throw new TileDBError("E_SCHEMA", `dimension "${d.name}": a fixed-sized dimension needs a domain`);
    w.u64(0);
  } else {
    w.u64(2 * datatypeSize(d.type));
    writeDomainValue(w, d.domain[0], d.type, `dimension "${d.name}" domain`);
    writeDomainValue(w, d.domain[1], d.type, `dimension "${d.name}" domain`);
  }
  if (d.tileExtent === null) {
    w.u8(1);
  } else {
    w.u8(0);
    writeDomainValue(w, d.tileExtent, d.type, `dimension "${d.name}" tile extent`);
  }
}

function encodeAttribute(w: ByteWriter, a: Attribute, version: number): void {
  w.u32(new TextEncoder().encode(a.name).byteLength);
  w.string(a.name);
  w.u8(a.type);
  w.u32(a.cellValNum);
  encodeFilterPipeline(w, a.filters);
  const fill = a.fillValue.byteLength > 0 ? a.fillValue : defaultFillValue(a.type, a.cellValNum);
  w.u64(fill.byteLength).bytes(fill);
  w.bool(a.nullable);
  w.bool(a.fillValueValidity);
  if (version >= 17) w.u8(ORDERS.indexOf(a.order));
  if (version >= 20) {
    if (a.enumerationName === undefined) w.u32(0);
    else {
      w.u32(new TextEncoder().encode(a.enumerationName).byteLength);
      w.string(a.enumerationName);
    }
  }
}

function encodeDimensionLabel(w: ByteWriter, l: DimensionLabel): void {
  const enc = new TextEncoder();
  w.u32(l.dimensionIndex);
  w.u32(enc.encode(l.name).byteLength).string(l.name);
  w.bool(l.relativeUri);
  w.u64(enc.encode(l.uri).byteLength).string(l.uri);
  w.u32(enc.encode(l.attributeName).byteLength).string(l.attributeName);
  w.u8(ORDERS.indexOf(l.order));
  w.u8(l.type);
  w.u32(l.cellValNum);
  w.bool(l.isExternal);
}

/**
 * Encodes the schema payload at `version` (default: the format version TileDB currently writes).
 * Versions below 12 are not written (their directory layout differs).
 */
export function encodeArraySchemaPayload(schema: ArraySchema, version = FORMAT_VERSION): Uint8Array {
  if (version < 12 || version > MAX_READ_FORMAT_VERSION) {
    throw new TileDBError("E_UNSUPPORTED_VERSION", `cannot write array format version ${version} (supported: 12 to ${MAX_READ_FORMAT_VERSION})`);
  }
  const w = new ByteWriter(1024);
  w.u32(version);
  w.bool(schema.allowsDuplicates);
  w.u8(ARRAY_TYPES.indexOf(schema.arrayType));
  w.u8(LAYOUTS.indexOf(schema.tileOrder));
  w.u8(LAYOUTS.indexOf(schema.cellOrder));
  w.u64(schema.capacity);
  encodeFilterPipeline(w, schema.coordsFilters);
  encodeFilterPipeline(w, schema.offsetsFilters);
  encodeFilterPipeline(w, schema.validityFilters);
  w.u32(schema.dimensions.length);
  for (const d of schema.dimensions) encodeDimension(w, d);
  w.u32(schema.attributes.length);
  for (const a of schema.attributes) encodeAttribute(w, a, version);
  const labels = schema.dimensionLabels ?? [];
  w.u32(labels.length);
  for (const l of labels) encodeDimensionLabel(w, l);
  if (version >= 20) {
    w.u32(schema.enumerations.size);
    for (const [name, e] of schema.enumerations) {
      w.u32(new TextEncoder().encode(name).byteLength).string(name);
      w.u32(new TextEncoder().encode(e.pathName).byteLength).string(e.pathName);
    }
  }
  if (version >= 22) encodeCurrentDomain(w, schema.currentDomain, schema.dimensions);
  return w.finish().slice();
}

/** Encodes a whole schema file (generic tile), ready to write to `__schema/<timestamped_name>`. */
export function encodeArraySchema(schema: ArraySchema, version = FORMAT_VERSION): Uint8Array {
  return encodeGenericTile(encodeArraySchemaPayload(schema, version), { version });
}

/** Human-readable one-line description of a datatype and cell count, for messages and CLIs. */
export function describeType(type: Datatype, cellValNum: number): string {
  return `${datatypeName(type)}${cellValNum === VAR_NUM ? "[var]" : cellValNum === 1 ? "" : `[${cellValNum}]`}`;
}
