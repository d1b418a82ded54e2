/**
 * Builds and validates an array schema from a plain description, with TileDB's defaults (capacity 10000,
 * row-major orders, zstd coords/offsets filters, RLE validity filters). Every problem is reported before
 * anything is written, naming the dimension, attribute or enumeration at fault.
 */
import { defaultFillValue } from "../array-schema.js";
import { Datatype, datatypeName, datatypeSize, isStringType } from "../datatype.js";
import { newEnumerationPathName, stringEnumeration } from "../enumeration.js";
import { TileDBError } from "../errors.js";
import { type FilterPipeline, type FilterSpec, FilterType } from "../filters/filter.js";
import { FORMAT_VERSION } from "../format-version.js";
import type { ArraySchema, Attribute, CurrentDomain, Dimension, DomainValue, Enumeration, Layout } from "../schema.js";
import { VAR_NUM } from "../schema.js";
import { toColumn } from "./columns.js";

export type FiltersInput = FilterPipeline | FilterSpec[];

export interface DimensionInput {
  name: string;
  type: Datatype;
  /** [low, high] inclusive; omit for string dimensions. */
  domain?: [DomainValue, DomainValue];
  tileExtent?: DomainValue | null;
  filters?: FiltersInput;
}

export interface AttributeInput {
  name: string;
  type: Datatype;
  /** Values per cell; VAR_NUM (or `var: true`) for var-sized. Default 1 (var for utf8/ascii strings). */
  cellValNum?: number;
  var?: boolean;
  nullable?: boolean;
  filters?: FiltersInput;
  /** The fill value as raw bytes, or a number/bigint/string of the attribute's type. */
  fillValue?: Uint8Array | number | bigint | string;
  /** Name of the enumeration whose labels this attribute's integer values index. */
  enumeration?: string;
}

export interface EnumerationInput {
  name: string;
  /** String labels (stored as var-sized utf8 unless `type` says otherwise). */
  values: string[];
  ordered?: boolean;
  type?: Datatype;
}

export interface ArraySchemaInput {
  arrayType: "sparse" | "dense";
  dimensions: DimensionInput[];
  attributes: AttributeInput[];
  enumerations?: Array<EnumerationInput | Enumeration>;
  capacity?: number | bigint;
  cellOrder?: Layout;
  tileOrder?: Layout;
  allowsDuplicates?: boolean;
  coordsFilters?: FiltersInput;
  offsetsFilters?: FiltersInput;
  validityFilters?: FiltersInput;
  /** The current domain (SOMA "shape"): one [low, high] per dimension. */
  currentDomain?: Array<[DomainValue | string, DomainValue | string]>;
}

const DEFAULT_CHUNK = 65536;

function bad(what: string, msg: string): never {
  throw new TileDBError("E_SCHEMA", `${what}: ${msg}`);
}

export function toPipeline(f: FiltersInput | undefined, fallback: FilterSpec[], what: string): FilterPipeline {
  if (f === undefined) return { maxChunkSize: DEFAULT_CHUNK, filters: fallback.map((s) => ({ ...s, options: { ...s.options } })) };
  const p: FilterPipeline = Array.isArray(f) ? { maxChunkSize: DEFAULT_CHUNK, filters: f } : f;
  if (!Number.isInteger(p.maxChunkSize) || p.maxChunkSize <= 0) bad(what, `max chunk size ${p.maxChunkSize} must be a positive integer`);
  p.filters.forEach((s, i) => {
    if (!(s.type in FilterType) || s.type === FilterType.DEPRECATED) bad(what, `filter ${i} has unknown type ${s.type}`);
    const level = s.options?.level;
    if (s.type === FilterType.ZSTD && level !== undefined && (level < -7 || level > 22)) bad(what, `zstd level ${level} is outside [-7, 22]`);
    if (s.type === FilterType.GZIP && level !== undefined && (level < -1 || level > 9)) bad(what, `gzip level ${level} is outside [-1, 9]`);
  });
  return { maxChunkSize: p.maxChunkSize, filters: p.filters.map((s) => ({ type: s.type, options: { ...(s.options ?? {}) } })) };
}

const ZSTD_DEFAULT: FilterSpec[] = [{ type: FilterType.ZSTD, options: { level: -1 } }];
const RLE_DEFAULT: FilterSpec[] = [{ type: FilterType.RLE, options: {} }];

