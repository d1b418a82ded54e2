import { type CompareOp, type FilterExpr, FLIPPED, type Literal } from "./ast.js";
import { filterError } from "./filter-error.js";
import { type Token, tokenize } from "./tokenizer.js";

/**
 * Parses a value filter in the grammar TileDB-SOMA accepts (a subset of Python expressions):
 *
 *   filter  := or
 *   or      := and (("or" | "|") and)*
 *   and     := not (("and" | "&") not)*
 *   not     := "not" not | "(" filter ")" | compare
 *   compare := operand (cmp operand)+          -- chained: 1 < x <= 5
 *            | operand ["not"] "in" "[" literal, ... "]"
 *   operand := name | attr("column name") | literal | val(literal)
 *   literal := string | [+-] number | True | False | None
 *
 * Every comparison must have a column on one side and a literal on the other.
 * Errors carry the position of the offending token and show it with a caret.
 * Nesting ('(' and 'not') is limited to MAX_FILTER_DEPTH levels, so a pathological filter gets a clear error
 * rather than a stack overflow here or in the recursive binder and evaluator.
 */
export function parseFilter(source: string): FilterExpr {
  if (source.trim() === "") throw filterError("E_FILTER_SYNTAX", source, 0, "the filter is empty");
  const p = new Parser(source, tokenize(source));
  const expr = p.parseOr();
  const t = p.peek();
  if (t.kind !== "eof") throw p.error(t, `unexpected ${describe(t)}; expected 'and', 'or' or the end of the filter`);
  return expr;
}

type Operand = { kind: "column"; name: string; pos: number } | { kind: "literal"; value: Literal; pos: number };

/** Deepest nesting of '(' and 'not' a filter may have (Python's own parser stops at 200 parentheses). */
export const MAX_FILTER_DEPTH = 100;

const CMP_OPS = new Set(["==", "!=", "<", "<=", ">", ">="]);
const KEYWORDS = new Set(["and", "or", "not", "in", "True", "False", "None", "is"]);

