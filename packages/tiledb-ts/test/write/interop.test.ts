/**
 * Interop: for every combination of the reader's corpus (every type x every filter, sparse and dense, one and
 * several fragments, consolidated and vacuumed or not, with and without duplicates, nullable and var-sized),
 * tiledb-ts writes the array; Python `tiledb` must report the schema we asked for and every cell we wrote,
 * and tiledb-ts must read the same cells back.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { consolidate } from "../../src/consolidate.js";
import { Datatype } from "../../src/datatype.js";
import { readAll } from "../../src/read/index.js";
import { vacuum } from "../../src/vacuum.js";
import { createArray } from "../../src/write/create-array.js";
import { writeDense } from "../../src/write/dense.js";
import { writeSparse } from "../../src/write/sparse.js";
import { encodeColumn, sortedRows } from "../read/helpers.js";
import { FILTERS, floatScaleQuantize, genValues, SCENARIOS, TYPES } from "./corpus.js";
import { type PyArray, pythonView, rng, tempDir } from "./helpers.js";

interface Case {
  uri: string;
  name: string;
  sparse: boolean;
  dups: boolean;
  filterName: string;
  types: string[];
  /** Expected cells by field name (sparse: global order of distinct coordinates; dense: row-major grid). */
  expected: Record<string, unknown[]>;
  fragments: number;
  cellOrder: string;
  tileOrder: string;
}

const root = tempDir("tiledb-ts-write-corpus-").path;

/** Vacuums the replaced fragments, then also consolidates and vacuums fragment metadata and commits. */
async function vacuumAll(uri: string): Promise<void> {
  await vacuum(uri);
  await consolidate(uri, { mode: "fragment_meta" });
  await consolidate(uri, { mode: "commits" });
  await vacuum(uri, { mode: "fragment_meta" });
  await vacuum(uri, { mode: "commits" });
}
const cases: Case[] = [];
let py: Record<string, PyArray> = {};
const N = 64;

