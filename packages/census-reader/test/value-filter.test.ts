import { Bool, type DataType, Dictionary, Field, Float32, Float64, Int8, Int32, Int64, LargeUtf8, Schema, Uint8, Utf8, type Vector, vectorFromArray } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CensusReaderError } from "../src/index.js";
import {
  bindFilter,
  columnsInput,
  complement,
  evaluateFilter,
  formatFilter,
  intersectRanges,
  MAX_FILTER_DEPTH,
  parseFilter,
  planPushdown,
  tokenize,
  unionRanges,
} from "../src/value-filter/index.js";

function thrown(f: () => unknown): CensusReaderError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CensusReaderError);
    return e as CensusReaderError;
  }
  throw new Error("expected an error");
}

describe("tokenizer", () => {
  it("reads strings with both quotes and escapes", () => {
    const toks = tokenize(`a == 'it\\'s' or b == "tab\\there \\u00e9\\x41" or c == r'\\d'`);
    const strings = toks.filter((t) => t.kind === "string").map((t) => t.value);
    expect(strings).toEqual(["it's", "tab\there éA", "\\d"]);
  });
  it("reads ints, floats, exponents, underscores and hex", () => {
    const toks = tokenize("1 2.5 .5 1e3 1_000 0x1F 3.");
    expect(toks.slice(0, -1).map((t) => [t.kind, t.value])).toEqual([
      ["int", 1n],
      ["float", 2.5],
      ["float", 0.5],
      ["float", 1000],
      ["int", 1000n],
      ["int", 31n],
      ["float", 3],
    ]);
  });
  it("points at an unterminated string", () => {
    const e = thrown(() => tokenize("x == 'abc"));
    expect(e.code).toBe("E_FILTER_SYNTAX");
    expect(e.position).toBe(5);
    expect(e.message).toContain("unterminated string");
    expect(e.message).toContain("\n  x == 'abc\n       ^");
  });
  it("rejects a single '=' with a hint", () => {
    const e = thrown(() => tokenize("x = 1"));
    expect(e.position).toBe(2);
    expect(e.message).toContain("use '=='");
  });
  it("rejects a number glued to a name", () => {
    expect(thrown(() => tokenize("x == 12abc")).position).toBe(7);
  });
});

describe("parser", () => {
  it("parses the Census example with and/in", () => {
    const ast = parseFilter("is_primary_data == True and tissue_general in ['tongue', 'lung']");
    expect(formatFilter(ast)).toBe('(is_primary_data == True and tissue_general in ["tongue", "lung"])');
  });
  it("gives 'and' precedence over 'or', 'not' over both, and honours parentheses", () => {
    expect(formatFilter(parseFilter("a == 1 or b == 2 and not c == 3"))).toBe("(a == 1 or (b == 2 and not c == 3))");
    expect(formatFilter(parseFilter("(a == 1 or b == 2) & c != 3"))).toBe("((a == 1 or b == 2) and c != 3)");
    expect(formatFilter(parseFilter("a == 1 | b == 2"))).toBe("(a == 1 or b == 2)");
  });
  it("flips value-first comparisons and splits chained ones", () => {
    expect(formatFilter(parseFilter("5 < x"))).toBe("x > 5");
    expect(formatFilter(parseFilter("1 <= x < 10"))).toBe("(x >= 1 and x < 10)");
  });
  it("reads not in, attr(), val(), negative numbers and None", () => {
    expect(formatFilter(parseFilter("x not in [1, -2, 3.5,]"))).toBe("x not in [1, -2, 3.5]");
    expect(formatFilter(parseFilter("attr('orig.ident') == val(-4)"))).toBe("orig.ident == -4");
    expect(formatFilter(parseFilter("x != None"))).toBe("x != None");
  });
  const errors: Array<[string, number, string]> = [
    ["", 0, "empty"],
    ["a ==", 4, "expected a column name or a value"],
    ["a == 1 and", 10, "expected a column name or a value"],
    ["(a == 1", 7, "expected ')'"],
    ["a == 1)", 6, "unexpected ')'"],
    ["a in 'x'", 5, "square brackets"],
    ["a in []", 5, "at least one value"],
    ["a in [1 2]", 8, "expected ',' or ']'"],
    ["a == b", 5, "cannot compare column 'a' with column 'b'"],
    ["1 == 2", 2, "column name on one side"],
    ["a", 1, "expected a comparison"],
    ["a is None", 2, "'is' operator"],
    ["foo(1) == 2", 0, "unknown function"],
    ["a == 1 b == 2", 7, "expected 'and', 'or'"],
    ["- a == 1", 2, "expected a value"],
  ];
  for (const [src, pos, msg] of errors) {
    it(`points at the fault in ${JSON.stringify(src)}`, () => {
      const e = thrown(() => parseFilter(src));
      expect(e.code).toBe("E_FILTER_SYNTAX");
      expect(e.position).toBe(pos);
      expect(e.message).toContain(msg);
      // The caret line sits under the offending character.
      const lines = e.message.split("\n");
      expect(lines[2].indexOf("^") - 2).toBe(pos);
    });
  }
});

