/**
 * Cross-check against the real TileDB: test/python/filters_corpus.py writes one single-tile sparse array per
 * (pipeline, datatype) case; each attribute file is one filtered tile. We decode TileDB's tiles and compare
 * with the values TileDB reads back, and re-encode those values and compare byte for byte with TileDB's
 * tile wherever the pipeline is deterministic.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import {
  decodeTile,
  decodeVarStringTile,
  encodeTile,
  type FilterContext,
  type FilterPipeline,
  FilterType,
  skipsOffsetsFiltering,
} from "../../src/filters/index.js";
import { generateFiltersCorpus } from "./helpers.js";

interface Case {
  name: string;
  datatype: Datatype;
  cellValNum: number;
  cells: number;
  filters: { type: FilterType; options?: Record<string, number> }[];
  offsetsFilters: Case["filters"] | null;
  validityFilters: Case["filters"] | null;
  version: number;
  tile: string;
  varTile?: string;
  validityTile?: string;
  validity?: number[];
  expectedData: string | null;
  expectedOffsets?: string;
}

const dir = generateFiltersCorpus();
const cases: Case[] = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
afterAll(() => rmSync(dir, { recursive: true, force: true }), 120_000);

const pipe = (f: Case["filters"]): FilterPipeline => ({ maxChunkSize: 65536, filters: f.map((s) => ({ type: s.type, options: s.options ?? {} })) });
const file = (p: string) => new Uint8Array(readFileSync(join(dir, p)));
// Compressors whose bytes depend on the library build; everything else must match TileDB byte for byte.
const libraryDependent = new Set([FilterType.GZIP, FilterType.ZSTD, FilterType.LZ4, FilterType.BZIP2]);
// Bit width reduction on full-range data: TileDB stores an uninitialised window minimum for windows it keeps
// at full width (and ignores it on read), so those bytes cannot match.
const deterministic = (c: Case) => !c.name.startsWith("bwr-rand-") && c.filters.every((s) => !libraryDependent.has(s.type));

describe("tiles written by TileDB", () => {
  it("covers every filter TileDB can write", () => {
    const seen = new Set(cases.flatMap((c) => c.filters.map((f) => f.type)));
    for (const t of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 19]) expect(seen.has(t), `filter ${FilterType[t]}`).toBe(true);
  });

  for (const c of cases) {
    it(`decodes ${c.name}`, () => {
      const ctx: FilterContext = { datatype: c.datatype, cellValNum: c.cellValNum, what: `${c.name}/a0`, version: c.version };
      const attr = pipe(c.filters);
      if (c.varTile && !c.expectedData) {
        // Null cells: only the shape is checked (offsets rise within the data), values are TileDB's own.
        const offCtx: FilterContext = { datatype: Datatype.UINT64, cellValNum: 1, what: `${c.name}/a0 offsets`, version: c.version };
        const ob = decodeTile(file(c.tile), pipe(c.offsetsFilters ?? []), offCtx, c.cells * 8);
        const data = decodeTile(file(c.varTile), attr, ctx);
        const offs = new BigUint64Array(ob.buffer, ob.byteOffset, c.cells);
        for (let i = 1; i < offs.length; i++) expect(offs[i] >= offs[i - 1]).toBe(true);
        expect(Number(offs[offs.length - 1]) <= data.byteLength).toBe(true);
      } else if (c.varTile) {
        const expectedData = file(c.expectedData as string);
        const expectedOffsets = file(c.expectedOffsets as string);
        const offsetsPipe = pipe(c.offsetsFilters ?? []);
        const offCtx: FilterContext = { datatype: Datatype.UINT64, cellValNum: 1, what: `${c.name}/a0 offsets`, version: c.version };
        if (skipsOffsetsFiltering(attr, c.datatype, c.version)) {
          expect(decodeTile(file(c.tile), offsetsPipe, offCtx)).toHaveLength(0);
          const r = decodeVarStringTile(file(c.varTile), attr, ctx, expectedData.byteLength);
          expect(Buffer.from(r.data).equals(Buffer.from(expectedData))).toBe(true);
          expect(Buffer.from(r.offsets).equals(Buffer.from(expectedOffsets))).toBe(true);
        } else {
          const offsets = decodeTile(file(c.tile), offsetsPipe, offCtx, c.cells * 8);
          expect(Buffer.from(offsets).equals(Buffer.from(expectedOffsets))).toBe(true);
          const data = decodeTile(file(c.varTile), attr, ctx, expectedData.byteLength);
          expect(Buffer.from(data).equals(Buffer.from(expectedData))).toBe(true);
        }
      } else if (c.expectedData) {
        const expected = file(c.expectedData);
        const data = decodeTile(file(c.tile), attr, ctx, expected.byteLength);
        expect(Buffer.from(data).equals(Buffer.from(expected))).toBe(true);
      }
      if (c.validityTile && c.validity) {
        const vctx: FilterContext = { datatype: Datatype.UINT8, cellValNum: 1, what: `${c.name}/a0 validity`, version: c.version };
        const v = decodeTile(file(c.validityTile), pipe(c.validityFilters ?? []), vctx, c.cells);
        expect(Array.from(v)).toEqual(c.validity);
      }
    });

    const lossy = c.filters.some((f) => f.type === FilterType.SCALE_FLOAT);
    if (!c.expectedData || lossy) continue;
    it(`encodes ${c.name} ${deterministic(c) ? "byte-identical to TileDB" : "to a tile that round-trips"}`, () => {
      const ctx: FilterContext = { datatype: c.datatype, cellValNum: c.cellValNum, what: `${c.name}/a0`, version: c.version };
      const attr = pipe(c.filters);
      const data = file(c.expectedData as string);
      let offsets: BigUint64Array | undefined;
      let theirs: Uint8Array;
      if (c.varTile) {
        const ob = file(c.expectedOffsets as string);
        offsets = new BigUint64Array(ob.buffer, ob.byteOffset, ob.byteLength / 8);
        theirs = file(c.varTile);
      } else {
        theirs = file(c.tile);
      }
      const ours = encodeTile(data, attr, ctx, offsets);
      if (deterministic(c)) expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
      const back = c.varTile && skipsOffsetsFiltering(attr, c.datatype, c.version) ? decodeVarStringTile(ours, attr, ctx).data : decodeTile(ours, attr, ctx);
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    });
  }
});
