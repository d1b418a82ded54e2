/**
 * The shared Census fixture read completely (group tree, metadata, obs, X) and compared with what Python
 * `tiledb` reads from the same files.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openGroup, objectType } from "../../src/group.js";
import { readMetadata } from "../../src/metadata.js";
import { readAll } from "../../src/read/index.js";
import { Datatype } from "../../src/datatype.js";
import type { ResultColumn } from "../../src/read/index.js";
import { encodeColumn, fixtureRoot, packageRoot, python, runPython } from "./helpers.js";

interface Dump {
  columns: Record<string, unknown[]>;
  metadata: Record<string, unknown>;
}
let expected: Record<"obs" | "X", Dump>;

beforeAll(() => {
  expected = JSON.parse(runPython("read_fixture.py", [fixtureRoot]));
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

  it("CLI: ls shows the tree and flags the missing member; export prints rows in global order", () => {
    const tsx = join(packageRoot, "../../tools/bench/node_modules/.bin/tsx");
    const cli = join(packageRoot, "src/cli.ts");
    void python;
    const ls = execFileSync(tsx, [cli, "ls", fixtureRoot], { encoding: "utf8" });
    expect(ls).toMatch(/var array .*MISSING: member "var" is listed but .*ms\/RNA\/var does not exist/);
    expect(ls).toMatch(/raw array raw/);
    const csv = execFileSync(tsx, [cli, "export", join(fixtureRoot, "ms/RNA/X/raw"), "--limit", "3"], { encoding: "utf8" }).trim().split("\n");
    const want = expected.X.columns;
    expect(csv).toEqual(["soma_dim_0,soma_dim_1,soma_data", ...[0, 1, 2].map((i) => `${want.soma_dim_0[i]},${want.soma_dim_1[i]},${want.soma_data[i]}`)]);
    const jsonl = execFileSync(tsx, [cli, "export", join(fixtureRoot, "obs"), "--format", "jsonl", "--columns", "cell_type,soma_joinid", "--limit", "1"], { encoding: "utf8" });
    expect(JSON.parse(jsonl)).toEqual({ soma_joinid: expected.obs.columns.soma_joinid[0], cell_type: expected.obs.columns.cell_type[0] });
    const schema = execFileSync(tsx, [cli, "schema", join(fixtureRoot, "obs")], { encoding: "utf8" });
    expect(schema).toMatch(/soma_joinid: int64 domain \[0, \d+\] tile 2048/);
  });
});