describe("filter nesting", () => {
  const schema = new Schema([new Field("x", new Int32(), true)]);
  const evaluate = (filter: string) => evaluateFilter(bindFilter(parseFilter(filter), schema, filter), columnsInput(3, { x: vectorFromArray([0, 1, 2], new Int32()) }));

  it("accepts the deepest allowed nesting of parentheses and 'not', and evaluates it", () => {
    const parens = `${"(".repeat(MAX_FILTER_DEPTH)}x == 1${")".repeat(MAX_FILTER_DEPTH)}`;
    expect(Array.from(evaluate(parens))).toEqual([0, 1, 0]);
    // An even number of 'not's is the comparison itself.
    expect(Array.from(evaluate(`${"not ".repeat(MAX_FILTER_DEPTH)}x == 1`))).toEqual([0, 1, 0]);
  });

  for (const [what, make, opener] of [
    ["parentheses", (d: number) => `${"(".repeat(d)}x == 1${")".repeat(d)}`, "("],
    ["'not'", (d: number) => `${"not ".repeat(d)}x == 1`, "not"],
    ["mixed", (d: number) => `${"not (".repeat(d)}x == 1${")".repeat(d)}`, "not"],
  ] as const) {
    it(`rejects ${what} one level too deep, and far too deep, with E_FILTER_DEPTH at the first opener past the limit`, () => {
      for (const depth of [MAX_FILTER_DEPTH + 1, 100_000]) {
        const src = make(depth);
        const e = thrown(() => parseFilter(src));
        expect(e.code).toBe("E_FILTER_DEPTH");
        expect(e.message).toContain(`more than ${MAX_FILTER_DEPTH} levels deep`);
        expect(e.message).not.toContain("call stack");
        expect(src.slice(e.position ?? -1).startsWith(opener)).toBe(true);
      }
    });
  }
});

const dictType = () => new Dictionary(new Utf8(), new Int32(), undefined, true);

function table(columns: Record<string, { type: DataType; values: unknown[] }>) {
  const vecs: Record<string, Vector> = {};
  const fields: Field[] = [];
  let n = 0;
  for (const [name, { type, values }] of Object.entries(columns)) {
    vecs[name] = vectorFromArray(values, type);
    fields.push(new Field(name, type, true));
    n = values.length;
  }
  const schema = new Schema(fields);
  return {
    schema,
    run(filter: string): number[] {
      const bound = bindFilter(parseFilter(filter), schema, filter);
      const mask = evaluateFilter(bound, columnsInput(n, vecs));
      const rows: number[] = [];
      for (let i = 0; i < mask.length; i++) if (mask[i]) rows.push(i);
      return rows;
    },
  };
}

