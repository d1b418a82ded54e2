import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResourcePoolExecutor, TaskInfo } from "../src/index.js";
import type * as Tasks from "./fixtures/tasks.js";
import { makeExecutor } from "./helpers.js";

const MAX_RESOURCES = 10;
const MAX_WORKERS = 3;

// One executor for every run: workers are reused, so each run costs milliseconds, not process start-ups.
let ex: ResourcePoolExecutor<typeof Tasks>;
beforeAll(() => {
  ex = makeExecutor({ maxResources: MAX_RESOURCES, maxWorkers: MAX_WORKERS, maxTasksPerWorker: Number.POSITIVE_INFINITY });
});
afterAll(() => ex.shutdown());

interface Spec {
  resources: number;
  ms: number;
  /** Submitted from the listener of the first task to settle, rather than up front. */
  late: boolean;
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  // sizes up to 1.6x the budget, so oversize tasks are common
  resources: fc.integer({ min: 0, max: 16 }),
  ms: fc.integer({ min: 0, max: 12 }),
  late: fc.boolean(),
});

/**
 * Checks every admission against the rules, from the executor's own events: the waiting set is what was
 * queued and not yet started; each start must be the best fit for what was free, or, when nothing ran and
 * nothing fit, the oldest waiting task, running alone.
 */
function watch(e: ResourcePoolExecutor<typeof Tasks>): { violations: string[]; stop: () => void } {
  const waiting = new Map<number, TaskInfo>();
  const violations: string[] = [];
  const onQueued = (t: TaskInfo) => waiting.set(t.id, t);
  const onStart = (t: TaskInfo) => {
    waiting.delete(t.id);
    const { resourcesInUse, running } = e.stats;
    const freeBefore = MAX_RESOURCES - (resourcesInUse - t.resources);
    const runningBefore = running - 1;
    if (running > MAX_WORKERS) violations.push(`#${t.id}: ${running} tasks running`);
    if (resourcesInUse > MAX_RESOURCES && running !== 1) {
      violations.push(`#${t.id}: ${resourcesInUse} in use by ${running} tasks`);
    }
    const fitting = [...waiting.values()].filter((w) => w.resources <= freeBefore);
    if (t.resources <= freeBefore) {
      const better = fitting.find((w) => w.resources > t.resources || (w.resources === t.resources && w.id < t.id));
      if (better) violations.push(`#${t.id} (${t.resources}) started before better fit #${better.id} (${better.resources})`);
    } else {
      if (runningBefore !== 0) violations.push(`oversize #${t.id} started beside ${runningBefore} tasks`);
      if (fitting.length > 0) violations.push(`oversize #${t.id} started while #${fitting[0].id} fit`);
      const older = [...waiting.values()].find((w) => w.id < t.id);
      if (older) violations.push(`oversize #${t.id} started before older #${older.id}`);
    }
  };
  e.on("queued", onQueued);
  e.on("start", onStart);
  return {
    violations,
    stop: () => {
      e.off("queued", onQueued);
      e.off("start", onStart);
    },
  };
}

describe("scheduling property (real workers)", () => {
  it("keeps the budget (except a lone oversize task), admits best-fit, and finishes every task", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, { minLength: 1, maxLength: 14 }), async (specs) => {
        const { violations, stop } = watch(ex);
        try {
          const submit = (s: Spec, i: number) => ex.submit(s.resources, "busyFor", [s.ms, i]);
          const early = specs.map((s, i) => [s, i] as const).filter(([s]) => !s.late);
          const late = specs.map((s, i) => [s, i] as const).filter(([s]) => s.late);
          const results: Array<Promise<unknown>> = [];
          const lateSubmitted = new Promise<void>((resolve) => {
            if (early.length === 0) {
              for (const [s, i] of late) results.push(submit(s, i));
              resolve();
              return;
            }
            ex.once("settle", () => {
              for (const [s, i] of late) results.push(submit(s, i));
              resolve();
            });
          });
          for (const [s, i] of early) results.push(submit(s, i));
          await lateSubmitted;
          const values = await Promise.all(results);
          expect(new Set(values).size).toBe(specs.length);
          expect(violations).toEqual([]);
          expect(ex.stats).toMatchObject({ queued: 0, running: 0, resourcesInUse: 0 });
        } finally {
          stop();
        }
      }),
      { numRuns: 40 },
    );
  });
});
