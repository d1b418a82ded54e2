import { TileDBError } from "../errors.js";
import { LocalVFS } from "./local.js";
import type { VFS } from "./vfs.js";

export type { VFS, VfsEntry } from "./vfs.js";
export { LocalVFS, localPath } from "./local.js";

/** A backend factory for one URI scheme (e.g. "s3", "http"). */
export type VfsFactory = (uri: string) => VFS;

const local = new LocalVFS();
const backends = new Map<string, VfsFactory>([["file", () => local]]);

/** Lets another backend (S3, HTTP ranges, …) claim a URI scheme. */
export function registerVfs(scheme: string, factory: VfsFactory): void {
  backends.set(scheme.toLowerCase(), factory);
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
