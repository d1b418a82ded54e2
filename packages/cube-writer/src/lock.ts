/**
 * One writer per cube: a lock file next to the cube (`<cube>.lock`), created with `VFS.writeExclusive` (local:
 * O_EXCL; object stores: a conditional put), so of two builds racing for a cube exactly one gets it, on any
 * backend. It sits beside the cube rather than inside it because a build creates the cube aside and renames it
 * into place. The holder rewrites it as a heartbeat; readers never look at it.
 */
import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { resolve } from "node:path";
import { localPath, type VFS, vfsFor, uriScheme } from "@census-cube/tiledb-ts";
import { CubeWriterError } from "./errors.js";

/** What a lock file holds. */
export interface CubeLockInfo {
  /** The user who took it. */
  owner: string;
  host: string;
  pid: number;
  /** What the holder is doing, e.g. "build", "resume", "overwrite". */
  purpose: string;
  /** ISO times: when it was taken and when the holder last showed it was alive. */
  acquired_at: string;
  heartbeat_at: string;
  /** Tells this holder's lock from a later one at the same place. */
  token: string;
}

export interface CubeLockOptions {
  purpose: string;
  /** A lock whose heartbeat is older than this is stale (default 60 s); the holder beats four times as often. */
  staleAfterMs?: number;
  /** Take over a stale lock (never a live one). Without it a stale lock is refused like a live one. */
  takeOver?: boolean;
  vfs?: VFS;
}

export interface CubeLock {
  readonly uri: string;
  readonly info: CubeLockInfo;
  /** Throws E_LOCK_LOST if another process has taken the lock over since (call before making work visible). */
  check(): Promise<void>;
  /** Stops the heartbeat and removes the lock file if it is still this holder's. */
  release(): Promise<void>;
}

const DEFAULT_STALE_MS = 60_000;

/** Where the lock of `cubeUri` lives; local paths are made absolute so `./cube` and `cube` share one lock. */
export function cubeLockUri(cubeUri: string): string {
  const trimmed = cubeUri.replace(/\/+$/, "");
  if (uriScheme(trimmed) === "file") return `${resolve(localPath(trimmed))}.lock`;
  return `${trimmed}.lock`;
}

/** The lock on `cubeUri`, or undefined if none (for messages; a half-written lock file reads as undefined). */
export async function readCubeLock(cubeUri: string, vfs: VFS = vfsFor(cubeUri)): Promise<CubeLockInfo | undefined> {
  return readLockFile(cubeLockUri(cubeUri), vfs);
}

