import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { link, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TileDBError } from "../errors.js";
import { appendFilesDirect, readFileDirect, ShortFileError, writeFileDirect } from "./direct-io.js";
import type { VFS, VfsEntry } from "./vfs.js";

/** Converts `file://` URIs and plain paths to a filesystem path; other schemes are not ours. */
export function localPath(uri: string): string {
  if (uri.startsWith("file://")) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new TileDBError("E_VFS_SCHEME", `local filesystem cannot handle URI "${uri}"`);
  }
  return uri;
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function ioError(op: string, uri: string, err: unknown): TileDBError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "EIO";
  return new TileDBError(
    isNotFound(err) ? "E_NOT_FOUND" : "E_IO",
    `${op} ${uri}: ${code === "ENOENT" ? "no such file or directory" : (err as Error).message}`,
    { cause: err },
  );
}

/** Where a read of `len` bytes at `start` goes: the start of the caller's `into`, or a new buffer. */
function readBuffer(uri: string, start: number, len: number, into?: Uint8Array): Uint8Array {
  if (start < 0 || len < 0) throw new TileDBError("E_IO", `read ${uri}: invalid range offset=${start} length=${len}`);
  if (into && into.byteLength < len) throw new TileDBError("E_IO", `read ${uri}: ${len} bytes do not fit the ${into.byteLength}-byte buffer given`);
  return into ? into.subarray(0, len) : new Uint8Array(len);
}

/** Bytes copied per system call when appending one file to another. */
const CONCAT_BUFFER = 8 * 2 ** 20;

