import { describe, expect, it } from "vitest";
import { defaultMaxWorkers, ExecutorError, MAX_DEFAULT_WORKERS, workersForMemory } from "../src/index.js";

const GiB = 2 ** 30;

describe("worker counts", () => {
  it("defaults to CPU count + 2, capped", () => {
    expect(defaultMaxWorkers(1)).toBe(3);
    expect(defaultMaxWorkers(8)).toBe(10);
    expect(defaultMaxWorkers(96)).toBe(MAX_DEFAULT_WORKERS);
    expect(defaultMaxWorkers()).toBeGreaterThanOrEqual(3);
  });

  it("derives a worker count from a per-worker memory budget", () => {
    expect(workersForMemory({ perWorkerBytes: 4 * GiB, totalBytes: 64 * GiB, cap: 100 })).toBe(16);
    expect(workersForMemory({ perWorkerBytes: 4 * GiB, totalBytes: 64 * GiB, cap: 10 })).toBe(10);
    expect(workersForMemory({ perWorkerBytes: 4 * GiB, totalBytes: 63.9 * GiB, cap: 100 })).toBe(15);
    // a budget larger than the machine still gets one worker
    expect(workersForMemory({ perWorkerBytes: 128 * GiB, totalBytes: 64 * GiB })).toBe(1);
  });

  it("names the bad argument", () => {
    const err = (() => {
      try {
        workersForMemory({ perWorkerBytes: 0 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ExecutorError);
    expect((err as ExecutorError).code).toBe("E_INVALID_ARGUMENT");
    expect((err as ExecutorError).message).toBe("workersForMemory: perWorkerBytes must be a positive number, got 0");
  });
});
