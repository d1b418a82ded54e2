/**
 * Groups (format spec: group_file_hierarchy.md, group.md): a folder with an empty `__tiledb_group.tdb` marker,
 * `__group/<timestamped_name>_<v>` files listing members, and `__meta/` group metadata. Every group file holds
 * the full member list at its timestamp (deleted members flagged); files apply in timestamp order.
 */

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ByteReader, ByteWriter, textEncoder } from "./binary.js";
import { TileDBError } from "./errors.js";
import { decodeGenericTile, encodeGenericTile } from "./generic-tile.js";
import { type MetadataInput, type MetadataValue, readMetadata, writeMetadata } from "./metadata.js";
import { makeTimestampedName, parseTimestampedName } from "./timestamped-name.js";
import { joinUri, uriScheme, vfsFor } from "./vfs/index.js";
import type { VFS } from "./vfs/vfs.js";

export const GROUP_MARKER = "__tiledb_group.tdb";
export const GROUP_DETAILS_DIR = "__group";
/** Group details format version TileDB writes (and appends to group file names). */
export const GROUP_FORMAT_VERSION = 2;

export type ObjectKind = "invalid" | "group" | "array";
const KIND_BY_ID: ObjectKind[] = ["invalid", "group", "array"];

/** One member record as a group file stores it. */
export interface GroupMemberRecord {
  /** The URI as stored: relative to the group when `relative`, else absolute (`file:///…`). */
  uri: string;
  type: ObjectKind;
  relative: boolean;
  name?: string;
  deleted: boolean;
}

/** A member of an opened group, with its URI resolved against the group's. */
export interface GroupMember {
  name?: string;
  /** Absolute URI of the member. */
  uri: string;
  /** The URI as stored in the group file. */
  storedUri: string;
  relative: boolean;
  type: ObjectKind;
}

// ---- payload ----

/** Decodes a group details payload (versions 1 and 2). */
export function decodeGroupDetails(payload: Uint8Array, what = "group file"): { version: number; members: GroupMemberRecord[] } {
  const r = new ByteReader(payload, what);
  const version = r.u32();
  if (version !== 1 && version !== 2) {
    throw new TileDBError("E_GROUP_VERSION", `${what}: unsupported group format version ${version} (supported: 1, 2)`);
  }
  const count = r.u64n();
  const members: GroupMemberRecord[] = [];
  for (let i = 0; i < count; i++) {
    const mv = r.u32();
    if (mv !== 1 && mv !== 2) throw new TileDBError("E_GROUP_VERSION", `${what}: member ${i} has unsupported version ${mv}`);
    const typeId = r.u8();
    const relative = r.u8() !== 0;
    const uri = r.string(r.u64n());
    const nameSet = r.u8() !== 0;
    const name = nameSet ? r.string(r.u64n()) : undefined;
    const deleted = mv >= 2 ? r.u8() !== 0 : false;
    const type = KIND_BY_ID[typeId];
    if (!type) throw new TileDBError("E_GROUP", `${what}: member "${name ?? uri}" has unknown object type ${typeId}`);
    members.push({ uri, type, relative, name, deleted });
  }
  return { version, members };
}

/** Encodes members as a version-2 group details payload. */
export function encodeGroupDetails(members: GroupMemberRecord[]): Uint8Array {
  const w = new ByteWriter(256);
  w.u32(GROUP_FORMAT_VERSION).u64(members.length);
  for (const m of members) {
    w.u32(2).u8(KIND_BY_ID.indexOf(m.type)).u8(m.relative ? 1 : 0);
    const uri = textEncoder.encode(m.uri);
    w.u64(uri.byteLength).bytes(uri);
    if (m.name === undefined) w.u8(0);
    else {
      const name = textEncoder.encode(m.name);
      w.u8(1).u64(name.byteLength).bytes(name);
    }
    w.u8(m.deleted ? 1 : 0);
  }
  return w.finish();
}

/** TileDB keys members by name when set, else by URI. */
function memberKey(m: GroupMemberRecord): string {
  return m.name ?? m.uri;
}

// ---- objects on storage ----

/** What lives at `uri`: a group, an array, or nothing TileDB knows. */
export async function objectType(uri: string, vfs: VFS = vfsFor(uri)): Promise<ObjectKind> {
  if (await vfs.exists(joinUri(uri, GROUP_MARKER))) return "group";
  if ((await vfs.isDir(joinUri(uri, "__schema"))) || (await vfs.exists(joinUri(uri, "__array_schema.tdb")))) return "array";
  return "invalid";
}

