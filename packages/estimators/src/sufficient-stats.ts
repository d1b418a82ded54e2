import { EstimatorsError } from "./errors.js";
import { type IndexArray, indexView } from "./indices.js";
import { PendingValues } from "./pending-values.js";

/**
 * Additive statistics of a set of cells, mergeable across batches and workers.
 *
 * Group totals (`n_obs`, sum of approximate size factors) are kept apart from the (group, gene) pairs so that a
 * group split across workers merges correctly even when a gene appears in only one part. Following the reference,
 * a cell counts towards its group's totals once it has at least one stored X value.
 * Both tables are sorted: groups by id, pairs by (group, gene) (or by (gene, group): see `take`).
 */
export interface SufficientStats {
  nFeatures: number;
  groups: { obsGroup: Uint32Array; nObs: Float64Array; sizeFactor: Float64Array };
  pairs: { obsGroup: Uint32Array; feature: Uint32Array; sum: Float64Array; sumsq: Float64Array; nnz: Uint32Array };
}

/** Cube rows: one per (obs group, gene) with a stored value, in the cube's float32 attributes. */
export interface CubeRows {
  obsGroup: Uint32Array;
  feature: Uint32Array;
  sum: Float32Array;
  sumsq: Float32Array;
  sizeFactor: Float32Array;
  nObs: Float32Array;
}

export interface AccumulatorOptions {
  nFeatures: number;
  /** Obs group of every cell, indexed by `joinid - cellOffset`; -1 marks a cell outside the query (skipped). */
  cellGroup: Int32Array;
  /** Approximate size factor of every cell, indexed like `cellGroup`. */
  cellSizeFactor: Float64Array | Float32Array;
  /** Subtracted from every cell joinid before indexing (for a worker that owns one joinid range). */
  cellOffset?: number;
  /** Rows to allocate up front (they double when more groups are open at once). Default 4. */
  initialGroups?: number;
  /**
   * An earlier accumulator over as many genes whose groups were all taken: its rows (zero again) move to this one
   * instead of new ones being allocated, whose every page the kernel would fault in and zero once more.
   */
  recycle?: SufficientStatsAccumulator;
  /**
   * Values held back before they are added to the rows (default DEFAULT_PENDING_VALUES; 6 to PENDING_BYTES_PER_VALUE
   * bytes each): the more, the more of a group's cells are added together while its row is in cache.
   */
  pendingValues?: number;
}

/** Values an accumulator holds back before adding them to its rows, unless told otherwise. */
export const DEFAULT_PENDING_VALUES = 1 << 20;

/** Bytes of rows `emitByGene` reads ahead per block of genes: about half of a core's L2 cache. */
const EMIT_BLOCK_BYTES = 512 << 10;
let _readAheadSink = 0;

/** Row positions are kept as uint32: the rows of all open groups hold fewer numbers than this. */
const MAX_ROW_NUMBERS = 2 ** 32;

/** sum, sumsq and nnz of one (group, gene) sit side by side: one cache line per stored value. */
const FIELDS = 3;
/** Bytes an open group holds per feature: the three float64 fields (what a caller budgets per (group, gene)). */
export const ACCUMULATOR_BYTES_PER_FEATURE = FIELDS * 8;
/**
 * Bytes per (group, gene) that emitting a group with `takeCubeRows` can take besides its row: six 4-byte columns
 * per pair, sized for every gene of the group at most (`take`'s float64 pairs take 28, and `toCubeRows` 24 more).
 */
export const EMIT_BYTES_PER_FEATURE = 24;

/**
 * Accumulates `sum`, `sumsq` and `nnz` per (obs group, gene) from streamed (cell, gene, value) batches.
 *
 * Memory: one dense row of `nFeatures` (float64 sum, sumsq and nnz = 24 bytes a gene) per open group,
 * plus one bit per cell for "already counted", plus the buffer of values held back (`pendingValues`): they are
 * added to the rows group by group when it fills and before groups are taken, so that a group's row is in cache
 * while its cells are added. A group is open from its first value until `take` emits it, so a builder streaming X
 * in joinid order keeps only the groups whose cells it has not finished.
 */
