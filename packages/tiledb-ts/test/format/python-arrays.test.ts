/**
 * Arrays written by Python tiledb (test/python/format_arrays.py) and the shared Census fixture, decoded by
 * tiledb-ts and compared with what Python tiledb reports about the same files.
 */
import { cp, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeConsolidatedFragmentMeta, openArray, type TileDBArray } from "../../src/array.js";
import { encodeArraySchema } from "../../src/array-schema.js";
import { Datatype } from "../../src/datatype.js";
import { encodeEnumeration, enumerationValues, loadAllEnumerations } from "../../src/enumeration.js";
import { FilterType } from "../../src/filters/filter.js";
import {
  decodeFragmentMetadata,
  encodeFragmentFooter,
  encodeFragmentMetadata,
  FRAGMENT_METADATA_FILE,
  fieldCount,
  fieldFileName,
  fieldIndex,
  DELETE_CONDITION_INDEX_FIELD,
  DELETE_TIMESTAMPS_FIELD,
  sparseCellNum,
} from "../../src/fragment-metadata.js";
import { decodeGenericTileAt } from "../../src/generic-tile.js";
import { VAR_NUM } from "../../src/schema.js";
import { makeTimestampedName } from "../../src/timestamped-name.js";
import { canon, fixtureRoot, formatArrays, num, tempDir } from "./helpers.js";

interface PyFilter { name: string; level?: number }
interface PySchema {
  labels: Array<{ name: string; dim_index: number; uri_tail: string; label_attr_name: string; dtype: string; order: string }>;
  sparse: boolean;
  allows_duplicates: boolean;
  capacity: number;
  cell_order: string;
  tile_order: string | null;
  coords_filters: PyFilter[];
  offsets_filters: PyFilter[];
  validity_filters: PyFilter[];
  dims: Array<{ name: string; dtype: string; var: boolean; domain: unknown[] | null; tile: unknown; filters: PyFilter[] }>;
  attrs: Array<{ name: string; dtype: string; var: boolean; ncells: number; nullable: boolean; filters: PyFilter[]; enum_label: string | null }>;
  current_domain: unknown[][] | null;
}
interface PyReport {
  uri: string;
  schema: PySchema;
  nonempty_domain: unknown[][] | null;
  enumerations: Record<string, { values: unknown[]; ordered: boolean }>;
  cells: Record<string, unknown>;
  fragments: Array<{ name: string; timestamp_range: [number, number]; nonempty_domain: unknown[][]; cell_num: number; version: number; sparse: boolean }>;
  at: Record<string, unknown[][] | null>;
}

const PY_FILTER: Partial<Record<FilterType, string>> = {
  [FilterType.GZIP]: "GzipFilter",
  [FilterType.ZSTD]: "ZstdFilter",
  [FilterType.LZ4]: "LZ4Filter",
  [FilterType.RLE]: "RleFilter",
  [FilterType.BZIP2]: "Bzip2Filter",
  [FilterType.DOUBLE_DELTA]: "DoubleDeltaFilter",
  [FilterType.BIT_WIDTH_REDUCTION]: "BitWidthReductionFilter",
  [FilterType.BITSHUFFLE]: "BitShuffleFilter",
  [FilterType.BYTESHUFFLE]: "ByteShuffleFilter",
  [FilterType.POSITIVE_DELTA]: "PositiveDeltaFilter",
  [FilterType.DICTIONARY]: "DictionaryFilter",
  [FilterType.DELTA]: "DeltaFilter",
};

const PY_DTYPE: Partial<Record<Datatype, string>> = {
  [Datatype.INT8]: "int8",
  [Datatype.UINT8]: "uint8",
  [Datatype.INT16]: "int16",
  [Datatype.UINT16]: "uint16",
  [Datatype.INT32]: "int32",
  [Datatype.UINT32]: "uint32",
  [Datatype.INT64]: "int64",
  [Datatype.UINT64]: "uint64",
  [Datatype.FLOAT32]: "float32",
  [Datatype.FLOAT64]: "float64",
  [Datatype.BOOL]: "bool",
  [Datatype.STRING_ASCII]: "|S0",
  [Datatype.STRING_UTF8]: "<U0",
  [Datatype.BLOB]: "|S0",
  [Datatype.CHAR]: "|S0",
  [Datatype.DATETIME_NS]: "datetime64[ns]",
  [Datatype.DATETIME_MS]: "datetime64[ms]",
};

