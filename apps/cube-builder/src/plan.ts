import { CubeBuilderError } from "./errors.js";

/**
 * Batches of whole obs groups. Every cell of a group lands in the same batch, so a worker can finish
 * a group's statistics alone and write each (group, gene) row exactly once. Groups are taken in the
 * order of their first cell, so a batch's cells form few contiguous joinid runs and X is read
 * nearly sequentially (in the Census each dataset is one contiguous joinid range).
 */
export interface Batch {
  /** 0-based, stable for a given input and sizes: resume identifies finished batches by it. */
  id: number;
  /** obs_group_joinids in this batch, ascending. */
  groups: Uint32Array;
  /** Positions of the batch's cells in the planner's input arrays, ascending (so joinids ascend too). */
  cells: Int32Array;
  /** Inclusive joinid ranges covering the cells: consecutive queried cells coalesce into one range. */
  ranges: Array<[number, number]>;
}

/** A batch past this many times the minimum closes even where its groups interleave with the next ones. */
const SPREAD_LIMIT = 4;
/** ... unless the input is big enough for each worker to get this many batches of more cells than that. */
const BATCHES_PER_WORKER = 2;

export interface PlanOptions {
  /**
   * A batch is closed once it holds at least this many cells (the reference's MIN_BATCH_SIZE) and the next
   * group does not interleave with its cells (or it holds many more: see `workers`).
   */
  minBatchCells: number;
  /** A group is not added to a non-empty batch that would then exceed this many cells. */
  maxBatchCells: number;
  /** Nor to a batch that already holds this many groups (each open group costs a row of accumulators). */
  maxBatchGroups?: number;
  /**
   * Workers that will share the batches (default 1). Where groups interleave (a Census dataset), every batch
   * holding some of them decodes the whole stretch of X, so such a batch grows to SPREAD_LIMIT times the minimum
   * or to BATCHES_PER_WORKER batches per worker's share of the cells, whichever is more.
   */
  workers?: number;
}

/**
 * @param joinids queried cells' soma_joinids, strictly ascending
 * @param groupOfCell each cell's obs_group_joinid (0 .. nGroups-1)
 */
export function planBatches(joinids: Float64Array, groupOfCell: Uint32Array, nGroups: number, opts: PlanOptions): Batch[] {
  const n = joinids.length;
  if (groupOfCell.length !== n) {
    throw new CubeBuilderError("E_PLAN", `planBatches: ${n} joinids but ${groupOfCell.length} group ids`);
  }
  if (opts.minBatchCells < 1 || opts.maxBatchCells < opts.minBatchCells) {
    throw new CubeBuilderError("E_PLAN", `batch sizes: need 1 <= min (${opts.minBatchCells}) <= max (${opts.maxBatchCells})`);
  }
  const size = new Float64Array(nGroups);
  const firstCell = new Float64Array(nGroups).fill(-1);
  const lastCell = new Float64Array(nGroups).fill(-1);
  for (let i = 0; i < n; i++) {
    if (i > 0 && !(joinids[i] > joinids[i - 1])) {
      throw new CubeBuilderError("E_PLAN", `planBatches: joinids must be strictly ascending (index ${i})`);
    }
    const g = groupOfCell[i];
    if (g >= nGroups) throw new CubeBuilderError("E_PLAN", `planBatches: group ${g} of cell ${joinids[i]} >= ${nGroups}`);
    if (size[g] === 0) firstCell[g] = i;
    lastCell[g] = i;
    size[g] += 1;
  }
  // Groups in order of their first cell; empty groups are not planned.
  const order = Array.from({ length: nGroups }, (_, g) => g)
    .filter((g) => size[g] > 0)
    .sort((a, b) => firstCell[a] - firstCell[b]);

  const spreadCells = Math.max(SPREAD_LIMIT * opts.minBatchCells, Math.ceil(n / (BATCHES_PER_WORKER * (opts.workers ?? 1))));
  const batchOfGroup = new Int32Array(nGroups).fill(-1);
  const maxGroups = opts.maxBatchGroups ?? Number.POSITIVE_INFINITY;
  const batchCells: number[] = [];
  let current = 0;
  let cells = 0;
  let nGroupsInBatch = 0;
  // Last cell (input position) of the batch's groups: a group starting before it interleaves with the batch.
  let batchEnd = -1;
  for (const g of order) {
    // A batch that has its cells closes where the next group does not interleave with it, so batches own
    // disjoint joinid stretches and no X tile is decoded by two batches (groups of a Census dataset interleave
    // within it); a batch of spreadCells closes anyway, to keep the workers busy.
    const enough = cells >= opts.minBatchCells && (firstCell[g] > batchEnd || cells >= spreadCells);
    if (cells > 0 && (enough || cells + size[g] > opts.maxBatchCells || nGroupsInBatch >= maxGroups)) {
      batchCells.push(cells);
      current++;
      cells = 0;
      nGroupsInBatch = 0;
      batchEnd = -1;
    }
    batchOfGroup[g] = current;
    cells += size[g];
    nGroupsInBatch++;
    batchEnd = Math.max(batchEnd, lastCell[g]);
  }
  if (cells > 0) batchCells.push(cells);

  // One pass over the cells fills every batch's (ascending) cell lists.
  const fill = new Int32Array(batchCells.length);
  const batches: Batch[] = batchCells.map((c, id) => ({
    id,
    groups: new Uint32Array(0),
    cells: new Int32Array(c),
    ranges: [],
  }));
  let prevBatch = -1;
  for (let i = 0; i < n; i++) {
    const b = batchOfGroup[groupOfCell[i]];
    const batch = batches[b];
    batch.cells[fill[b]++] = i;
    const last = batch.ranges[batch.ranges.length - 1];
    // Consecutive queried cells of the same batch share one range.
    if (last !== undefined && prevBatch === b) last[1] = joinids[i];
    else batch.ranges.push([joinids[i], joinids[i]]);
    prevBatch = b;
  }
  const groupsPerBatch: number[][] = batches.map(() => []);
  for (let g = 0; g < nGroups; g++) if (batchOfGroup[g] >= 0) groupsPerBatch[batchOfGroup[g]].push(g);
  batches.forEach((b, i) => {
    b.groups = Uint32Array.from(groupsPerBatch[i]);
  });
  return batches;
}
