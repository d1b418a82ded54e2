/**
 * Local file I/O that bypasses the page cache (O_DIRECT), for scratch files written once and read back once.
 * Cached, each such gigabyte takes a gigabyte of fresh page-cache pages (and pushes out the X tiles a build
 * reads); on virtual machines that hand freed memory back to the host, a fresh page costs far more than the
 * copy into it (figures: docs/benchmarks-history.md, session 7).
 *
 * O_DIRECT wants the memory address, the file offset and the length aligned to the device's block, so every
 * transfer goes through block-aligned bounce buffers (WebAssembly memory is page-aligned; Node's buffers are
 * not) and a file's last partial block is written padded, then the file is cut to its length. Where the
 * filesystem or platform refuses direct I/O (tmpfs, macOS), each call returns `false` and the caller does
 * buffered I/O instead.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";

/** Alignment of addresses, offsets and lengths; a multiple of every common logical block size. */
const BLOCK = 4096;
/** Bytes per system call; one write and one read buffer of this size per process. */
const BOUNCE_BYTES = 8 * 2 ** 20;

const bounce: { write?: Uint8Array; read?: Uint8Array } = {};

/** The one WebAssembly API used here (the package's TypeScript libraries do not declare WebAssembly). */
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

/** The process's bounce buffer for one direction, allocated on first use and kept. */
function bounceBuffer(use: "write" | "read"): Uint8Array {
  let buf = bounce[use];
  if (!buf) {
    buf = new Uint8Array(new WebAssembly.Memory({ initial: BOUNCE_BYTES / 65536 }).buffer);
    bounce[use] = buf;
  }
  return buf;
}

/** The file ends before the bytes asked for. */
export class ShortFileError extends Error {}

function isUnsupported(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EINVAL";
}

/** Opens `path` for direct I/O, or undefined where that is refused. */
function openDirect(path: string, flags: number): number | undefined {
  if (constants.O_DIRECT === undefined) return undefined;
  try {
    return openSync(path, flags | constants.O_DIRECT, 0o644);
  } catch (err) {
    if (isUnsupported(err)) return undefined;
    throw err;
  }
}

/**
 * Writes bytes to an open direct file from byte `start` on, a bounce buffer at a time. The block holding
 * `start` is read back first when `start` is not on a block, so the bytes before it survive.
 */
class DirectSink {
  private readonly buf = bounceBuffer("write");
  /** File offset of buf[0] (on a block). */
  private at: number;
  private fill: number;

  constructor(
    private readonly fd: number,
    start: number,
  ) {
    this.at = start - (start % BLOCK);
    this.fill = start - this.at;
    if (this.fill > 0) readFully(this.fd, this.buf.subarray(0, BLOCK), this.at, this.fill);
  }

  push(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.byteLength; ) {
      const n = Math.min(bytes.byteLength - done, this.buf.byteLength - this.fill);
      this.buf.set(bytes.subarray(done, done + n), this.fill);
      this.fill += n;
      done += n;
      if (this.fill === this.buf.byteLength) this.flush();
    }
  }

  /** Writes what is left (its last block padded) and cuts the file at its true length. */
  end(): void {
    const length = this.at + this.fill;
    const padded = Math.ceil(this.fill / BLOCK) * BLOCK;
    this.buf.fill(0, this.fill, padded);
    this.writeOut(padded);
    ftruncateSync(this.fd, length);
  }

  /** Writes the whole blocks in the buffer and keeps the bytes after them for the next. */
  private flush(): void {
    const whole = this.fill - (this.fill % BLOCK);
    this.writeOut(whole);
    this.buf.copyWithin(0, whole, this.fill);
    this.at += whole;
    this.fill -= whole;
  }

  private writeOut(bytes: number): void {
    for (let done = 0; done < bytes; ) done += writeSync(this.fd, this.buf, done, bytes - done, this.at + done);
  }
}

/** Reads `out.byteLength` bytes at `offset` (a block) into the aligned `out`; at least `need` must be there. */
function readFully(fd: number, out: Uint8Array, offset: number, need: number): number {
  let got = 0;
  while (got < out.byteLength) {
    const n = readSync(fd, out, got, out.byteLength - got, offset + got);
    if (n === 0) break;
    got += n;
    if (got % BLOCK !== 0) break; // a short read ends at the end of the file
  }
  if (got < need) throw new ShortFileError(`file too short (wanted ${need} bytes at offset ${offset}, got ${got})`);
  return got;
}

/** Creates or replaces the file at `path` with `parts` in order; false where direct I/O is refused. */
export function writeFileDirect(path: string, parts: readonly Uint8Array[]): boolean {
  const fd = openDirect(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
  if (fd === undefined) return false;
  try {
    const sink = new DirectSink(fd, 0);
    for (const p of parts) sink.push(p);
    sink.end();
    return true;
  } catch (err) {
    if (isUnsupported(err)) return false; // the caller rewrites it buffered
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** Hands bytes [offset, offset + len) of the open direct file to `onChunk` in order, a bounce buffer at a time. */
function readChunks(fd: number, offset: number, len: number, onChunk: (chunk: Uint8Array) => void): void {
  const buf = bounceBuffer("read");
  for (let got = 0; got < len; ) {
    const pos = offset + got;
    const skew = pos % BLOCK;
    const want = Math.min(buf.byteLength, Math.ceil((skew + len - got) / BLOCK) * BLOCK);
    const take = Math.min(readFully(fd, buf.subarray(0, want), pos - skew, Math.min(want, skew + len - got)) - skew, len - got);
    onChunk(buf.subarray(skew, skew + take));
    got += take;
  }
}

/**
 * Bytes [offset, offset + length) of the file at `path` (to its end when `length` is undefined) into the
 * buffer `out(length)` gives; the filled view, or false where direct I/O is refused.
 */
export function readFileDirect(path: string, offset: number, length: number | undefined, out: (length: number) => Uint8Array): Uint8Array | false {
  const fd = openDirect(path, constants.O_RDONLY);
  if (fd === undefined) return false;
  try {
    const len = length ?? fstatSync(fd).size - offset;
    const dst = out(len);
    let at = 0;
    readChunks(fd, offset, len, (chunk) => {
      dst.set(chunk, at);
      at += chunk.byteLength;
    });
    return dst;
  } catch (err) {
    if (isUnsupported(err)) return false;
    throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends the files at `sources` to the file at `target`, each read and written directly; false (and the
 * target as it was) where direct I/O is refused.
 */
export function appendFilesDirect(target: string, sources: readonly string[]): boolean {
  const fd = openDirect(target, constants.O_RDWR);
  if (fd === undefined) return false;
  const start = fstatSync(fd).size;
  try {
    const sink = new DirectSink(fd, start);
    for (const s of sources) {
      const src = openDirect(s, constants.O_RDONLY);
      if (src === undefined) {
        ftruncateSync(fd, start);
        return false;
      }
      try {
        readChunks(src, 0, fstatSync(src).size, (chunk) => sink.push(chunk));
      } finally {
        closeSync(src);
      }
    }
    sink.end();
    return true;
  } catch (err) {
    if (!isUnsupported(err)) throw err;
    ftruncateSync(fd, start);
    return false;
  } finally {
    closeSync(fd);
  }
}