function filtersAsPython(p: { filters: Array<{ type: FilterType; options: Record<string, number> }> }): PyFilter[] {
  return p.filters.map((f) => {
    const out: PyFilter = { name: PY_FILTER[f.type] ?? `filter ${f.type}` };
    if ("level" in f.options) out.level = f.options.level;
    return out;
  });
}

function schemaAsPython(a: TileDBArray): PySchema {
  const s = a.schema;
  return {
    labels: (s.dimensionLabels ?? []).map((l) => ({
      name: l.name,
      dim_index: l.dimensionIndex,
      uri_tail: l.uri.replace(/\/+$/, "").split("/").pop()!,
      label_attr_name: l.attributeName,
      dtype: PY_DTYPE[l.type] ?? `type ${l.type}`,
      order: l.order,
    })),
    sparse: s.arrayType === "sparse",
    allows_duplicates: s.allowsDuplicates,
    capacity: Number(s.capacity),
    cell_order: s.cellOrder,
    // tiledb-py reports no tile order for Hilbert arrays (TileDB stores row-major there).
    tile_order: s.cellOrder === "hilbert" ? null : s.tileOrder,
    coords_filters: filtersAsPython(s.coordsFilters),
    offsets_filters: filtersAsPython(s.offsetsFilters),
    validity_filters: filtersAsPython(s.validityFilters),
    dims: s.dimensions.map((d) => ({
      name: d.name,
      dtype: PY_DTYPE[d.type] ?? `type ${d.type}`,
      var: d.cellValNum === VAR_NUM,
      domain: d.domain ? d.domain.map(num) : null,
      // tiledb-py shows a null tile extent of a fixed-size dimension as 0.
      tile: d.tileExtent === null ? (d.cellValNum === VAR_NUM ? null : 0) : num(d.tileExtent),
      filters: filtersAsPython(d.filters),
    })),
    attrs: s.attributes.map((x) => ({
      name: x.name,
      dtype: PY_DTYPE[x.type] ?? `type ${x.type}`,
      var: x.cellValNum === VAR_NUM,
      ncells: x.cellValNum === VAR_NUM ? 0 : x.cellValNum,
      nullable: x.nullable,
      filters: filtersAsPython(x.filters),
      enum_label: x.enumerationName ?? null,
    })),
    current_domain: s.currentDomain && !s.currentDomain.empty ? s.currentDomain.ranges.map((r) => r.map(num)) : null,
  };
}

/** Union of the visible fragments' non-empty domains (what Python's `nonempty_domain()` reports). */
function unionDomain(a: TileDBArray): unknown[][] | null {
  type V = number | bigint | string;
  let out: Array<[V, V]> | null = null;
  for (const f of a.fragments) {
    const d = f.footer.nonEmptyDomain;
    if (!d) continue;
    if (!out) out = d.map((r) => [r[0], r[1]]);
    else
      out = out.map((r, i): [V, V] => {
        // Values may be bigints or strings, so Math.min/max do not apply.
        const [lo, hi] = d[i];
        const next: [V, V] = [r[0], r[1]];
        if (lo < next[0]) next[0] = lo;
        if (hi > next[1]) next[1] = hi;
        return next;
      });
  }
  return out ? out.map((r) => r.map(num)) : null;
}

async function expectMatchesPython(py: PyReport): Promise<TileDBArray> {
  const a = await openArray(py.uri);
  expect(schemaAsPython(a)).toEqual(py.schema);
  expect(unionDomain(a)).toEqual(py.nonempty_domain);
  expect(a.fragments.map((f) => f.name).sort()).toEqual(py.fragments.map((f) => f.name).sort());
  for (const pf of py.fragments) {
    const f = a.fragments.find((x) => x.name === pf.name)!;
    expect([f.t1, f.t2]).toEqual(pf.timestamp_range);
    expect(f.version).toBe(pf.version);
    expect(f.footer.dense).toBe(!pf.sparse);
    expect(f.footer.nonEmptyDomain!.map((r) => r.map(num))).toEqual(pf.nonempty_domain);
    if (pf.sparse) expect(Number(sparseCellNum(f.footer, f.schema))).toBe(pf.cell_num);
  }
  for (const [ts, dom] of Object.entries(py.at)) {
    const at = await openArray(py.uri, { timestamp: JSON.parse(ts) });
    expect(unionDomain(at), `nonempty domain at ${ts}`).toEqual(dom);
  }
  const enums = await loadAllEnumerations(a.uri, a.schema, a.vfs);
  expect(Object.fromEntries(enums.map((e) => [e.name, { values: enumerationValues(e), ordered: e.ordered }]))).toEqual(
    Object.fromEntries(Object.entries(py.enumerations).map(([k, v]) => [k, { values: v.values, ordered: v.ordered }])),
  );
  return a;
}

