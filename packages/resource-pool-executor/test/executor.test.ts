import { afterEach, describe, expect, it } from "vitest";
import { ExecutorError, ResourcePoolExecutor, type TaskInfo } from "../src/index.js";
import type * as Tasks from "./fixtures/tasks.js";
import { firstEvent, gates, makeExecutor, rejection, tasksUrl } from "./helpers.js";

let ex: ResourcePoolExecutor<typeof Tasks> | null = null;
afterEach(async () => {
  await ex?.shutdown();
  ex = null;
});

describe("ResourcePoolExecutor basics", () => {
  it("runs exported functions with arguments and returns typed arrays intact", async () => {
    ex = makeExecutor();
    expect(await ex.submit(1, "add", [2, 40])).toBe(42);
    const r = await ex.submit(1, "sumTyped", [new Float64Array([1, 2, 3.5])]);
    expect(r.sum).toBe(6.5);
    expect(r.doubled).toBeInstanceOf(Float64Array);
    expect([...r.doubled]).toEqual([2, 4, 7]);
  });

  it("runs the start-up hook with its arguments once in every worker, before its first task", async () => {
    ex = makeExecutor({ maxWorkers: 1, maxTasksPerWorker: 2, workerStartup: { task: "setup", args: ["census", 7] } });
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await ex.submit(1, "whoAmI", []));
    for (const s of seen) expect(s.startup).toEqual({ tag: "census", extra: 7, pid: s.pid });
    // recycled after every 2 tasks: pids a a b b c, task counts restart in each new worker
    expect(seen.map((s) => s.tasksHere)).toEqual([1, 2, 1, 2, 1]);
    const pids = seen.map((s) => s.pid);
    expect(new Set(pids).size).toBe(3);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(pids[1]).not.toBe(pids[2]);
  });

  it("recycles after 10 tasks by default", async () => {
    ex = makeExecutor({ maxWorkers: 1 });
    expect(ex.maxTasksPerWorker).toBe(10);
    const exits: string[] = [];
    ex.on("workerExit", (w) => exits.push(w.reason));
    const seen = [];
    for (let i = 0; i < 11; i++) seen.push(await ex.submit(1, "whoAmI", []));
    expect(seen[9].tasksHere).toBe(10);
    expect(seen[10].tasksHere).toBe(1);
    expect(exits).toEqual(["recycled"]);
  });

  it("reports state and events for progress", async () => {
    const g = gates();
    try {
      ex = makeExecutor({ maxWorkers: 2, maxResources: 10 });
      const log: string[] = [];
      ex.on("queued", (t) => log.push(`queued ${t.id}`));
      ex.on("start", (t) => log.push(`start ${t.id}`));
      ex.on("settle", (t) => log.push(`settle ${t.id}${t.error ? ` ${t.error.code}` : ""}`));
      let idle = 0;
      ex.on("idle", () => idle++);
      const a = firstEvent();
      const held = ex.submit(6, "holdUntil", [g.gate("a"), "A"], { onEvent: a.onEvent });
      const second = ex.submit(6, "add", [1, 1]); // does not fit beside A
      await a.event;
      expect(ex.stats).toEqual({
        queued: 1,
        running: 1,
        resourcesInUse: 6,
        completed: 0,
        failed: 0,
        cancelled: 0,
        workers: 1,
      });
      g.open(g.gate("a"));
      expect(await held).toBe("A");
      expect(await second).toBe(2);
      await expect(ex.submit(1, "throwRange", ["x"])).rejects.toThrow(ExecutorError);
      await ex.onIdle();
      expect(ex.stats).toMatchObject({ queued: 0, running: 0, resourcesInUse: 0, completed: 2, failed: 1 });
      expect(log).toEqual([
        "queued 1",
        "start 1",
        "queued 2",
        "settle 1",
        "start 2",
        "settle 2",
        "queued 3",
        "start 3",
        "settle 3 E_TASK_FAILED",
      ]);
      expect(idle).toBeGreaterThanOrEqual(2);
    } finally {
      g.cleanup();
    }
  });

  it("forwards events a task emits while it runs", async () => {
    ex = makeExecutor();
    const events: unknown[] = [];
    const g = gates();
    try {
      const p = ex.submit(1, "holdUntil", [g.gate("r"), "L"], {
        onEvent: (e) => {
          events.push(e);
          g.open(g.gate("r"));
        },
      });
      expect(await p).toBe("L");
      expect(events).toEqual([{ running: "L", pid: expect.any(Number) }]);
    } finally {
      g.cleanup();
    }
  });
});

