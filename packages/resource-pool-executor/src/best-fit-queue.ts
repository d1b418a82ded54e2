/** What the queue needs to know about a waiting task: its size and its place in submission order. */
export interface Sized {
  readonly resources: number;
  readonly seq: number;
}

/**
 * Waiting tasks kept sorted by resources (largest first), then submission order, so the best fit for a
 * given free amount is found by binary search: the first entry whose size fits.
 */
export class BestFitQueue<T extends Sized> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.splice(this.indexOf(item.resources, item.seq), 0, item);
  }

  /** Remove and return the largest task with `resources <= free` (the oldest among equals), or undefined. */
  takeBestFit(free: number): T | undefined {
    const i = this.firstFitting(free);
    return i < this.items.length ? this.items.splice(i, 1)[0] : undefined;
  }

  /** Remove and return the oldest task whatever its size (used when nothing runs and nothing fits). */
  takeOldest(): T | undefined {
    if (this.items.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < this.items.length; i++) if (this.items[i].seq < this.items[best].seq) best = i;
    return this.items.splice(best, 1)[0];
  }

  /** Remove a specific task; false when it is not queued. */
  remove(item: T): boolean {
    const i = this.indexOf(item.resources, item.seq);
    if (this.items[i] !== item) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** Remove and return every task, in submission order. */
  drain(): T[] {
    return this.items.splice(0).sort((a, b) => a.seq - b.seq);
  }

  /** Position of (resources, seq) in the sort order: resources descending, then seq ascending. */
  private indexOf(resources: number, seq: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.items[mid];
      if (m.resources > resources || (m.resources === resources && m.seq < seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose resources are <= free. */
  private firstFitting(free: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].resources > free) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
