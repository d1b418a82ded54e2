/**
 * Heartbeats travel through a small file, not the IPC channel: a worker writes a counter into it with a plain
 * `pwrite`, the parent's watchdog reads it with `pread`. IPC messages cannot carry them: once the pipe to the
 * parent is full (the parent busy, or a task sending many beats), Node queues a worker's later messages in
 * memory until its event loop turns, so a task that computes without yielding would go silent while it beats.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

/** Where the worker entry puts this process's writer; on globalThis so that every copy of this module finds it. */
const WRITER_KEY = Symbol.for("@census-cube/resource-pool-executor/heartbeat");

/**
 * For task code: tells the parent's watchdog this worker is alive. Workers beat on a timer by themselves; a task
 * that computes for long stretches without yielding to the event loop calls this between steps. Cheap enough to
 * call often (it writes at most every few milliseconds); a no-op outside a worker with a watchdog.
 */
export function heartbeat(): void {
  (globalThis as { [WRITER_KEY]?: HeartbeatWriter })[WRITER_KEY]?.beat();
}

/** The worker's side: opens the parent's file, removes its name (the parent has it open) and beats into it. */
export class HeartbeatWriter {
  private readonly fd: number;
  private readonly gapMs: number;
  private readonly counter = new Uint32Array(1);
  private last = 0;

  private constructor(path: string, gapMs: number) {
    this.fd = openSync(path, "r+");
    this.gapMs = gapMs;
    removeQuietly(path);
  }

  /** Opens the file and makes `heartbeat()` (and the entry's timer) write to it; `intervalMs` is the timer's period. */
  static install(path: string, intervalMs: number): HeartbeatWriter {
    const writer = new HeartbeatWriter(path, Math.max(1, Math.floor(intervalMs / 4)));
    (globalThis as { [WRITER_KEY]?: HeartbeatWriter })[WRITER_KEY] = writer;
    return writer;
  }

  beat(): void {
    const now = Date.now();
    if (now - this.last < this.gapMs) return;
    this.last = now;
    this.counter[0]++;
    writeSync(this.fd, this.counter, 0, 4, 0);
  }
}

/** The parent's side: one file per worker, read on every watchdog tick. */
export class HeartbeatFile {
  readonly path: string;
  private readonly fd: number;
  private readonly counter = new Uint32Array(1);

  constructor() {
    this.path = join(tmpdir(), `rpe-heartbeat-${process.pid}-${randomUUID()}`);
    this.fd = openSync(this.path, "wx+", 0o600);
    writeSync(this.fd, this.counter, 0, 4, 0);
  }

  /** The worker's beat count so far (it only ever changes while the worker is alive and not stopped). */
  read(): number {
    readSync(this.fd, this.counter, 0, 4, 0);
    return this.counter[0];
  }

  /** Closes the file, removing its name if the worker never got to open it. */
  close(): void {
    removeQuietly(this.path);
    closeSync(this.fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already removed by the other side
  }
}