/** Creates an empty group (marker file, details and metadata folders). Fails if an object already exists there. */
export async function createGroup(uri: string, options: { vfs?: VFS } = {}): Promise<void> {
  const vfs = options.vfs ?? vfsFor(uri);
  const existing = await objectType(uri, vfs);
  if (existing !== "invalid") throw new TileDBError("E_EXISTS", `cannot create group ${uri}: a TileDB ${existing} already exists there`);
  await vfs.mkdir(joinUri(uri, GROUP_DETAILS_DIR));
  await vfs.mkdir(joinUri(uri, "__meta"));
  await vfs.write(joinUri(uri, GROUP_MARKER), new Uint8Array(0));
}

export interface OpenGroupOptions {
  vfs?: VFS;
  /** Open at this time (ms), or within a [start, end] range. */
  timestamp?: number | [number, number];
}

export interface Group {
  uri: string;
  /** Members sorted by name (then URI). */
  members: GroupMember[];
  metadata: Map<string, MetadataValue>;
  /** A member by name; a clear error if there is none. */
  member(name: string): GroupMember;
}

async function groupFiles(uri: string, vfs: VFS): Promise<Array<{ uri: string; t1: number; t2: number; name: string }>> {
  const files = [];
  for (const e of await vfs.ls(joinUri(uri, GROUP_DETAILS_DIR))) {
    if (e.isDir || e.name.endsWith(".tmp")) continue;
    const ts = parseTimestampedName(e.name);
    if (!ts) continue;
    files.push({ uri: e.uri, t1: ts.t1, t2: ts.t2, name: e.name });
  }
  files.sort((a, b) => a.t2 - b.t2 || a.t1 - b.t1 || (a.name < b.name ? -1 : 1));
  return files;
}

/** The member records in effect (deleted ones removed), keyed as TileDB keys them. */
async function loadMemberRecords(uri: string, vfs: VFS, timestamp?: OpenGroupOptions["timestamp"]): Promise<Map<string, GroupMemberRecord>> {
  const [lo, hi] = timestamp === undefined ? [0, Number.MAX_SAFE_INTEGER] : typeof timestamp === "number" ? [0, timestamp] : timestamp;
  const members = new Map<string, GroupMemberRecord>();
  for (const f of await groupFiles(uri, vfs)) {
    if (f.t1 < lo || f.t2 > hi) continue;
    const { members: recs } = decodeGroupDetails(decodeGenericTile(await vfs.read(f.uri), f.uri), f.uri);
    for (const m of recs) {
      if (m.deleted) members.delete(memberKey(m));
      else members.set(memberKey(m), m);
    }
  }
  return members;
}

