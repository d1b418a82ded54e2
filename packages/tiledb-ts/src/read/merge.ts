/**
 * Merging overlapping fragments in global order through float64 keys (see `global-key.ts`). Each fragment
 * holds one decoded tile at a time. A round takes the smallest last key F of the fragments' current tiles: no
 * later tile of any fragment holds a cell before F, so every current cell up to F can go out, merged from
 * the sorted slices (runs from one fragment are copied whole, found by binary search). The fragment whose
 * tile ended at F then loads its next tile. Without duplicates, equal keys in several fragments keep the
 * newest fragment's cell; keys are unique inside a fragment, so all versions of a cell meet in one round.
 */
import type { FieldTileSet } from "./gather.js";
import { Runs } from "./gather.js";
import type { ReadBatch } from "./result.js";
import type { TilePool } from "./tile-pool.js";
import { BATCH_CELLS, candidateTiles, emit, release, type SparsePlan, type TileLoader, type TileWork, tileBytes } from "./sparse.js";

interface Cursor {
  /** Index among the plan's fragments: higher is newer. */
  frag: number;
  work: TileWork[];
  next: number;
  set: FieldTileSet;
  keys: Float64Array;
  /** Selected cells of the current tile (null: all). */
  cells: Int32Array | null;
  count: number;
  pos: number;
  /** End of the current round's slice. */
  end: number;
}

/** First index in [lo, hi) whose key is >= x (hi when none). */
function lowerBound(keys: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) whose key is > x (hi when none). */
function upperBound(keys: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function push(runs: Runs, c: Cursor, from: number, to: number): void {
  if (c.cells === null) runs.push(c.set, from, to - from);
  else for (let k = from; k < to; k++) runs.push(c.set, c.cells[k], 1);
}

export async function* mergeByKey(plan: SparsePlan, loader: TileLoader, pool: TilePool): AsyncGenerator<ReadBatch> {
  const dedupe = !plan.schema.allowsDuplicates;
  let held = 0;
  // tiles a cursor has moved past: their cells are in `runs` until the next batch is emitted
  const done: FieldTileSet[] = [];
  const advance = async (c: Cursor): Promise<boolean> => {
    if (c.set.size > 0) done.push(c.set);
    while (c.next < c.work.length) {
      const r = await loader.load(c.work[c.next++], c.keys);
      const count = r.keep ? r.keep.length : r.cells;
      if (count === 0) {
        release(pool, [r.set], null);
        continue;
      }
      c.set = r.set;
      c.keys = r.keys as Float64Array;
      c.cells = r.keep;
      c.count = count;
      c.pos = 0;
      held += tileBytes(r.set);
      return true;
    }
    return false;
  };
  const live: Cursor[] = [];
  for (let fi = 0; fi < plan.fragments.length; fi++) {
    const c: Cursor = { frag: fi, work: candidateTiles(plan, fi), next: 0, set: new Map(), keys: new Float64Array(0), cells: null, count: 0, pos: 0, end: 0 };
    if (await advance(c)) live.push(c);
  }
  let runs = new Runs();
  let emitted = false;
  while (live.length > 0) {
    let bound = Number.POSITIVE_INFINITY;
    for (const c of live) bound = Math.min(bound, c.keys[c.count - 1]);
    for (const c of live) c.end = upperBound(c.keys, bound, c.pos, c.count);
    mergeRound(live, dedupe, runs);
    for (let k = live.length - 1; k >= 0; k--) {
      const c = live[k];
      if (c.pos >= c.count && !(await advance(c))) live.splice(k, 1);
    }
    if (held >= plan.memoryBudget || runs.length >= BATCH_CELLS) {
      const batch = emit(plan, runs);
      const kept = runs.tiles.length === 1 ? runs.tiles[0] : null;
      release(pool, done, kept);
      yield batch;
      if (plan.reuseBuffers && kept !== null) release(pool, [kept], null);
      emitted = true;
      runs = new Runs();
      held = 0;
      for (const c of live) held += tileBytes(c.set);
    }
  }
  if (runs.length > 0 || !emitted) yield emit(plan, runs);
}

/** Merges the cursors' slices [pos, end) into `runs`. */
function mergeRound(cs: Cursor[], dedupe: boolean, runs: Runs): void {
  const n = cs.length;
  if (n === 1) {
    const c = cs[0];
    push(runs, c, c.pos, c.end);
    c.pos = c.end;
    return;
  }
  for (;;) {
    // the smallest head key; among equal heads the newest fragment; then the smallest head of the others
    let best: Cursor | null = null;
    let bk = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      const c = cs[j];
      if (c.pos >= c.end) continue;
      const h = c.keys[c.pos];
      if (h < bk || (h === bk && (best as Cursor).frag < c.frag)) {
        best = c;
        bk = h;
      }
    }
    if (best === null) return;
    let second = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      const c = cs[j];
      if (c === best || c.pos >= c.end) continue;
      const h = c.keys[c.pos];
      if (h < second) second = h;
    }
    if (second > bk) {
      // every cell of `best` before the other heads goes out as one run
      const to = lowerBound(best.keys, second, best.pos + 1, best.end);
      push(runs, best, best.pos, to);
      best.pos = to;
      continue;
    }
    // a coordinate present in several fragments
    push(runs, best, best.pos, best.pos + 1);
    best.pos++;
    if (!dedupe) continue;
    for (let j = 0; j < n; j++) {
      const c = cs[j];
      while (c.pos < c.end && c.keys[c.pos] === bk) c.pos++;
    }
  }
}