async function readLockFile(uri: string, vfs: VFS): Promise<CubeLockInfo | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await vfs.read(uri);
  } catch (e) {
    if ((e as { code?: string }).code === "E_NOT_FOUND") return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes));
    return v && typeof v === "object" && typeof v.token === "string" ? (v as CubeLockInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** Why a lock is stale, or undefined if its holder may be alive. */
export function staleReason(info: CubeLockInfo, staleAfterMs = DEFAULT_STALE_MS, now = Date.now()): string | undefined {
  if (info.host === hostname() && !pidAlive(info.pid)) return `process ${info.pid} on ${info.host} is no longer running`;
  const age = now - Date.parse(info.heartbeat_at);
  if (!(age <= staleAfterMs)) return `no heartbeat for ${Math.round(age / 1000)} s (stale after ${Math.round(staleAfterMs / 1000)} s)`;
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

function describe(info: CubeLockInfo): string {
  return `${info.owner}@${info.host} pid ${info.pid} (${info.purpose}, since ${info.acquired_at}, last heartbeat ${info.heartbeat_at})`;
}

function encode(info: CubeLockInfo): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(info, null, 1)}\n`);
}

/**
 * Takes the lock of `cubeUri` or throws: E_CUBE_LOCKED naming the holder (and, for a stale lock, why it is stale
 * and that `takeOver` would take it). Take it before writing anything; release it in a `finally`.
 */
export async function acquireCubeLock(cubeUri: string, options: CubeLockOptions): Promise<CubeLock> {
  const vfs = options.vfs ?? vfsFor(cubeUri);
  const uri = cubeLockUri(cubeUri);
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_MS;
  const now = new Date().toISOString();
  const info: CubeLockInfo = {
    owner: safeUser(),
    host: hostname(),
    pid: process.pid,
    purpose: options.purpose,
    acquired_at: now,
    heartbeat_at: now,
    token: randomUUID(),
  };
  for (let attempt = 0; ; attempt++) {
    if (await vfs.writeExclusive(uri, encode(info))) break;
    const holder = await readLockFile(uri, vfs);
    if (!holder) {
      // being written or removed right now: look again shortly, then give up naming the file
      if (attempt < 20) {
        await sleep(50);
        continue;
      }
      throw new CubeWriterError("E_CUBE_LOCKED", `${cubeUri} is locked: ${uri} exists but is unreadable; remove it if no build of this cube is running`);
    }
    const stale = staleReason(holder, staleAfterMs);
    if (!stale) throw new CubeWriterError("E_CUBE_LOCKED", `${cubeUri} is being written by ${describe(holder)}; wait for it to finish`);
    if (!options.takeOver) {
      throw new CubeWriterError("E_CUBE_LOCKED", `${cubeUri} is locked by ${describe(holder)}, which looks stale: ${stale}; take the lock over if no build of this cube is running`);
    }
    if (attempt >= 3) throw new CubeWriterError("E_CUBE_LOCKED", `${cubeUri}: could not take over the lock at ${uri} (others keep taking it)`);
    await removeIfHolder(vfs, uri, holder.token);
  }
  return new HeldLock(uri, info, vfs, staleAfterMs);
}

/**
 * Removes the lock file only if it still holds `token`: moved aside first where the storage can rename, so a newer
 * holder's lock survives; object stores cannot, so the file is read again just before it is removed.
 */
async function removeIfHolder(vfs: VFS, uri: string, token: string): Promise<void> {
  if (!vfs.rename) {
    if ((await readLockFile(uri, vfs))?.token === token) await vfs.remove(uri);
    return;
  }
  const aside = `${uri}.${randomUUID()}.old`;
  try {
    await vfs.rename(uri, aside);
  } catch (e) {
    if ((e as { code?: string }).code === "E_NOT_FOUND") return;
    throw e;
  }
  const moved = await readLockFile(aside, vfs);
  if (moved && moved.token !== token && !(await vfs.exists(uri))) await vfs.rename(aside, uri); // not the one we meant: put it back
  else await vfs.remove(aside);
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class HeldLock implements CubeLock {
  private timer?: NodeJS.Timeout;
  private beating: Promise<void> = Promise.resolve();
  private lost?: string;

  constructor(
    readonly uri: string,
    readonly info: CubeLockInfo,
    private readonly vfs: VFS,
    staleAfterMs: number,
  ) {
    this.timer = setInterval(() => {
      this.beating = this.beating.then(() => this.beat());
    }, Math.max(50, Math.floor(staleAfterMs / 4)));
    this.timer.unref(); // never keeps the process alive by itself
  }

  private async beat(): Promise<void> {
    if (this.lost || !this.timer) return;
    try {
      const now = await readLockFile(this.uri, this.vfs);
      if (now && now.token !== this.info.token) {
        this.lost = `taken over by ${describe(now)}`;
        return;
      }
      this.info.heartbeat_at = new Date().toISOString();
      // VFS writes are atomic: a reader never sees a half-written lock
      await this.vfs.write(this.uri, encode(this.info));
    } catch {
      // a missed beat is retried on the next tick; staleness allows for several
    }
  }

  async check(): Promise<void> {
    await this.beating;
    const now = await readLockFile(this.uri, this.vfs);
    if (!this.lost && now?.token !== this.info.token) this.lost = now ? `taken over by ${describe(now)}` : "its lock file was removed";
    if (this.lost) throw new CubeWriterError("E_LOCK_LOST", `lost the lock ${this.uri}: ${this.lost}`);
  }

  async release(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    if (this.lost) return;
    await removeIfHolder(this.vfs, this.uri, this.info.token);
  }
}
