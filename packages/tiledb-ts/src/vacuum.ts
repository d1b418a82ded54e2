/**
 * Vacuuming (format spec: vacuum_file.md, ignore_file.md): removes what consolidation made redundant.
 * - fragments: every fragment a `.vac` file lists, with its commit file; then the `.vac` file. Commits of removed
 *   fragments that a consolidated commits file still lists go into an ignore file first, so readers skip them.
 * - fragment metadata: every consolidated fragment metadata file but the newest.
 * - commits: commit files already listed in the newest consolidated commits file, and older `.con` files.
 * - metadata: see `vacuumMetadata` in metadata.ts.
 * Removal order keeps the array readable if interrupted: nothing is removed before what replaces it is on disk.
 */

import { COMMITS_DIR, FRAGMENT_META_DIR, FRAGMENTS_DIR, parseConsolidatedCommits } from "./array-directory.js";
import { textDecoder, textEncoder } from "./binary.js";
import { TileDBError } from "./errors.js";
import { FORMAT_VERSION } from "./format-version.js";
import { vacuumMetadata } from "./metadata.js";
import { makeTimestampedName, parseTimestampedName } from "./timestamped-name.js";
import { joinUri, vfsFor } from "./vfs/index.js";
import type { VFS } from "./vfs/vfs.js";

function lastPart(line: string): string {
  const t = line.replace(/\/+$/, "");
  return t.slice(t.lastIndexOf("/") + 1);
}

function lines(bytes: Uint8Array): string[] {
  return textDecoder.decode(bytes).split("\n").filter((l) => l.length > 0);
}

/** Removes fragments listed in vacuum files. Returns the names of the removed fragments. */
export async function vacuumFragments(arrayUri: string, options: { vfs?: VFS } = {}): Promise<string[]> {
  const vfs = options.vfs ?? vfsFor(arrayUri);
  const commits = await vfs.ls(joinUri(arrayUri, COMMITS_DIR));
  const vacs = commits.filter((e) => !e.isDir && e.name.endsWith(".vac"));
  if (vacs.length === 0) return [];
  const doomed = new Set<string>();
  for (const v of vacs) for (const l of lines(await vfs.read(v.uri))) doomed.add(lastPart(l));
  // Commits of doomed fragments listed in a .con file must be ignored before the fragments go.
  const inCon = new Set<string>();
  for (const c of commits.filter((e) => !e.isDir && e.name.endsWith(".con"))) {
    for (const l of parseConsolidatedCommits(await vfs.read(c.uri), c.uri)) {
      const p = lastPart(l);
      if (p.endsWith(".wrt") && doomed.has(p.slice(0, -4))) inCon.add(p);
    }
  }
  if (inCon.size > 0) {
    const ts = [...inCon].map((n) => parseTimestampedName(n)).filter((t) => t !== undefined);
    const t1 = Math.min(...ts.map((t) => t.t1));
    const t2 = Math.max(...ts.map((t) => t.t2));
    const ign = joinUri(arrayUri, COMMITS_DIR, `${makeTimestampedName(t1, t2, FORMAT_VERSION)}.ign`);
    await vfs.write(ign, textEncoder.encode([...inCon].map((n) => `${COMMITS_DIR}/${n}\n`).join("")));
  }
  // Commit file first: without it the fragment is invisible, so a half-removed folder is harmless.
  for (const name of doomed) {
    await vfs.remove(joinUri(arrayUri, COMMITS_DIR, `${name}.wrt`));
    await vfs.remove(joinUri(arrayUri, FRAGMENTS_DIR, name));
  }
  for (const v of vacs) await vfs.remove(v.uri);
  return [...doomed];
}

/** Keeps only the newest consolidated fragment metadata file. */
export async function vacuumFragmentMetadata(arrayUri: string, options: { vfs?: VFS } = {}): Promise<number> {
  const vfs = options.vfs ?? vfsFor(arrayUri);
  const files = (await vfs.ls(joinUri(arrayUri, FRAGMENT_META_DIR)))
    .filter((e) => !e.isDir && e.name.endsWith(".meta"))
    .map((e) => ({ e, ts: parseTimestampedName(e.name) }))
    .filter((x) => x.ts !== undefined)
    .sort((a, b) => a.ts!.t2 - b.ts!.t2 || a.ts!.t1 - b.ts!.t1 || (a.e.name < b.e.name ? -1 : 1));
  const old = files.slice(0, -1);
  for (const f of old) await vfs.remove(f.e.uri);
  return old.length;
}

/** Removes commit files (and older `.con`/`.ign` files) covered by the newest consolidated commits file. */
export async function vacuumCommits(arrayUri: string, options: { vfs?: VFS } = {}): Promise<number> {
  const vfs = options.vfs ?? vfsFor(arrayUri);
  const commits = await vfs.ls(joinUri(arrayUri, COMMITS_DIR));
  const cons = commits
    .filter((e) => !e.isDir && e.name.endsWith(".con"))
    .map((e) => ({ e, ts: parseTimestampedName(e.name) }))
    .filter((x) => x.ts !== undefined)
    .sort((a, b) => a.ts!.t2 - b.ts!.t2 || a.ts!.t1 - b.ts!.t1 || (a.e.name < b.e.name ? -1 : 1));
  const newest = cons[cons.length - 1];
  if (!newest) return 0;
  const listed = new Set(parseConsolidatedCommits(await vfs.read(newest.e.uri), newest.e.uri).map(lastPart));
  let removed = 0;
  for (const e of commits) {
    if (e.isDir || e.uri === newest.e.uri) continue;
    const ts = parseTimestampedName(e.name);
    if (!ts) continue;
    const covered = listed.has(e.name) && e.name.endsWith(".wrt");
    // Older consolidated commits files are superseded by the newest one (made from a listing that included them).
    // Ignore files stay: they may hide vacuumed commits the newest .con still lists.
    const superseded = e.name.endsWith(".con") && ts.t2 <= newest.ts!.t2;
    if (covered || superseded) {
      await vfs.remove(e.uri);
      removed++;
    }
  }
  return removed;
}

export type VacuumMode = "fragments" | "fragment_meta" | "commits" | "array_meta";

/** Runs one vacuum mode, as `tiledb.vacuum(uri, config={"sm.vacuum.mode": mode})` does. */
export async function vacuum(arrayUri: string, options: { vfs?: VFS; mode?: VacuumMode } = {}): Promise<number> {
  switch (options.mode ?? "fragments") {
    case "fragments":
      return (await vacuumFragments(arrayUri, options)).length;
    case "fragment_meta":
      return vacuumFragmentMetadata(arrayUri, options);
    case "commits":
      return vacuumCommits(arrayUri, options);
    case "array_meta":
      return vacuumMetadata(arrayUri, options);
    default:
      throw new TileDBError("E_INVALID_ARGUMENT", `unknown vacuum mode "${options.mode}"`);
  }
}
