// The generator's output as its consumers see it: Python tiledbsoma opens it, and cube-builder builds and
// validates a cube from it. Small custom sizes (seconds); tools/bench measures the big presets.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRESETS, type WrittenExperiment, writeExperiment } from "../src/index.js";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "..", "..", "..");
const python = process.env.PYTHON ?? join(repo, ".venv", "bin", "python");
const cubeBuilder = join(repo, "apps", "cube-builder", "dist", "cli.js");
const cfg = { ...PRESETS.demo, seed: 11, nCells: 900, nGenes: 1500, medianDatasetCells: 200 };

let dir: string;
const written: Record<string, WrittenExperiment> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "synth-census-interop-"));
  for (const layout of ["enumeration", "string"] as const) {
    written[layout] = await writeExperiment({ out: join(dir, layout), config: cfg, categorical: layout });
  }
  // a different seed: a cube of one experiment must not validate against it
  written.other = await writeExperiment({ out: join(dir, "other"), config: { ...cfg, seed: 12 }, categorical: "string" });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function checkSoma(uri: string) {
  const { stdout } = await run(python, [join(import.meta.dirname, "python", "check_soma.py"), uri], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as {
    soma_type: string;
    n_obs: number;
    n_var: number;
    nnz: number;
    x_nonempty: number[][];
    obs_columns: Record<string, string>;
    first_feature_id: string;
    primary: number;
    raw_sum_matches_x: boolean;
    nnz_matches_x: boolean;
    max_value: number;
  };
}

describe.each(["enumeration", "string"] as const)("%s layout", (layout) => {
  it("opens in Python tiledbsoma with the generated counts", async () => {
    const r = await checkSoma(join(dir, layout));
    expect(r.soma_type).toBe("SOMAExperiment");
    expect(r.n_obs).toBe(cfg.nCells);
    expect(r.n_var).toBe(cfg.nGenes);
    expect(r.nnz).toBe(written[layout].nnz);
    // X carries no current domain (shape): tiledbsoma reports the whole domain; the written extent is exact
    expect(r.x_nonempty[0]).toEqual([0, cfg.nCells - 1]);
    expect(r.x_nonempty[1][0]).toBeGreaterThanOrEqual(0);
    expect(r.x_nonempty[1][1]).toBeLessThan(cfg.nGenes);
    expect(r.first_feature_id).toBe("ENSG00000000001");
    expect(r.raw_sum_matches_x).toBe(true);
    expect(r.nnz_matches_x).toBe(true);
    expect(r.primary).toBeGreaterThan(0);
    expect(r.primary).toBeLessThan(cfg.nCells);
    expect(r.max_value).toBeGreaterThanOrEqual(1);
    // categorical columns as the layout says: enumerations (dictionary) or plain strings
    expect(r.obs_columns.cell_type).toMatch(layout === "enumeration" ? /^dictionary</ : /string$/);
    expect(r.obs_columns.is_primary_data).toBe("bool");
  }, 120_000);

  it("builds a cube with cube-builder that passes cube-builder validate", async () => {
    expect(existsSync(cubeBuilder), `${cubeBuilder} is missing: build apps/cube-builder first`).toBe(true);
    const cube = join(dir, `${layout}.cube`);
    const build = await run(process.execPath, [cubeBuilder, "build", "--experiment-uri", join(dir, layout), "--cube-uri", cube, "--max-workers", "1", "--log-format", "json"]);
    const summary = JSON.parse(build.stdout.trim().split("\n").pop() as string) as { cells: number; groups: number; nnz: number };
    expect(summary.groups).toBeGreaterThan(1);
    expect(summary.cells).toBeLessThan(cfg.nCells);
    const ok = await run(process.execPath, [cubeBuilder, "validate", "--cube-uri", cube, "--experiment-uri", join(dir, layout)]);
    expect(ok.stderr).not.toMatch(/error/i);
    // the same cube against another seed's experiment is rejected
    await expect(run(process.execPath, [cubeBuilder, "validate", "--cube-uri", cube, "--experiment-uri", join(dir, "other")])).rejects.toMatchObject({ code: expect.any(Number) });
  }, 300_000);
});