function describe(t: Token): string {
  if (t.kind === "eof") return "end of filter";
  if (t.kind === "string") return `string ${JSON.stringify(t.value)}`;
  if (t.kind === "int" || t.kind === "float") return `number ${String(t.value)}`;
  return `'${String(t.value)}'`;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.tokens[this.i];
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  private isWord(t: Token, word: string): boolean {
    return t.kind === "name" && t.value === word;
  }
  private isOp(t: Token, op: string): boolean {
    return t.kind === "op" && t.value === op;
  }
  error(t: Token | number, message: string) {
    return filterError("E_FILTER_SYNTAX", this.source, typeof t === "number" ? t : t.pos, message);
  }
  private expect(kind: Token["kind"], what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.error(t, `expected ${what}, found ${describe(t)}`);
    return this.next();
  }

  parseOr(): FilterExpr {
    const operands = [this.parseAnd()];
    while (this.isWord(this.peek(), "or") || this.isOp(this.peek(), "|")) {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0] : { type: "or", operands };
  }

  private parseAnd(): FilterExpr {
    const operands = [this.parseNot()];
    while (this.isWord(this.peek(), "and") || this.isOp(this.peek(), "&")) {
      this.next();
      operands.push(this.parseNot());
    }
    return operands.length === 1 ? operands[0] : { type: "and", operands };
  }

  private parseNot(): FilterExpr {
    const t = this.peek();
    if (this.isWord(t, "not")) {
      this.next();
      return { type: "not", operand: this.nested(t, () => this.parseNot()) };
    }
    if (t.kind === "(") {
      this.next();
      const inner = this.nested(t, () => this.parseOr());
      const close = this.peek();
      if (close.kind !== ")") throw this.error(close, `expected ')' to close the '(' at position ${t.pos}, found ${describe(close)}`);
      this.next();
      return inner;
    }
    return this.parseCompare();
  }

  private nested(opener: Token, parse: () => FilterExpr): FilterExpr {
    if (this.depth >= MAX_FILTER_DEPTH) {
      throw filterError("E_FILTER_DEPTH", this.source, opener.pos, `the filter nests '(' and 'not' more than ${MAX_FILTER_DEPTH} levels deep; flatten it`);
    }
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parseCompare(): FilterExpr {
    const left = this.parseOperand();
    const t = this.peek();
    // Membership: x in [...], x not in [...]
    if (this.isWord(t, "in") || (this.isWord(t, "not") && this.isWord(this.peek(1), "in"))) {
      const negated = this.isWord(t, "not");
      this.next();
      if (negated) this.next();
      if (left.kind !== "column") throw this.error(left.pos, "the left side of 'in' must be a column name");
      return { type: "in", column: left.name, negated, values: this.parseList(), pos: left.pos };
    }
    if (this.isWord(t, "is")) throw this.error(t, "the 'is' operator is not supported; use '==' or '!='");
    if (!(t.kind === "op" && CMP_OPS.has(t.value as string))) {
      throw this.error(t, `expected a comparison (== != < > <= >=) or 'in' after ${left.kind === "column" ? `column '${left.name}'` : "the value"}, found ${describe(t)}`);
    }
    // Chained comparisons a < b < c mean (a < b) and (b < c).
    const parts: FilterExpr[] = [];
    let lhs = left;
    while (this.peek().kind === "op" && CMP_OPS.has(this.peek().value as string)) {
      const opTok = this.next();
      const rhs = this.parseOperand();
      parts.push(this.makeCompare(lhs, opTok.value as CompareOp, rhs, opTok));
      lhs = rhs;
    }
    return parts.length === 1 ? parts[0] : { type: "and", operands: parts };
  }

  private makeCompare(lhs: Operand, op: CompareOp, rhs: Operand, opTok: Token): FilterExpr {
    if (lhs.kind === "column" && rhs.kind === "literal") return { type: "compare", column: lhs.name, op, value: rhs.value, pos: lhs.pos };
    if (lhs.kind === "literal" && rhs.kind === "column") return { type: "compare", column: rhs.name, op: FLIPPED[op], value: lhs.value, pos: rhs.pos };
    if (lhs.kind === "column") {
      const name = (rhs as { name: string }).name;
      throw this.error(rhs.pos, `cannot compare column '${lhs.name}' with column '${name}'; the right side must be a value (did you mean to quote '${name}' as a string?)`);
    }
    throw this.error(opTok, "a comparison needs a column name on one side");
  }

  private parseOperand(): Operand {
    const t = this.peek();
    if (t.kind === "name") {
      const name = t.value as string;
      if (name === "attr" && this.peek(1).kind === "(") {
        this.next();
        this.next();
        const arg = this.expect("string", "a quoted column name inside attr(...)");
        this.expect(")", "')' after attr(...)");
        return { kind: "column", name: arg.value as string, pos: t.pos };
      }
      if (name === "val" && this.peek(1).kind === "(") {
        this.next();
        this.next();
        const value = this.parseLiteral();
        this.expect(")", "')' after val(...)");
        return { kind: "literal", value, pos: t.pos };
      }
      if (name === "True" || name === "False" || name === "None") return { kind: "literal", value: this.parseLiteral(), pos: t.pos };
      if (KEYWORDS.has(name)) throw this.error(t, `expected a column name or a value, found keyword '${name}'`);
      if (this.peek(1).kind === "(") throw this.error(t, `unknown function '${name}'; only attr("...") and val(...) are allowed`);
      this.next();
      return { kind: "column", name, pos: t.pos };
    }
    if (t.kind === "eof") throw this.error(t, "expected a column name or a value, found end of filter");
    return { kind: "literal", value: this.parseLiteral(), pos: t.pos };
  }

  private parseLiteral(): Literal {
    const t = this.next();
    switch (t.kind) {
      case "string":
        return { kind: "string", value: t.value as string };
      case "int":
        return { kind: "int", value: t.value as bigint };
      case "float":
        return { kind: "float", value: t.value as number };
      case "name":
        if (t.value === "True") return { kind: "bool", value: true };
        if (t.value === "False") return { kind: "bool", value: false };
        if (t.value === "None") return { kind: "null" };
        throw this.error(t, `expected a value, found name '${String(t.value)}' (quote it to make it a string)`);
      case "op":
        if (t.value === "-" || t.value === "+") {
          const inner = this.parseLiteral();
          if (inner.kind === "int") return { kind: "int", value: t.value === "-" ? -inner.value : inner.value };
          if (inner.kind === "float") return { kind: "float", value: t.value === "-" ? -inner.value : inner.value };
          throw this.error(t, `unary '${t.value}' applies only to numbers`);
        }
        throw this.error(t, `expected a value, found ${describe(t)}`);
      default:
        throw this.error(t, `expected a value, found ${describe(t)}`);
    }
  }

  private parseList(): Literal[] {
    const open = this.peek();
    if (open.kind !== "[") throw this.error(open, "'in' must be followed by a list in square brackets, e.g. x in ['a', 'b']");
    this.next();
    const values: Literal[] = [];
    while (this.peek().kind !== "]") {
      values.push(this.parseLiteral());
      const sep = this.peek();
      if (sep.kind === ",") {
        this.next();
        continue;
      }
      if (sep.kind !== "]") throw this.error(sep, `expected ',' or ']' in the list, found ${describe(sep)}`);
    }
    this.next();
    if (values.length === 0) throw this.error(open, "the list after 'in' must hold at least one value");
    return values;
  }
}