export class SufficientStatsAccumulator {
  readonly nFeatures: number;
  private readonly cellGroup: Int32Array;
  private readonly cellSizeFactor: Float64Array | Float32Array;
  private readonly cellOffset: number;
  private readonly counted: Uint32Array;
  private slotOf = new Map<number, number>();
  private freeSlots: number[] = [];
  private capacity = 0;
  private rows: Float64Array = new Float64Array(0);
  /** Stored values added per slot: bounds its pairs (emission scans the rows, nothing marks genes as touched). */
  private slotValues: Float64Array = new Float64Array(0);
  private slotNObs: Float64Array = new Float64Array(0);
  private slotSizeFactor: Float64Array = new Float64Array(0);
  private maxOpen = 0;
  private pending: PendingValues;
  constructor(options: AccumulatorOptions) {
    const { nFeatures, cellGroup, cellSizeFactor } = options;
    if (!Number.isInteger(nFeatures) || nFeatures < 1) {
      throw new EstimatorsError("E_INVALID_ARGUMENT", `nFeatures is ${nFeatures}: must be a positive integer`);
    }
    if (cellGroup.length !== cellSizeFactor.length) {
      throw new EstimatorsError(
        "E_LENGTH_MISMATCH",
        `cellGroup has ${cellGroup.length} cells but cellSizeFactor has ${cellSizeFactor.length}`,
      );
    }
    this.nFeatures = nFeatures;
    this.cellGroup = cellGroup;
    this.cellSizeFactor = cellSizeFactor;
    this.cellOffset = options.cellOffset ?? 0;
    this.counted = new Uint32Array(Math.ceil(cellGroup.length / 32));
    const pendingValues = options.pendingValues ?? DEFAULT_PENDING_VALUES;
    if (!Number.isInteger(pendingValues) || pendingValues < 1 || pendingValues >= 2 ** 32) {
      throw new EstimatorsError("E_INVALID_ARGUMENT", `pendingValues is ${pendingValues}: must be a positive integer below 2^32`);
    }
    const recycled = options.recycle?.releaseRows(nFeatures);
    this.pending = recycled?.pending.fits(pendingValues, nFeatures) ? recycled.pending : new PendingValues(pendingValues, nFeatures);
    if (recycled) {
      this.rows = recycled.rows;
      this.capacity = 0;
      this.grow(recycled.rows.length / (nFeatures * FIELDS));
    }
    this.grow(Math.max(1, options.initialGroups ?? 4, this.capacity));
  }

  /**
   * Hands over the rows and the pending buffer when every group was taken (the rows are all zero then, the buffer
   * empty), leaving this accumulator empty.
   */
  private releaseRows(nFeatures: number): { rows: Float64Array; pending: PendingValues } | null {
    if (nFeatures !== this.nFeatures || this.slotOf.size > 0 || this.capacity === 0) return null;
    const rows = this.rows;
    this.rows = new Float64Array(0);
    this.capacity = 0;
    this.freeSlots = [];
    const pending = this.pending;
    this.pending = new PendingValues(0, 1);
    return { rows, pending };
  }

  /** Groups with values not yet emitted, ascending. */
  openGroups(): number[] {
    return [...this.slotOf.keys()].sort((a, b) => a - b);
  }

  /** Bytes held by the dense rows now, and the most groups ever open at once. */
  memory(): { bytes: number; openGroups: number; maxOpenGroups: number } {
    return {
      bytes: this.capacity * this.nFeatures * ACCUMULATOR_BYTES_PER_FEATURE + this.counted.byteLength + this.pending.bytes,
      openGroups: this.slotOf.size,
      maxOpenGroups: this.maxOpen,
    };
  }

