/**
 * Crash safety: a child process writing fragment after fragment is killed with SIGKILL at a random point
 * (after a random number of commits, so the kill lands anywhere in the next write). After every kill the
 * array opens in tiledb-ts and in Python `tiledb` with only whole fragments: fragment k's cells all present
 * or all absent, and no cells of a fragment without a commit file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openArray } from "../../src/array.js";
import { Datatype } from "../../src/datatype.js";
import { FilterType } from "../../src/filters/filter.js";
import { readAll } from "../../src/read/index.js";
import { columnValues } from "../../src/read/result.js";
import { createArray } from "../../src/write/create-array.js";
import { packageRoot, pythonView, rng, tempDir } from "./helpers.js";

const TRIALS = 20;
const CELLS = 4000;
const dir = tempDir("tiledb-ts-crash-").path;
const rnd = rng(42);

interface Trial {
  uri: string;
  reported: number;
  /** Fragment folders on disk after the kill (committed or not). */
  folders: number;
}

function runUntilKilled(uri: string, commits: number, duringFiles: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    // One process (node with the tsx loader), so SIGKILL hits the writer itself.
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(packageRoot, "test/write/fixtures/crash-writer.ts"), uri, String(CELLS)], {
      cwd: packageRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let reported = -1;
    let armed = false;
    let buf = "";
    let stderr = "";
    child.stderr?.on("data", (d) => { stderr += d; });
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("committed ")) reported = Number(line.slice(10));
        // Once the target is reached the next write is in flight; kill it at a random point: anywhere (from the
        // end of the previous commit) or, in `duringFiles` trials, while its files are being written.
        const trigger = duringFiles ? line === "fragment-dir" : line === "ready" || line.startsWith("committed ");
        if (!armed && trigger && reported + 1 >= commits) {
          armed = true;
          setTimeout(() => child.kill("SIGKILL"), Math.floor(rnd() * (duringFiles ? 10 : 60)));
        }
        nl = buf.indexOf("\n");
      }
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(reported + 1);
      else reject(new Error(`crash writer exited with ${code}: ${stderr}`));
    });
  });
}

const trials: Trial[] = [];
let py: Record<string, { error?: string; cells: Record<string, unknown[]>; fragments: number }> = {};

beforeAll(async () => {
  const one = async (t: number, target: number): Promise<Trial> => {
    const uri = join(dir, `a${t}`);
    await createArray(uri, {
      arrayType: "sparse",
      capacity: 500,
      dimensions: [{ name: "x", type: Datatype.INT64, domain: [0n, 1n << 40n], tileExtent: 1000n }],
      attributes: [
        { name: "v", type: Datatype.INT32, filters: [{ type: FilterType.ZSTD, options: { level: 3 } }] },
        { name: "w", type: Datatype.FLOAT64, filters: [{ type: FilterType.BYTESHUFFLE, options: {} }, { type: FilterType.ZSTD, options: { level: 9 } }] },
      ],
    });
    const reported = await runUntilKilled(uri, target, t % 2 === 0);
    return { uri, reported, folders: readdirSync(join(uri, "__fragments")).length };
  };
  // A few children at a time: most of a child's life is start-up.
  for (let t = 0; t < TRIALS; t += 4) {
    const batch = [0, 1, 2, 3].filter((k) => t + k < TRIALS).map((k) => one(t + k, Math.floor(rnd() * 5)));
    trials.push(...(await Promise.all(batch)));
  }
  py = pythonView({ arrays: trials.map((t) => t.uri) }).arrays as typeof py;
}, 240_000);

/** Checks that the cells are exactly fragments 0..m-1, each whole; returns m. */
function wholeFragments(x: ArrayLike<bigint | number | string>, v: ArrayLike<number | string>): number {
  const counts = new Map<number, number>();
  let misplaced = 0;
  for (let i = 0; i < v.length; i++) {
    const k = Number(v[i]);
    if (Math.floor(Number(x[i]) / CELLS) !== k) misplaced++;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  expect(misplaced, "cells holding another fragment's value").toBe(0);
  const m = counts.size;
  for (let k = 0; k < m; k++) expect(counts.get(k), `fragment ${k} is whole`).toBe(CELLS);
  return m;
}

describe(`SIGKILL during writes (${TRIALS} trials)`, () => {
  it("every trial leaves only whole, committed fragments, in tiledb-ts and Python tiledb", async () => {
    let partial = 0;
    for (const t of trials) {
      const arr = await openArray(t.uri);
      const m = arr.fragments.length;
      // Writes in flight may have committed before the kill reached them: reported commits are a lower bound.
      expect(m, `${t.uri}: ${m} fragments visible, ${t.reported} reported`).toBeGreaterThanOrEqual(t.reported);
      if (t.folders > m) partial++;
      if (m > 0) {
        const batch = await readAll(arr);
        const xs = columnValues(batch.columns.find((c) => c.name === "x")!) as BigInt64Array;
        const vs = columnValues(batch.columns.find((c) => c.name === "v")!) as Int32Array;
        expect(wholeFragments(xs, vs)).toBe(m);
      }
      const p = py[t.uri];
      expect(p.error, p.error).toBeUndefined();
      expect(p.fragments).toBe(m);
      expect(wholeFragments(p.cells.x as string[], p.cells.v as string[])).toBe(m);
    }
    // Kills during file writes leave a folder (with truncated files) but no commit file; it is ignored.
    expect(partial, "trials that left a partial fragment folder").toBeGreaterThanOrEqual(TRIALS / 4);
  });
});
