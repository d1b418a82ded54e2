/** The README's example runs as written (extracted from README.md), so it cannot drift from the code. */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const blocks = [...readFileSync(join(here, "../README.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const file = join(here, `.readme-example-${process.pid}.ts`);
afterEach(() => rmSync(file, { force: true }));

describe("README example", () => {
  it("runs and computes DE of the disease gene", async () => {
    expect(blocks.length).toBe(1);
    // the package's own name resolves to its sources here
    writeFileSync(file, blocks[0].replaceAll('from "@census-cube/estimators"', 'from "../src/index.js"'));
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await import(file);
      expect(log).toHaveBeenCalledTimes(1);
      const [gene, coef, se, z, pval] = log.mock.calls[0] as [Uint32Array, Float64Array, Float64Array, Float64Array, Float64Array];
      expect(Array.from(gene)).toEqual([0, 1]);
      // gene 0 is about half as high in PATO:0000461 (healthy) as in the disease; gene 1 does not change
      expect(coef[0]).toBeLessThan(-0.4);
      expect(Math.abs(coef[1])).toBeLessThan(Math.abs(coef[0]));
      for (let g = 0; g < 2; g++) expect(z[g]).toBeCloseTo(coef[g] / se[g], 12);
      expect(pval[0]).toBeLessThan(pval[1]);
    } finally {
      log.mockRestore();
    }
  });
});