  private openSlot(group: number): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.slotOf.size === this.capacity) this.grow(Math.max(2, this.capacity * 2));
      slot = this.freeSlots.pop() as number;
    }
    this.slotOf.set(group, slot);
    if (this.slotOf.size > this.maxOpen) this.maxOpen = this.slotOf.size;
    return slot;
  }

  private grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    if (capacity * this.nFeatures * FIELDS > MAX_ROW_NUMBERS) {
      throw new EstimatorsError("E_INVALID_ARGUMENT", `${capacity} open groups of ${this.nFeatures} genes exceed the accumulator's ${MAX_ROW_NUMBERS} numbers of rows: take groups sooner`);
    }
    const grow64 = (a: Float64Array, w: number) => {
      if (a.length === capacity * w) return a;
      const b = new Float64Array(capacity * w);
      // With no group open every row is zero: copying would only touch the new pages.
      const copied = this.slotOf.size > 0 ? a.length : 0;
      if (copied > 0) b.set(a);
      // Write the rest once now: a new array's pages are mapped on first touch, and the adds read before they
      // write, so each page would fault twice (mapped to the zero page on the read, copied on the write); one
      // sequential write faults each page once.
      b.fill(0, copied);
      return b;
    };
    this.rows = grow64(this.rows, this.nFeatures * FIELDS);
    this.slotValues = grow64(this.slotValues, 1);
    this.slotNObs = grow64(this.slotNObs, 1);
    this.slotSizeFactor = grow64(this.slotSizeFactor, 1);
    for (let s = capacity - 1; s >= this.capacity; s--) this.freeSlots.push(s);
    this.capacity = capacity;
  }

  /**
   * Add one batch of stored X values. `cells` are joinids, `genes` are var indices in [0, nFeatures), `values`
   * are raw counts (finite, >= 0). Batches may come in any order; a cell may span batches.
   */
  add(cells: IndexArray, genes: IndexArray, values: Float32Array | Float64Array): void {
    const n = values.length;
    if (cells.length !== n || genes.length !== n) {
      throw new EstimatorsError(
        "E_LENGTH_MISMATCH",
        `batch arrays differ in length: cells ${cells.length}, genes ${genes.length}, values ${n}`,
      );
    }
    // 64-bit indices: their high words are checked in the add's own passes, not in one more pass each
    const cv = indexView("cells", cells, { checkHigh: false });
    const gv = indexView("genes", genes, { checkHigh: false });
    this.addLoop(cv.view, cv.stride, gv.view, gv.stride, values, n);
  }

  /**
   * Copies the batch's values into the pending buffer, checking them, run by run (a run: consecutive values of one
   * cell), and counts each cell towards its group's totals in arrival order. Runs of cells outside the query are
   * checked and dropped. A full buffer is added to the rows first (see `flush`).
   */
  private addLoop(cells: Uint32Array, cs: number, genes: Uint32Array, gs: number, values: Float32Array | Float64Array, n: number): void {
    const cellGroup = this.cellGroup;
    const nCells = cellGroup.length;
    const nFeatures = this.nFeatures;
    const offset = this.cellOffset;
    const pending = this.pending;
    if (values instanceof Float64Array && !pending.wide) {
      // float64 counts need not fit the float32 the buffer holds
      this.flush();
      pending.widen();
    }
    const bad = (at: number): never => {
      checkRun(genes, gs, values, at, at + 1, nFeatures, cells[at * cs]);
      throw new Error(`unreachable: genes[${at}] and values[${at}] were refused, then passed the check`);
    };
    let i = 0;
    while (i < n) {
      const cell = cells[i * cs];
      const c = cell - offset;
      if (!(c >= 0 && c < nCells) || (cs === 2 && cells[i * 2 + 1] !== 0)) {
        throw new EstimatorsError(
          "E_INDEX_OUT_OF_RANGE",
          `cells[${i}] is ${wideIndex(cells, cs, i)}: outside the ${nCells} cells starting at joinid ${offset}`,
        );
      }
      let end = i + 1;
      while (end < n && cells[end * cs] === cell && (cs === 1 || cells[end * 2 + 1] === 0)) end++;
      const group = cellGroup[c];
      if (group < 0) {
        checkRun(genes, gs, values, i, end, nFeatures, cell);
        i = end;
        continue;
      }
      let slot = this.slotOf.get(group);
      if (slot === undefined) slot = this.openSlot(group);
      const bit = 1 << (c & 31);
      if ((this.counted[c >>> 5] & bit) === 0) {
        this.counted[c >>> 5] |= bit;
        this.slotNObs[slot] += 1;
        this.slotSizeFactor[slot] += this.cellSizeFactor[c];
      }
      this.slotValues[slot] += end - i;
      while (i < end) {
        i = pending.append(slot, genes, gs, values, i, end, nFeatures, bad);
        if (i < end) this.flush();
      }
    }
  }

  /**
   * Adds the pending values to the rows, group row by group row: all of a group's pending cells are added one
   * after the other, so its row (nFeatures x 24 bytes) stays in cache while they are, where in arrival order almost
   * every value would miss on rows far larger than any cache. Each pair still gets its values in arrival order.
   */
  private flush(): void {
    if (!this.pending.isEmpty) this.pending.addTo(this.rows, this.nFeatures, FIELDS);
  }

  /**
   * Emit the given open groups (all open groups if omitted) and free their rows. Pairs come by (group, gene),
   * or with `order: "feature"` by (gene, group): the order of an array keyed by (gene, group), whose writer then
   * need not sort them (`mergeSufficientStats` needs the default order). With `reuse`, an earlier result the
   * caller is done with, the pairs are written into its arrays where they are large enough (a caller taking
   * batch after batch then does not have fresh arrays faulted in and zeroed each time).
   */
  take(groups?: Iterable<number>, options: { order?: "group" | "feature"; reuse?: SufficientStats } = {}): SufficientStats {
    const reuse = options.reuse?.pairs;
    const { totals, pairs } = this.emit(groups, options.order, (n) => ({
      obsGroup: room(Uint32Array, n, reuse?.obsGroup),
      feature: room(Uint32Array, n, reuse?.feature),
      sum: room(Float64Array, n, reuse?.sum),
      sumsq: room(Float64Array, n, reuse?.sumsq),
      nnz: room(Uint32Array, n, reuse?.nnz),
    }));
    return { nFeatures: this.nFeatures, groups: totals, pairs: pairs as SufficientStats["pairs"] };
  }

  /**
   * `toCubeRows(take(groups, options))` without the float64 pairs in between: the groups are emitted straight
   * into float32 cube rows (half the memory per pair, one pass fewer), rounded as `toCubeRows` rounds.
   */
  takeCubeRows(groups?: Iterable<number>, options: { order?: "group" | "feature"; reuse?: CubeRows } = {}): CubeRows {
    const reuse = options.reuse;
    const { pairs } = this.emit(groups, options.order, (n, ofGroup) => ({
      obsGroup: room(Uint32Array, n, reuse?.obsGroup),
      feature: room(Uint32Array, n, reuse?.feature),
      sum: room(Float32Array, n, reuse?.sum),
      sumsq: room(Float32Array, n, reuse?.sumsq),
      totals: { sizeFactor: room(Float32Array, n, reuse?.sizeFactor), nObs: room(Float32Array, n, reuse?.nObs), ofGroup },
    }));
    const { obsGroup, feature, sum, sumsq, totals } = pairs;
    return { obsGroup, feature, sum: sum as Float32Array, sumsq: sumsq as Float32Array, sizeFactor: totals!.sizeFactor, nObs: totals!.nObs };
  }

  /** Emits the groups' pairs into the arrays `alloc` gives for at most n pairs (cut to those found), frees their rows. */
  private emit(groups: Iterable<number> | undefined, order: "group" | "feature" | undefined, alloc: (n: number, totals: SufficientStats["groups"]) => PairColumns): { totals: SufficientStats["groups"]; pairs: PairColumns } {
    this.flush();
    const chosen = groups === undefined ? this.openGroups() : [...new Set(groups)].sort((a, b) => a - b);
    const present = chosen.filter((g) => this.slotOf.has(g));
    const slots = present.map((g) => this.slotOf.get(g) as number);
    // Outputs sized for the most pairs the groups can have, then cut to the pairs found.
    let bound = 0;
    for (const slot of slots) bound += Math.min(this.slotValues[slot], this.nFeatures);
    const totals = { obsGroup: Uint32Array.from(present), nObs: new Float64Array(present.length), sizeFactor: new Float64Array(present.length) };
    slots.forEach((slot, gi) => {
      totals.nObs[gi] = this.slotNObs[slot];
      totals.sizeFactor[gi] = this.slotSizeFactor[slot];
    });
    const out = alloc(bound, totals);
    const nPairs = order === "feature" ? this.emitByGene(totals.obsGroup, slots, out) : this.emitByGroup(totals.obsGroup, slots, out);
    const pairs: PairColumns = {
      obsGroup: out.obsGroup.subarray(0, nPairs),
      feature: out.feature.subarray(0, nPairs),
      sum: out.sum.subarray(0, nPairs),
      sumsq: out.sumsq.subarray(0, nPairs),
      nnz: out.nnz?.subarray(0, nPairs),
      totals: out.totals && { sizeFactor: out.totals.sizeFactor.subarray(0, nPairs), nObs: out.totals.nObs.subarray(0, nPairs), ofGroup: totals },
    };
    for (let gi = 0; gi < present.length; gi++) {
      const slot = slots[gi];
      this.slotValues[slot] = 0;
      this.slotNObs[slot] = 0;
      this.slotSizeFactor[slot] = 0;
      this.slotOf.delete(present[gi]);
      this.freeSlots.push(slot);
    }
    return { totals, pairs };
  }

  /** Each group's row in gene order (a sequential scan); returns the number of pairs. */
  private emitByGroup(groupIds: Uint32Array, slots: number[], pairs: PairColumns): number {
    const rows = this.rows;
    let p = 0;
    for (let gi = 0; gi < groupIds.length; gi++) {
      const at = slots[gi] * this.nFeatures * FIELDS;
      for (let j = 0, k = at; j < this.nFeatures; j++, k += FIELDS) {
        if (rows[k + 2] !== 0) p = this.emitPair(pairs, p, groupIds[gi], gi, j, k);
      }
    }
    return p;
  }

  /**
   * Gene by gene across the groups' rows, in blocks of genes: each row's part of a block is first read as one
   * sequential stream (hundreds of rows read in step, gene by gene, are more streams than the processor's
   * prefetchers follow), then the block is emitted gene by gene from cache. Every slot is visited (about half hold
   * a pair in Census-like batches). Returns the number of pairs.
   */
  private emitByGene(groupIds: Uint32Array, slots: number[], pairs: PairColumns): number {
    const nFeatures = this.nFeatures;
    const at = Float64Array.from(slots, (slot) => slot * nFeatures * FIELDS);
    const rows = this.rows;
    const nSlots = at.length;
    // a block of every row fills about 512 KiB
    const block = Math.max(16, Math.floor(EMIT_BLOCK_BYTES / (nSlots * FIELDS * 8)));
    let p = 0;
    let touched = 0;
    for (let j0 = 0; j0 < nFeatures; j0 += block) {
      const j1 = Math.min(nFeatures, j0 + block);
      for (let gi = 0; gi < nSlots; gi++) {
        // one number per cache line brings the line in
        for (let k = at[gi] + j0 * FIELDS, end = at[gi] + j1 * FIELDS; k < end; k += 8) touched += rows[k];
      }
      for (let j = j0, off = j0 * FIELDS; j < j1; j++, off += FIELDS) {
        for (let gi = 0; gi < nSlots; gi++) {
          const k = at[gi] + off;
          if (rows[k + 2] !== 0) p = this.emitPair(pairs, p, groupIds[gi], gi, j, k);
        }
      }
    }
    _readAheadSink = touched; // keeps the read-ahead from being dropped as dead code
    return p;
  }

  /** Moves one (group, gene) pair to output position `p` and zeroes its slot; returns the next position. */
  private emitPair(pairs: PairColumns, p: number, group: number, gi: number, feature: number, k: number): number {
    const rows = this.rows;
    pairs.obsGroup[p] = group;
    pairs.feature[p] = feature;
    pairs.sum[p] = rows[k];
    pairs.sumsq[p] = rows[k + 1];
    if (pairs.nnz) pairs.nnz[p] = rows[k + 2];
    if (pairs.totals) {
      pairs.totals.sizeFactor[p] = pairs.totals.ofGroup.sizeFactor[gi];
      pairs.totals.nObs[p] = pairs.totals.ofGroup.nObs[gi];
    }
    rows[k] = 0;
    rows[k + 1] = 0;
    rows[k + 2] = 0;
    return p + 1;
  }
}

