/**
 * Reads through windows: tiles of one file are read as one larger range and sliced, so a scan over
 * thousands of small tiles costs a few large reads instead of one open/read/close per tile. Windows are
 * kept for a handful of files (least recently used dropped first), bounding the memory they take.
 */
import type { VFS } from "../vfs/vfs.js";

const WINDOW_BYTES = 4 << 20;
const MAX_WINDOWS = 16;

interface Window {
  start: number;
  bytes: Uint8Array;
}

/**
 * A VFS whose ranged reads come from cached windows; everything else goes to `inner`. `knownSizes`: file
 * sizes already known (from fragment metadata), so a window needs no size request first.
 */
export function windowedVfs(inner: VFS, windowBytes = WINDOW_BYTES, maxWindows = MAX_WINDOWS, knownSizes?: ReadonlyMap<string, number>): VFS {
  const windows = new Map<string, Window>();
  const sizes = new Map<string, Promise<number>>();
  const sizeOf = (uri: string): Promise<number> => {
    let p = sizes.get(uri);
    if (!p) {
      const known = knownSizes?.get(uri);
      p = known !== undefined ? Promise.resolve(known) : inner.size(uri);
      sizes.set(uri, p);
    }
    return p;
  };
  const read = async (uri: string, offset?: number, length?: number): Promise<Uint8Array> => {
    if (offset === undefined || length === undefined || length > windowBytes) return inner.read(uri, offset, length);
    const w = windows.get(uri);
    if (w && offset >= w.start && offset + length <= w.start + w.bytes.byteLength) {
      windows.delete(uri);
      windows.set(uri, w); // most recently used last
      return w.bytes.subarray(offset - w.start, offset - w.start + length);
    }
    let size: number;
    try {
      size = await sizeOf(uri);
    } catch {
      return inner.read(uri, offset, length); // let the plain read report the problem
    }
    const end = Math.min(size, offset + Math.max(length, windowBytes));
    if (end < offset + length) return inner.read(uri, offset, length); // past the end: a plain read reports it
    let bytes: Uint8Array;
    try {
      bytes = await inner.read(uri, offset, end - offset);
    } catch {
      return inner.read(uri, offset, length); // a file shorter than its metadata says: the plain read reports it
    }
    windows.delete(uri);
    windows.set(uri, { start: offset, bytes });
    while (windows.size > maxWindows) windows.delete(windows.keys().next().value as string);
    return bytes.subarray(0, length);
  };
  return {
    ls: (uri) => inner.ls(uri),
    exists: (uri) => inner.exists(uri),
    isDir: (uri) => inner.isDir(uri),
    size: (uri) => inner.size(uri),
    read,
    write: (uri, data) => inner.write(uri, data),
    writeExclusive: (uri, data) => inner.writeExclusive(uri, data),
    concat: (sources, to) => inner.concat(sources, to),
    mkdir: (uri) => inner.mkdir(uri),
    remove: (uri) => inner.remove(uri),
  };
}