describe("evaluator", () => {
  const t = table({
    i32: { type: new Int32(), values: [1, 2, 3, 4, 5, -1] },
    i64: { type: new Int64(), values: [10n, 20n, 30n, 40n, 50n, -10n] },
    u8: { type: new Uint8(), values: [0, 1, 2, 255, 4, 5] },
    f32: { type: new Float32(), values: [0.1, 0.2, 0.3, 1.5, 2.5, Number.NaN] },
    f64: { type: new Float64(), values: [0.1, 0.2, 0.3, 1.5, 2.5, -0] },
    b: { type: new Bool(), values: [true, false, true, false, true, false] },
    s: { type: new Utf8(), values: ["lung", "tongue", "", "lungs", "é", "blood"] },
    ls: { type: new LargeUtf8(), values: ["lung", "tongue", "", "lungs", "é", "blood"] },
    cat: { type: dictType(), values: ["b", "a", "c", "a", "b", "c"] },
    ucat: { type: new Dictionary(new Utf8(), new Int8()), values: ["b", "a", "c", "a", "b", "c"] },
    n: { type: new Int8(), values: [1, null, 3, null, 5, 6] },
    ns: { type: new Utf8(), values: ["x", null, "y", null, "x", "z"] },
  });

  it("compares integers of every width, with casts like TileDB-SOMA's", () => {
    expect(t.run("i32 > 2")).toEqual([2, 3, 4]);
    expect(t.run("i32 <= 2")).toEqual([0, 1, 5]);
    expect(t.run("i64 >= 30 and i64 != 50")).toEqual([2, 3]);
    expect(t.run("i64 < 0")).toEqual([5]);
    expect(t.run("u8 == 255")).toEqual([3]);
    // An int column compared with a float compares with the float truncated toward zero.
    expect(t.run("i32 < 2.9")).toEqual([0, 5]);
    expect(t.run("i32 in [1, 5, 7]")).toEqual([0, 4]);
    expect(t.run("i64 not in [10, 20]")).toEqual([2, 3, 4, 5]);
  });
  it("compares float32 columns with the literal rounded to float32", () => {
    expect(t.run("f32 == 0.1")).toEqual([0]);
    expect(t.run("f64 == 0.1")).toEqual([0]);
    expect(t.run("f32 > 0.25")).toEqual([2, 3, 4]);
    expect(t.run("f32 != 0.1")).toEqual([1, 2, 3, 4, 5]);
  });
  it("compares booleans with True/False and numbers", () => {
    expect(t.run("b == True")).toEqual([0, 2, 4]);
    expect(t.run("b != True")).toEqual([1, 3, 5]);
    expect(t.run("b == 0")).toEqual([1, 3, 5]);
    expect(t.run("b in [False]")).toEqual([1, 3, 5]);
  });
  it("compares strings by UTF-8 bytes, in both offset widths", () => {
    for (const c of ["s", "ls"]) {
      expect(t.run(`${c} == 'lung'`)).toEqual([0]);
      expect(t.run(`${c} != 'lung'`)).toEqual([1, 2, 3, 4, 5]);
      expect(t.run(`${c} in ['tongue', 'lung', 'nope']`)).toEqual([0, 1]);
      expect(t.run(`${c} not in ['tongue', 'lung']`)).toEqual([2, 3, 4, 5]);
      expect(t.run(`${c} < 'lung'`)).toEqual([2, 5]);
      expect(t.run(`${c} >= 'lung'`)).toEqual([0, 1, 3, 4]);
      expect(t.run(`${c} == ''`)).toEqual([2]);
      expect(t.run(`${c} == '\\u00e9'`)).toEqual([4]);
    }
  });
  it("compares categorical labels through the dictionary, ordering by enumeration position", () => {
    // dictionary built in first-seen order: b=0, a=1, c=2
    expect(t.run("cat == 'a'")).toEqual([1, 3]);
    expect(t.run("cat != 'a'")).toEqual([0, 2, 4, 5]);
    expect(t.run("cat in ['a', 'c', 'zzz']")).toEqual([1, 2, 3, 5]);
    expect(t.run("cat not in ['a']")).toEqual([0, 2, 4, 5]);
    expect(t.run("cat == 'zzz'")).toEqual([]);
    expect(t.run("cat != 'zzz'")).toEqual([0, 1, 2, 3, 4, 5]);
    expect(t.run("cat > 'b'")).toEqual([1, 2, 3, 5]);
    expect(t.run("cat < 'zzz'")).toEqual([]);
    expect(t.run("ucat in ['a']")).toEqual([1, 3]);
    expect(thrown(() => t.run("ucat > 'a'")).message).toContain("unordered categorical");
  });
  it("lets null cells fail every comparison but '== None'", () => {
    expect(t.run("n == 1 or n != 1")).toEqual([0, 2, 4, 5]);
    expect(t.run("n not in [1]")).toEqual([2, 4, 5]);
    expect(t.run("n == None")).toEqual([1, 3]);
    expect(t.run("n != None")).toEqual([0, 2, 4, 5]);
    expect(t.run("ns != 'x'")).toEqual([2, 5]);
  });
  it("negates like TileDB: not pushes down to the leaves", () => {
    expect(t.run("not i32 > 2")).toEqual([0, 1, 5]);
    expect(t.run("not (i32 > 2 and b == True)")).toEqual([0, 1, 3, 5]);
    expect(t.run("not (s in ['lung'] or i32 == 2)")).toEqual([2, 3, 4, 5]);
    expect(t.run("not not i32 == 1")).toEqual([0]);
  });
  it("combines and/or with precedence", () => {
    expect(t.run("i32 == 1 or i32 == 2 and b == True")).toEqual([0]);
    expect(t.run("(i32 == 1 or i32 == 2) and b == False")).toEqual([1]);
  });
  it("rejects unknown columns and mismatched types, naming them", () => {
    let e = thrown(() => t.run("nope == 1"));
    expect(e.code).toBe("E_FILTER_COLUMN");
    expect(e.message).toContain("column 'nope' does not exist");
    e = thrown(() => t.run("i32 == 'x'"));
    expect(e.code).toBe("E_FILTER_TYPE");
    expect(e.message).toContain("'i32'");
    e = thrown(() => t.run("s == 3"));
    expect(e.message).toContain("quote the value");
    e = thrown(() => t.run("u8 == -1"));
    expect(e.message).toContain("out of the range");
    e = thrown(() => t.run("i32 < None"));
    expect(e.code).toBe("E_FILTER_TYPE");
  });

  it("reads sliced columns (nonzero offsets) correctly", () => {
    const mk = (type: DataType, values: unknown[]) => vectorFromArray(values, type as never).slice(2);
    const cols = {
      i: mk(new Int32(), [9, 9, 1, 2, 3]),
      j: mk(new Int64(), [9n, 9n, 1n, 2n, 3n]),
      s: mk(new Utf8(), ["z", "z", "a", "b", "c"]),
      l: mk(new LargeUtf8(), ["z", "z", "a", "b", "c"]),
      d: mk(dictType(), ["z", "z", "a", "b", "c"]),
      b: mk(new Bool(), [true, true, false, true, false]),
      n: mk(new Int8(), [1, null, 1, null, 3]),
    };
    const schema = new Schema(Object.entries(cols).map(([k, v]) => new Field(k, v.type, true)));
    const run = (f: string) => Array.from(evaluateFilter(bindFilter(parseFilter(f), schema), columnsInput(3, cols)));
    expect(run("i >= 2")).toEqual([0, 1, 1]);
    expect(run("j in [1, 3]")).toEqual([1, 0, 1]);
    expect(run("s == 'b'")).toEqual([0, 1, 0]);
    expect(run("l > 'a'")).toEqual([0, 1, 1]);
    expect(run("d != 'a'")).toEqual([0, 1, 1]);
    expect(run("b == True")).toEqual([0, 1, 0]);
    expect(run("n == None")).toEqual([0, 1, 0]);
  });

  it("matches a row-by-row reference on random data and filters", () => {
    const ops = ["==", "!=", "<", "<=", ">", ">="] as const;
    const leaf = fc.oneof(
      fc.tuple(fc.constantFrom("x", "y"), fc.constantFrom(...ops), fc.integer({ min: -3, max: 3 })).map(([c, op, v]) => `${c} ${op} ${v}`),
      fc.tuple(fc.constantFrom(...ops), fc.constantFrom("a", "b", "c", "")).map(([op, v]) => `s ${op} '${v}'`),
      fc.tuple(fc.boolean(), fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 3 })).map(([neg, vs]) => `x ${neg ? "not in" : "in"} [${vs.join(", ")}]`),
    );
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.tuple(tie("e"), fc.constantFrom("and", "or"), tie("e")).map(([a, op, b]) => `(${a} ${op} ${b})`),
        tie("e").map((a) => `not (${a})`),
      ),
    })).e;
    const rows = fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.bigInt({ min: -3n, max: 3n }), fc.constantFrom("a", "b", "c", "")), {
      minLength: 1,
      maxLength: 40,
    });
    fc.assert(
      fc.property(rows, expr, (rs, filter) => {
        const tt = table({
          x: { type: new Int32(), values: rs.map((r) => r[0]) },
          y: { type: new Int64(), values: rs.map((r) => r[1]) },
          s: { type: new Utf8(), values: rs.map((r) => r[2]) },
        });
        // Reference: the filter is valid JavaScript once the Python words are translated.
        const js = filter
          .replaceAll(" and ", " && ")
          .replaceAll(" or ", " || ")
          .replaceAll("not ", "!")
          .replace(/(\w) (!in|in) \[([^\]]*)\]/g, (_m, c, op, list) => `${op === "in" ? "" : "!"}[${list}].includes(${c})`)
          .replaceAll(" == ", " === ")
          .replaceAll(" != ", " !== ");
        const f = new Function("x", "y", "s", `return ${js};`) as (x: number, y: number, s: string) => boolean;
        const want = rs.flatMap((r, i) => (f(r[0], Number(r[1]), r[2]) ? [i] : []));
        expect(tt.run(filter)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe("pushdown", () => {
  const schema = new Schema([new Field("soma_joinid", new Int64(), false), new Field("x", new Int32(), false)]);
  const plan = (f: string) => planPushdown(bindFilter(parseFilter(f), schema, f), [{ name: "soma_joinid", domain: [0n, 99n] }]);
  const show = (p: ReturnType<typeof plan>) => ({
    ranges: p.ranges.get("soma_joinid")?.map(([a, b]) => [Number(a), Number(b)]),
    residual: p.residual === null ? null : p.residual.type,
    empty: p.empty,
  });
  it("turns joinid comparisons and lists into ranges and keeps the rest", () => {
    expect(show(plan("soma_joinid < 10 and x == 3"))).toEqual({ ranges: [[0, 9]], residual: "compare", empty: false });
    expect(show(plan("soma_joinid in [5, 3, 4, 50, 500] and soma_joinid >= 4"))).toEqual({ ranges: [[4, 5], [50, 50]], residual: null, empty: false });
    expect(show(plan("soma_joinid < 10 or soma_joinid > 90"))).toEqual({ ranges: [[0, 9], [91, 99]], residual: null, empty: false });
    expect(show(plan("not soma_joinid in [0, 1]"))).toEqual({ ranges: [[2, 99]], residual: null, empty: false });
    expect(show(plan("soma_joinid != 50"))).toEqual({ ranges: [[0, 49], [51, 99]], residual: null, empty: false });
    expect(show(plan("soma_joinid > 10 and soma_joinid < 5"))).toEqual({ ranges: [], residual: null, empty: true });
    expect(show(plan("soma_joinid < 10 or x == 1"))).toEqual({ ranges: undefined, residual: "or", empty: false });
    // A float bound on an int64 dimension truncates like the row filter does.
    expect(show(plan("soma_joinid <= 10.9"))).toEqual({ ranges: [[0, 10]], residual: null, empty: false });
  });
  it("has set operations that agree with a brute-force check", () => {
    const set = fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 30n }), fc.bigInt({ min: 0n, max: 30n })).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [bigint, bigint]), { maxLength: 5 });
    const members = (rs: Array<[bigint, bigint]>) => {
      const s = new Set<number>();
      for (const [a, b] of rs) for (let v = a; v <= b; v++) s.add(Number(v));
      return s;
    };
    fc.assert(
      fc.property(set, set, (a, b) => {
        const ma = members(a);
        const mb = members(b);
        const na = unionRanges(a, []);
        const nb = unionRanges(b, []);
        for (let v = 0; v <= 30; v++) {
          expect(members(unionRanges(a, b)).has(v)).toBe(ma.has(v) || mb.has(v));
          expect(members(intersectRanges(na, nb)).has(v)).toBe(ma.has(v) && mb.has(v));
          expect(members(complement(a, 0n, 30n)).has(v)).toBe(!ma.has(v));
        }
      }),
    );
  });
});
