/**
 * Input the build warns about (counts in the summary and a log line): cells with a null grouping value, X rows
 * without an obs row, an empty X.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRoot, cubeBuilder, runPython, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-input-warnings-");
afterAll(() => tmp.remove());

/** Experiment name -> path, the cells written with a null grouping value and the X rows written without obs. */
const experiments = new Map<string, { uri: string; nullCells: number; xRowsWithoutObs: number }>();

beforeAll(() => {
  const out = runPython(join(appRoot, "test/python/make_warning_experiments.py"), [join(tmp.path, "exps")]);
  for (const line of out.trim().split("\n")) {
    const [name, uri, nullCells, xRowsWithoutObs] = line.split(" ");
    experiments.set(name, { uri, nullCells: Number(nullCells), xRowsWithoutObs: Number(xRowsWithoutObs) });
  }
}, 120_000);

interface Summary {
  cells: number;
  groups: number;
  rows: number;
  valuesUsed: number;
  cellsWithoutGroup: number;
  xRowsWithoutObs: number;
}

function build(name: string) {
  const cube = join(tmp.path, `cube-${name}`);
  const r = cubeBuilder(["build", "--experiment-uri", experiments.get(name)!.uri, "--cube-uri", cube]);
  expect(r.status, r.stderr).toBe(0);
  return { cube, summary: JSON.parse(r.stdout.trim().split("\n").pop()!) as Summary, stderr: r.stderr };
}

describe("input warnings", () => {
  it("cells with a null grouping value are left out, counted in the summary and warned about", () => {
    const { nullCells } = experiments.get("null-group")!;
    expect(nullCells).toBeGreaterThan(0);
    const { summary, stderr } = build("null-group");
    expect(summary.cellsWithoutGroup).toBe(nullCells);
    expect(summary.cells).toBe(200 - nullCells);
    expect(summary.rows).toBeGreaterThan(0);
    expect(stderr).toContain(`WARN: ${nullCells} of 200 cells have a null value in an obs grouping column`);
    expect(summary.xRowsWithoutObs).toBe(0);
    expect(stderr).not.toContain("rows of X have a soma_dim_0");
  }, 120_000);

  it("X rows for joinids obs lacks (inside and past obs's joinids) are counted and warned about", () => {
    const { xRowsWithoutObs } = experiments.get("x-without-obs")!;
    expect(xRowsWithoutObs).toBeGreaterThan(1);
    const { summary, stderr } = build("x-without-obs");
    expect(summary.xRowsWithoutObs).toBe(xRowsWithoutObs);
    expect(stderr).toContain(`WARN: ${xRowsWithoutObs} rows of X have a soma_dim_0 that is not a soma_joinid of obs`);
    expect(summary.cells).toBe(199);
    expect(summary.cellsWithoutGroup).toBe(0);
  }, 120_000);

  it("an empty X is warned about and gives a complete cube whose obs groups have no rows", () => {
    const { cube, summary, stderr } = build("empty-x");
    expect(stderr).toContain("WARN: X holds no values for the 200 cells: the cube's obs groups get no estimator rows");
    expect(summary).toMatchObject({ cells: 200, rows: 0, valuesUsed: 0 });
    expect(summary.groups).toBeGreaterThan(0);
    expect(summary).toMatchObject({ cellsWithoutGroup: 0, xRowsWithoutObs: 0 });
    expect(stderr).not.toContain("null value in an obs grouping column");
    const info = cubeBuilder(["info", "--cube-uri", cube, "--json"]);
    expect(info.status, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ status: "complete", cells: 200, obs_groups_with_rows: 0 });
  }, 120_000);
});