const DIM_TYPES = new Set<Datatype>([
  Datatype.INT8, Datatype.UINT8, Datatype.INT16, Datatype.UINT16, Datatype.INT32, Datatype.UINT32, Datatype.INT64, Datatype.UINT64,
  Datatype.FLOAT32, Datatype.FLOAT64, Datatype.STRING_ASCII,
]);

const INT_TYPES = new Set<Datatype>([
  Datatype.INT8, Datatype.UINT8, Datatype.INT16, Datatype.UINT16, Datatype.INT32, Datatype.UINT32, Datatype.INT64, Datatype.UINT64,
]);

function isIntType(t: Datatype): boolean {
  return INT_TYPES.has(t);
}

function isDatetime(t: Datatype): boolean {
  return t >= Datatype.DATETIME_YEAR && t <= Datatype.TIME_AS;
}

const num = (v: DomainValue): number => (typeof v === "bigint" ? Number(v) : v);

function checkValue(what: string, v: unknown, type: Datatype): DomainValue {
  if (typeof v !== "number" && typeof v !== "bigint") bad(what, `${String(v)} is not a number`);
  const isFloat = type === Datatype.FLOAT32 || type === Datatype.FLOAT64;
  if (isFloat) {
    const n = Number(v);
    if (!Number.isFinite(n)) bad(what, `${n} is not a finite number`);
    return type === Datatype.FLOAT32 ? Math.fround(n) : n;
  }
  const b = typeof v === "bigint" ? v : Number.isInteger(v) ? BigInt(v) : bad(what, `${v} is not an integer`);
  const size = datatypeSize(type) * 8;
  const signed = !(type === Datatype.UINT8 || type === Datatype.UINT16 || type === Datatype.UINT32 || type === Datatype.UINT64);
  const lo = signed ? -(1n << BigInt(size - 1)) : 0n;
  const hi = signed ? (1n << BigInt(size - 1)) - 1n : (1n << BigInt(size)) - 1n;
  if (b < lo || b > hi) bad(what, `${b} does not fit ${datatypeName(type)}`);
  return size === 64 ? b : Number(b);
}

function buildDimension(d: DimensionInput, i: number, arrayType: "sparse" | "dense", coords: FilterPipeline): Dimension {
  const what = `dimension "${d.name}"`;
  if (!DIM_TYPES.has(d.type) && !isDatetime(d.type)) bad(what, `type ${datatypeName(d.type) ?? d.type} cannot be a dimension type`);
  if (d.type === Datatype.STRING_ASCII) {
    if (arrayType === "dense") bad(what, "dense arrays cannot have string dimensions");
    if (d.domain !== undefined) bad(what, "string dimensions have no domain");
    if (d.tileExtent !== undefined && d.tileExtent !== null) bad(what, "string dimensions have no tile extent");
    const filters = d.filters === undefined ? coords : toPipeline(d.filters, [], `${what} filters`);
    return { name: d.name, type: d.type, cellValNum: VAR_NUM, filters, domain: null, tileExtent: null, filtersInherited: d.filters === undefined };
  }
  if (arrayType === "dense" && (d.type === Datatype.FLOAT32 || d.type === Datatype.FLOAT64)) bad(what, "dense arrays need integer or datetime dimensions");
  if (d.domain?.length !== 2) bad(what, "needs a domain [low, high]");
  const lo = checkValue(`${what} domain low`, d.domain[0], d.type);
  const hi = checkValue(`${what} domain high`, d.domain[1], d.type);
  if (lo > hi) bad(what, `domain [${lo}, ${hi}] is empty (low > high)`);
  const isFloat = d.type === Datatype.FLOAT32 || d.type === Datatype.FLOAT64;
  let tileExtent: DomainValue | null = null;
  if (d.tileExtent !== undefined && d.tileExtent !== null) {
    tileExtent = checkValue(`${what} tile extent`, d.tileExtent, d.type);
    if (num(tileExtent) <= 0) bad(what, `tile extent ${tileExtent} must be positive`);
    const range = isFloat ? num(hi) - num(lo) : BigInt(hi) - BigInt(lo) + 1n;
    if (isFloat ? num(tileExtent) > (range as number) : BigInt(tileExtent) > (range as bigint)) {
      bad(what, `tile extent ${tileExtent} exceeds the domain range [${lo}, ${hi}]`);
    }
  } else if (arrayType === "dense") {
    // TileDB's default for dense arrays: one tile spanning the whole domain.
    const range = BigInt(hi) - BigInt(lo) + 1n;
    tileExtent = datatypeSize(d.type) === 8 ? range : Number(range);
  }
  void i;
  const filters = d.filters === undefined ? coords : toPipeline(d.filters, [], `${what} filters`);
  return { name: d.name, type: d.type, cellValNum: 1, filters, domain: [lo, hi], tileExtent, filtersInherited: d.filters === undefined };
}

