import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cubeBuilder, repoRoot, runPython, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-bad-input-");
let experiment = "";

beforeAll(() => {
  runPython(join(repoRoot, "tools/python/make_test_experiments.py"), [join(tmp.path, "exps"), "--seed", "1", "--only", "single-group"]);
  experiment = join(tmp.path, "exps", "single-group");
}, 120_000);
afterAll(() => tmp.remove());

function build(cube: string, ...extra: string[]) {
  return cubeBuilder(["build", "--cube-uri", cube, "--max-workers", "1", ...extra]);
}

describe("bad input gives a clear error and no cube that looks complete", () => {
  it("missing experiment", () => {
    const cube = join(tmp.path, "c-missing");
    const r = build(cube, "--experiment-uri", join(tmp.path, "nope"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nope/);
    expect(existsSync(cube)).toBe(false);
  });

  it("a path that is not a SOMA experiment", () => {
    const dir = join(tmp.path, "plain-dir");
    mkdirSync(dir);
    writeFileSync(join(dir, "x.txt"), "hello");
    const r = build(join(tmp.path, "c-notsoma"), "--experiment-uri", dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/plain-dir/);
    expect(existsSync(join(tmp.path, "c-notsoma"))).toBe(false);
  });

  it("a filter that matches no cells", () => {
    const r = build(join(tmp.path, "c-empty"), "--experiment-uri", experiment, "--obs-value-filter", "cell_type_ontology_term_id == 'none'");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/matches no cells/);
    expect(existsSync(join(tmp.path, "c-empty"))).toBe(false);
  });

  it("a malformed filter points at the position", () => {
    const r = build(join(tmp.path, "c-badfilter"), "--experiment-uri", experiment, "--obs-value-filter", "is_primary_data ==");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/filter|position|column/i);
  });

  it("missing obs columns", () => {
    const r = build(join(tmp.path, "c-cols"), "--experiment-uri", experiment, "--obs-value-filter", "no_such_column == 1");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no_such_column/);
  });

  it("an unwritable cube path", () => {
    // A path under a regular file cannot be created, even by root (permission bits would not stop root).
    const file = join(tmp.path, "a-file");
    writeFileSync(file, "not a directory");
    const r = build(join(file, "cube"), "--experiment-uri", experiment);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/a-file/);
  });

  it("a file as the cube path is named as such; nothing is written", () => {
    const file = join(tmp.path, "cube-is-a-file");
    writeFileSync(file, "mine");
    const r = build(file, "--experiment-uri", experiment, "--overwrite");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file} is a file, not a cube directory`);
    expect(readFileSync(file, "utf8")).toBe("mine");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("--overwrite refuses a directory that is not a cube and leaves its files untouched", () => {
    const dir = join(tmp.path, "users-folder");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "data.txt"), "precious");
    writeFileSync(join(dir, "sub", "notes.md"), "also precious");
    const r = build(dir, "--experiment-uri", experiment, "--overwrite");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not a cube .*--overwrite replaces only a cube, so nothing was changed/);
    expect(readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(["data.txt", "sub", join("sub", "notes.md")]);
    expect(readFileSync(join(dir, "data.txt"), "utf8")).toBe("precious");
    expect(readFileSync(join(dir, "sub", "notes.md"), "utf8")).toBe("also precious");
  });

  it("an existing cube without --resume or --overwrite is refused and left untouched; both flags together are refused", () => {
    const cube = join(tmp.path, "c-exists");
    expect(build(cube, "--experiment-uri", experiment).status).toBe(0);
    const before = readdirSync(cube).sort();
    const again = build(cube, "--experiment-uri", experiment);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--resume.*--overwrite/);
    expect(readdirSync(cube).sort()).toEqual(before);
    const both = build(cube, "--experiment-uri", experiment, "--resume", "--overwrite");
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/--resume and --overwrite/);
    const over = build(cube, "--experiment-uri", experiment, "--overwrite");
    expect(over.status, over.stderr).toBe(0);
  });

  it("a read-only cube is named for --resume, --overwrite, a shard and finalize, and left unchanged; so is a read-only folder", () => {
    // Permission bits do not stop root: as root, the refused commands run without the capabilities that override
    // them (rather than as another user, who may not be able to reach the checkout at all).
    const noOverride = ["--inh-caps", "-dac_override,-dac_read_search", "--bounding-set", "-dac_override,-dac_read_search", "--"];
    const asUser = (args: string[]) =>
      process.getuid?.() === 0
        ? spawnSync("setpriv", [...noOverride, process.execPath, cli, ...args, "--max-workers", "1"], { encoding: "utf8" })
        : spawnSync(process.execPath, [cli, ...args, "--max-workers", "1"], { encoding: "utf8" });
    const folder = join(tmp.path, "read-only");
    mkdirSync(folder);
    const cube = join(folder, "cube");
    const planned = cubeBuilder(["plan", "--experiment-uri", experiment, "--cube-uri", cube, "--max-workers", "1"]);
    expect(planned.status, planned.stderr).toBe(0);
    const snapshot = () => readdirSync(cube, { recursive: true }).map((f) => `${f} ${statSync(join(cube, String(f))).mtimeMs}`).sort();
    const before = snapshot();
    const setMode = (mode: "a-w" | "u+w", path: string) => expect(spawnSync("chmod", ["-R", mode, path]).status).toBe(0);
    setMode("a-w", cube);
    try {
      for (const [args, action] of [
        [["build", "--experiment-uri", experiment, "--cube-uri", cube, "--resume"], "resume the build"],
        [["build", "--experiment-uri", experiment, "--cube-uri", cube, "--overwrite"], "replace the cube"],
        [["build", "--cube-uri", cube, "--shard", "0/1"], "compute the cube's batches"],
        [["finalize", "--cube-uri", cube], "finalize the cube"],
      ] as const) {
        const r = asUser([...args]);
        expect(r.error).toBeUndefined();
        expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(`cannot ${action}`);
        expect(r.stderr).toContain(`the cube ${cube} is read-only for this user`);
        expect(existsSync(`${cube}.lock`)).toBe(false);
      }
      expect(snapshot()).toEqual(before);

      setMode("u+w", cube);
      chmodSync(folder, 0o555);
      const r = asUser(["build", "--experiment-uri", experiment, "--cube-uri", cube, "--resume"]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(`its folder ${folder} is read-only for this user`);
      expect(snapshot()).toEqual(before);
    } finally {
      chmodSync(folder, 0o755);
      setMode("u+w", cube);
    }
    const resumed = cubeBuilder(["build", "--experiment-uri", experiment, "--cube-uri", cube, "--resume", "--max-workers", "1"]);
    expect(resumed.status, resumed.stderr).toBe(0);
  });
});
