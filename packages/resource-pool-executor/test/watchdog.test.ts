/** The watchdog: a worker that goes quiet (SIGSTOP, as a hung read) is killed and its task failed or retried. */
import { readFileSync } from "node:fs";
import { ResourcePoolExecutor } from "../src/index.js";
import { afterAll, afterEach, describe, expect, it } from "vitest";
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
    ex = makeExecutor({ maxWorkers: 1, watchdog: { timeoutMs: 2500 } });
    expect(await ex.submit(1, "computeWithHeartbeats", [5000])).toBeGreaterThan(0);
  });

  it("heartbeats reach the parent while the worker's messages are held up (its socket to the parent full, its event loop busy)", async () => {
    ex = makeExecutor({ maxWorkers: 1, watchdog: { timeoutMs: 2500 } });
    const sizes: number[] = [];
    const onEvent = (p: unknown) => sizes.push((p as { payload: string }).payload.length);
    expect(await ex.submit(1, "computeAfterLargeEvent", [5000], { onEvent })).toBeGreaterThan(0);
    expect(sizes).toEqual([4_000_000]);
  });

  it("refuses a bad watchdog", () => {
    expect(() => makeExecutor({ watchdog: { timeoutMs: 0 } })).toThrow(/watchdog.timeoutMs must be a positive number/);
    expect(() => makeExecutor({ watchdog: { timeoutMs: 10, retries: -1 } })).toThrow(/watchdog.retries must be an integer >= 0/);
    expect(() => makeExecutor({ watchdog: { timeoutMs: 10, startupTimeoutMs: -5 } })).toThrow(/watchdog.startupTimeoutMs must be a positive number/);
  });

  it("a worker that hangs in its start-up hook is killed within the watchdog time (not the longer start-up bound, which covers only the import); its task fails E_WORKER_HUNG, naming the start", async () => {
    const marker = g.gate("startup-stops");
    ex = makeExecutor({ maxWorkers: 1, watchdog: { timeoutMs: 2000, startupTimeoutMs: 60_000 }, workerStartup: { task: "stopAtStartup", args: [marker, true] } });
    const started = Date.now();
    const err = await rejection(ex.submit(1, "add", [1, 2]));
    const took = Date.now() - started;
    const pid = Number(readFileSync(marker, "utf8").trim());
    expect(err.code).toBe("E_WORKER_HUNG");
    expect(err.message).toMatch(new RegExp(`worker process ${pid} starting \\(for task "add" \\(#1\\)\\) sent no heartbeat for [\\d.]+ s \\(watchdog 2 s`));
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(15000);
    await waitUntilGone(pid);
    expect(ex.stats).toMatchObject({ failed: 1, running: 0, queued: 0 });
  });

  it("with retries, a task whose worker hung while starting runs on a fresh worker", async () => {
    const marker = g.gate("startup-stops-once");
    ex = makeExecutor({ maxWorkers: 1, watchdog: { timeoutMs: 2000, startupTimeoutMs: 60_000, retries: 1 }, workerStartup: { task: "stopAtStartup", args: [marker, false] } });
    expect(await ex.submit(1, "add", [2, 3])).toBe(5);
    const pids = readFileSync(marker, "utf8").trim().split("\n").map(Number);
    expect(pids).toHaveLength(2);
    expect(isAlive(pids[0])).toBe(false);
  });

  it("a worker that hangs while importing the task module is killed after the start-up bound", async () => {
    const marker = g.gate("import-stops");
    ex = new ResourcePoolExecutor({
      taskModule: new URL("./fixtures/stops-on-import.ts", import.meta.url),
      maxResources: 10,
      maxWorkers: 1,
      watchdog: { timeoutMs: 60_000, startupTimeoutMs: 2000 },
      env: { ...process.env, RPE_STOP_MARKER: marker },
    }) as unknown as ResourcePoolExecutor<typeof Tasks>;
    const err = await rejection((ex as unknown as ResourcePoolExecutor).submit(1, "never", []));
    const pid = Number(readFileSync(marker, "utf8"));
    expect(err.code).toBe("E_WORKER_HUNG");
    expect(err.message).toContain(`worker process ${pid} starting`);
    await waitUntilGone(pid);
  });

  it("a worker that hangs before running any code of the executor's (stopped in a --import preload) is SIGKILLed, not left stopped", async () => {
    const marker = g.gate("preload-stops");
    ex = makeExecutor({
      maxWorkers: 1,
      watchdog: { timeoutMs: 60_000, startupTimeoutMs: 2000 },
      execArgv: ["--import", new URL("./fixtures/stops-on-import.ts", import.meta.url).href],
      env: { ...process.env, RPE_STOP_MARKER: marker },
    });
    const started = Date.now();
    const err = await rejection(ex.submit(1, "add", [1, 2]));
    const pid = Number(readFileSync(marker, "utf8"));
    expect(err.code).toBe("E_WORKER_HUNG");
    expect(err.message).toMatch(new RegExp(`worker process ${pid} starting \\(for task "add" \\(#1\\)\\) sent no heartbeat for [\\d.]+ s \\(watchdog 2 s`));
    // a stopped process acts on no signal but SIGKILL
    await waitUntilGone(pid);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(ex.stats).toMatchObject({ failed: 1, running: 0, workers: 0 });
  });
});