async function writeSparseCase(i: number, fname: string): Promise<Case> {
  const def = FILTERS[fname];
  const [nfrag, cons, vac, dups] = SCENARIOS[i % SCENARIOS.length];
  const rnd = rng(1000 + i);
  const uri = join(root, `${fname}_sparse`);
  const dimFilters = def.coords ? def.specs() : [];
  await createArray(uri, {
    arrayType: "sparse",
    capacity: 16,
    allowsDuplicates: dups,
    dimensions: [{ name: "d0", type: Datatype.INT64, domain: [-1000n, 1000000n], tileExtent: 32n, filters: dimFilters }],
    coordsFilters: dimFilters,
    offsetsFilters: def.coords ? def.specs() : [{ type: 2, options: {} }],
    attributes: def.types.map((t) => ({
      name: t,
      type: TYPES[t].type,
      var: TYPES[t].var,
      nullable: TYPES[t].nullable,
      filters: def.attrs === false ? [] : def.specs(),
    })),
  });
  const rows = new Map<bigint, unknown[]>();
  const all: unknown[][] = [];
  for (let fr = 0; fr < nfrag; fr++) {
    const base = BigInt(fr * (N / 2));
    const coords = Array.from({ length: N }, (_, k) => base + BigInt(k));
    for (let k = N - 1; k > 0; k--) {
      const j = Math.floor(rnd() * (k + 1));
      [coords[k], coords[j]] = [coords[j], coords[k]];
    }
    if (dups && fr > 0) for (let k = 0; k < 5; k++) coords[k] = coords[k + 5];
    const cells: Record<string, unknown> = { d0: BigInt64Array.from(coords) };
    const exp: Record<string, unknown[]> = {};
    for (const t of def.types) {
      const g = genValues(t, N, rnd, fname !== "doubledelta", fname === "floatscale" ? floatScaleQuantize : undefined);
      cells[t] = g.input;
      exp[t] = g.expected;
    }
    await writeSparse(uri, cells as never, { timestamp: 1000 + fr });
    for (let k = 0; k < N; k++) {
      const row = [String(coords[k]), ...def.types.map((t) => exp[t][k])];
      rows.set(coords[k], row);
      all.push(row);
    }
  }
  if (cons) {
    await consolidate(uri);
    if (vac) await vacuumAll(uri);
  }
  const list = dups ? all : [...rows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
  const names = ["d0", ...def.types];
  const expected: Record<string, unknown[]> = Object.fromEntries(names.map((n, c) => [n, list.map((r) => r[c])]));
  return { uri, name: `${fname}_sparse`, sparse: true, dups, filterName: fname, types: def.types, expected, fragments: cons ? 1 : nfrag, cellOrder: "row-major", tileOrder: "row-major" };
}

const RECTS: Array<[number, number, number, number]> = [
  [0, 11, 0, 9],
  [4, 11, 3, 9],
  [2, 5, 2, 8],
];

async function writeDenseCase(i: number, fname: string): Promise<Case> {
  const def = FILTERS[fname];
  const [nfrag, cons, vac] = SCENARIOS[i % SCENARIOS.length];
  const rnd = rng(5000 + i);
  const uri = join(root, `${fname}_dense`);
  const dimFilters = def.coords ? def.specs() : [];
  const cellOrder = i % 2 ? "col-major" : "row-major";
  const tileOrder = i % 3 ? "row-major" : "col-major";
  await createArray(uri, {
    arrayType: "dense",
    cellOrder,
    tileOrder,
    dimensions: [
      { name: "r", type: Datatype.INT32, domain: [0, 11], tileExtent: 4, filters: dimFilters },
      { name: "c", type: Datatype.INT32, domain: [0, 9], tileExtent: 3, filters: dimFilters },
    ],
    coordsFilters: dimFilters,
    offsetsFilters: def.coords ? def.specs() : [{ type: 2, options: {} }],
    attributes: def.types.map((t) => ({
      name: t,
      type: TYPES[t].type,
      var: TYPES[t].var,
      nullable: TYPES[t].nullable,
      filters: def.attrs === false ? [] : def.specs(),
      // Double delta cannot encode the jump to the default int fill (the type's minimum) in partly written tiles.
      ...(fname === "doubledelta" && TYPES[t].kind === "int" ? { fillValue: 0 } : {}),
    })),
  });
  const grid: Record<string, unknown[]> = Object.fromEntries(def.types.map((t) => [t, new Array(120).fill(undefined)]));
  for (let fr = 0; fr < Math.min(nfrag, 3); fr++) {
    const [r0, r1, c0, c1] = RECTS[fr];
    const n = (r1 - r0 + 1) * (c1 - c0 + 1);
    const cells: Record<string, unknown> = {};
    for (const t of def.types) {
      const g = genValues(t, n, rnd, fname !== "doubledelta", fname === "floatscale" ? floatScaleQuantize : undefined);
      cells[t] = g.input;
      let k = 0;
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) grid[t][r * 10 + c] = g.expected[k++];
    }
    await writeDense(uri, { subarray: [[r0, r1], [c0, c1]], cells: cells as never }, { timestamp: 1000 + fr });
  }
  if (cons) {
    await consolidate(uri);
    if (vac) await vacuumAll(uri);
  }
  const expected: Record<string, unknown[]> = {
    r: Array.from({ length: 120 }, (_, k) => String(Math.floor(k / 10))),
    c: Array.from({ length: 120 }, (_, k) => String(k % 10)),
    ...grid,
  };
  // Consolidated fragments are hidden (vacuum file) even before they are vacuumed.
  const fragments = cons ? 1 : Math.min(nfrag, 3);
  return { uri, name: `${fname}_dense`, sparse: false, dups: false, filterName: fname, types: def.types, expected, fragments, cellOrder, tileOrder };
}

beforeAll(async () => {
  const names = Object.keys(FILTERS);
  for (let i = 0; i < names.length; i++) {
    cases.push(await writeSparseCase(i, names[i]));
    cases.push(await writeDenseCase(i, names[i]));
  }
  py = pythonView({ arrays: cases.map((c) => c.uri) }).arrays;
}, 240_000);

