import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { consolidate, Datatype, type FilterSpec, FilterType, SparseWriter, vacuum, writeMetadata, writeSparse } from "@census-cube/tiledb-ts";
import {
  ASSAYS,
  CELL_TYPES,
  DEVELOPMENT_STAGES,
  DISEASES,
  type DatasetPlan,
  type PRESETS,
  ETHNICITIES,
  type ObsChunk,
  SEXES,
  SUSPENSION_TYPES,
  type SynthConfig,
  TISSUES,
  TISSUES_GENERAL,
  featureIdOf,
  generateChunk,
  genePopularity,
  planDatasets,
  plantEffects,
  type XChunk,
} from "./generate.js";
import { Rng } from "./rng.js";
import { addMembers, createSomaArray, createSomaGroup } from "./soma-write.js";

/** Census filter pipelines (cellxgene_census_builder globals): zstd, byteshuffle, double delta. */
const zstd = (level: number): FilterSpec => ({ type: FilterType.ZSTD, options: { level } });
const BYTESHUFFLE: FilterSpec = { type: FilterType.BYTESHUFFLE, options: {} };
const DOUBLE_DELTA: FilterSpec = { type: FilterType.DOUBLE_DELTA, options: {} };
const DICTIONARY: FilterSpec = { type: FilterType.DICTIONARY, options: {} };
const JOINID_DOMAIN: [bigint, bigint] = [0n, 2147483646n];

/**
 * "enumeration": categorical obs columns as enumerations (what current TileDB-SOMA writes);
 * "string": plain ascii strings with a dictionary filter (the 2023 Census layout).
 */
export type CategoricalLayout = "enumeration" | "string";

export interface WriteExperimentOptions {
  out: string;
  config: SynthConfig;
  categorical?: CategoricalLayout;
  /** Bytes of X cells buffered before a fragment is written (bounds the generator's memory). */
  xFragmentBytes?: number;
  /** How X is laid out on disk (default: one sorted pass, fragments cut by `xFragmentBytes`, duplicates allowed). */
  xLayout?: XLayout;
  onChunk?: (cellsDone: number, nnzDone: number) => void;
}

/**
 * X as appends write it (tiledbsoma ingestion, users' own writes): blocks of cells dealt at random to
 * `fragments` fragments, so every fragment spans the whole joinid range and the fragments overlap in global
 * order; optionally a share of the blocks written once more, unchanged, in one more (newest) fragment.
 */
export interface XLayout {
  fragments: number;
  /** Cells per block dealt to one fragment. */
  blockCells: number;
  /** TileDB-SOMA's default for new arrays is false: reads then merge fragments and the newest cell wins. */
  allowsDuplicates: boolean;
  /** Fraction of blocks written again in a last fragment (overlapping coordinates, same values). */
  rewriteFraction: number;
  /** Consolidate the fragments into one (and vacuum) after writing. */
  consolidate: boolean;
}

export interface WrittenExperiment {
  uri: string;
  /** The planted effects (also written as `planted_de.json` in the experiment directory), when asked for. */
  planted?: PlantedRecord;
  cells: number;
  nnz: number;
  datasets: number;
  xFragments: number;
}

/** Planted effects as recorded beside the experiment: cell types and feature ids, not indices. */
export interface PlantedRecord {
  column: "cell_type_ontology_term_id";
  control: string;
  case: string;
  /** Planted genes and each one's factor on its count mean in case cells. */
  genes: Array<{ feature_id: string; factor: number }>;
}

/** A categorical obs column: per-cell codes into `categories`. */
interface CategoricalColumn {
  name: string;
  categories: string[];
  codes: Int32Array;
}

function packStrings(categories: string[], codes: Int32Array): { data: Uint8Array; offsets: Float64Array } {
  const enc = new TextEncoder();
  const bytes = categories.map((c) => enc.encode(c));
  let total = 0;
  for (let i = 0; i < codes.length; i++) total += bytes[codes[i]].length;
  const data = new Uint8Array(total);
  const offsets = new Float64Array(codes.length);
  let at = 0;
  for (let i = 0; i < codes.length; i++) {
    offsets[i] = at;
    data.set(bytes[codes[i]], at);
    at += bytes[codes[i]].length;
  }
  return { data, offsets };
}

function smallestIndexType(n: number): { type: Datatype; make: (codes: Int32Array) => Int8Array | Int16Array | Int32Array } {
  if (n <= 127) return { type: Datatype.INT8, make: (c) => Int8Array.from(c) };
  if (n <= 32767) return { type: Datatype.INT16, make: (c) => Int16Array.from(c) };
  return { type: Datatype.INT32, make: (c) => c };
}

