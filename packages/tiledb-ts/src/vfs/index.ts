import { TileDBError } from "../errors.js";
import { LocalVFS } from "./local.js";
import { type S3Options, S3VFS } from "./s3.js";
import type { VFS } from "./vfs.js";

export type { VFS, VfsEntry } from "./vfs.js";
export { LocalVFS, localPath } from "./local.js";
export { S3VFS, type S3Options, type S3Stats, S3_DEFAULT_CONCURRENCY, isS3BucketName, parseS3Uri } from "./s3.js";

/** A backend factory for one URI scheme (e.g. "s3", "http"). */
export type VfsFactory = (uri: string) => VFS;

const local = new LocalVFS();
let defaultS3: S3VFS | undefined;
const backends = new Map<string, VfsFactory>([
  ["file", () => local],
  // configured by the AWS SDK's environment variables until configureS3 is called
  ["s3", () => (defaultS3 ??= new S3VFS())],
]);

/** Lets another backend (S3, HTTP ranges, …) claim a URI scheme. */
export function registerVfs(scheme: string, factory: VfsFactory): void {
  backends.set(scheme.toLowerCase(), factory);
}

/**
 * Sets how `s3://` URIs are reached (region, endpoint, which buckets are read anonymously, concurrency) for everything in this
 * process, and returns the backend (its `traffic()` counts bytes fetched).
 */
export function configureS3(options: S3Options): S3VFS {
  const vfs = new S3VFS(options);
  registerVfs("s3", () => vfs);
  return vfs;
}

/** The scheme of a URI, "file" for plain paths. */
export function uriScheme(uri: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  return m ? m[1].toLowerCase() : "file";
}

/** The storage backend that handles `uri`. */
export function vfsFor(uri: string): VFS {
  const scheme = uriScheme(uri);
  const factory = backends.get(scheme);
  if (!factory) throw new TileDBError("E_VFS_SCHEME", `no storage backend for "${scheme}://" (URI ${uri})`);
  return factory(uri);
}

/** Joins URI segments with "/" without doubling separators. */
export function joinUri(base: string, ...parts: string[]): string {
  let out = base.replace(/\/+$/, "");
  for (const p of parts) out += `/${p.replace(/^\/+/, "")}`;
  return out;
}

/** The last path segment of a URI. */
export function uriBaseName(uri: string): string {
  const trimmed = uri.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
