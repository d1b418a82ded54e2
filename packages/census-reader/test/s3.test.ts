/**
 * Reading experiments from s3:// (moto's standalone S3 server on loopback): the shared fixture (var restored) and
 * the synthetic demo experiment give the same obs, var and X as from local disk.
 */
import { join } from "node:path";
import { type MotoServer, startMoto, uploadTree } from "@census-cube/s3-test-servers";
import { configureS3, type S3VFS } from "@census-cube/tiledb-ts";
import type { Table } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExperimentAxisQuery, openExperiment } from "../src/index.js";
import { repoRoot, restoredFixtureCopy, tempDir } from "./helpers/python.js";

const tmp = tempDir("census-reader-s3-");
let moto: MotoServer;
let s3: S3VFS;
const experiments: Record<string, { local: string; filter: string }> = {};

beforeAll(async () => {
  experiments.fixture = { local: restoredFixtureCopy(tmp.path), filter: "is_primary_data == True" };
  experiments.demo = { local: join(repoRoot, "apps/cube-builder/demo/experiment"), filter: 'is_primary_data == True and tissue_general in ["tissue 2", "tissue 5"]' };
  moto = await startMoto();
  await moto.createBucket("census", { publicRead: true });
  s3 = configureS3({ endpoint: moto.endpoint, anonymous: true });
  for (const [name, e] of Object.entries(experiments)) await uploadTree(e.local, `s3://census/${name}`, (u, d) => s3.write(u, d));
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  tmp.remove();
});

/** Every column of a table as plain values (bigints as numbers), by name. */
function columns(t: Table): Record<string, unknown[]> {
  return Object.fromEntries(t.schema.fields.map((f) => [f.name, Array.from(t.getChild(f.name)!, (v) => (typeof v === "bigint" ? Number(v) : v))]));
}

async function readAllOf(uri: string, filter: string) {
  const q = await ExperimentAxisQuery.create(await openExperiment(uri), "RNA", { obsQuery: { valueFilter: filter } });
  const x: number[][] = [[], [], []];
  for await (const b of q.X("raw", { memoryBudget: 1 << 20 })) {
    for (const [k, name] of ["soma_dim_0", "soma_dim_1", "soma_data"].entries()) for (const v of b.getChild(name)!) x[k].push(Number(v));
  }
  return { nObs: await q.nObs(), obs: columns(await q.obs()), var: columns(await q.var()), x };
}

describe("census-reader on s3://", () => {
  for (const name of ["fixture", "demo"]) {
    it(`reads the ${name} experiment from S3 as from local disk`, async () => {
      const e = experiments[name];
      const before = s3.traffic().bytesFetched;
      const remote = await readAllOf(`s3://census/${name}`, e.filter);
      const local = await readAllOf(e.local, e.filter);
      expect(remote.nObs).toBeGreaterThan(0);
      expect(remote.x[0].length).toBeGreaterThan(0);
      expect(remote).toEqual(local);
      expect(s3.traffic().bytesFetched).toBeGreaterThan(before);
    }, 120_000);
  }
});
