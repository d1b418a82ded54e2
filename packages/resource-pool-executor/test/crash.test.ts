import { afterEach, describe, expect, it } from "vitest";
import type { ResourcePoolExecutor } from "../src/index.js";
import type * as Tasks from "./fixtures/tasks.js";
import { firstEvent, gates, isAlive, makeExecutor, rejection, waitUntilGone } from "./helpers.js";

let ex: ResourcePoolExecutor<typeof Tasks> | null = null;
afterEach(async () => {
  await ex?.shutdown();
  ex = null;
});

/** Submit `n` short tasks and return their promises; they must all finish whatever happens next to them. */
function bystanders(e: ResourcePoolExecutor<typeof Tasks>, n: number): Promise<unknown>[] {
  return Array.from({ length: n }, (_, i) => e.submit(1, "busyFor", [2, `b${i}`]));
}

describe("worker crashes fail only their own task", () => {
  it("kill -9 of a worker mid-task: E_WORKER_KILLED, a replacement runs every other task", async () => {
    ex = makeExecutor({ maxWorkers: 2 });
    const exits: string[] = [];
    ex.on("workerExit", (w) => exits.push(w.reason));
    const { onEvent, event } = firstEvent();
    const victim = ex.submit(1, "spinAfterEmit", [], { onEvent });
    const others = bystanders(ex, 8);
    const { pid } = await event;
    process.kill(pid, "SIGKILL");
    const err = await rejection(victim);
    expect(err.code).toBe("E_WORKER_KILLED");
    expect(err.message).toContain(`worker process ${pid} was killed by SIGKILL`);
    expect(err.message).toContain('task "spinAfterEmit"');
    expect(await Promise.all(others)).toEqual(Array.from({ length: 8 }, (_, i) => `b${i}`));
    expect(exits).toContain("E_WORKER_KILLED");
    // the replacement keeps serving
    expect(await ex.submit(1, "add", [2, 2])).toBe(4);
    expect(ex.stats).toMatchObject({ completed: 9, failed: 1, queued: 0, running: 0, resourcesInUse: 0 });
  });

  it("process.exit in a task: E_WORKER_EXIT with the code; queued tasks behind it still run", async () => {
    ex = makeExecutor({ maxWorkers: 1 });
    const victim = ex.submit(1, "exitWith", [3]);
    const others = bystanders(ex, 5);
    const err = await rejection(victim);
    expect(err.code).toBe("E_WORKER_EXIT");
    expect(err.message).toMatch(/worker process \d+ exited with code 3 while running task "exitWith"/);
    expect(await Promise.all(others)).toHaveLength(5);
  });

  it("a thrown error fails the task with the original error as cause; the worker stays", async () => {
    ex = makeExecutor({ maxWorkers: 1 });
    const before = await ex.submit(1, "whoAmI", []);
    const err = await rejection(ex.submit(1, "throwRange", ["value 42 out of range"]));
    expect(err.code).toBe("E_TASK_FAILED");
    expect(err.message).toBe('task "throwRange" failed: RangeError: value 42 out of range');
    const cause = err.cause as Error & { code?: string };
    expect(cause.name).toBe("RangeError");
    expect(cause.code).toBe("E_FIXTURE");
    expect(cause.stack).toContain("throwRange");
    const after = await ex.submit(1, "whoAmI", []);
    expect(after.pid).toBe(before.pid);
  });

  it("an uncaught exception from a callback: E_WORKER_UNCAUGHT and the worker is replaced", async () => {
    ex = makeExecutor({ maxWorkers: 1 });
    const before = await ex.submit(1, "whoAmI", []);
    const victim = ex.submit(1, "throwFromTimer", ["stray callback failed"]);
    const others = bystanders(ex, 3);
    const err = await rejection(victim);
    expect(err.code).toBe("E_WORKER_UNCAUGHT");
    expect(err.message).toContain(`uncaught exception in worker process ${before.pid}: Error: stray callback failed`);
    expect(await Promise.all(others)).toHaveLength(3);
    expect(isAlive(before.pid)).toBe(false);
    const after = await ex.submit(1, "whoAmI", []);
    expect(after.pid).not.toBe(before.pid);
  });

  it("JavaScript heap exhaustion: E_WORKER_OUT_OF_MEMORY; the parent and other tasks carry on", async () => {
    ex = makeExecutor({ maxWorkers: 2, maxOldGenerationSizeMb: 48 });
    const victim = ex.submit(5, "exhaustHeap", []);
    const others = bystanders(ex, 4);
    const err = await rejection(victim);
    expect(err.code).toBe("E_WORKER_OUT_OF_MEMORY");
    expect(err.message).toContain("SIGABRT");
    expect(err.message).toContain("heap limit 48 MB");
    expect(await Promise.all(others)).toHaveLength(4);
  });

  it("resident memory over maxWorkerRssBytes: the worker is killed, E_WORKER_OUT_OF_MEMORY says how much", async () => {
    const g = gates();
    try {
      ex = makeExecutor({ maxWorkers: 1, maxWorkerRssBytes: 160 * 2 ** 20, memoryCheckIntervalMs: 10 });
      // Without the memory check this task would hold 400 MB until the gate opens, which never happens.
      const err = await rejection(ex.submit(5, "holdMemory", [400, g.gate("never")]));
      expect(err.code).toBe("E_WORKER_OUT_OF_MEMORY");
      expect(err.message).toMatch(/used [\d.]+ MB of resident memory, over the limit of 160\.0 MB; it was killed/);
      expect(await ex.submit(1, "add", [1, 1])).toBe(2);
    } finally {
      g.cleanup();
    }
  });

  it("a worker that dies while idle does not cost the next task", async () => {
    ex = makeExecutor({ maxWorkers: 1 });
    const { pid } = await ex.submit(1, "whoAmI", []);
    process.kill(pid, "SIGKILL");
    await waitUntilGone(pid);
    const next = await ex.submit(1, "whoAmI", []);
    expect(next.pid).not.toBe(pid);
    expect(ex.stats.failed).toBe(0);
  });
});

describe("start-up and task-module failures are reported, not hung", () => {
  it("a failing start-up hook rejects the task with E_WORKER_STARTUP naming the cause", async () => {
    ex = makeExecutor({ workerStartup: { task: "failingSetup" } });
    const err = await rejection(ex.submit(1, "add", [1, 2]));
    expect(err.code).toBe("E_WORKER_STARTUP");
    expect(err.message).toContain("setup refused: missing configuration");
  });

  it("a task module that throws on import: E_WORKER_STARTUP names the module", async () => {
    ex = makeExecutor({ taskModule: new URL("./fixtures/broken-module.ts", import.meta.url) });
    const err = await rejection(ex.submit(1, "add", [1, 2]));
    expect(err.code).toBe("E_WORKER_STARTUP");
    expect(err.message).toMatch(/cannot import task module file:.*broken-module\.ts: broken-module refuses to load/);
  });

  it("an unknown task name: E_UNKNOWN_TASK naming the module and the name", async () => {
    ex = makeExecutor();
    // @ts-expect-error not an export of the task module
    const err = await rejection(ex.submit(1, "noSuchTask", []));
    expect(err.code).toBe("E_UNKNOWN_TASK");
    expect(err.message).toMatch(/task module file:.*tasks\.ts exports no function named "noSuchTask"/);
  });
});