/** Element i of an index view as a number (its two words when the view is of 64-bit indices), for messages. */
function wideIndex(view: Uint32Array, stride: number, i: number): number | bigint {
  if (stride === 1) return view[i];
  return (BigInt(view[i * 2 + 1] | 0) << 32n) + BigInt(view[i * 2]);
}

/** Validate one run of values (for cells outside the query, and to name the first bad value). */
function checkRun(
  genes: Uint32Array,
  gs: number,
  values: Float32Array | Float64Array,
  start: number,
  end: number,
  nFeatures: number,
  cell: number,
): void {
  for (let i = start; i < end; i++) {
    const g = genes[i * gs];
    const v = values[i];
    if (!(g < nFeatures) || (gs === 2 && genes[i * 2 + 1] !== 0)) throw new EstimatorsError("E_INDEX_OUT_OF_RANGE", `genes[${i}] is ${wideIndex(genes, gs, i)}: must be in [0, ${nFeatures})`);
    if (!(v >= 0 && v !== Number.POSITIVE_INFINITY)) {
      throw new EstimatorsError("E_INVALID_COUNT", `values[${i}] (cell ${cell}, gene ${g}) is ${v}: counts must be finite and >= 0`);
    }
  }
}

/** Zeroed statistics for `nGroups` groups and `nPairs` pairs. */
function emptyStats(nFeatures: number, nGroups: number, nPairs: number): SufficientStats {
  return {
    nFeatures,
    groups: { obsGroup: new Uint32Array(nGroups), nObs: new Float64Array(nGroups), sizeFactor: new Float64Array(nGroups) },
    pairs: { obsGroup: new Uint32Array(nPairs), feature: new Uint32Array(nPairs), sum: new Float64Array(nPairs), sumsq: new Float64Array(nPairs), nnz: new Uint32Array(nPairs) },
  };
}