describe("budget and best-fit order", () => {
  it("admits the largest waiting task that fits, oldest first among equals", async () => {
    const g = gates();
    try {
      ex = makeExecutor({ maxWorkers: 4, maxResources: 10 });
      const starts: string[] = [];
      const labels = new Map<number, string>();
      ex.on("start", (t) => starts.push(String(labels.get(t.id))));
      const running = new Map<string, Promise<void>>();
      const submit = (label: string, resources: number) => {
        const ev = firstEvent();
        labels.set(labels.size + 1, label); // task ids count submissions from 1
        const p = ex!.submit(resources, "holdUntil", [g.gate(label), label], { onEvent: ev.onEvent });
        running.set(label, ev.event.then(() => undefined));
        return p;
      };
      const all = [submit("A", 10), submit("B", 3), submit("C", 7), submit("D", 5), submit("E", 7), submit("F", 2)];
      await running.get("A");
      expect(starts).toEqual(["A"]);
      g.open(g.gate("A")); // free 10: C (7, before E), then B (3)
      await Promise.all([running.get("C"), running.get("B")]);
      expect(starts).toEqual(["A", "C", "B"]);
      g.open(g.gate("C")); // free 7: E
      await running.get("E");
      g.open(g.gate("B")); // free 3: F (2); D (5) does not fit
      await running.get("F");
      expect(ex.stats.resourcesInUse).toBe(9);
      g.open(g.gate("E")); // free 8: D
      await running.get("D");
      for (const l of ["D", "F"]) g.open(g.gate(l));
      expect(await Promise.all(all)).toEqual(["A", "B", "C", "D", "E", "F"]);
      expect(starts).toEqual(["A", "C", "B", "E", "F", "D"]);
    } finally {
      g.cleanup();
    }
  });

  it("runs a task larger than the whole budget alone, once nothing else runs", async () => {
    const g = gates();
    try {
      ex = makeExecutor({ maxWorkers: 3, maxResources: 10 });
      const trace: Array<{ event: string; task: TaskInfo; inUse: number; running: number }> = [];
      ex.on("start", (t) => trace.push({ event: "start", task: t, ...snapshot() }));
      const snapshot = () => ({ inUse: ex!.stats.resourcesInUse, running: ex!.stats.running });
      const small = firstEvent();
      const smallDone = ex.submit(4, "holdUntil", [g.gate("small"), "small"], { onEvent: small.onEvent });
      await small.event;
      const big = firstEvent();
      const bigDone = ex.submit(25, "holdUntil", [g.gate("big"), "big"], { onEvent: big.onEvent });
      expect(ex.stats.queued).toBe(1); // waits: something runs
      g.open(g.gate("small"));
      await smallDone;
      await big.event;
      expect(ex.stats).toMatchObject({ running: 1, resourcesInUse: 25 });
      // while the oversize task runs nothing else may start
      const after = ex.submit(1, "add", [1, 2]);
      expect(ex.stats.queued).toBe(1);
      g.open(g.gate("big"));
      expect(await bigDone).toBe("big");
      expect(await after).toBe(3);
      expect(trace.map((t) => [t.task.resources, t.inUse, t.running])).toEqual([
        [4, 4, 1],
        [25, 25, 1],
        [1, 1, 1],
      ]);
    } finally {
      g.cleanup();
    }
  });

  it("never starts more than maxWorkers tasks even when the budget would allow more", async () => {
    const g = gates();
    try {
      ex = makeExecutor({ maxWorkers: 2, maxResources: 100 });
      let maxRunning = 0;
      ex.on("start", () => {
        maxRunning = Math.max(maxRunning, ex!.stats.running);
      });
      const tasks = Array.from({ length: 6 }, (_, i) => ex!.submit(1, "busyFor", [3, i]));
      expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(maxRunning).toBe(2);
    } finally {
      g.cleanup();
    }
  });
});

describe("bad input gets a clear error", () => {
  it("rejects bad resources, names and args", async () => {
    ex = makeExecutor();
    for (const r of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = await rejection(ex.submit(r, "add", [1, 2]));
      expect(err.code).toBe("E_INVALID_ARGUMENT");
      expect(err.message).toContain(`resources must be a finite number >= 0, got ${r}`);
    }
    // @ts-expect-error args must be an array
    expect((await rejection(ex.submit(1, "add", 5))).message).toContain('task "add": args must be an array');
  });

  it("rejects bad options at construction", () => {
    const bad = (o: object, text: string) =>
      expect(() => new ResourcePoolExecutor({ taskModule: tasksUrl, maxResources: 10, ...o })).toThrow(text);
    bad({ maxResources: 0 }, "maxResources must be a positive number, got 0");
    bad({ maxWorkers: 1.5 }, "maxWorkers must be an integer >= 1, got 1.5");
    bad({ maxTasksPerWorker: 0 }, "maxTasksPerWorker must be an integer >= 1, got 0");
    bad({ taskModule: "/no/such/tasks.js" }, "taskModule not found: /no/such/tasks.js");
    bad({ taskModule: "https://example.com/t.js" }, "taskModule must be a local path or a file: URL, got https://example.com/t.js");
  });
});
