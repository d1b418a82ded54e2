import { Rng, WeightedChoice, zipfWeights } from "./rng.js";
import {
  ASSAYS,
  CELL_TYPES,
  DEVELOPMENT_STAGES,
  DISEASES,
  ETHNICITIES,
  SEXES,
  SUSPENSION_TYPES,
  TISSUES,
  TISSUES_GENERAL,
  seededUuid,
} from "./vocabulary.js";

export interface SynthConfig {
  seed: number;
  nCells: number;
  nGenes: number;
  /** Fraction of cells in datasets marked `is_primary_data` (whole datasets, as in the Census). */
  primaryFraction: number;
  /** Median nonzeros per cell (log-normal around it, clamped to [minNnz, maxNnz]). */
  medianNnz: number;
  minNnz: number;
  maxNnz: number;
  /** Median cells per dataset (log-normal). */
  medianDatasetCells: number;
  /** X rows generated (and written) together: a multiple of the 2048-row X tile keeps fragments tile-aligned. */
  chunkCells: number;
  /** Known differentially expressed genes between two cell types (none when absent); see `plantEffects`. */
  planted?: { genes: number; fold: number };
}

export const PRESETS: Record<"demo" | "small" | "large" | "multi", Omit<SynthConfig, "seed">> = {
  demo: { nCells: 2_000, nGenes: 2_000, primaryFraction: 0.8, medianNnz: 300, minNnz: 50, maxNnz: 1_000, medianDatasetCells: 400, chunkCells: 2048 },
  small: { nCells: 20_000, nGenes: 60_000, primaryFraction: 0.75, medianNnz: 2_000, minNnz: 1_000, maxNnz: 5_000, medianDatasetCells: 2_500, chunkCells: 2048 },
  // small's sizes; its X is written as overlapping appends (write-experiment.ts PRESET_X_LAYOUTS)
  multi: { nCells: 20_000, nGenes: 60_000, primaryFraction: 0.75, medianNnz: 2_000, minNnz: 1_000, maxNnz: 5_000, medianDatasetCells: 2_500, chunkCells: 2048 },
  large: { nCells: 1_000_000, nGenes: 60_000, primaryFraction: 0.75, medianNnz: 2_000, minNnz: 1_000, maxNnz: 5_000, medianDatasetCells: 20_000, chunkCells: 8192 },
};

interface Donor {
  id: string;
  sex: number;
  stage: number;
  ethnicity: number;
  disease: number;
}

/** One dataset: a contiguous soma_joinid range, as the Census lays datasets out. */
export interface DatasetPlan {
  id: string;
  firstCell: number;
  nCells: number;
  isPrimary: boolean;
  assay: number;
  suspension: number;
  tissuesGeneral: number[];
  tissues: number[];
  donors: Donor[];
  cellTypes: number[];
  cellTypeChoice: WeightedChoice;
}

/** Obs of a chunk as codes into the vocabularies (strings are materialised only when writing). */
export interface ObsChunk {
  firstCell: number;
  nCells: number;
  dataset: Int32Array;
  donor: Int32Array; // index into the dataset's donors
  cellType: Int32Array;
  tissue: Int32Array; // index into the dataset's tissue lists
  rawSum: Float64Array;
  nnz: Float64Array;
  rawMeanNnz: Float64Array;
  rawVarianceNnz: Float64Array;
}

/** X of a chunk: int64 coordinates sorted by (cell, gene), float32 counts. */
export interface XChunk {
  dim0: BigInt64Array;
  dim1: BigInt64Array;
  data: Float32Array;
}

function pickDistinct(rng: Rng, choice: WeightedChoice, k: number): number[] {
  const out = new Set<number>();
  const want = Math.min(k, choice.size);
  while (out.size < want) out.add(choice.draw(rng));
  return [...out];
}