/**
 * Where emission writes per pair: (group, gene, sum, sumsq) and either the pair's nnz (float64 statistics) or
 * its group's `size_factor` and `n_obs` (float32 cube rows), from the emitted groups' totals in emission order.
 */
interface PairColumns {
  obsGroup: Uint32Array;
  feature: Uint32Array;
  sum: Float64Array | Float32Array;
  sumsq: Float64Array | Float32Array;
  nnz?: Uint32Array;
  totals?: { sizeFactor: Float32Array; nObs: Float32Array; ofGroup: SufficientStats["groups"] };
}

type NumberArray = Uint32Array | Float32Array | Float64Array;

/** `n` elements over the whole buffer of `old` when it holds them (its contents are overwritten), else a new array. */
function room<T extends NumberArray>(type: { new (n: number): T; new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }, n: number, old?: T): T {
  if (old && old.buffer instanceof ArrayBuffer && old.buffer.byteLength >= n * type.BYTES_PER_ELEMENT) return new type(old.buffer, 0, n);
  return new type(n);
}

function mergeTwo(a: SufficientStats, b: SufficientStats): SufficientStats {
  if (a.nFeatures !== b.nFeatures) {
    throw new EstimatorsError("E_LENGTH_MISMATCH", `cannot merge statistics over ${a.nFeatures} and ${b.nFeatures} genes`);
  }
  const ga = a.groups;
  const gb = b.groups;
  // Groups: sorted merge, adding totals of a group present in both.
  const gOrder: [number, number][] = [];
  for (let i = 0, j = 0; i < ga.obsGroup.length || j < gb.obsGroup.length; ) {
    const x = i < ga.obsGroup.length ? ga.obsGroup[i] : Number.POSITIVE_INFINITY;
    const y = j < gb.obsGroup.length ? gb.obsGroup[j] : Number.POSITIVE_INFINITY;
    gOrder.push([x <= y ? i++ : -1, y <= x ? j++ : -1]);
  }
  const pa = a.pairs;
  const pb = b.pairs;
  const key = (g: number, feature: number) => g * a.nFeatures + feature;
  const pOrder: [number, number][] = [];
  for (let i = 0, j = 0; i < pa.feature.length || j < pb.feature.length; ) {
    const x = i < pa.feature.length ? key(pa.obsGroup[i], pa.feature[i]) : Number.POSITIVE_INFINITY;
    const y = j < pb.feature.length ? key(pb.obsGroup[j], pb.feature[j]) : Number.POSITIVE_INFINITY;
    pOrder.push([x <= y ? i++ : -1, y <= x ? j++ : -1]);
  }
  const out = emptyStats(a.nFeatures, gOrder.length, pOrder.length);
  gOrder.forEach(([i, j], k) => {
    out.groups.obsGroup[k] = i >= 0 ? ga.obsGroup[i] : gb.obsGroup[j];
    out.groups.nObs[k] = (i >= 0 ? ga.nObs[i] : 0) + (j >= 0 ? gb.nObs[j] : 0);
    out.groups.sizeFactor[k] = (i >= 0 ? ga.sizeFactor[i] : 0) + (j >= 0 ? gb.sizeFactor[j] : 0);
  });
  pOrder.forEach(([i, j], k) => {
    out.pairs.obsGroup[k] = i >= 0 ? pa.obsGroup[i] : pb.obsGroup[j];
    out.pairs.feature[k] = i >= 0 ? pa.feature[i] : pb.feature[j];
    out.pairs.sum[k] = (i >= 0 ? pa.sum[i] : 0) + (j >= 0 ? pb.sum[j] : 0);
    out.pairs.sumsq[k] = (i >= 0 ? pa.sumsq[i] : 0) + (j >= 0 ? pb.sumsq[j] : 0);
    out.pairs.nnz[k] = (i >= 0 ? pa.nnz[i] : 0) + (j >= 0 ? pb.nnz[j] : 0);
  });
  return out;
}

