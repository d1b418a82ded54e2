import { describe, expect, it } from "vitest";
import { PRESETS, generateChunk, genePopularity, planDatasets, plantEffects } from "../src/index.js";

const cfg = { ...PRESETS.demo, seed: 7 };

describe("synthetic Census shape", () => {
  const datasets = planDatasets(cfg);
  const genes = genePopularity(cfg);

  it("lays datasets out as contiguous joinid ranges covering every cell", () => {
    let next = 0;
    for (const d of datasets) {
      expect(d.firstCell).toBe(next);
      next += d.nCells;
    }
    expect(next).toBe(cfg.nCells);
    const primary = datasets.filter((d) => d.isPrimary).reduce((s, d) => s + d.nCells, 0);
    expect(primary).toBeGreaterThanOrEqual(cfg.primaryFraction * cfg.nCells);
    expect(primary).toBeLessThan(cfg.nCells);
  });

  it("is reproducible and chunk-order independent", () => {
    const a = generateChunk(cfg, datasets, genes, 0, 500);
    const b = generateChunk(cfg, planDatasets(cfg), genePopularity(cfg), 0, 500);
    expect(b.x.data).toEqual(a.x.data);
    expect(b.x.dim1).toEqual(a.x.dim1);
    expect(b.obs.rawSum).toEqual(a.obs.rawSum);
    const other = generateChunk({ ...cfg, seed: 8 }, planDatasets({ ...cfg, seed: 8 }), genePopularity({ ...cfg, seed: 8 }), 0, 500);
    expect(other.x.data.length === a.x.data.length && other.x.dim1.every((v, i) => v === a.x.dim1[i])).toBe(false);
  });

  it("emits sorted coordinates whose sums match obs raw_sum and nnz", () => {
    const { obs, x } = generateChunk(cfg, datasets, genes, 100, 300);
    const sum = new Float64Array(300);
    const nnz = new Float64Array(300);
    for (let i = 0; i < x.data.length; i++) {
      if (i > 0) expect(x.dim0[i] > x.dim0[i - 1] || (x.dim0[i] === x.dim0[i - 1] && x.dim1[i] > x.dim1[i - 1])).toBe(true);
      expect(x.data[i]).toBeGreaterThanOrEqual(1);
      sum[Number(x.dim0[i]) - 100] += x.data[i];
      nnz[Number(x.dim0[i]) - 100] += 1;
    }
    expect(sum).toEqual(obs.rawSum);
    expect(nnz).toEqual(obs.nnz);
    const mean = x.data.length / 300;
    expect(mean).toBeGreaterThan(cfg.minNnz * 0.5);
    expect(mean).toBeLessThan(cfg.maxNnz);
  });

  it("plants effects only on the planted genes of case cells; without the option nothing changes", () => {
    const planted = plantEffects({ ...cfg, planted: { genes: 10, fold: 3 } }, genes);
    expect(plantEffects(cfg, genes)).toBeNull();
    if (!planted) throw new Error("no planted effects");
    expect(new Set(planted.genes).size).toBe(10);
    expect(Array.from(planted.factor)).toEqual([3, 1 / 3, 3, 1 / 3, 3, 1 / 3, 3, 1 / 3, 3, 1 / 3]);
    const base = generateChunk(cfg, datasets, genes, 0, 1000);
    const withEffects = generateChunk(cfg, datasets, genes, 0, 1000, planted);
    expect(withEffects.x.dim0).toEqual(base.x.dim0);
    expect(withEffects.x.dim1).toEqual(base.x.dim1);
    const isPlanted = new Set(planted.genes);
    let changedUp = 0;
    let changedDown = 0;
    let wrong = 0;
    for (let k = 0; k < base.x.data.length; k++) {
      const [a, b] = [base.x.data[k], withEffects.x.data[k]];
      const gene = Number(base.x.dim1[k]);
      if (!(base.obs.cellType[Number(base.x.dim0[k])] === planted.case && isPlanted.has(gene))) {
        if (a !== b) wrong++;
      } else if (planted.caseFactor[gene] > 1) {
        if (b > a) changedUp++;
        if (b < a) wrong++;
      } else {
        if (b < a) changedDown++;
        if (b > a) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(changedUp).toBeGreaterThan(10);
    expect(changedDown).toBeGreaterThan(10);
  });
});