/** The categorical obs columns of the Census, from per-cell codes into the dataset plans. */
function categoricalColumns(datasets: DatasetPlan[], obs: ObsChunk[], n: number): CategoricalColumn[] {
  const donorBase: number[] = [];
  const donorIds: string[] = [];
  for (const d of datasets) {
    donorBase.push(donorIds.length);
    donorIds.push(...d.donors.map((x) => x.id));
  }
  const col = (name: string, categories: string[], code: (d: DatasetPlan, di: number, c: ObsChunk, i: number) => number): CategoricalColumn => {
    const codes = new Int32Array(n);
    let k = 0;
    for (const c of obs) {
      for (let i = 0; i < c.nCells; i++, k++) {
        const di = c.dataset[i];
        codes[k] = code(datasets[di], di, c, i);
      }
    }
    return { name, categories, codes };
  };
  const donor = (d: DatasetPlan, c: ObsChunk, i: number) => d.donors[c.donor[i]];
  return [
    col("dataset_id", datasets.map((d) => d.id), (_d, di) => di),
    col("assay", ASSAYS.labels, (d) => d.assay),
    col("assay_ontology_term_id", ASSAYS.ids, (d) => d.assay),
    col("cell_type", CELL_TYPES.labels, (_d, _di, c, i) => c.cellType[i]),
    col("cell_type_ontology_term_id", CELL_TYPES.ids, (_d, _di, c, i) => c.cellType[i]),
    col("development_stage", DEVELOPMENT_STAGES.labels, (d, _di, c, i) => donor(d, c, i).stage),
    col("development_stage_ontology_term_id", DEVELOPMENT_STAGES.ids, (d, _di, c, i) => donor(d, c, i).stage),
    col("disease", DISEASES.labels, (d, _di, c, i) => donor(d, c, i).disease),
    col("disease_ontology_term_id", DISEASES.ids, (d, _di, c, i) => donor(d, c, i).disease),
    col("donor_id", donorIds, (_d, di, c, i) => donorBase[di] + c.donor[i]),
    col("self_reported_ethnicity", ETHNICITIES.labels, (d, _di, c, i) => donor(d, c, i).ethnicity),
    col("self_reported_ethnicity_ontology_term_id", ETHNICITIES.ids, (d, _di, c, i) => donor(d, c, i).ethnicity),
    col("sex", SEXES.labels, (d, _di, c, i) => donor(d, c, i).sex),
    col("sex_ontology_term_id", SEXES.ids, (d, _di, c, i) => donor(d, c, i).sex),
    col("suspension_type", SUSPENSION_TYPES, (d) => d.suspension),
    col("tissue", TISSUES.labels, (d, _di, c, i) => d.tissues[c.tissue[i]]),
    col("tissue_ontology_term_id", TISSUES.ids, (d, _di, c, i) => d.tissues[c.tissue[i]]),
    col("tissue_general", TISSUES_GENERAL.labels, (d, _di, c, i) => d.tissuesGeneral[c.tissue[i]]),
    col("tissue_general_ontology_term_id", TISSUES_GENERAL.ids, (d, _di, c, i) => d.tissuesGeneral[c.tissue[i]]),
  ];
}

function concat(obs: ObsChunk[], key: "rawSum" | "nnz" | "rawMeanNnz" | "rawVarianceNnz", n: number): Float64Array {
  const out = new Float64Array(n);
  let at = 0;
  for (const c of obs) {
    out.set(c[key], at);
    at += c.nCells;
  }
  return out;
}

async function writeObs(uri: string, cfg: SynthConfig, datasets: DatasetPlan[], obs: ObsChunk[], layout: CategoricalLayout): Promise<void> {
  const n = cfg.nCells;
  const cats = categoricalColumns(datasets, obs, n);
  const isPrimary = new Uint8Array(n);
  for (const d of datasets) if (d.isPrimary) isPrimary.fill(1, d.firstCell, d.firstCell + d.nCells);
  const numeric: Array<[string, Datatype]> = [
    ["raw_sum", Datatype.FLOAT64],
    ["nnz", Datatype.INT64],
    ["raw_mean_nnz", Datatype.FLOAT64],
    ["raw_variance_nnz", Datatype.FLOAT64],
    ["n_measured_vars", Datatype.INT64],
  ];
  const indexTypes = cats.map((c) => smallestIndexType(c.categories.length));
  await createSomaArray(uri, "SOMADataFrame", {
    arrayType: "sparse",
    capacity: 65536,
    allowsDuplicates: false,
    offsetsFilters: [DOUBLE_DELTA, zstd(19)],
    dimensions: [{ name: "soma_joinid", type: Datatype.INT64, domain: JOINID_DOMAIN, tileExtent: 2048n, filters: [DOUBLE_DELTA, zstd(19)] }],
    enumerations: layout === "enumeration" ? cats.map((c) => ({ name: c.name, values: c.categories, ordered: false })) : [],
    attributes: [
      ...cats.map((c, k) =>
        layout === "enumeration"
          ? { name: c.name, type: indexTypes[k].type, enumeration: c.name, filters: [zstd(19)] }
          : { name: c.name, type: Datatype.STRING_ASCII, var: true, filters: [DICTIONARY, zstd(19)] },
      ),
      { name: "is_primary_data", type: Datatype.BOOL, filters: [zstd(19)] },
      ...numeric.map(([name, type]) => ({ name, type, filters: [BYTESHUFFLE, zstd(9)] })),
    ],
  });
  const joinids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) joinids[i] = BigInt(i);
  const nnz = concat(obs, "nnz", n);
  const cells: Record<string, unknown> = { soma_joinid: joinids, is_primary_data: isPrimary };
  cats.forEach((c, k) => {
    cells[c.name] = layout === "enumeration" ? indexTypes[k].make(c.codes) : packStrings(c.categories, c.codes);
  });
  cells.raw_sum = concat(obs, "rawSum", n);
  cells.nnz = BigInt64Array.from(nnz, (v) => BigInt(v));
  cells.raw_mean_nnz = concat(obs, "rawMeanNnz", n);
  cells.raw_variance_nnz = concat(obs, "rawVarianceNnz", n);
  cells.n_measured_vars = new BigInt64Array(n).fill(BigInt(cfg.nGenes));
  await writeSparse(uri, cells as Parameters<typeof writeSparse>[1]);
}