/** Merge partial statistics of disjoint cell sets (e.g. one group split across workers). */
export function mergeSufficientStats(parts: readonly SufficientStats[]): SufficientStats {
  if (parts.length === 0) throw new EstimatorsError("E_EMPTY_INPUT", "nothing to merge");
  let acc = parts[0];
  for (let i = 1; i < parts.length; i++) acc = mergeTwo(acc, parts[i]);
  return acc;
}

/**
 * Expand statistics to cube rows: each pair gets its group's `n_obs` and `size_factor`, all as float32. With
 * `reuse`, earlier rows the caller is done with, their arrays are overwritten where large enough.
 */
export function toCubeRows(stats: SufficientStats, reuse?: CubeRows): CubeRows {
  const { groups, pairs } = stats;
  const n = pairs.feature.length;
  const rows: CubeRows = {
    obsGroup: room(Uint32Array, n, reuse?.obsGroup),
    feature: room(Uint32Array, n, reuse?.feature),
    sum: room(Float32Array, n, reuse?.sum),
    sumsq: room(Float32Array, n, reuse?.sumsq),
    sizeFactor: room(Float32Array, n, reuse?.sizeFactor),
    nObs: room(Float32Array, n, reuse?.nObs),
  };
  rows.obsGroup.set(pairs.obsGroup);
  rows.feature.set(pairs.feature);
  rows.sum.set(pairs.sum);
  rows.sumsq.set(pairs.sumsq);
  // Group totals by group id (pairs may come in either order take gives).
  let maxGroup = -1;
  for (let gi = 0; gi < groups.obsGroup.length; gi++) maxGroup = Math.max(maxGroup, groups.obsGroup[gi]);
  const indexOf = new Int32Array(maxGroup + 1).fill(-1);
  for (let gi = 0; gi < groups.obsGroup.length; gi++) indexOf[groups.obsGroup[gi]] = gi;
  for (let k = 0; k < n; k++) {
    const g = pairs.obsGroup[k];
    const gi = g < indexOf.length ? indexOf[g] : -1;
    if (gi < 0) throw new EstimatorsError("E_INVALID_ARGUMENT", `pair (group ${g}, gene ${pairs.feature[k]}) has no group totals`);
    rows.sizeFactor[k] = groups.sizeFactor[gi];
    rows.nObs[k] = groups.nObs[gi];
  }
  return rows;
}