/** Datasets, donors and per-dataset vocabularies: small, computed once up front. */
export function planDatasets(cfg: SynthConfig): DatasetPlan[] {
  const rng = new Rng(cfg.seed ^ 0x5eed);
  const assayChoice = new WeightedChoice(zipfWeights(ASSAYS.ids.length, 1.3));
  const tissueChoice = new WeightedChoice(zipfWeights(TISSUES_GENERAL.ids.length, 1.0));
  const cellTypeChoice = new WeightedChoice(zipfWeights(CELL_TYPES.ids.length, 1.1));
  const stageChoice = new WeightedChoice(zipfWeights(DEVELOPMENT_STAGES.ids.length, 0.8));
  const ethnicityChoice = new WeightedChoice(zipfWeights(ETHNICITIES.ids.length, 1.5));
  const diseaseChoice = new WeightedChoice(zipfWeights(DISEASES.ids.length - 1, 1.0));
  const datasets: DatasetPlan[] = [];
  let first = 0;
  while (first < cfg.nCells) {
    const size = Math.max(50, Math.round(rng.logNormal(Math.log(cfg.medianDatasetCells), 1.0)));
    const nCells = Math.min(size, cfg.nCells - first);
    const di = datasets.length;
    const assay = assayChoice.draw(rng);
    const tissuesGeneral = pickDistinct(rng, tissueChoice, 1 + rng.int(3));
    // Each general tissue has a few specific parts; ids are spread over the tissue vocabulary.
    const tissues = tissuesGeneral.map((t) => (t * 4 + rng.int(4)) % TISSUES.ids.length);
    const diseased = rng.uniform() < 0.3;
    const donors: Donor[] = [];
    const nDonors = 1 + rng.poisson(5);
    for (let k = 0; k < nDonors; k++) {
      const sexDraw = rng.uniform();
      donors.push({
        id: `D${di}_${k}`,
        sex: sexDraw < 0.02 ? 2 : sexDraw < 0.51 ? 0 : 1,
        stage: stageChoice.draw(rng),
        ethnicity: ethnicityChoice.draw(rng),
        disease: diseased && rng.uniform() < 0.6 ? 1 + diseaseChoice.draw(rng) : 0,
      });
    }
    const cellTypes = pickDistinct(rng, cellTypeChoice, 3 + rng.poisson(12));
    datasets.push({
      id: seededUuid(rng),
      firstCell: first,
      nCells,
      isPrimary: false,
      assay,
      suspension: assay % 5 === 3 ? 1 : 0,
      tissuesGeneral,
      tissues,
      donors,
      cellTypes,
      cellTypeChoice: new WeightedChoice(zipfWeights(cellTypes.length, 1.0)),
    });
    first += nCells;
  }
  // Whole datasets are primary, in a seeded order, until the wanted fraction of cells is reached.
  const order = datasets.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  let primaryCells = 0;
  for (const i of order) {
    if (primaryCells >= cfg.primaryFraction * cfg.nCells) break;
    datasets[i].isPrimary = true;
    primaryCells += datasets[i].nCells;
  }
  return datasets;
}

/**
 * Gene popularity: genes fall into tiers of falling Zipf-like weight (over a seeded permutation, so
 * popular genes are spread over the var index). A cell includes each gene of a tier independently with
 * the tier's probability, scaled to the cell's nonzero count: distinct, already-sorted picks per tier by
 * geometric skipping, O(nonzeros) per cell.
 */
export interface GenePopularity {
  /** Gene ids of each tier, ascending. */
  tiers: Int32Array[];
  /** Inclusion probability of a tier's genes for a cell with `medianNnz` nonzeros. */
  baseProbability: Float64Array;
  /** Mean count of each gene where it is expressed, before the cell's depth factor. */
  meanCount: Float64Array;
}

const N_TIERS = 24;

