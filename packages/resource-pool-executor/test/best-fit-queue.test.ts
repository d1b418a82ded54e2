import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BestFitQueue } from "../src/index.js";

interface Item {
  resources: number;
  seq: number;
}

/** The obvious, slow version of each operation, to compare against. */
const model = {
  bestFit(items: Item[], free: number): Item | undefined {
    let best: Item | undefined;
    for (const it of items) {
      if (it.resources > free) continue;
      if (!best || it.resources > best.resources || (it.resources === best.resources && it.seq < best.seq)) best = it;
    }
    return best;
  },
  oldest(items: Item[]): Item | undefined {
    return items.reduce<Item | undefined>((a, b) => (a === undefined || b.seq < a.seq ? b : a), undefined);
  },
};

type Op =
  | { op: "push"; resources: number }
  | { op: "bestFit"; free: number }
  | { op: "oldest" }
  | { op: "remove"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("push" as const), resources: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 20, noNaN: true })) }),
  fc.record({ op: fc.constant("bestFit" as const), free: fc.integer({ min: -5, max: 25 }) }),
  fc.record({ op: fc.constant("oldest" as const) }),
  fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }),
);

describe("BestFitQueue", () => {
  it("agrees with a linear-scan model on random operation sequences", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const q = new BestFitQueue<Item>();
        let items: Item[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.op === "push") {
            const it = { resources: o.resources, seq: seq++ };
            q.push(it);
            items.push(it);
          } else if (o.op === "bestFit") {
            const want = model.bestFit(items, o.free);
            expect(q.takeBestFit(o.free)).toBe(want);
            items = items.filter((x) => x !== want);
          } else if (o.op === "oldest") {
            const want = model.oldest(items);
            expect(q.takeOldest()).toBe(want);
            items = items.filter((x) => x !== want);
          } else if (items.length > 0) {
            const victim = items[o.pick % items.length];
            expect(q.remove(victim)).toBe(true);
            expect(q.remove(victim)).toBe(false);
            items = items.filter((x) => x !== victim);
          }
          expect(q.size).toBe(items.length);
        }
        expect(q.drain()).toEqual([...items].sort((a, b) => a.seq - b.seq));
        expect(q.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
