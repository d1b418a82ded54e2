import type { BoundExpr } from "./bind.js";

/**
 * Splits a bound filter into subarray ranges on integer index dimensions (which the reader turns into a
 * TileDB subarray, so only matching tiles are read) and a residual filter evaluated on the rows read.
 * A top-level conjunct moves to the ranges when it involves a single index dimension only: comparisons,
 * `in` lists, their negations, and and/or combinations of those.
 */

/** Sorted, disjoint, inclusive [low, high] ranges. */
export type RangeSet = Array<[bigint, bigint]>;

export interface IndexDimension {
  name: string;
  /** Inclusive domain of the dimension (its current domain, when the array has one). */
  domain: [bigint, bigint];
}

export interface PushdownPlan {
  /** Ranges per index dimension that every passing row lies in; dimensions without a constraint are absent. */
  ranges: Map<string, RangeSet>;
  /** What is left to evaluate row by row; null when the ranges say everything. */
  residual: BoundExpr | null;
  /** True when the ranges are provably empty: nothing can pass. */
  empty: boolean;
}

export function planPushdown(expr: BoundExpr | null, dims: IndexDimension[]): PushdownPlan {
  const ranges = new Map<string, RangeSet>();
  if (expr === null) return { ranges, residual: null, empty: false };
  const conjuncts = expr.type === "and" ? flattenAnd(expr) : [expr];
  const residual: BoundExpr[] = [];
  for (const c of conjuncts) {
    let placed = false;
    for (const dim of dims) {
      const r = toRanges(c, dim);
      if (r === null) continue;
      const prev = ranges.get(dim.name);
      ranges.set(dim.name, prev === undefined ? r : intersectRanges(prev, r));
      placed = true;
      break;
    }
    if (!placed) residual.push(c);
  }
  let empty = false;
  for (const r of ranges.values()) if (r.length === 0) empty = true;
  return {
    ranges,
    residual: residual.length === 0 ? null : residual.length === 1 ? residual[0] : { type: "and", operands: residual },
    empty,
  };
}

function flattenAnd(e: BoundExpr): BoundExpr[] {
  return e.type === "and" ? e.operands.flatMap(flattenAnd) : [e];
}

function asBig(v: unknown): bigint | null {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return null;
}

/** The rows of `dim` that `e` accepts, or null when `e` depends on anything other than `dim`'s integer values. */
export function toRanges(e: BoundExpr, dim: IndexDimension): RangeSet | null {
  const [lo, hi] = dim.domain;
  switch (e.type) {
    case "const":
      return e.value ? [[lo, hi]] : [];
    case "null":
      return null;
    case "compare": {
      if (e.column !== dim.name || e.kind.dictionary || e.kind.intRange === null) return null;
      const v = asBig(e.value);
      if (v === null) return null;
      switch (e.op) {
        case "==":
          return clip([[v, v]], lo, hi);
        case "!=":
          return complement([[v, v]], lo, hi);
        case "<":
          return clip([[lo, v - 1n]], lo, hi);
        case "<=":
          return clip([[lo, v]], lo, hi);
        case ">":
          return clip([[v + 1n, hi]], lo, hi);
        case ">=":
          return clip([[v, hi]], lo, hi);
      }
      return null;
    }
    case "in": {
      if (e.column !== dim.name || e.kind.dictionary || e.kind.intRange === null) return null;
      const pts: bigint[] = [];
      for (const x of e.values) {
        const v = asBig(x);
        if (v === null) return null;
        pts.push(v);
      }
      const set = clip(normalize(pts.map((p) => [p, p] as [bigint, bigint])), lo, hi);
      return e.negated ? complement(set, lo, hi) : set;
    }
    case "and":
    case "or": {
      let acc: RangeSet | null = null;
      for (const o of e.operands) {
        const r = toRanges(o, dim);
        if (r === null) return null;
        acc = acc === null ? r : e.type === "and" ? intersectRanges(acc, r) : unionRanges(acc, r);
      }
      return acc ?? [[lo, hi]];
    }
  }
}

/** Sorts and merges overlapping or adjacent ranges. */
export function normalize(rs: RangeSet): RangeSet {
  const sorted = rs.filter(([a, b]) => a <= b).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: RangeSet = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1n) {
      if (b > last[1]) last[1] = b;
    } else out.push([a, b]);
  }
  return out;
}

function clip(rs: RangeSet, lo: bigint, hi: bigint): RangeSet {
  return normalize(rs.map(([a, b]) => [a < lo ? lo : a, b > hi ? hi : b] as [bigint, bigint]));
}

export function unionRanges(a: RangeSet, b: RangeSet): RangeSet {
  return normalize([...a.map((r) => [r[0], r[1]] as [bigint, bigint]), ...b.map((r) => [r[0], r[1]] as [bigint, bigint])]);
}

export function intersectRanges(a: RangeSet, b: RangeSet): RangeSet {
  const out: RangeSet = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    // biome-ignore lint/complexity/useMathMinMax: bigint operands
    const lo = a[i][0] > b[j][0] ? a[i][0] : b[j][0];
    // biome-ignore lint/complexity/useMathMinMax: bigint operands
    const hi = a[i][1] < b[j][1] ? a[i][1] : b[j][1];
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

export function complement(rs: RangeSet, lo: bigint, hi: bigint): RangeSet {
  const out: RangeSet = [];
  let next = lo;
  for (const [a, b] of normalize(rs)) {
    if (a > next) out.push([next, a - 1n < hi ? a - 1n : hi]);
    if (b + 1n > next) next = b + 1n;
    if (next > hi) break;
  }
  if (next <= hi) out.push([next, hi]);
  return out;
}
