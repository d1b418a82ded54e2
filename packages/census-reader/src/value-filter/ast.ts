/** The parsed form of a value filter, before it is checked against any schema. */

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

export type Literal =
  | { kind: "string"; value: string }
  | { kind: "int"; value: bigint }
  | { kind: "float"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "null" };

export type FilterExpr =
  | { type: "and"; operands: FilterExpr[] }
  | { type: "or"; operands: FilterExpr[] }
  | { type: "not"; operand: FilterExpr }
  /** `column op value`; `value op column` is stored flipped, so the column is always on the left. */
  | { type: "compare"; column: string; op: CompareOp; value: Literal; pos: number }
  | { type: "in"; column: string; negated: boolean; values: Literal[]; pos: number };

/** The operator that gives the same result with the operands swapped (`5 < x` is `x > 5`). */
export const FLIPPED: Record<CompareOp, CompareOp> = { "==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** The operator that is true exactly where `op` is false (for non-null values). */
export const NEGATED: Record<CompareOp, CompareOp> = { "==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<" };

export function literalText(lit: Literal): string {
  switch (lit.kind) {
    case "string":
      return JSON.stringify(lit.value);
    case "int":
      return lit.value.toString();
    case "float":
      return String(lit.value);
    case "bool":
      return lit.value ? "True" : "False";
    case "null":
      return "None";
  }
}

/** Prints a filter back in the filter language (fully parenthesised), for logs and error messages. */
export function formatFilter(e: FilterExpr): string {
  switch (e.type) {
    case "and":
    case "or":
      return `(${e.operands.map(formatFilter).join(` ${e.type} `)})`;
    case "not":
      return `not ${formatFilter(e.operand)}`;
    case "compare":
      return `${e.column} ${e.op} ${literalText(e.value)}`;
    case "in":
      return `${e.column} ${e.negated ? "not in" : "in"} [${e.values.map(literalText).join(", ")}]`;
  }
}
