/**
 * The optional per-(group, gene) Memento estimators (nnz, min, max, mean, sem, var, sev, selv). Unlike the
 * additive statistics they need every value of a group at once, so a batch's X values are kept while it is
 * read, only when extras are asked for.
 */
import { type CubeRows, mementoEstimatorsForGroup } from "@census-cube/estimators";
import { OPTIONAL_ESTIMATORS } from "./options.js";

type ExtraName = (typeof OPTIONAL_ESTIMATORS)[number];

export function extraEstimatorNames(estimators: readonly string[]): ExtraName[] {
  return estimators.filter((n): n is ExtraName => (OPTIONAL_ESTIMATORS as readonly string[]).includes(n));
}

/** A batch's stored X values (cell joinid, gene, value), appended as they stream in. */
export class BatchValues {
  private cells = new Float64Array(1024);
  private genes = new Int32Array(1024);
  private values = new Float32Array(1024);
  length = 0;

  add(cells: ArrayLike<number>, cellStride: number, genes: ArrayLike<number>, geneStride: number, values: Float32Array): void {
    const n = values.length;
    if (this.length + n > this.values.length) this.grow(this.length + n);
    for (let i = 0; i < n; i++) {
      this.cells[this.length + i] = cells[i * cellStride];
      this.genes[this.length + i] = genes[i * geneStride];
    }
    this.values.set(values, this.length);
    this.length += n;
  }

  private grow(min: number): void {
    let cap = this.values.length * 2;
    while (cap < min) cap *= 2;
    const c = new Float64Array(cap);
    c.set(this.cells.subarray(0, this.length));
    const g = new Int32Array(cap);
    g.set(this.genes.subarray(0, this.length));
    const v = new Float32Array(cap);
    v.set(this.values.subarray(0, this.length));
    this.cells = c;
    this.genes = g;
    this.values = v;
  }

  /**
   * Extra estimators for every cube row (rows in any order).
   * `groupOf` / `sizeFactorOf` look cells up by joinid.
   */
  estimators(
    rows: CubeRows,
    names: readonly ExtraName[],
    groupOf: (joinid: number) => number,
    sizeFactorOf: (joinid: number) => number,
    seed?: number,
  ): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = {};
    for (const name of names) out[name] = new Float64Array(rows.feature.length);
    const bootstrap = names.includes("sev") || names.includes("selv");
    // Triples ordered by (group, cell): each group's slice then lists its cells in joinid order.
    const n = this.length;
    const group = new Int32Array(n);
    for (let i = 0; i < n; i++) group[i] = groupOf(this.cells[i]);
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => group[a] - group[b] || this.cells[a] - this.cells[b]);
    // Cube rows in (group, gene) order, whatever order they come in.
    const rowOrder = Int32Array.from({ length: rows.feature.length }, (_, r) => r).sort((a, b) => rows.obsGroup[a] - rows.obsGroup[b] || rows.feature[a] - rows.feature[b]);
    let row = 0;
    let i = 0;
    while (i < n && row < rows.feature.length) {
      const g = group[order[i]];
      let end = i;
      while (end < n && group[order[end]] === g) end++;
      if (g < 0) {
        i = end;
        continue;
      }
      // The group's cells with a stored value, in joinid order, and each triple's position among them.
      const sizeFactors: number[] = [];
      const cellIndex = new Int32Array(end - i);
      const genes = new Int32Array(end - i);
      const values = new Float32Array(end - i);
      for (let k = i; k < end; k++) {
        const t = order[k];
        if (k === i || this.cells[t] !== this.cells[order[k - 1]]) sizeFactors.push(sizeFactorOf(this.cells[t]));
        cellIndex[k - i] = sizeFactors.length - 1;
        genes[k - i] = this.genes[t];
        values[k - i] = this.values[t];
      }
      const est = mementoEstimatorsForGroup(
        { sizeFactors: Float64Array.from(sizeFactors), cellIndex, feature: genes, values },
        { bootstrap, seed },
      );
      // Rows of this group come in ascending gene order, as est.feature does: both list the genes with a value.
      while (row < rows.feature.length && rows.obsGroup[rowOrder[row]] < g) row++;
      for (let k = 0; k < est.feature.length; k++, row++) {
        const r = rowOrder[row];
        if (rows.obsGroup[r] !== g || rows.feature[r] !== est.feature[k]) {
          throw new Error(`internal: cube row ${r} (group ${rows.obsGroup[r]}, gene ${rows.feature[r]}) does not match estimators of group ${g}, gene ${est.feature[k]}`);
        }
        for (const name of names) out[name][r] = est[name][k];
      }
      i = end;
    }
    return out;
  }
}
