import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { benjaminiHochberg, binnedMean, wlsFirstCoefficient } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../..");
const python = process.env.PYTHON ?? join(repoRoot, ".venv/bin/python");

interface Answers {
  /** `refused`: scipy raised for this input (e.g. bin edges numerically equal); nothing to compare. */
  binned: ({ statistic: (number | null)[]; binnumber: number[] } | { refused: string })[];
  wls: number[];
  bh: number[][];
  versions: Record<string, string>;
}

function ask(cases: unknown): Answers {
  if (!process.env.PYTHON && !existsSync(python)) {
    throw new Error(`Python not found at ${python}: set PYTHON or run npm run setup`);
  }
  const r = spawnSync(python, [join(here, "python/library_calls.py")], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`library_calls.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Answers;
}

// Fresh random inputs on every run; the seed is printed so a failure can be replayed with FC_SEED.
const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

describe(`scipy and scikit-learn on fresh random inputs (FC_SEED=${seed})`, () => {
  const values = fc.oneof(
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.integer({ min: 0, max: 50 }).map((x) => x / 7),
    fc.constantFrom(0, 1, 2.5, 1e-9),
  );
  const binnedCases = fc.sample(
    fc.record({ x: fc.array(values, { minLength: 1, maxLength: 400 }), bins: fc.integer({ min: 1, max: 40 }) }),
    { seed, numRuns: 60 },
  );
  binnedCases.push({ x: Array.from({ length: 301 }, (_, i) => 1 + i / 10), bins: 30 }, { x: [5, 5, 5], bins: 30 });

  const wlsCases = fc.sample(
    fc.integer({ min: 1, max: 4 }).chain((p) =>
      fc.record({
        rows: fc.array(
          fc.record({
            x: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: p, maxLength: p }),
            y: fc.double({ min: -10, max: 10, noNaN: true }),
            w: fc.integer({ min: 1, max: 500 }),
          }),
          { minLength: 2, maxLength: 40 },
        ),
      }),
    ),
    { seed: seed + 1, numRuns: 60 },
  ).filter((c) => c.rows.some((r) => r.x[0] === 1) && c.rows.some((r) => r.x[0] === 0));

  const bhCases = fc.sample(
    fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.05, 1e-300), fc.double({ min: 0, max: 1e-6, noNaN: true })), {
      minLength: 1,
      maxLength: 300,
    }),
    { seed: seed + 2, numRuns: 40 },
  );
  bhCases.push([0.01, 0.01, 0.01, 0.5], [1, 1, 1]);

  const answers = ask({
    bh: bhCases,
    binned: binnedCases,
    wls: wlsCases.map((c) => ({ X: c.rows.map((r) => r.x), y: c.rows.map((r) => r.y), w: c.rows.map((r) => r.w) })),
  });

  it("binned_statistic: bin numbers and bin means", () => {
    let compared = 0;
    binnedCases.forEach((c, i) => {
      const theirs = answers.binned[i];
      if ("refused" in theirs) return;
      compared++;
      const ours = binnedMean(c.x, c.bins);
      expect(Array.from(ours.binNumber), `case ${i}`).toEqual(theirs.binnumber);
      expect(Array.from(ours.binMean, (v) => (Number.isNaN(v) ? null : v)), `case ${i}`).toEqual(theirs.statistic);
    });
    // Degenerate inputs scipy refuses are rare; most cases must be compared.
    expect(compared).toBeGreaterThanOrEqual(binnedCases.length - 5);
  });

  it("LinearRegression with sample_weight: the first coefficient", () => {
    expect(wlsCases.length).toBeGreaterThan(10);
    wlsCases.forEach((c, i) => {
      const n = c.rows.length;
      const p = c.rows[0].x.length;
      const design = new Float64Array(n * p);
      c.rows.forEach((r, g) => {
        r.x.forEach((v, k) => {
          design[k * n + g] = v;
        });
      });
      const coef = wlsFirstCoefficient(design, n, p, Float64Array.from(c.rows, (r) => r.w))(c.rows.map((r) => r.y));
      const expected = answers.wls[i];
      // Rank-deficient designs have one minimum-norm answer; both solvers round differently around it.
      const scale = Math.max(1, ...c.rows.map((r) => Math.abs(r.y)));
      expect(Math.abs(coef - expected), `case ${i}: ${coef} vs ${expected}`).toBeLessThanOrEqual(1e-9 * scale);
    });
  });

  it("false_discovery_control (Benjamini-Hochberg): adjusted p-values; NaN p-values are left out", () => {
    bhCases.forEach((c, i) => {
      const ours = benjaminiHochberg(c);
      answers.bh[i].forEach((e, k) => {
        expect(Math.abs(ours[k] - e), `case ${i}[${k}]: ${ours[k]} vs ${e}`).toBeLessThanOrEqual(1e-12 * Math.max(e, 1e-300) + 1e-300);
      });
    });
    const withNaN = benjaminiHochberg([0.01, Number.NaN, 0.04]);
    expect(Number.isNaN(withNaN[1])).toBe(true);
    expect(Array.from(benjaminiHochberg([0.01, 0.04]))).toEqual([withNaN[0], withNaN[2]]);
    expect(() => benjaminiHochberg([1.5])).toThrow(expect.objectContaining({ code: "E_INVALID_ARGUMENT" }));
  });
});
