/**
 * The shared Census fixture read completely (group tree, metadata, obs, X) and compared with what Python
 * `tiledb` reads from the same files.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { cli } from "../../src/cli.js";
import { Datatype } from "../../src/datatype.js";
import { objectType, openGroup } from "../../src/group.js";
import { readMetadata } from "../../src/metadata.js";
import type { ResultColumn } from "../../src/read/index.js";
import { readAll } from "../../src/read/index.js";
import { encodeColumn, fixtureRoot, packageRoot, pythonScript, runPython } from "./helpers.js";

/** Runs the CLI in-process and returns what it printed. */
async function runCli(args: string[]): Promise<string> {
  let text = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    await cli().exitOverride().parseAsync(["node", "tiledb-ts", ...args]);
  } finally {
    spy.mockRestore();
  }
  return text;
}

interface Dump {
  columns: Record<string, unknown[]>;
  metadata: Record<string, unknown>;
}
let expected: Record<"obs" | "X", Dump>;

beforeAll(() => {
  expected = JSON.parse(runPython(pythonScript("read_fixture.py"), [fixtureRoot]));
}, 120_000);

/** Python's read_fixture.py writes bools as booleans and every float as a float64 number. */
function encode(c: ResultColumn): unknown[] {
  const v = encodeColumn(c);
  return c.type === Datatype.FLOAT32 || c.type === Datatype.FLOAT64 ? v.map((x) => (typeof x === "number" ? x : Number(x))) : v;
}

describe("census-homo-sapiens-small fixture", () => {
  it("walks the group tree and reports the missing var member", async () => {
    const root = await openGroup(fixtureRoot);
    expect(root.metadata.get("soma_object_type")?.value).toBe("SOMAExperiment");
    expect(root.members.map((m) => m.name).sort()).toEqual(["ms", "obs"]);
    const rna = await openGroup(join(fixtureRoot, "ms/RNA"));
    expect(rna.members.map((m) => m.name).sort()).toEqual(["X", "var"]);
    expect(await objectType(rna.member("var").uri)).toBe("invalid");
    await expect(readAll(rna.member("var").uri)).rejects.toThrow(/ms\/RNA\/var/);
    const x = await openGroup(rna.member("X").uri);
    expect(x.members.map((m) => m.name)).toEqual(["raw"]);
  });

  it("reads obs, every column, equal to Python tiledb", async () => {
    const obs = await readAll(join(fixtureRoot, "obs"));
    const want = expected.obs.columns;
    expect(obs.columns.map((c) => c.name).sort()).toEqual(Object.keys(want).sort());
    expect(obs.length).toBe(want.soma_joinid.length);
    for (const c of obs.columns) expect(encode(c), c.name).toEqual(want[c.name]);
  });

  it("reads X/raw equal to Python tiledb, in global order, also in small batches", async () => {
    const uri = join(fixtureRoot, "ms/RNA/X/raw");
    const x = await readAll(uri);
    const want = expected.X.columns;
    expect(x.length).toBe(want.soma_data.length);
    for (const c of x.columns) expect(encode(c), c.name).toEqual(want[c.name]);
    const batched = await readAll(uri, { memoryBudget: 1 });
    for (const c of batched.columns) expect(encode(c), `${c.name} (batched)`).toEqual(want[c.name]);
  });

  it("reads array metadata equal to Python tiledb", async () => {
    for (const [name, rel] of [["obs", "obs"], ["X", "ms/RNA/X/raw"]] as const) {
      const meta = await readMetadata(join(fixtureRoot, rel));
      for (const [k, v] of Object.entries(expected[name].metadata)) expect(String(meta.get(k)?.value), `${name} ${k}`).toBe(String(v));
    }
  });

  it("CLI: export prints rows in global order (csv, jsonl, --columns, --limit); schema describes the array", async () => {
    const want = expected.X.columns;
    const csv = (await runCli(["export", join(fixtureRoot, "ms/RNA/X/raw"), "--limit", "3"])).trim().split("\n");
    expect(csv).toEqual(["soma_dim_0,soma_dim_1,soma_data", ...[0, 1, 2].map((i) => `${want.soma_dim_0[i]},${want.soma_dim_1[i]},${want.soma_data[i]}`)]);
    const all = (await runCli(["export", join(fixtureRoot, "ms/RNA/X/raw")])).trim().split("\n");
    expect(all.length).toBe(want.soma_data.length + 1);
    const jsonl = await runCli(["export", join(fixtureRoot, "obs"), "--format", "jsonl", "--columns", "cell_type,soma_joinid", "--limit", "1"]);
    expect(JSON.parse(jsonl)).toEqual({ soma_joinid: expected.obs.columns.soma_joinid[0], cell_type: expected.obs.columns.cell_type[0] });
    const schema = await runCli(["schema", join(fixtureRoot, "obs")]);
    expect(schema).toMatch(/soma_joinid: int64 domain \[0, \d+\] tile 2048/);
    expect(schema).toMatch(/raw_sum: float64; filters zstd/);
    await expect(runCli(["export", join(fixtureRoot, "obs"), "--format", "xml"])).rejects.toThrow(/--format must be csv or jsonl/);
  });

  it("CLI process: ls shows the group tree and flags the missing member; errors exit non-zero", () => {
    const tsx = join(packageRoot, "../../tools/bench/node_modules/.bin/tsx");
    const cliPath = join(packageRoot, "src/cli.ts");
    const ls = execFileSync(tsx, [cliPath, "ls", fixtureRoot], { encoding: "utf8" });
    expect(ls).toMatch(/var array .*MISSING: member "var" is listed but .*ms\/RNA\/var does not exist/);
    expect(ls).toMatch(/raw array raw/);
    const r = spawnSync(tsx, [cliPath, "export", join(fixtureRoot, "ms/RNA/var")], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ms\/RNA\/var/);
  });
});