/** Opens a group: its members (URIs resolved) and its metadata. */
export async function openGroup(uri: string, options: OpenGroupOptions = {}): Promise<Group> {
  const vfs = options.vfs ?? vfsFor(uri);
  if (!(await vfs.exists(joinUri(uri, GROUP_MARKER)))) {
    throw new TileDBError("E_NOT_GROUP", `${uri} is not a TileDB group (no ${GROUP_MARKER})`);
  }
  const records = await loadMemberRecords(uri, vfs, options.timestamp);
  const members: GroupMember[] = [...records.values()].map((m) => ({
    name: m.name,
    uri: m.relative ? joinUri(uri, m.uri) : m.uri,
    storedUri: m.uri,
    relative: m.relative,
    type: m.type,
  }));
  members.sort((a, b) => cmp(a.name ?? "", b.name ?? "") || cmp(a.uri, b.uri));
  const metadata = await readMetadata(uri, { vfs, timestamp: options.timestamp });
  return {
    uri,
    members,
    metadata,
    member(name: string): GroupMember {
      const m = members.find((x) => x.name === name);
      if (!m) throw new TileDBError("E_NO_MEMBER", `group ${uri} has no member named "${name}"`);
      return m;
    },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface AddMember {
  /** Relative to the group (when `relative`) or an absolute path / URI. */
  uri: string;
  name?: string;
  relative?: boolean;
  /** Found by looking at the member when omitted. */
  type?: ObjectKind;
}

export interface ModifyGroupOptions {
  vfs?: VFS;
  /** Timestamp (ms) of the new group file; default now. */
  timestamp?: number;
}

/** TileDB stores absolute local members as `file://` URIs. */
function absoluteUri(uri: string): string {
  if (uriScheme(uri) !== "file" || uri.startsWith("file://")) return uri;
  return pathToFileURL(isAbsolute(uri) ? uri : resolve(uri)).href;
}

/**
 * Adds and removes members in one new group file (TileDB writes the whole member list each time).
 * `remove` takes member names, or URIs of unnamed members. Errors name the member at fault; nothing is written then.
 */
export async function modifyGroup(
  uri: string,
  changes: { add?: AddMember[]; remove?: string[] },
  options: ModifyGroupOptions = {},
): Promise<void> {
  const vfs = options.vfs ?? vfsFor(uri);
  if (!(await vfs.exists(joinUri(uri, GROUP_MARKER)))) {
    throw new TileDBError("E_NOT_GROUP", `${uri} is not a TileDB group (no ${GROUP_MARKER})`);
  }
  const current = await loadMemberRecords(uri, vfs);
  const next = new Map(current);
  const touched = new Set<string>();
  for (const key of changes.remove ?? []) {
    let found = current.get(key);
    if (!found) {
      const byUri = [...current.values()].filter((m) => m.uri === key || m.uri === absoluteUri(key));
      if (byUri.length > 1) throw new TileDBError("E_GROUP", `cannot remove member ${key} from ${uri}: several members have that URI, remove by name`);
      found = byUri[0];
    }
    if (!found) throw new TileDBError("E_NO_MEMBER", `cannot remove member ${key} from ${uri}: no such member`);
    const k = memberKey(found);
    if (touched.has(k)) throw new TileDBError("E_GROUP", `cannot remove member ${key} from ${uri}: removed twice`);
    touched.add(k);
    next.set(k, { ...found, deleted: true });
  }
  for (const add of changes.add ?? []) {
    const relative = add.relative ?? false;
    if (add.name !== undefined && add.name.length === 0) throw new TileDBError("E_GROUP", `member name for ${add.uri} must not be empty`);
    const stored = relative ? add.uri.replace(/^\.\/+/, "").replace(/\/+$/, "") : absoluteUri(add.uri);
    if (relative && (stored.length === 0 || /^[a-z][a-z0-9+.-]*:\/\//i.test(stored) || stored.startsWith("/"))) {
      throw new TileDBError("E_GROUP", `member "${add.name ?? add.uri}": relative URI "${add.uri}" must be a path inside the group`);
    }
    const rec: GroupMemberRecord = { uri: stored, relative, name: add.name, deleted: false, type: "invalid" };
    const k = memberKey(rec);
    if (touched.has(k)) throw new TileDBError("E_GROUP", `cannot add member ${k} to ${uri}: it is already being added or removed`);
    const existing = current.get(k);
    if (existing) throw new TileDBError("E_GROUP", `cannot add member ${k} to ${uri}: a member with that name or URI exists`);
    touched.add(k);
    const target = relative ? joinUri(uri, stored) : stored;
    rec.type = add.type ?? (await objectType(target, vfsFor(target)));
    if (rec.type === "invalid") {
      throw new TileDBError("E_GROUP", `cannot add member "${add.name ?? add.uri}" to ${uri}: ${target} is not a TileDB array or group`);
    }
    next.set(k, rec);
  }
  if (touched.size === 0) return;
  // Files apply in timestamp order, so a change made within the same millisecond as the last must still sort after it.
  const latest = (await groupFiles(uri, vfs)).reduce((m, f) => Math.max(m, f.t2), -1);
  const ts = options.timestamp ?? Math.max(Date.now(), latest + 1);
  const name = `${makeTimestampedName(ts, ts)}_${GROUP_FORMAT_VERSION}`;
  const file = joinUri(uri, GROUP_DETAILS_DIR, name);
  // VFS writes are atomic: a reader never sees half a group file.
  await vfs.write(file, encodeGenericTile(encodeGroupDetails([...next.values()])));
}

export function addGroupMembers(uri: string, members: AddMember[], options?: ModifyGroupOptions): Promise<void> {
  return modifyGroup(uri, { add: members }, options);
}

export function removeGroupMembers(uri: string, namesOrUris: string[], options?: ModifyGroupOptions): Promise<void> {
  return modifyGroup(uri, { remove: namesOrUris }, options);
}

/** Writes group metadata (same file format as array metadata). */
export function writeGroupMetadata(
  uri: string,
  changes: { put?: Record<string, MetadataInput>; del?: string[] },
  options?: ModifyGroupOptions,
): Promise<string | undefined> {
  return writeMetadata(uri, changes, options);
}
