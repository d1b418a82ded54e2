/**
 * The storage interface every TileDB operation goes through. URIs are plain strings (`/local/path`,
 * `file:///path`, later `s3://bucket/key`); a backend handles the schemes it claims.
 * Keep it tiny: an S3 or HTTP-range backend must fit without touching the format code.
 */
export interface VFS {
  /** Entries directly inside `uri` (files and folders), as full URIs, sorted. Empty if it does not exist. */
  ls(uri: string): Promise<VfsEntry[]>;
  /** Whether a file or folder exists at `uri`. */
  exists(uri: string): Promise<boolean>;
  isDir(uri: string): Promise<boolean>;
  size(uri: string): Promise<number>;
  /**
   * Bytes [offset, offset + length) of the file; the whole file when both are omitted. With `into`, the bytes
   * go to its start (it must hold them) and a view of them is returned: a caller reading many ranges reuses one
   * buffer instead of a new one per range.
   */
  read(uri: string, offset?: number, length?: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * Creates or replaces the file (parents are created) with `data`, or with the parts of a list one after
   * another (a backend writes them without joining them first where it can). Atomic: readers see the old
   * file (or none) until the new one is whole, so callers never write aside and rename (object stores have
   * no rename).
   */
  write(uri: string, data: Uint8Array | readonly Uint8Array[]): Promise<void>;
  /**
   * Creates or replaces `to` with the bytes of `sources` in order and removes the sources; atomic as `write`
   * (a backend may move the first and append the others, or join them where they are stored).
   */
  concat(sources: readonly string[], to: string): Promise<void>;
  /**
   * Creates the file with `data` (parents are created) only if nothing exists at `uri`; false if something does.
   * Atomic: of two callers racing for the same `uri`, exactly one gets true (local files: O_EXCL; object stores:
   * a conditional put). Locks are built on it.
   */
  writeExclusive(uri: string, data: Uint8Array): Promise<boolean>;
  /** Creates a folder (a no-op on object stores, where a folder exists once something is under it). */
  mkdir(uri: string): Promise<void>;
  /**
   * Moves a file or folder, replacing a file at `to`; only where the storage renames atomically (local files).
   * Object stores have none: nothing may depend on it, code that can use it checks that it is there.
   */
  rename?(from: string, to: string): Promise<void>;
  /** Removes a file or a folder tree; no error if absent. */
  remove(uri: string): Promise<void>;
  /**
   * The same storage for scratch files, written once and read back once: a backend with a cache bypasses it
   * there, so they do not fill it (local files: O_DIRECT). Optional; without it, use the VFS itself.
   */
  uncached?(): VFS;
  /**
   * The last `length` bytes of the file (all of it when shorter) and its size, in one request where the
   * storage allows (object stores: a suffix range, no HEAD first). Optional; without it, `readTail` below
   * asks for the size, then the bytes.
   */
  readTail?(uri: string, length: number): Promise<{ bytes: Uint8Array; size: number }>;
}

/** The last `length` bytes of a file (all of it when shorter) and its size. */
export async function readTail(vfs: VFS, uri: string, length: number): Promise<{ bytes: Uint8Array; size: number }> {
  if (vfs.readTail) return vfs.readTail(uri, length);
  const size = await vfs.size(uri);
  const n = Math.min(length, size);
  return { bytes: n > 0 ? await vfs.read(uri, size - n, n) : new Uint8Array(0), size };
}

export interface VfsEntry {
  uri: string;
  name: string;
  isDir: boolean;
  size: number;
}
