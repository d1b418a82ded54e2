import { afterEach, describe, expect, it } from "vitest";
import type { ResourcePoolExecutor } from "../src/index.js";
import type * as Tasks from "./fixtures/tasks.js";
import { firstEvent, gates, isAlive, makeExecutor, rejection, waitUntilGone } from "./helpers.js";

let ex: ResourcePoolExecutor<typeof Tasks> | null = null;
afterEach(async () => {
  await ex?.shutdown();
  ex = null;
});

describe("AbortSignal cancels one task", () => {
  it("aborting a queued task removes it at once; the others run", async () => {
    const g = gates();
    try {
      ex = makeExecutor({ maxWorkers: 1 });
      const held = firstEvent();
      const first = ex.submit(1, "holdUntil", [g.gate("first"), "first"], { onEvent: held.onEvent });
      const controller = new AbortController();
      const queued = ex.submit(1, "add", [1, 2], { signal: controller.signal });
      const last = ex.submit(1, "add", [3, 4]);
      await held.event;
      controller.abort(new Error("user pressed stop"));
      const err = await rejection(queued);
      expect(err.code).toBe("E_ABORTED");
      expect(err.message).toBe('task "add" (#2) was aborted');
      expect((err.cause as Error).message).toBe("user pressed stop");
      expect(ex.stats).toMatchObject({ queued: 1, running: 1, cancelled: 1 });
      g.open(g.gate("first"));
      expect(await first).toBe("first");
      expect(await last).toBe(7);
    } finally {
      g.cleanup();
    }
  });

  it("aborting a running task kills its worker; its resources come back and the queue goes on", async () => {
    ex = makeExecutor({ maxWorkers: 1, maxResources: 10 });
    const controller = new AbortController();
    const spin = firstEvent();
    const running = ex.submit(10, "spinAfterEmit", [], { signal: controller.signal, onEvent: spin.onEvent });
    const next = ex.submit(10, "add", [5, 5]);
    const { pid } = await spin.event;
    controller.abort();
    const err = await rejection(running);
    expect(err.code).toBe("E_ABORTED");
    expect(isAlive(pid)).toBe(false);
    expect(await next).toBe(10);
    expect(ex.stats).toMatchObject({ completed: 1, cancelled: 1, failed: 0, resourcesInUse: 0 });
  });

  it("aborting while the task's worker is still starting kills that worker at once, before the task runs", async () => {
    ex = makeExecutor({ maxWorkers: 1 });
    const controller = new AbortController();
    const started: number[] = [];
    const exited: Array<{ pid: number | null; reason: string }> = [];
    ex.on("workerStart", (w) => started.push(w.pid ?? -1));
    ex.on("workerExit", (w) => exited.push({ pid: w.pid, reason: w.reason }));
    const p = ex.submit(1, "whoAmI", [], { signal: controller.signal });
    expect(ex.stats.running).toBe(1); // admitted at once; its worker is being spawned
    controller.abort();
    expect((await rejection(p)).code).toBe("E_ABORTED");
    expect(started).toHaveLength(0);
    expect(exited).toEqual([{ pid: expect.any(Number), reason: "E_ABORTED" }]);
    await waitUntilGone(exited[0].pid as number);
    const next = await ex.submit(1, "whoAmI", []);
    expect(next.tasksHere).toBe(1);
    expect(next.pid).not.toBe(exited[0].pid);
  });

  it("an already aborted signal rejects without queueing", async () => {
    ex = makeExecutor();
    const err = await rejection(ex.submit(1, "add", [1, 1], { signal: AbortSignal.abort() }));
    expect(err.code).toBe("E_ABORTED");
    expect(ex.stats.queued).toBe(0);
  });
});

describe("shutdown", () => {
  it("rejects queued and running tasks with E_SHUTDOWN and terminates every worker", async () => {
    ex = makeExecutor({ maxWorkers: 2, maxResources: 10 });
    const spin = firstEvent();
    const running = ex.submit(1, "spinAfterEmit", [], { onEvent: spin.onEvent });
    const idlePid = (await ex.submit(1, "whoAmI", [])).pid; // a second, idle worker
    const queued = [ex.submit(10, "add", [1, 1]), ex.submit(10, "add", [2, 2])];
    const { pid } = await spin.event;
    const outcomes = [running, ...queued].map(rejection); // handled before shutdown rejects them
    await ex.shutdown();
    for (const err of await Promise.all(outcomes)) expect(err.code).toBe("E_SHUTDOWN");
    expect((await rejection(running)).message).toBe('task "spinAfterEmit" (#1) stopped: the executor shut down');
    expect((await rejection(queued[0])).message).toBe('task "add" (#3) cancelled: the executor shut down');
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(idlePid)).toBe(false);
    expect(ex.stats).toMatchObject({ queued: 0, running: 0, workers: 0, cancelled: 3, completed: 1 });
    const late = await rejection(ex.submit(1, "add", [1, 1]));
    expect(late.code).toBe("E_SHUTDOWN");
    expect(late.message).toBe('cannot submit task "add": the executor is shut down');
  });

  it("with waitForRunning, running tasks finish and queued ones are cancelled", async () => {
    const g = gates();
    try {
      ex = makeExecutor({ maxWorkers: 1 });
      const held = firstEvent();
      const running = ex.submit(1, "holdUntil", [g.gate("r"), "done"], { onEvent: held.onEvent });
      const queued = ex.submit(1, "add", [1, 1]);
      await held.event;
      const stopped = ex.shutdown({ waitForRunning: true });
      expect((await rejection(queued)).code).toBe("E_SHUTDOWN");
      g.open(g.gate("r"));
      expect(await running).toBe("done");
      await stopped;
      expect(ex.stats).toMatchObject({ completed: 1, cancelled: 1, workers: 0 });
    } finally {
      g.cleanup();
    }
  });

  it("shutdown while a worker is still starting does not hang", async () => {
    ex = makeExecutor({ maxWorkers: 1 });
    const p = ex.submit(1, "add", [1, 1]);
    await ex.shutdown();
    expect((await rejection(p)).code).toBe("E_SHUTDOWN");
    expect(ex.stats.workers).toBe(0);
  });
});