/** Payloads of every generic tile before the footer, in file order. */
function tilePayloads(file: Uint8Array, footerStart: number, what: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < footerStart) {
    const t = decodeGenericTileAt(file, pos, what);
    out.push(Buffer.from(t.data).toString("hex"));
    pos = t.end;
  }
  return out;
}

let root: string;
let report: Record<string, PyReport>;

beforeAll(async () => {
  root = tempDir("tiledb-ts-format-py-").path;
  report = formatArrays<Record<string, PyReport>>("make", join(root, "arrays"));
}, 120_000);

describe("arrays written by Python tiledb", () => {
  for (const name of [
    "sparse_x",
    "sparse_strings",
    "strings_vacuumed",
    "dense_2d",
    "sparse_types",
    "sparse_types_unvacuumed",
    "sparse_deletes",
    "sparse_deletes_consolidated",
    "dense_labels",
    "sparse_hilbert",
  ]) {
    it(`${name}: schema, fragments, non-empty domains, timestamps and enumerations equal Python's`, async () => {
      await expectMatchesPython(report[name]);
    });
  }

  it("opens the same array through a file:// URI", async () => {
    const plain = await openArray(report.sparse_x.uri);
    const viaUrl = await openArray(pathToFileURL(report.sparse_x.uri).href);
    expect(viaUrl.fragments.map((f) => f.name)).toEqual(plain.fragments.map((f) => f.name));
    expect(viaUrl.fragments[0].uri.startsWith("file://")).toBe(true);
    expect(canon((await viaUrl.fragments[0].metadata()).tileOffsets)).toEqual(canon((await plain.fragments[0].metadata()).tileOffsets));
  });

  it("a consolidated, unvacuumed array shows only the consolidated fragment (its .vac file hides the rest)", async () => {
    const a = await openArray(report.sparse_types_unvacuumed.uri);
    expect(a.fragments).toHaveLength(1);
    expect(a.directory.vacuumedFragments).toHaveLength(3);
    expect([a.fragments[0].t1, a.fragments[0].t2]).toEqual([100, 300]);
  });

  it("lists delete commits and decodes fragments consolidated with delete metadata", async () => {
    const a = await openArray(report.sparse_deletes.uri);
    expect(a.directory.deleteCommits.map((d) => [d.t1, d.t2])).toEqual([[2, 2]]);
    expect((await openArray(report.sparse_deletes.uri, { timestamp: 1 })).directory.deleteCommits).toHaveLength(0);
    const c = await openArray(report.sparse_deletes_consolidated.uri);
    expect(c.fragments).toHaveLength(1);
    const f = c.fragments[0];
    expect(f.footer.hasTimestamps).toBe(true);
    expect(f.footer.hasDeleteMeta).toBe(true);
    const meta = await f.metadata();
    expect(fieldCount(f.schema, meta)).toBe(1 + 1 + 1 + 3);
    expect(meta.tileOffsets).toHaveLength(6);
    expect(fieldFileName(f.schema, DELETE_CONDITION_INDEX_FIELD)).toBe("dci.tdb");
    expect(meta.fileSizes[fieldIndex(f.schema, DELETE_TIMESTAMPS_FIELD, meta)]).toBeGreaterThan(0);
    const bytes = encodeFragmentMetadata({ ...meta }, f.schema);
    expect(canon(decodeFragmentMetadata(bytes, (n) => c.schemas.get(n), "re").tileOffsets)).toEqual(canon(meta.tileOffsets));
  });

  it("applies ignore files to consolidated commits after vacuuming", async () => {
    const a = await openArray(report.strings_vacuumed.uri);
    expect(a.fragments.map((f) => [f.t1, f.t2])).toEqual([[10, 20]]);
    // The .con file still lists the two vacuumed commits; the .ign file cancels them.
    expect(a.directory.consolidatedCommits).toHaveLength(0);
  });

  it("reads pre-v12 layouts: a fragment folder in the array root committed by an .ok file", async () => {
    const copy = join(root, "legacy_layout");
    await cp(report.sparse_x.uri, copy, { recursive: true });
    const first = report.sparse_x.fragments[0].name;
    await rename(join(copy, "__fragments", first), join(copy, first));
    await rm(join(copy, "__commits", `${first}.wrt`));
    await writeFile(join(copy, `${first}.ok`), new Uint8Array(0));
    const a = await openArray(copy);
    const legacy = a.fragments.find((f) => f.name === first)!;
    expect(a.directory.fragments.find((f) => f.name === first)!.legacy).toBe(true);
    expect(legacy.footer.nonEmptyDomain!.map((r) => r.map(num))).toEqual(report.sparse_x.fragments[0].nonempty_domain);
    expect((await legacy.metadata()).mbrs).toHaveLength(legacy.footer.sparseTileNum);
    const py = formatArrays<Record<string, PyReport>>("describe", copy)[copy];
    expect(py.fragments.map((f) => f.name).sort()).toEqual(a.fragments.map((f) => f.name).sort());
    // Without its .ok file the folder is an uncommitted write and stays invisible.
    await rm(join(copy, `${first}.ok`));
    expect((await openArray(copy)).fragments.map((f) => f.name)).not.toContain(first);
  });

  it("uses consolidated fragment metadata and consolidated commits", async () => {
    const a = await openArray(report.sparse_strings.uri);
    expect(a.directory.fragmentMetaFiles).toHaveLength(1);
    expect(a.directory.consolidatedCommits).toHaveLength(2);
    // Footers from the consolidated file equal those in each fragment's own metadata file.
    for (const f of a.fragments) {
      const own = decodeFragmentMetadata(await readFile(join(f.uri, FRAGMENT_METADATA_FILE)), (n) => a.schemas.get(n), f.uri);
      const { gtOffsets: _a, footerSize: _b, ...mine } = f.footer;
      const { gtOffsets: _c, footerSize: _d, ...theirs } = own;
      expect(canon(mine)).toEqual(canon(Object.fromEntries(Object.keys(mine).map((k) => [k, (theirs as Record<string, unknown>)[k]]))));
    }
  });

  it("decodes every section of every fragment's metadata and re-encodes the same payloads and footer bytes", async () => {
    for (const name of ["sparse_x", "sparse_strings", "dense_2d", "sparse_types"]) {
      const a = await openArray(report[name].uri);
      for (const f of a.fragments) {
        const path = join(f.uri, FRAGMENT_METADATA_FILE);
        const file = new Uint8Array(await readFile(path));
        const meta = await f.metadata();
        expect(meta.tileOffsets).toHaveLength(fieldCount(f.schema, meta));
        if (name === "sparse_types") expect(meta.hasTimestamps).toBe(true);
        if (!meta.dense) expect(meta.mbrs).toHaveLength(meta.sparseTileNum);
        const footerStart = file.byteLength - 8 - meta.footerSize;
        // The footer re-encodes byte for byte.
        expect(Buffer.from(encodeFragmentFooter(meta, f.schema)).toString("hex")).toBe(Buffer.from(file.subarray(footerStart, file.byteLength - 8)).toString("hex"));
        // A fresh encoding holds the same generic tile payloads, in the same order, as TileDB's file.
        const mine = encodeFragmentMetadata({ ...meta }, f.schema);
        const again = decodeFragmentMetadata(mine, (n) => a.schemas.get(n), "re-encoded");
        expect(tilePayloads(mine, mine.byteLength - 8 - again.footerSize, "mine")).toEqual(tilePayloads(file, footerStart, path));
        const { gtOffsets: _x, footerSize: _y, ...m1 } = meta;
        const { gtOffsets: _z, footerSize: _w, ...m2 } = again;
        expect(canon(m2)).toEqual(canon(m1));
      }
    }
  });

  it("Python tiledb reads arrays whose fragment metadata tiledb-ts re-encoded", async () => {
    for (const name of ["sparse_x", "sparse_strings", "sparse_types"]) {
      const copy = join(root, `reencoded_${name}`);
      await cp(report[name].uri, copy, { recursive: true });
      const a = await openArray(copy);
      for (const f of a.fragments) {
        const meta = await f.metadata();
        await writeFile(join(f.uri, FRAGMENT_METADATA_FILE), encodeFragmentMetadata({ ...meta }, f.schema));
      }
      // Drop the consolidated footers so Python reads ours.
      for (const fm of a.directory.fragmentMetaFiles) await rm(fm.uri);
      const py = formatArrays<Record<string, PyReport>>("describe", copy)[copy];
      expect(py.cells).toEqual(report[name].cells);
      expect(py.fragments.map((x) => x.nonempty_domain)).toEqual(report[name].fragments.map((x) => x.nonempty_domain));
    }
  });

  it("consolidated fragment metadata written by tiledb-ts is used by Python tiledb and by openArray", async () => {
    const copy = join(root, "fm_sparse_x");
    await cp(report.sparse_x.uri, copy, { recursive: true });
    const a = await openArray(copy);
    const t1 = a.fragments[0].t1;
    const t2 = a.fragments[a.fragments.length - 1].t2;
    const file = encodeConsolidatedFragmentMeta(a.fragments.map((f) => ({ name: f.name, footer: f.footer, schema: f.schema })));
    await mkdir(join(copy, "__fragment_meta"), { recursive: true });
    await writeFile(join(copy, "__fragment_meta", `${makeTimestampedName(t1, t2, 22)}.meta`), file);
    const b = await openArray(copy);
    expect(b.directory.fragmentMetaFiles).toHaveLength(1);
    expect(canon(b.fragments.map((f) => f.footer))).toEqual(canon(a.fragments.map((f) => f.footer)));
    const py = formatArrays<Record<string, PyReport>>("describe", copy)[copy];
    expect(py.cells).toEqual(report.sparse_x.cells);
    expect(py.fragments.map((x) => x.nonempty_domain)).toEqual(report.sparse_x.fragments.map((x) => x.nonempty_domain));
  });

  it("schemas tiledb-ts encodes open in Python tiledb equal to the originals", async () => {
    for (const name of ["sparse_x", "sparse_strings", "dense_2d", "sparse_types", "dense_labels", "sparse_hilbert", "sparse_deletes"]) {
      const a = await openArray(report[name].uri);
      const dir = join(root, `schema_${name}`);
      for (const sub of ["__schema/__enumerations", "__fragments", "__commits", "__meta", "__fragment_meta", "__labels"]) {
        await mkdir(join(dir, sub), { recursive: true });
      }
      const ts = Date.now();
      await writeFile(join(dir, "__schema", makeTimestampedName(ts, ts)), encodeArraySchema(a.schema));
      for (const e of await loadAllEnumerations(a.uri, a.schema, a.vfs)) {
        await writeFile(join(dir, "__schema/__enumerations", e.pathName), encodeEnumeration(e));
      }
      const r = formatArrays<{ equal: boolean; a: unknown; b: unknown }>("schema-equal", a.uri, dir);
      expect(r.b).toEqual(r.a);
      expect(r.equal).toBe(true);
    }
  });
});