export function genePopularity(cfg: SynthConfig): GenePopularity {
  const rng = new Rng(cfg.seed ^ 0x9e4e);
  const perm = Int32Array.from({ length: cfg.nGenes }, (_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  // Tier t holds ranks [edge_t, edge_t+1) with geometrically growing sizes; weight ~ Zipf at its middle rank.
  const edges = [0];
  for (let t = 1; t <= N_TIERS; t++) edges.push(Math.round(cfg.nGenes ** (t / N_TIERS)));
  const tiers: Int32Array[] = [];
  const weight: number[] = [];
  for (let t = 0; t < N_TIERS; t++) {
    const lo = edges[t];
    const hi = Math.max(lo, edges[t + 1]);
    if (hi === lo) continue;
    tiers.push(perm.slice(lo, hi).sort());
    weight.push(1 / ((lo + hi) / 2 + 1) ** 0.9);
  }
  // Scale so a median cell expects medianNnz picks; p <= 1 is enforced per cell.
  let expected = 0;
  tiers.forEach((g, t) => {
    expected += g.length * weight[t];
  });
  const scale = cfg.medianNnz / expected;
  const baseProbability = Float64Array.from(weight, (w) => w * scale);
  const meanCount = new Float64Array(cfg.nGenes);
  tiers.forEach((g, t) => {
    for (const gene of g) meanCount[gene] = 0.5 + 6 * Math.sqrt(baseProbability[t]);
  });
  return { tiers, baseProbability, meanCount };
}

/** The var `feature_id` of gene `g`. */
export function featureIdOf(g: number): string {
  return `ENSG${String(g + 1).padStart(11, "0")}`;
}

/**
 * Planted effects: in cells of the case cell type, each planted gene's count mean is multiplied by its factor
 * (`fold` for half of them, `1 / fold` for the others); nothing else depends on cell type, so every other gene is
 * a true null between the two cell types. Control and case are the vocabulary's two most frequent cell types.
 */
export interface PlantedEffects {
  /** Cell types (indices into CELL_TYPES) of the control and the case arm. */
  control: number;
  case: number;
  /** Planted genes, ascending, and each one's factor in case cells. */
  genes: Int32Array;
  factor: Float64Array;
  /** The factor of every gene in case cells (1 where nothing is planted). */
  caseFactor: Float64Array;
}

export function plantEffects(cfg: SynthConfig, genes: GenePopularity): PlantedEffects | null {
  if (!cfg.planted || cfg.planted.genes === 0) return null;
  const { genes: count, fold } = cfg.planted;
  if (!Number.isInteger(count) || count < 1 || count > cfg.nGenes) throw new RangeError(`planted genes must be an integer in [1, ${cfg.nGenes}], got ${count}`);
  if (!(fold > 1) || !Number.isFinite(fold)) throw new RangeError(`planted fold must be a number > 1, got ${fold}`);
  // Among the most often expressed genes (a test needs cells with counts), several times as many as planted.
  const candidates: number[] = [];
  for (const tier of genes.tiers) {
    if (candidates.length >= 4 * count) break;
    candidates.push(...tier);
  }
  const rng = new Rng(cfg.seed ^ 0x91a7);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(candidates.length - i);
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const picked = candidates.slice(0, count).sort((a, b) => a - b);
  const factor = Float64Array.from(picked, (_, i) => (i % 2 === 0 ? fold : 1 / fold));
  const caseFactor = new Float64Array(cfg.nGenes).fill(1);
  picked.forEach((g, i) => {
    caseFactor[g] = factor[i];
  });
  return { control: 0, case: 1, genes: Int32Array.from(picked), factor, caseFactor };
}

/**
 * Generates obs and X for cells [firstCell, firstCell + nCells). Each chunk has its own seed, so chunks
 * can be generated in any order (or in parallel) and give the same experiment.
 */
export function generateChunk(
  cfg: SynthConfig,
  datasets: DatasetPlan[],
  genes: GenePopularity,
  firstCell: number,
  nCells: number,
  planted: PlantedEffects | null = null,
): { obs: ObsChunk; x: XChunk } {
  const rng = new Rng((cfg.seed * 1_000_003 + Math.floor(firstCell / cfg.chunkCells)) | 0);
  const obs: ObsChunk = {
    firstCell,
    nCells,
    dataset: new Int32Array(nCells),
    donor: new Int32Array(nCells),
    cellType: new Int32Array(nCells),
    tissue: new Int32Array(nCells),
    rawSum: new Float64Array(nCells),
    nnz: new Float64Array(nCells),
    rawMeanNnz: new Float64Array(nCells),
    rawVarianceNnz: new Float64Array(nCells),
  };
  const nnzPerCell = new Int32Array(nCells);
  let total = 0;
  for (let i = 0; i < nCells; i++) {
    const k = Math.round(rng.logNormal(Math.log(cfg.medianNnz), 0.45));
    nnzPerCell[i] = Math.min(cfg.nGenes, Math.max(cfg.minNnz, Math.min(cfg.maxNnz, k)));
    total += nnzPerCell[i];
  }
  // Picks are random around each cell's target: size generously, grow if ever needed.
  let x = alloc(Math.ceil(total * 1.25) + cfg.nGenes);
  const picked = new Int32Array(cfg.nGenes);
  let ds = datasets.findIndex((d) => firstCell < d.firstCell + d.nCells);
  let at = 0;
  for (let i = 0; i < nCells; i++) {
    const cell = firstCell + i;
    while (cell >= datasets[ds].firstCell + datasets[ds].nCells) ds++;
    const d = datasets[ds];
    obs.dataset[i] = ds;
    obs.donor[i] = rng.int(d.donors.length);
    obs.cellType[i] = d.cellTypes[d.cellTypeChoice.draw(rng)];
    obs.tissue[i] = rng.int(d.tissues.length);
    // A per-cell library-size factor scales every gene's mean (log-normal library sizes).
    const depth = rng.logNormal(0, 0.6);
    const factor = nnzPerCell[i] / cfg.medianNnz;
    let n = 0;
    for (let t = 0; t < genes.tiers.length; t++) {
      const tier = genes.tiers[t];
      const p = Math.min(1, genes.baseProbability[t] * factor);
      if (p >= 1) {
        for (let j = 0; j < tier.length; j++) picked[n++] = tier[j];
        continue;
      }
      // Bernoulli(p) over the tier by geometric gaps between picks.
      const logq = Math.log1p(-p);
      let pos = Math.floor(Math.log(1 - rng.uniform()) / logq);
      while (pos < tier.length) {
        picked[n++] = tier[pos];
        pos += 1 + Math.floor(Math.log(1 - rng.uniform()) / logq);
      }
    }
    const genesOfCell = picked.subarray(0, n).sort();
    const effect = planted !== null && obs.cellType[i] === planted.case ? planted.caseFactor : null;
    if (at + n > x.data.length) x = grow(x, at, at + n + total);
    let sum = 0;
    let sumSq = 0;
    for (let j = 0; j < n; j++) {
      const g = genesOfCell[j];
      // Over-dispersed counts: 1 + a geometric-like draw with the gene's depth-scaled mean.
      const mean = effect === null ? genes.meanCount[g] * depth : genes.meanCount[g] * depth * effect[g];
      const v = 1 + Math.floor(-Math.log(1 - rng.uniform()) * mean);
      // int64 coordinates through their low 32-bit words (joinids and gene ids are < 2^31): no BigInt per value.
      x.d0[2 * at] = cell;
      x.d1[2 * at] = g;
      x.data[at] = v;
      at++;
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / n;
    obs.rawSum[i] = sum;
    obs.nnz[i] = n;
    obs.rawMeanNnz[i] = mean;
    obs.rawVarianceNnz[i] = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
  }
  return { obs, x: { dim0: x.dim0.subarray(0, at), dim1: x.dim1.subarray(0, at), data: x.data.subarray(0, at) } };
}

interface XBuffers extends XChunk {
  d0: Uint32Array;
  d1: Uint32Array;
}

function alloc(n: number): XBuffers {
  const dim0 = new BigInt64Array(n);
  const dim1 = new BigInt64Array(n);
  return { dim0, dim1, data: new Float32Array(n), d0: new Uint32Array(dim0.buffer), d1: new Uint32Array(dim1.buffer) };
}

function grow(x: XBuffers, used: number, n: number): XBuffers {
  const y = alloc(n);
  y.dim0.set(x.dim0.subarray(0, used));
  y.dim1.set(x.dim1.subarray(0, used));
  y.data.set(x.data.subarray(0, used));
  return y;
}

export { ASSAYS, CELL_TYPES, DEVELOPMENT_STAGES, DISEASES, ETHNICITIES, SEXES, SUSPENSION_TYPES, TISSUES, TISSUES_GENERAL };