function fillBytes(a: AttributeInput, type: Datatype, cellValNum: number): Uint8Array {
  const what = `attribute "${a.name}" fill value`;
  if (a.fillValue === undefined) return defaultFillValue(type, cellValNum);
  if (a.fillValue instanceof Uint8Array) {
    if (cellValNum !== VAR_NUM && a.fillValue.byteLength !== cellValNum * datatypeSize(type)) {
      bad(what, `has ${a.fillValue.byteLength} bytes, a cell has ${cellValNum * datatypeSize(type)}`);
    }
    return a.fillValue.slice();
  }
  const col = toColumn(
    { name: a.name, type, cellValNum, nullable: false, kind: "attribute" },
    typeof a.fillValue === "string" ? [a.fillValue] : typeof a.fillValue === "bigint" ? [a.fillValue] : [a.fillValue],
  );
  return (col.isVar ? col.varData : col.fixed) as Uint8Array;
}

function buildAttribute(a: AttributeInput, arrayType: "sparse" | "dense", enums: Map<string, Enumeration>): Attribute {
  const what = `attribute "${a.name}"`;
  if (!(a.type in Datatype) || a.type === Datatype.ANY) bad(what, `unsupported type ${a.type}`);
  let cellValNum = a.cellValNum ?? (a.var || (a.type === Datatype.STRING_UTF8 || a.type === Datatype.STRING_ASCII) ? VAR_NUM : 1);
  if (a.var) cellValNum = VAR_NUM;
  if (!Number.isInteger(cellValNum) || cellValNum < 1) bad(what, `cellValNum ${cellValNum} must be a positive integer or VAR_NUM`);
  if (a.enumeration !== undefined) {
    const e = enums.get(a.enumeration);
    if (!e) bad(what, `refers to enumeration "${a.enumeration}", which the schema does not define`);
    if (!isIntType(a.type) || cellValNum !== 1) bad(what, "an enumerated attribute needs a single-value integer type");
    const count = e.offsets ? e.offsets.length : e.data.byteLength / (datatypeSize(e.type) * e.cellValNum);
    const maxIndex = 2 ** (datatypeSize(a.type) * 8 - (isSignedInt(a.type) ? 1 : 0)) - 1;
    if (count > maxIndex + 1) bad(what, `type ${datatypeName(a.type)} cannot index ${count} labels of enumeration "${e.name}"`);
  }
  void arrayType;
  const nullable = a.nullable ?? false;
  return {
    name: a.name,
    type: a.type,
    cellValNum,
    filters: toPipeline(a.filters, [], `${what} filters`),
    fillValue: fillBytes(a, a.type, cellValNum),
    nullable,
    fillValueValidity: false,
    order: "unordered",
    ...(a.enumeration !== undefined ? { enumerationName: a.enumeration } : {}),
  };
}

function isSignedInt(t: Datatype): boolean {
  return t === Datatype.INT8 || t === Datatype.INT16 || t === Datatype.INT32 || t === Datatype.INT64;
}

function buildEnumeration(e: EnumerationInput | Enumeration): Enumeration {
  const what = `enumeration "${e.name}"`;
  if ("data" in e) {
    if (!e.pathName) return { ...e, pathName: newEnumerationPathName(FORMAT_VERSION) };
    return e;
  }
  if (!Array.isArray(e.values)) bad(what, "values must be an array of strings");
  const seen = new Set<string>();
  for (const v of e.values) {
    if (typeof v !== "string") bad(what, `label ${String(v)} is not a string`);
    if (seen.has(v)) bad(what, `label "${v}" appears twice`);
    seen.add(v);
  }
  if (e.type !== undefined && !isStringType(e.type)) bad(what, "only string labels are supported by this builder; pass an Enumeration object for others");
  return stringEnumeration(e.name, e.values, { ordered: e.ordered, type: e.type });
}

function checkName(name: unknown, kind: string, seen: Map<string, string>): void {
  if (typeof name !== "string" || name.length === 0) bad(kind, `name ${JSON.stringify(name)} must be a non-empty string`);
  if (name.startsWith("__")) bad(`${kind} "${name}"`, 'names starting with "__" are reserved by TileDB');
  const prev = seen.get(name);
  if (prev) bad(`${kind} "${name}"`, `duplicate name (also a ${prev})`);
  seen.set(name, kind);
}