describe("the shared Census fixture", () => {
  const arrays = ["obs", "ms/RNA/X/raw"];
  let py: Record<string, PyReport>;
  beforeAll(() => {
    py = formatArrays<Record<string, PyReport>>("describe", ...arrays.map((a) => join(fixtureRoot, a)));
  }, 120_000);

  for (const rel of arrays) {
    it(`${rel}: format 20 schema, fragment and footer equal Python's`, async () => {
      const a = await expectMatchesPython(py[join(fixtureRoot, rel)]);
      expect(a.schema.version).toBe(20);
      const meta = await a.fragments[0].metadata();
      expect(meta.version).toBe(20);
      expect(meta.fragmentStats).toHaveLength(a.schema.attributes.length + 1 + a.schema.dimensions.length);
    });
  }

  it("re-encoded fixture schemas (as format 22) open in Python tiledb equal to the originals", async () => {
    for (const rel of arrays) {
      const a = await openArray(join(fixtureRoot, rel));
      const dir = join(root, `fixture_schema_${rel.replace(/\//g, "_")}`);
      for (const sub of ["__schema/__enumerations", "__fragments", "__commits", "__meta"]) await mkdir(join(dir, sub), { recursive: true });
      await writeFile(join(dir, "__schema", makeTimestampedName(1, 1)), encodeArraySchema(a.schema));
      const r = formatArrays<{ equal: boolean; a: unknown; b: unknown }>("schema-equal", a.uri, dir);
      expect(r.b).toEqual(r.a);
      expect(r.equal).toBe(true);
    }
  });
});
