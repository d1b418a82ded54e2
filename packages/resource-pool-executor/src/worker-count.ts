import os from "node:os";
import { ExecutorError } from "./errors.js";

/** Upper bound of the default worker count: beyond this, more processes cost memory and buy little. */
export const MAX_DEFAULT_WORKERS = 32;

/**
 * Default `maxWorkers`: CPU count + 2 (workers that wait on I/O leave a core free for another), capped at
 * MAX_DEFAULT_WORKERS.
 */
export function defaultMaxWorkers(cpus: number = os.availableParallelism()): number {
  return Math.max(1, Math.min(cpus + 2, MAX_DEFAULT_WORKERS));
}

export interface MemoryWorkerOptions {
  /** Bytes one worker may use (its share of the budget plus its own baseline, ~50 MB for Node). */
  perWorkerBytes: number;
  /** Bytes available to all workers together; default: total physical memory. */
  totalBytes?: number;
  /** Upper bound; default: defaultMaxWorkers(). */
  cap?: number;
}

/** How many workers of `perWorkerBytes` fit into `totalBytes`: at least 1, at most `cap`. */
export function workersForMemory(options: MemoryWorkerOptions): number {
  const { perWorkerBytes, totalBytes = os.totalmem(), cap = defaultMaxWorkers() } = options;
  for (const [name, value] of [
    ["perWorkerBytes", perWorkerBytes],
    ["totalBytes", totalBytes],
    ["cap", cap],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new ExecutorError("E_INVALID_ARGUMENT", `workersForMemory: ${name} must be a positive number, got ${value}`);
    }
  }
  return Math.max(1, Math.min(Math.floor(totalBytes / perWorkerBytes), Math.floor(cap)));
}