async function writeVar(uri: string, cfg: SynthConfig, meanCount: Float64Array): Promise<void> {
  await createSomaArray(uri, "SOMADataFrame", {
    arrayType: "sparse",
    capacity: 65536,
    allowsDuplicates: true,
    offsetsFilters: [DOUBLE_DELTA, zstd(19)],
    dimensions: [{ name: "soma_joinid", type: Datatype.INT64, domain: JOINID_DOMAIN, tileExtent: 2048n, filters: [DOUBLE_DELTA, zstd(19)] }],
    attributes: [
      { name: "feature_id", type: Datatype.STRING_ASCII, var: true, filters: [zstd(19)] },
      { name: "feature_name", type: Datatype.STRING_ASCII, var: true, filters: [zstd(19)] },
      { name: "feature_length", type: Datatype.INT64, filters: [BYTESHUFFLE, zstd(9)] },
    ],
  });
  const n = cfg.nGenes;
  const ids: string[] = [];
  const names: string[] = [];
  const length = new BigInt64Array(n);
  for (let g = 0; g < n; g++) {
    ids.push(featureIdOf(g));
    names.push(`GENE${g + 1}`);
    length[g] = BigInt(500 + Math.round(meanCount[g] * 97) * 10);
  }
  await writeSparse(uri, { soma_joinid: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), feature_id: ids, feature_name: names, feature_length: length });
}

/**
 * Writes a Census-shaped SOMA experiment: X streams chunk by chunk into fragments of bounded size; obs
 * (small per cell) is written once at the end, because raw_sum and nnz come from the generated X rows.
 */