/** Appends the files at `sources` to the file at `target`, a buffer at a time. */
function appendFiles(target: string, sources: readonly string[]): void {
  const fd = openSync(target, "a");
  try {
    const buf = new Uint8Array(CONCAT_BUFFER);
    for (const s of sources) {
      const src = openSync(s, "r");
      try {
        for (let n = readSync(src, buf, 0, buf.byteLength, null); n > 0; n = readSync(src, buf, 0, buf.byteLength, null)) {
          for (let done = 0; done < n; ) done += writeSync(fd, buf, done, n - done);
        }
      } finally {
        closeSync(src);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** A unique name beside `path` for writing it whole before it takes its place (hidden, like an editor's). */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
}

/** Writes the file at `path` from `data` (parts straight from their buffers: no joined copy). */
function writeWhole(path: string, data: Uint8Array | readonly Uint8Array[], direct: boolean): void {
  const parts = data instanceof Uint8Array ? [data] : data;
  if (direct && writeFileDirect(path, parts)) return;
  // synchronous system calls, as reads are
  const fd = openSync(path, "w");
  try {
    for (const part of parts) {
      for (let done = 0; done < part.byteLength; ) done += writeSync(fd, part, done, part.byteLength - done);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The local filesystem backend. Entry URIs keep the caller's style: a `file://` base gives `file://` children,
 * a plain path gives plain paths, so URIs compare equal to what the caller passed. With `direct`, reads,
 * writes and appends bypass the page cache where the filesystem allows (see direct-io.ts): `uncached()`.
 */
export class LocalVFS implements VFS {
  private direct?: LocalVFS;

  constructor(private readonly options: { direct?: boolean } = {}) {}

  uncached(): VFS {
    if (this.options.direct) return this;
    this.direct ??= new LocalVFS({ direct: true });
    return this.direct;
  }

  private child(base: string, name: string): string {
    if (base.startsWith("file://")) return pathToFileURL(join(localPath(base), name)).href;
    return join(base, name);
  }

  async ls(uri: string): Promise<VfsEntry[]> {
    const dir = localPath(uri);
    let dirents: import("node:fs").Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err)) return [];
      throw ioError("list", uri, err);
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return Promise.all(
      dirents.map(async (d): Promise<VfsEntry> => {
        const isDir = d.isDirectory() || (d.isSymbolicLink() && (await stat(join(dir, d.name)).then((s) => s.isDirectory(), () => false)));
        const size = isDir ? 0 : await stat(join(dir, d.name)).then((s) => s.size, () => 0);
        return { uri: this.child(uri, d.name), name: d.name, isDir, size };
      }),
    );
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await stat(localPath(uri));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw ioError("stat", uri, err);
    }
  }

  async isDir(uri: string): Promise<boolean> {
    try {
      return (await stat(localPath(uri))).isDirectory();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw ioError("stat", uri, err);
    }
  }

  async size(uri: string): Promise<number> {
    try {
      return (await stat(localPath(uri))).size;
    } catch (err) {
      throw ioError("size of", uri, err);
    }
  }

  /**
   * Reads synchronously: tiles are read from the page cache as a rule, and an asynchronous read costs a
   * thread-pool round trip and several promises per call (open, read, close), more CPU than copying a tile.
   */
  async read(uri: string, offset?: number, length?: number, into?: Uint8Array): Promise<Uint8Array> {
    if (this.options.direct) {
      let got: Uint8Array | false;
      try {
        got = readFileDirect(localPath(uri), offset ?? 0, length, (len) => readBuffer(uri, offset ?? 0, len, into));
      } catch (err) {
        if (err instanceof TileDBError) throw err;
        if (err instanceof ShortFileError) throw new TileDBError("E_IO", `read ${uri}: ${err.message}`);
        throw ioError("read", uri, err);
      }
      if (got !== false) return got;
    }
    let fd: number;
    try {
      fd = openSync(localPath(uri), "r");
    } catch (err) {
      throw ioError("read", uri, err);
    }
    try {
      const start = offset ?? 0;
      const len = length ?? fstatSync(fd).size - start;
      const out = readBuffer(uri, start, len, into);
      let got = 0;
      while (got < len) {
        const bytesRead = readSync(fd, out, got, len - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < len) {
        throw new TileDBError("E_IO", `read ${uri}: file too short (wanted ${len} bytes at offset ${start}, got ${got})`);
      }
      return out;
    } catch (err) {
      throw err instanceof TileDBError ? err : ioError("read", uri, err);
    } finally {
      closeSync(fd);
    }
  }

  /** Written beside the target under a temporary name, then renamed over it: readers never see a part. */
  async write(uri: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const p = localPath(uri);
    const tmp = tempPath(p);
    try {
      await mkdir(dirname(p), { recursive: true });
      try {
        writeWhole(tmp, data, this.options.direct === true);
        await rename(tmp, p);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    } catch (err) {
      throw ioError("write", uri, err);
    }
  }

  async concat(sources: readonly string[], to: string): Promise<void> {
    const target = localPath(to);
    try {
      await mkdir(dirname(target), { recursive: true });
      if (sources.length === 0) {
        await writeFile(target, new Uint8Array(0));
        return;
      }
      // the first source becomes the file (under a temporary name until whole); the others are appended a buffer at a time
      const tmp = tempPath(target);
      await rename(localPath(sources[0]), tmp);
      const rest = sources.slice(1).map(localPath);
      if (!(this.options.direct && appendFilesDirect(tmp, rest))) appendFiles(tmp, rest);
      await rename(tmp, target);
      for (const s of rest) await rm(s, { force: true });
    } catch (err) {
      throw ioError(`concat into ${to}:`, sources.join(", "), err);
    }
  }

  async writeExclusive(uri: string, data: Uint8Array): Promise<boolean> {
    // Written whole to a temp file, then hard-linked into place: link() fails with EEXIST if anything is there,
    // so one racing writer wins, and nobody (a killed writer included) ever leaves a half-written file at `uri`.
    const p = localPath(uri);
    const tmp = tempPath(p);
    try {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(tmp, data);
      await link(tmp, p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException | undefined)?.code === "EEXIST") return false;
      throw ioError("create", uri, err);
    } finally {
      await rm(tmp, { force: true });
    }
    return true;
  }

  async mkdir(uri: string): Promise<void> {
    try {
      await mkdir(localPath(uri), { recursive: true });
    } catch (err) {
      throw ioError("mkdir", uri, err);
    }
  }

  /** Local files only (object stores have no rename): moves a file or folder, replacing a file at `to`. */
  async rename(from: string, to: string): Promise<void> {
    try {
      await mkdir(dirname(localPath(to)), { recursive: true });
      await rename(localPath(from), localPath(to));
    } catch (err) {
      throw ioError(`rename to ${to}:`, from, err);
    }
  }

  async remove(uri: string): Promise<void> {
    try {
      await rm(localPath(uri), { recursive: true, force: true });
    } catch (err) {
      throw ioError("remove", uri, err);
    }
  }
}
