/** The watchdog: a worker that goes quiet (SIGSTOP, as a hung read) is killed and its task failed or retried. */
import { readFileSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { ResourcePoolExecutor } from "../src/index.js";
import type * as Tasks from "./fixtures/tasks.js";
import { firstEvent, gates, isAlive, makeExecutor, rejection, waitUntilGone } from "./helpers.js";

let ex: ResourcePoolExecutor<typeof Tasks> | null = null;
const g = gates();
afterAll(() => g.cleanup());
afterEach(async () => {
  await ex?.shutdown();
  ex = null;
});

describe("watchdog", () => {
  it("a stopped worker is killed within the watchdog time and its task fails E_WORKER_HUNG; waiting tasks are not", async () => {
    ex = makeExecutor({ maxWorkers: 2, watchdog: { timeoutMs: 2000 } });
    const { onEvent, event } = firstEvent();
    const release = g.gate("release-1");
    const victim = ex.submit(1, "holdUntil", [release, "victim"], { onEvent });
    const { pid } = await event;
    // a task that waits quietly for 5 s (longer than the watchdog) is not killed: its worker keeps beating
    const patient = ex.submit(1, "busyFor", [5000, "patient"]);
    const stoppedAt = Date.now();
    process.kill(pid, "SIGSTOP");
    const err = await rejection(victim);
    const took = Date.now() - stoppedAt;
    expect(err.code).toBe("E_WORKER_HUNG");
    expect(err.message).toMatch(new RegExp(`worker process ${pid} running task "holdUntil" \\(#1\\) sent no heartbeat for [\\d.]+ s \\(watchdog 2 s`));
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(12000);
    await waitUntilGone(pid);
    expect(await patient).toBe("patient");
    expect(await ex.submit(1, "add", [1, 2])).toBe(3);
    expect(ex.stats).toMatchObject({ failed: 1, running: 0 });
  });

  it("with retries, the task runs again on a fresh worker", async () => {
    ex = makeExecutor({ maxWorkers: 1, watchdog: { timeoutMs: 2000, retries: 1 } });
    const marker = g.gate("stopped-once");
    const result = await ex.submit(1, "stopSelfOnce", [marker]);
    const stoppedPid = Number(readFileSync(marker, "utf8"));
    expect(result).toMatch(/^done by \d+$/);
    expect(result).not.toBe(`done by ${stoppedPid}`);
    expect(isAlive(stoppedPid)).toBe(false);
  });

  it("retries are bounded: a task that hangs every time fails after them", async () => {
    ex = makeExecutor({ maxWorkers: 1, watchdog: { timeoutMs: 1500, retries: 2 } });
    const starts: number[] = [];
    ex.on("workerStart", (w) => starts.push(w.pid ?? 0));
    const err = await rejection(ex.submit(1, "spinForever", []));
    expect(err.code).toBe("E_WORKER_HUNG");
    expect(starts).toHaveLength(3);
  });

  it("a task computing without yielding stays alive by calling heartbeat()", async () => {
    ex = makeExecutor({ maxWorkers: 1, watchdog: { timeoutMs: 1500 } });
    expect(await ex.submit(1, "computeWithHeartbeats", [3000])).toBeGreaterThan(0);
  });

  it("refuses a bad watchdog", () => {
    expect(() => makeExecutor({ watchdog: { timeoutMs: 0 } })).toThrow(/watchdog.timeoutMs must be a positive number/);
    expect(() => makeExecutor({ watchdog: { timeoutMs: 10, retries: -1 } })).toThrow(/watchdog.retries must be an integer >= 0/);
  });
});
