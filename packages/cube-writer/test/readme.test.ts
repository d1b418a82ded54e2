/**
 * The README's examples run as written: its top-level ```ts blocks (indented snippets inside lists are
 * fragments), extracted in order and run in one empty directory, so they cannot drift from the code.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const blocks = [...readFileSync(join(here, "../README.md"), "utf8").matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);
const work = mkdtempSync(join(tmpdir(), "cube-writer-readme-"));
const files: string[] = [];
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  for (const f of files) rmSync(f, { force: true });
  rmSync(work, { recursive: true, force: true });
});

/** Runs one example; returns what it printed with console.log. */
async function run(code: string, n: number): Promise<unknown[][]> {
  const file = join(here, `.readme-example-${process.pid}-${n}.ts`);
  files.push(file);
  // the package's own name resolves to its sources here
  writeFileSync(file, code.replaceAll('from "@census-cube/cube-writer"', 'from "../src/index.js"'));
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(file);
    return log.mock.calls;
  } finally {
    log.mockRestore();
  }
}

describe("README examples", () => {
  it("write a cube, then read it back with openCube", async () => {
    expect(blocks.length).toBe(2);
    process.chdir(work);
    const [[report, record]] = await run(blocks[0], 0);
    expect(report).toEqual({ nObsGroups: 2, nObs: 3, nFeatures: 2, nEstimatorRows: 3, groupsWithoutRows: 0 });
    expect(record).toMatchObject({ experiment_uri: "/data/experiment", validated: true, consolidated: true });
    // one group has n_obs >= 2, and it has one row of the first feature
    expect(await run(blocks[1], 1)).toEqual([[1, 1]]);
  });
});