function filtersOf(list: Array<[string, Record<string, unknown>]>): string[] {
  return list.map(([n]) => n);
}

function checkFilterOptions(got: Array<[string, Record<string, unknown>]>, want: Array<[string, Record<string, unknown>]>, what: string): void {
  expect(filtersOf(got), what).toEqual(filtersOf(want));
  want.forEach(([, opts], k) => {
    for (const [key, v] of Object.entries(opts)) expect(got[k][1][key], `${what} ${key}`).toEqual(v);
  });
}

describe("arrays written by tiledb-ts, opened by Python tiledb", () => {
  for (const fname of Object.keys(FILTERS)) {
    for (const kind of ["sparse", "dense"]) {
      it(`${fname}_${kind}: schema and every cell equal`, () => {
        const c = cases.find((x) => x.name === `${fname}_${kind}`) as Case;
        const got = py[c.uri];
        expect(got.error, got.error).toBeUndefined();
        const def = FILTERS[fname];
        const s = got.schema;
        expect(s.sparse).toBe(c.sparse);
        expect(s.allows_duplicates).toBe(c.dups);
        expect(s.cell_order).toBe(c.cellOrder);
        expect(s.tile_order).toBe(c.tileOrder);
        if (c.sparse) {
          expect(s.capacity).toBe(16);
          expect(s.dims).toMatchObject([{ name: "d0", dtype: "int64", domain: ["-1000", "1000000"], tile: "32" }]);
        } else {
          expect(s.dims).toMatchObject([
            { name: "r", dtype: "int32", domain: ["0", "11"], tile: "4" },
            { name: "c", dtype: "int32", domain: ["0", "9"], tile: "3" },
          ]);
        }
        for (const d of s.dims) checkFilterOptions(d.filters, def.coords ? def.py : [], `dimension ${d.name} filters`);
        checkFilterOptions(s.offsets_filters, def.coords ? def.py : [["ZstdFilter", {}]], "offsets filters");
        checkFilterOptions(s.validity_filters, [["RleFilter", {}]], "validity filters");
        expect(s.attrs.map((a) => a.name)).toEqual(c.types);
        for (const a of s.attrs) {
          const t = TYPES[a.name];
          expect(a.var, `${a.name} var`).toBe(t.var ?? false);
          expect(a.nullable, `${a.name} nullable`).toBe(t.nullable ?? false);
          checkFilterOptions(a.filters, def.attrs === false ? [] : def.py, `attribute ${a.name} filters`);
        }
        expect(got.fragments).toBe(c.fragments);
        const names = Object.keys(c.expected);
        if (c.dups) {
          expect(sortedRows(got.cells, names)).toEqual(sortedRows(c.expected, names));
        } else {
          for (const n of names) {
            const want = c.expected[n].map((v) => (v === undefined ? "__fill__" : v));
            const have = got.cells[n].map((v, k) => (c.expected[n][k] === undefined ? "__fill__" : v));
            expect(have, `column ${n}`).toEqual(want);
          }
        }
      });
    }
  }
});

describe("arrays written by tiledb-ts, read back by tiledb-ts", () => {
  for (const fname of Object.keys(FILTERS)) {
    for (const kind of ["sparse", "dense"]) {
      it(`${fname}_${kind}: every cell equal`, async () => {
        const c = cases.find((x) => x.name === `${fname}_${kind}`) as Case;
        const batch = await readAll(c.uri);
        const cols: Record<string, unknown[]> = {};
        for (const col of batch.columns) cols[col.name] = encodeColumn(col);
        const names = Object.keys(c.expected);
        const expected = Object.fromEntries(names.map((n) => [n, c.expected[n].map((v, k) => (v === undefined ? cols[n][k] : v))]));
        if (c.dups) expect(sortedRows(cols, names)).toEqual(sortedRows(expected, names));
        else for (const n of names) expect(cols[n], `column ${n}`).toEqual(expected[n]);
      });
    }
  }
});