/** Builds an `ArraySchema` from `input`, validating everything; throws TileDBError("E_SCHEMA") naming the field at fault. */
export function buildArraySchema(input: ArraySchemaInput): ArraySchema {
  if (!input || typeof input !== "object") bad("schema", "must be an object");
  const arrayType = input.arrayType;
  if (arrayType !== "sparse" && arrayType !== "dense") bad("schema", `arrayType must be "sparse" or "dense", not ${JSON.stringify(arrayType)}`);
  if (!Array.isArray(input.dimensions) || input.dimensions.length === 0) bad("schema", "needs at least one dimension");
  if (!Array.isArray(input.attributes)) bad("schema", "attributes must be an array");
  if (arrayType === "dense" && input.attributes.length === 0) bad("schema", "a dense array needs at least one attribute");
  const seen = new Map<string, string>();
  for (const d of input.dimensions) checkName(d?.name, "dimension", seen);
  for (const a of input.attributes) checkName(a?.name, "attribute", seen);
  const enumNames = new Map<string, string>();
  const enums = new Map<string, Enumeration>();
  for (const e of input.enumerations ?? []) {
    checkName(e?.name, "enumeration", enumNames);
    enums.set(e.name, buildEnumeration(e));
  }
  const tileOrder = input.tileOrder ?? "row-major";
  const cellOrder = input.cellOrder ?? "row-major";
  if (tileOrder !== "row-major" && tileOrder !== "col-major") bad("schema", `tile order "${tileOrder}" must be row-major or col-major`);
  if (cellOrder !== "row-major" && cellOrder !== "col-major" && cellOrder !== "hilbert") bad("schema", `cell order "${cellOrder}" must be row-major, col-major or hilbert`);
  if (cellOrder === "hilbert" && arrayType === "dense") bad("schema", "dense arrays cannot use hilbert cell order");
  if (input.allowsDuplicates && arrayType === "dense") bad("schema", "dense arrays cannot allow duplicates");
  const capacity = BigInt(input.capacity ?? 10000);
  if (capacity <= 0n) bad("schema", `capacity ${capacity} must be positive`);
  const coordsFilters = toPipeline(input.coordsFilters, ZSTD_DEFAULT, "coords filters");
  const dimensions = input.dimensions.map((d, i) => buildDimension(d, i, arrayType, coordsFilters));
  if (arrayType === "dense") {
    // TileDB requires one datatype across a dense array's dimensions.
    const t = dimensions[0].type;
    for (const d of dimensions) if (d.type !== t) bad(`dimension "${d.name}"`, `dense arrays need all dimensions of one type (${datatypeName(t)})`);
  }
  const attributes = input.attributes.map((a) => buildAttribute(a, arrayType, enums));
  let currentDomain: CurrentDomain | undefined;
  if (input.currentDomain) {
    if (input.currentDomain.length !== dimensions.length) bad("current domain", `has ${input.currentDomain.length} ranges for ${dimensions.length} dimensions`);
    const ranges = input.currentDomain.map(([lo, hi], i): [DomainValue | string, DomainValue | string] => {
      const d = dimensions[i];
      const what = `current domain of dimension "${d.name}"`;
      if (d.cellValNum === VAR_NUM) {
        if (typeof lo !== "string" || typeof hi !== "string") bad(what, "a string dimension needs string bounds");
        return [lo, hi];
      }
      const l = checkValue(what, lo, d.type);
      const h = checkValue(what, hi, d.type);
      if (l > h) bad(what, `[${l}, ${h}] is empty`);
      const [dl, dh] = d.domain as [DomainValue, DomainValue];
      if (l < dl || h > dh) bad(what, `[${l}, ${h}] is outside the domain [${dl}, ${dh}]`);
      return [l, h];
    });
    currentDomain = { empty: false, ranges };
  }
  return {
    version: FORMAT_VERSION,
    arrayType,
    allowsDuplicates: input.allowsDuplicates ?? false,
    tileOrder,
    cellOrder,
    capacity,
    coordsFilters,
    offsetsFilters: toPipeline(input.offsetsFilters, ZSTD_DEFAULT, "offsets filters"),
    validityFilters: toPipeline(input.validityFilters, RLE_DEFAULT, "validity filters"),
    dimensions,
    attributes,
    enumerations: enums,
    currentDomain,
    fileName: "",
  };
}
