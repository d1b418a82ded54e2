import { type DataType, Type } from "apache-arrow";
import { type CompareOp, type FilterExpr, type Literal, literalText, NEGATED } from "./ast.js";
import { filterError } from "./filter-error.js";

/**
 * Checks a parsed filter against a table's Arrow schema and turns it into a form the evaluator runs directly:
 * column types resolved, literals cast the way TileDB-SOMA casts them (an int column compared with 1.7 compares
 * with 1; strings never become numbers), `not` pushed down to the leaves as TileDB negates conditions
 * (`not a == 1` is `a != 1`, `not x in [...]` is `x not in [...]`).
 */

/** How the evaluator reads a column's values. */
export type ValueKind = "number" | "bigint" | "bool" | "string";

export interface ColumnKind {
  value: ValueKind;
  /** Dictionary-encoded (a categorical / TileDB enumeration): the filter runs on the dictionary, rows use indices. */
  dictionary: boolean;
  /** For dictionary columns: whether the categories are ordered (only then do < <= > >= apply, by position). */
  ordered: boolean;
  /** Float32 columns compare with the literal rounded to float32, as TileDB does. */
  float32: boolean;
  /** Integer range of the column's type, for literal range checks; null for floats, bools and strings. */
  intRange: [bigint, bigint] | null;
  /** The Arrow type, for messages. */
  typeName: string;
}

export type BoundValue = number | bigint | boolean | string;

export type BoundExpr =
  | { type: "and"; operands: BoundExpr[] }
  | { type: "or"; operands: BoundExpr[] }
  | { type: "const"; value: boolean }
  | { type: "compare"; column: string; kind: ColumnKind; op: CompareOp; value: BoundValue }
  | { type: "in"; column: string; kind: ColumnKind; negated: boolean; values: BoundValue[] }
  /** `x == None` (negated: `x != None`). */
  | { type: "null"; column: string; negated: boolean };

export interface SchemaLike {
  fields: ReadonlyArray<{ name: string; type: DataType }>;
}

export function columnKind(type: DataType, column: string): ColumnKind {
  let t = type;
  let dictionary = false;
  let ordered = false;
  if (t.typeId === Type.Dictionary) {
    dictionary = true;
    ordered = (t as unknown as { isOrdered: boolean }).isOrdered === true;
    t = (t as unknown as { dictionary: DataType }).dictionary;
  }
  const typeName = String(type);
  switch (t.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = t as unknown as { bitWidth: number; isSigned: boolean };
      const bits = BigInt(bitWidth);
      const intRange: [bigint, bigint] = isSigned ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
      return { value: bitWidth === 64 ? "bigint" : "number", dictionary, ordered, float32: false, intRange, typeName };
    }
    case Type.Float: {
      const precision = (t as unknown as { precision: number }).precision;
      return { value: "number", dictionary, ordered, float32: precision === 1, intRange: null, typeName };
    }
    case Type.Bool:
      return { value: "bool", dictionary, ordered, float32: false, intRange: null, typeName };
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return { value: "string", dictionary, ordered, float32: false, intRange: null, typeName };
    case Type.Timestamp:
    case Type.Date:
    case Type.Duration: {
      // TileDB stores datetimes as int64 ticks and SOMA filters compare them as int64.
      const bits = (t as unknown as { bitWidth?: number }).bitWidth ?? 64;
      return {
        value: bits === 64 ? "bigint" : "number",
        dictionary,
        ordered,
        float32: false,
        intRange: [-(1n << 63n), (1n << 63n) - 1n],
        typeName,
      };
    }
    default:
      throw new TypeError(`column '${column}' has Arrow type ${typeName}, which value filters cannot compare`);
  }
}