export async function writeExperiment(opts: WriteExperimentOptions): Promise<WrittenExperiment> {
  const cfg = opts.config;
  const root = opts.out;
  const datasets = planDatasets(cfg);
  const genes = genePopularity(cfg);
  const planted = plantEffects(cfg, genes);
  await createSomaGroup(root, "SOMAExperiment", { dataset_type: "soma" });
  await createSomaGroup(join(root, "ms"), "SOMACollection");
  await createSomaGroup(join(root, "ms", "RNA"), "SOMAMeasurement");
  await createSomaGroup(join(root, "ms", "RNA", "X"), "SOMACollection");
  const xUri = join(root, "ms", "RNA", "X", "raw");
  await createSomaArray(xUri, "SOMASparseNDArray", {
    arrayType: "sparse",
    capacity: 65536,
    allowsDuplicates: opts.xLayout?.allowsDuplicates ?? true,
    dimensions: [
      { name: "soma_dim_0", type: Datatype.INT64, domain: [0n, 2147483645n], tileExtent: 2048n, filters: [zstd(9)] },
      { name: "soma_dim_1", type: Datatype.INT64, domain: [0n, 2147483645n], tileExtent: 2048n, filters: [BYTESHUFFLE, zstd(9)] },
    ],
    attributes: [{ name: "soma_data", type: Datatype.FLOAT32, filters: [BYTESHUFFLE, zstd(9)] }],
  });
  const layout = opts.xLayout;
  const dealt = layout ? new DealtX(layout, cfg.seed) : null;
  const writer = new SparseWriter(xUri, { memoryBudget: opts.xFragmentBytes ?? 256 * 2 ** 20 });
  const obs: ObsChunk[] = [];
  let nnz = 0;
  for (let first = 0; first < cfg.nCells; first += cfg.chunkCells) {
    const { obs: o, x } = generateChunk(cfg, datasets, genes, first, Math.min(cfg.chunkCells, cfg.nCells - first), planted);
    obs.push(o);
    nnz += x.data.length;
    if (dealt) dealt.add(x);
    else await writer.write({ soma_dim_0: x.dim0, soma_dim_1: x.dim1, soma_data: x.data });
    opts.onChunk?.(first + o.nCells, nnz);
  }
  let xFragments = dealt ? await dealt.write(xUri) : (await writer.close()).length;
  if (layout?.consolidate && xFragments > 1) {
    await consolidate(xUri, { mode: "fragments" });
    await vacuum(xUri, { mode: "fragments" });
    xFragments = 1;
  }
  await writeMetadata(xUri, {
    put: {
      soma_dim_0_domain_lower: 0n,
      soma_dim_0_domain_upper: BigInt(cfg.nCells - 1),
      soma_dim_1_domain_lower: 0n,
      soma_dim_1_domain_upper: BigInt(cfg.nGenes - 1),
    },
  });
  await writeObs(join(root, "obs"), cfg, datasets, obs, opts.categorical ?? "enumeration");
  await writeVar(join(root, "ms", "RNA", "var"), cfg, genes.meanCount);
  await addMembers(join(root, "ms", "RNA", "X"), ["raw"]);
  await addMembers(join(root, "ms", "RNA"), ["var", "X"]);
  await addMembers(join(root, "ms"), ["RNA"]);
  await addMembers(root, ["obs", "ms"]);
  const written: WrittenExperiment = { uri: root, cells: cfg.nCells, nnz, datasets: datasets.length, xFragments };
  if (planted) {
    written.planted = {
      column: "cell_type_ontology_term_id",
      control: CELL_TYPES.ids[planted.control],
      case: CELL_TYPES.ids[planted.case],
      genes: Array.from(planted.genes, (g, i) => ({ feature_id: featureIdOf(g), factor: planted.factor[i] })),
    };
    // a plain file beside the SOMA objects: TileDB-SOMA readers ignore it
    await writeFile(join(root, "planted_de.json"), `${JSON.stringify(written.planted, null, 1)}\n`);
  }
  return written;
}

/** Presets whose X is not one sorted pass. */
export const PRESET_X_LAYOUTS: Partial<Record<keyof typeof PRESETS, XLayout>> = {
  multi: { fragments: 8, blockCells: 64, allowsDuplicates: false, rewriteFraction: 0.05, consolidate: false },
};

/** X chunks dealt block by block to fragments (see XLayout), written when every chunk is in. */
class DealtX {
  private readonly parts: XChunk[][];
  private readonly rng: Rng;
  constructor(private readonly layout: XLayout, seed: number) {
    if (!(layout.fragments >= 1) || !(layout.blockCells >= 1)) throw new Error(`X layout: fragments and blockCells must be positive (got ${layout.fragments}, ${layout.blockCells})`);
    this.parts = Array.from({ length: layout.fragments + (layout.rewriteFraction > 0 ? 1 : 0) }, () => []);
    this.rng = new Rng(seed * 7919 + 17);
  }

  /** Splits a chunk (cells in joinid order) into blocks of `blockCells` cells and deals each to a fragment. */
  add(x: XChunk): void {
    const n = x.dim0.length;
    let i = 0;
    while (i < n) {
      const blockEnd = x.dim0[i] - (x.dim0[i] % BigInt(this.layout.blockCells)) + BigInt(this.layout.blockCells);
      let j = i;
      while (j < n && x.dim0[j] < blockEnd) j++;
      const block = { dim0: x.dim0.subarray(i, j), dim1: x.dim1.subarray(i, j), data: x.data.subarray(i, j) };
      this.parts[this.rng.int(this.layout.fragments)].push(block);
      if (this.layout.rewriteFraction > 0 && this.rng.uniform() < this.layout.rewriteFraction) this.parts[this.layout.fragments].push(block);
      i = j;
    }
  }

  /** Writes one fragment per deal, oldest first; returns how many were written. */
  async write(uri: string): Promise<number> {
    let written = 0;
    for (const part of this.parts) {
      if (part.length === 0) continue;
      await writeSparse(uri, { soma_dim_0: joinParts(part, "dim0"), soma_dim_1: joinParts(part, "dim1"), soma_data: joinParts(part, "data") });
      written++;
    }
    return written;
  }
}

function joinParts<K extends keyof XChunk>(parts: XChunk[], key: K): XChunk[K] {
  const n = parts.reduce((s, p) => s + p[key].length, 0);
  const out = new (parts[0][key].constructor as { new (n: number): XChunk[K] })(n);
  let at = 0;
  for (const p of parts) {
    (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(p[key] as unknown as ArrayLike<unknown>, at);
    at += p[key].length;
  }
  return out;
}
