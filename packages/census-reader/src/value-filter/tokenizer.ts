import { filterError } from "./filter-error.js";

/**
 * Tokens of the value-filter language, a subset of Python expression syntax (what TileDB-SOMA users write):
 * names, string/number literals, comparison operators, brackets, commas and the `&` / `|` operators.
 * Keywords (`and`, `or`, `not`, `in`, `True`, `False`, `None`) arrive as names; the parser decides.
 */
export type TokenKind = "name" | "string" | "int" | "float" | "op" | "(" | ")" | "[" | "]" | "," | "eof";

export interface Token {
  kind: TokenKind;
  /** Decoded value: the name, the string's contents, the operator text; ints as bigint, floats as number. */
  value: string | bigint | number;
  /** Offset of the token's first character in the filter text. */
  pos: number;
}

const OPERATORS = ["==", "!=", "<=", ">=", "<", ">", "&", "|", "-", "+"] as const;

function isNameStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c > "\x7f";
}
function isNameChar(c: string): boolean {
  return isNameStart(c) || (c >= "0" && c <= "9");
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const start = i;
    if (c === "(" || c === ")" || c === "[" || c === "]" || c === ",") {
      tokens.push({ kind: c, value: c, pos: start });
      i++;
      continue;
    }
    // String literal, optionally raw (r'...'): the prefix must be checked before names.
    if ((c === "r" || c === "R") && (source[i + 1] === "'" || source[i + 1] === '"')) {
      const { value, end } = readString(source, i + 1, true);
      tokens.push({ kind: "string", value, pos: start });
      i = end;
      continue;
    }
    if (c === "'" || c === '"') {
      const { value, end } = readString(source, i, false);
      tokens.push({ kind: "string", value, pos: start });
      i = end;
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(source[i + 1] ?? ""))) {
      const tok = readNumber(source, i);
      tokens.push(tok.token);
      i = tok.end;
      continue;
    }
    if (isNameStart(c)) {
      while (i < n && isNameChar(source[i])) i++;
      tokens.push({ kind: "name", value: source.slice(start, i), pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: "op", value: op, pos: start });
      i += op.length;
      continue;
    }
    if (c === "=") throw filterError("E_FILTER_SYNTAX", source, i, "'=' is assignment; use '==' to compare");
    throw filterError("E_FILTER_SYNTAX", source, i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: "eof", value: "", pos: n });
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\n": "",
};

function readString(source: string, quoteAt: number, raw: boolean): { value: string; end: number } {
  const quote = source[quoteAt];
  let i = quoteAt + 1;
  let out = "";
  while (true) {
    if (i >= source.length || source[i] === "\n") {
      throw filterError("E_FILTER_SYNTAX", source, quoteAt, "unterminated string");
    }
    const c = source[i];
    if (c === quote) return { value: out, end: i + 1 };
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const e = source[i + 1];
    if (e === undefined) throw filterError("E_FILTER_SYNTAX", source, quoteAt, "unterminated string");
    if (raw) {
      // Raw strings keep the backslash; an escaped quote does not end the string.
      out += c + e;
      i += 2;
      continue;
    }
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
      continue;
    }
    const hexLen = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hexLen > 0) {
      const hex = source.slice(i + 2, i + 2 + hexLen);
      if (hex.length !== hexLen || !/^[0-9a-fA-F]+$/.test(hex)) {
        throw filterError("E_FILTER_SYNTAX", source, i, `bad \\${e} escape: expected ${hexLen} hex digits`);
      }
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) throw filterError("E_FILTER_SYNTAX", source, i, `escape \\${e}${hex} is not a Unicode code point`);
      out += String.fromCodePoint(cp);
      i += 2 + hexLen;
      continue;
    }
    // Python keeps unknown escapes verbatim (with the backslash).
    out += c + e;
    i += 2;
  }
}

function readNumber(source: string, start: number): { token: Token; end: number } {
  const rest = source.slice(start);
  const radix = /^0([xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)/.exec(rest);
  let text: string;
  let token: Token;
  if (radix) {
    text = radix[0];
    token = { kind: "int", value: BigInt(text.replaceAll("_", "").toLowerCase().replace(/^0o/, "0o")), pos: start };
  } else {
    const m = /^(?:\d[\d_]*)?(?:\.\d[\d_]*|\.)?(?:[eE][+-]?\d[\d_]*)?/.exec(rest);
    text = m ? m[0] : "";
    if (text === "" || text === ".") throw filterError("E_FILTER_SYNTAX", source, start, "malformed number");
    if (/__|_$|_\.|\._|_[eE]/.test(text)) throw filterError("E_FILTER_SYNTAX", source, start, `malformed number ${JSON.stringify(text)}`);
    const clean = text.replaceAll("_", "");
    if (/[.eE]/.test(clean)) {
      token = { kind: "float", value: Number(clean), pos: start };
    } else {
      if (clean.length > 1 && clean.startsWith("0") && /[1-9]/.test(clean)) {
        throw filterError("E_FILTER_SYNTAX", source, start, "leading zeros in a decimal integer are not allowed");
      }
      token = { kind: "int", value: BigInt(clean), pos: start };
    }
  }
  const end = start + text.length;
  // "12abc" is a typo, not two tokens.
  if (end < source.length && isNameChar(source[end])) {
    throw filterError("E_FILTER_SYNTAX", source, end, `unexpected character ${JSON.stringify(source[end])} after number`);
  }
  return { token, end };
}