export function bindFilter(expr: FilterExpr, schema: SchemaLike, source = ""): BoundExpr {
  const fields = new Map(schema.fields.map((f) => [f.name, f.type]));
  const kinds = new Map<string, ColumnKind>();
  const kindOf = (column: string, pos: number): ColumnKind => {
    let k = kinds.get(column);
    if (k) return k;
    const type = fields.get(column);
    if (type === undefined) {
      const names = [...fields.keys()];
      throw filterError("E_FILTER_COLUMN", source, pos, `column '${column}' does not exist (columns: ${names.join(", ")})`);
    }
    try {
      k = columnKind(type, column);
    } catch (e) {
      throw filterError("E_FILTER_TYPE", source, pos, (e as Error).message);
    }
    kinds.set(column, k);
    return k;
  };

  const bind = (e: FilterExpr, negate: boolean): BoundExpr => {
    switch (e.type) {
      case "and":
      case "or": {
        // De Morgan: not (a and b) is (not a) or (not b).
        const type = (e.type === "and") !== negate ? "and" : "or";
        return { type, operands: e.operands.map((o) => bind(o, negate)) };
      }
      case "not":
        return bind(e.operand, !negate);
      case "compare": {
        const kind = kindOf(e.column, e.pos);
        const op = negate ? NEGATED[e.op] : e.op;
        if (kind.dictionary && !kind.ordered && op !== "==" && op !== "!=") {
          // As TileDB: the categories of an unordered enumeration have no order to compare by.
          throw filterError("E_FILTER_TYPE", source, e.pos, `cannot apply ${e.op} to column '${e.column}': it is an unordered categorical (enumeration)`);
        }
        if (e.value.kind === "null") {
          if (op !== "==" && op !== "!=") throw filterError("E_FILTER_TYPE", source, e.pos, `None can only be compared with == or !=, not ${e.op}`);
          return { type: "null", column: e.column, negated: op === "!=" };
        }
        return { type: "compare", column: e.column, kind, op, value: castLiteral(e.value, kind, e.column, source, e.pos) };
      }
      case "in": {
        const kind = kindOf(e.column, e.pos);
        const values = e.values.map((v) => {
          if (v.kind === "null") throw filterError("E_FILTER_TYPE", source, e.pos, `'in' lists cannot hold None (column '${e.column}')`);
          return castLiteral(v, kind, e.column, source, e.pos);
        });
        return { type: "in", column: e.column, kind, negated: e.negated !== negate, values };
      }
    }
  };
  return bind(expr, false);
}

function castLiteral(lit: Exclude<Literal, { kind: "null" }>, kind: ColumnKind, column: string, source: string, pos: number): BoundValue {
  const fail = (why: string) =>
    filterError("E_FILTER_TYPE", source, pos, `cannot compare column '${column}' (${kind.typeName}) with ${literalText(lit)}: ${why}`);
  if (kind.value === "string") {
    if (lit.kind !== "string") throw fail("the column holds strings; quote the value");
    return lit.value;
  }
  if (lit.kind === "string") throw fail("a string is never converted to a number or boolean");
  if (kind.value === "bool") {
    // Python's bool(x): any nonzero number is True.
    return lit.kind === "bool" ? lit.value : lit.kind === "int" ? lit.value !== 0n : lit.value !== 0;
  }
  // Numeric columns: like numpy's cast of the literal to the column's dtype (floats truncate toward zero).
  if (kind.intRange !== null) {
    let v: bigint;
    if (lit.kind === "int") v = lit.value;
    else if (lit.kind === "bool") v = lit.value ? 1n : 0n;
    else {
      if (!Number.isFinite(lit.value)) throw fail("not a finite number");
      v = BigInt(Math.trunc(lit.value));
    }
    if (v < kind.intRange[0] || v > kind.intRange[1]) throw fail(`out of the range of ${kind.typeName}`);
    return kind.value === "bigint" ? v : Number(v);
  }
  const x = lit.kind === "int" ? Number(lit.value) : lit.kind === "bool" ? (lit.value ? 1 : 0) : lit.value;
  return kind.float32 ? Math.fround(x) : x;
}

/** Every column a bound filter reads. */
export function filterColumns(e: BoundExpr, out: Set<string> = new Set()): Set<string> {
  if (e.type === "and" || e.type === "or") for (const o of e.operands) filterColumns(o, out);
  else if (e.type !== "const") out.add(e.column);
  return out;
}
