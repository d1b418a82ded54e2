/**
 * Values an accumulator has taken but not yet added to its rows, kept apart by group row (slot) in chunks, so that
 * adding them later goes row by row, each row's values read in one sequential stream.
 */

/** Values per chunk: 12-24 KiB of genes and values, long enough for a sequential read to pay off. */
const CHUNK = 2048;
/**
 * Bytes per pending value at most: its gene (uint16 when there are at most 65,536 genes, else uint32) and value
 * (float32 until a batch of float64 values arrives, then float64). Census X (float32, ~60,000 genes): 6 bytes.
 */
export const PENDING_BYTES_PER_VALUE = 12;

export class PendingValues {
  /** Chunk c holds values [c * CHUNK, c * CHUNK + fill[c]) of `gene` and `value`. */
  private feature: Uint16Array | Uint32Array;
  private value: Float32Array | Float64Array;
  private fill: Uint32Array;
  /** The chunk after chunk c in its slot's list, or -1. */
  private next: Int32Array;
  /** Each slot's first and last chunk, or -1. */
  private head = new Int32Array(0);
  private tail = new Int32Array(0);
  /** Slots holding values, in the order they got their first chunk. */
  private active: number[] = [];
  private free: Int32Array;
  private nFree: number;

  /** The most values a buffer made for `maxValues` holds: whole chunks, at least 4. */
  static capacityFor(maxValues: number): number {
    return Math.max(4, Math.ceil(maxValues / CHUNK)) * CHUNK;
  }

  /** Holds up to `capacityFor(maxValues)` values of genes below `nFeatures`, allocated up front. */
  constructor(maxValues: number, nFeatures: number) {
    const chunks = PendingValues.capacityFor(maxValues) / CHUNK;
    this.feature = nFeatures <= 2 ** 16 ? new Uint16Array(chunks * CHUNK) : new Uint32Array(chunks * CHUNK);
    this.value = new Float32Array(chunks * CHUNK);
    this.fill = new Uint32Array(chunks);
    this.next = new Int32Array(chunks);
    this.free = new Int32Array(chunks);
    this.nFree = 0;
    this.release(0, chunks);
  }

  /** Bytes of the buffers now. */
  get bytes(): number {
    return this.feature.byteLength + this.value.byteLength;
  }

  /** Whether it holds values as float64 (see `widen`). */
  get wide(): boolean {
    return this.value instanceof Float64Array;
  }

  /** Holds values as float64 from now on (float64 input need not fit float32); only while it is empty. */
  widen(): void {
    if (!this.isEmpty) throw new Error("PendingValues.widen: the buffer holds values");
    this.value = new Float64Array(this.value.length);
  }

  /** Whether it was made for `maxValues` values of genes below `nFeatures`, so that it can serve again. */
  fits(maxValues: number, nFeatures: number): boolean {
    return this.capacity === PendingValues.capacityFor(maxValues) && (this.feature instanceof Uint16Array) === nFeatures <= 2 ** 16;
  }

  /** The most values it holds. */
  get capacity(): number {
    return this.feature.length;
  }

  get isEmpty(): boolean {
    return this.active.length === 0;
  }

  /**
   * Appends values [from, to) of one cell to slot `slot` (float64 values only once `wide`), checking each: `bad(i)`
   * is called at the first gene not below `nFeatures` or value not finite and >= 0, and must throw. Returns where it
   * stopped: `to`, or an earlier index when every chunk is taken (the caller adds what is held, then appends the rest).
   */
  append(slot: number, genes: Uint32Array, gs: number, values: Float32Array | Float64Array, from: number, to: number, nFeatures: number, bad: (i: number) => never): number {
    if (slot >= this.head.length) this.growSlots(slot + 1);
    const { feature: gene, value, fill } = this;
    let c = this.tail[slot];
    let f = c >= 0 ? fill[c] : CHUNK;
    let at = c * CHUNK + f;
    let i = from;
    for (let gi = from * gs; i < to; i++, gi += gs) {
      if (f === CHUNK) {
        if (c >= 0) fill[c] = f;
        const n = this.newChunk(slot);
        if (n < 0) return i;
        c = n;
        f = 0;
        at = c * CHUNK;
      }
      const g = genes[gi];
      const v = values[i];
      if (!(g < nFeatures) || !(v >= 0 && v !== Number.POSITIVE_INFINITY) || (gs === 2 && genes[gi + 1] !== 0)) {
        fill[c] = f;
        bad(i);
      }
      gene[at] = g;
      value[at] = v;
      at++;
      f++;
    }
    if (c >= 0) fill[c] = f;
    return i;
  }

  /**
   * Adds every held value to `rows` (`fields` numbers per (slot, gene): sum, sumsq, count), slot by slot, each
   * slot's values in the order they were appended, and empties the buffer. Nothing records which genes were
   * touched: a branch on "first value of this pair" would mispredict about every other value in half-filled rows;
   * emission finds the pairs by scanning the rows instead.
   */
  addTo(rows: Float64Array, nFeatures: number, fields: number): void {
    const { feature: gene, value, fill, next } = this;
    for (const slot of this.active) {
      const base = slot * nFeatures;
      for (let c = this.head[slot]; c >= 0; c = next[c]) {
        const end = c * CHUNK + fill[c];
        for (let i = c * CHUNK; i < end; i++) {
          const k = (base + gene[i]) * fields;
          const v = value[i];
          rows[k] += v;
          rows[k + 1] += v * v;
          rows[k + 2] += 1;
        }
      }
      this.head[slot] = -1;
      this.tail[slot] = -1;
    }
    this.active = [];
    this.nFree = 0;
    this.release(0, this.fill.length);
  }

  /** A chunk for slot `slot`'s list, or -1 when none is left. */
  private newChunk(slot: number): number {
    if (this.nFree === 0) return -1;
    const c = this.free[--this.nFree];
    this.fill[c] = 0;
    this.next[c] = -1;
    const t = this.tail[slot];
    if (t >= 0) this.next[t] = c;
    else {
      this.head[slot] = c;
      this.active.push(slot);
    }
    this.tail[slot] = c;
    return c;
  }

  /** Makes chunks [from, to) free, the lowest taken first (a new pool is then first touched in order). */
  private release(from: number, to: number): void {
    for (let c = to - 1; c >= from; c--) this.free[this.nFree++] = c;
  }

  private growSlots(n: number): void {
    const size = Math.max(n, this.head.length * 2);
    const head = new Int32Array(size).fill(-1);
    const tail = new Int32Array(size).fill(-1);
    head.set(this.head);
    tail.set(this.tail);
    this.head = head;
    this.tail = tail;
  }
}
