/**
 * Buffers of decoded tiles handed back once their cells are copied out (by a merge, or by a scan that copies a
 * tile into a batch), or once the caller is done with a batch (`reuseBuffers`), for the next tiles of the same
 * size: fresh memory costs an allocation, zeroing and a page fault per page on first write. Bounded in bytes;
 * what does not fit is left to the collector.
 */
export class TilePool {
  private readonly free = new Map<number, Uint8Array[]>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A buffer of exactly `size` bytes (contents undefined). */
  take(size: number): Uint8Array {
    const list = this.free.get(size);
    const buf = list?.pop();
    if (buf === undefined) return new Uint8Array(size);
    this.bytes -= size;
    return buf;
  }

  /** Hands back a buffer nothing refers to any more. */
  give(buf: Uint8Array): void {
    if (buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength || this.bytes + buf.byteLength > this.maxBytes) return;
    let list = this.free.get(buf.byteLength);
    if (!list) {
      list = [];
      this.free.set(buf.byteLength, list);
    }
    list.push(buf);
    this.bytes += buf.byteLength;
  }
}
