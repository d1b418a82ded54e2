import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { ExecutorError, type ExecutorOptions, ResourcePoolExecutor } from "../src/index.js";
import type * as Tasks from "./fixtures/tasks.js";

export const tasksUrl = new URL("./fixtures/tasks.ts", import.meta.url);

export function makeExecutor(options: Partial<ExecutorOptions> = {}): ResourcePoolExecutor<typeof Tasks> {
  return new ResourcePoolExecutor<typeof Tasks>({ taskModule: tasksUrl, maxResources: 10, maxWorkers: 2, ...options });
}

/** A temp dir for release files; `gate(name)` gives a path, `open(path)` lets the waiting task finish. */
export function gates(): { gate: (name: string) => string; open: (path: string) => void; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rpe-test-"));
  return {
    gate: (name) => join(dir, name),
    open: (path) => writeFileSync(path, ""),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll until the process is gone (a condition, bounded by a generous deadline). */
export async function waitUntilGone(pid: number, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (isAlive(pid)) {
    if (Date.now() > until) throw new Error(`process ${pid} is still alive after ${deadlineMs} ms`);
    await delay(5);
  }
}

/** A promise for the first event payload a task sends (tasks send their pid when they are running). */
export function firstEvent(): { onEvent: (p: unknown) => void; event: Promise<{ pid: number }> } {
  let resolve!: (p: { pid: number }) => void;
  const event = new Promise<{ pid: number }>((r) => {
    resolve = r;
  });
  return { onEvent: (p) => resolve(p as { pid: number }), event };
}

export async function rejection(p: Promise<unknown>): Promise<ExecutorError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ExecutorError) return err;
    throw new Error(`expected an ExecutorError, got ${String(err)}`);
  }
  throw new Error("expected the promise to reject");
}
