import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExperimentAxisQuery, openExperiment } from "../src/index.js";
import { fixtureDir, packageRoot, restoredFixtureCopy, runPython, tempDir } from "./helpers/python.js";

/**
 * The shared 2023 Census fixture (plain string columns, format version 20). Its `ms/RNA/var` is absent on purpose:
 * the untouched fixture must report it clearly; a copy with `var` restored must answer `is_primary_data == True`
 * exactly as tiledbsoma does on the same copy.
 */
describe("census-homo-sapiens-small fixture", () => {
  it("reports the missing var member by name, without crashing", async () => {
    const exp = await openExperiment(fixtureDir);
    const ms = await exp.measurement("RNA");
    expect(ms.keys()).toEqual(["X", "var"]);
    await expect(ms.var()).rejects.toMatchObject({
      code: "E_MISSING_MEMBER",
      message: expect.stringMatching(/lists member "var" at .*ms\/RNA\/var, but nothing is stored there/),
    });
  });

  describe("with var restored in a copy", () => {
    const tmp = tempDir("census-reader-fixture-");
    let uri: string;
    let want: {
      n_obs: number;
      n_vars: number;
      obs: Record<string, unknown[]>;
      var: Record<string, unknown[]>;
      x: [number[], number[], number[]];
    };
    const FILTER = "is_primary_data == True";
    beforeAll(() => {
      uri = restoredFixtureCopy(tmp.path);
      want = JSON.parse(runPython(join(packageRoot, "test/python/fixture_expected.py"), [uri, FILTER]));
    }, 180_000);
    afterAll(() => tmp.remove());

    it("returns the same obs rows, var rows and X triples as tiledbsoma", async () => {
      const q = await ExperimentAxisQuery.create(await openExperiment(uri), "RNA", { obsQuery: { valueFilter: FILTER } });
      expect(await q.nObs()).toBe(want.n_obs);
      expect(await q.nVars()).toBe(want.n_vars);

      const obs = await q.obs();
      expect(obs.schema.fields.map((f) => f.name)).toEqual(Object.keys(want.obs));
      for (const [name, values] of Object.entries(want.obs)) {
        const got = Array.from(obs.getChild(name)!, (v) => (typeof v === "bigint" ? Number(v) : v));
        expect(got, `obs column ${name}`).toEqual(values);
      }
      // The 2023 layout's categorical columns are plain strings; on request they come out dictionary-encoded.
      const coded = await q.obs(["cell_type", "tissue_general", "donor_id"], { dictionaryEncode: true });
      for (const name of ["cell_type", "tissue_general", "donor_id"]) {
        expect(String(coded.getChild(name)!.type)).toBe("Dictionary<Int32, Utf8>");
        expect(Array.from(coded.getChild(name)!), `dictionary-encoded ${name}`).toEqual(want.obs[name]);
      }
      const v = await q.var();
      for (const [name, values] of Object.entries(want.var)) {
        const got = Array.from(v.getChild(name)!, (x) => (typeof x === "bigint" ? Number(x) : x));
        expect(got, `var column ${name}`).toEqual(values);
      }

      const d0: number[] = [];
      const d1: number[] = [];
      const data: number[] = [];
      for await (const b of q.X("raw", { memoryBudget: 256 * 1024 })) {
        for (const x of b.getChild("soma_dim_0")!.toArray() as BigInt64Array) d0.push(Number(x));
        for (const x of b.getChild("soma_dim_1")!.toArray() as BigInt64Array) d1.push(Number(x));
        for (const x of b.getChild("soma_data")!.toArray() as Float32Array) data.push(x);
      }
      // X streams in storage (global) order: 2048 x 2048 space tiles, so cells of one row split across column
      // tiles are not adjacent. The expected triples are sorted by (row, column); sort ours the same way.
      const order = Array.from(d0.keys()).sort((a, b) => d0[a] - d0[b] || d1[a] - d1[b]);
      expect(d0.length).toBe(want.x[0].length);
      expect(order.map((i) => d0[i])).toEqual(want.x[0]);
      expect(order.map((i) => d1[i])).toEqual(want.x[1]);
      expect(order.map((i) => data[i])).toEqual(want.x[2]);
      // Storage order: tile by tile (row tile, then column tile), row-major within a tile.
      const key = (i: number) => [Math.floor(d0[i] / 2048), Math.floor(d1[i] / 2048), d0[i], d1[i]];
      for (let i = 1; i < d0.length; i++) {
        const [a, b] = [key(i - 1), key(i)];
        const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3];
        expect(cmp).toBeLessThan(0);
      }
    });
  });
});
