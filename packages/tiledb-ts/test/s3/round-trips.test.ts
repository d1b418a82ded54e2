/**
 * Requests an open and a read send, counted by the real S3-protocol server (moto's request recorder): opening an
 * array lists its folders, reads the schema and one range from the end of each fragment's metadata file (its
 * footer, and the whole file when small); a read then GETs each data file it needs once, with no HEAD for sizes
 * the metadata already gives and no second read of the fragment metadata.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type MotoServer, startMoto, uploadTree } from "@census-cube/s3-test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openArray } from "../../src/array.js";
import { readAll } from "../../src/read/index.js";
import { LocalVFS } from "../../src/vfs/local.js";
import { S3VFS } from "../../src/vfs/s3.js";
import { readTail } from "../../src/vfs/vfs.js";
import { fixtureRoot } from "../write/helpers.js";

let moto: MotoServer;
let s3: S3VFS;
const BUCKET = "tiledb-ts-round-trips";
const X = join(fixtureRoot, "ms/RNA/X/raw");

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3VFS({ endpoint: moto.endpoint, credentials: moto.credentials, region: "us-east-1" });
  await moto.createBucket(BUCKET);
  await uploadTree(X, `s3://${BUCKET}/X`, (uri, data) => s3.write(uri, data));
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

/** Runs `fn` and returns the requests moto saw meanwhile, as "METHOD path-and-query [range]". */
async function requests(fn: () => Promise<unknown>): Promise<string[]> {
  await moto.startRecording();
  await fn();
  await moto.stopRecording();
  return moto.recorded().map((r) => {
    const u = new URL(r.url);
    const range = r.headers.Range ?? r.headers.range;
    return `${r.method} ${decodeURIComponent(u.pathname + u.search)}${range ? ` ${range}` : ""}`;
  });
}

describe("S3 round trips", () => {
  it("opening the fixture's X: folder listings, the schema and one read per fragment; a read: one GET per data file", async () => {
    const fragments = readdirSync(join(X, "__fragments"));
    expect(fragments.length).toBeGreaterThan(0);
    let arr: Awaited<ReturnType<typeof openArray>> | undefined;
    const open = await requests(async () => {
      arr = await openArray(`s3://${BUCKET}/X`, { vfs: s3 });
    });
    const lists = open.filter((r) => r.includes("list-type=2"));
    // the array folder, then __schema, __fragment_meta, __commits and __fragments
    expect(lists.length).toBe(5);
    expect(open.filter((r) => r.includes("/__schema/") && !r.includes("list-type=2"))).toHaveLength(1);
    const metaReads = open.filter((r) => r.includes("__fragment_metadata.tdb"));
    expect(metaReads).toHaveLength(fragments.length);
    for (const r of metaReads) expect(r).toMatch(/^GET .* bytes=-\d+$/);
    expect(open.filter((r) => r.startsWith("HEAD"))).toEqual([]);
    expect(open).toHaveLength(lists.length + 1 + fragments.length);

    let cells = 0;
    const read = await requests(async () => {
      cells = (await readAll(arr as NonNullable<typeof arr>, { columns: ["soma_dim_0", "soma_data"] })).length;
    });
    expect(cells).toBe((await readAll(X, { columns: ["soma_dim_0", "soma_data"] })).length);
    expect(read.filter((r) => r.startsWith("HEAD"))).toEqual([]);
    expect(read.filter((r) => r.includes("__fragment_metadata.tdb"))).toEqual([]);
    // d0.tdb and a0.tdb of each fragment, each read once (the fixture's files fit one read window)
    expect(read.filter((r) => r.startsWith("GET")).map((r) => r.replace(/.*\//, "").replace(/\?.*/, "")).sort()).toEqual(
      fragments.flatMap(() => ["a0.tdb", "d0.tdb"]).sort(),
    );
  });

  it("readTail: the last bytes and the size in one request, as the local backend's size-then-read gives them", async () => {
    const base = `s3://${BUCKET}/tail`;
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    await s3.write(`${base}/big.bin`, data);
    await s3.write(`${base}/small.bin`, data.subarray(0, 10));
    await s3.write(`${base}/empty.bin`, new Uint8Array(0));
    const big = await requests(async () => {
      const { bytes, size } = await readTail(s3, `${base}/big.bin`, 4096);
      expect(size).toBe(100_000);
      expect([...bytes]).toEqual([...data.subarray(100_000 - 4096)]);
    });
    expect(big).toEqual([`GET /${BUCKET}/tail/big.bin?x-id=GetObject bytes=-4096`]);
    const small = await readTail(s3, `${base}/small.bin`, 4096);
    expect(small.size).toBe(10);
    expect([...small.bytes]).toEqual([...data.subarray(0, 10)]);
    const empty = await readTail(s3, `${base}/empty.bin`, 4096);
    expect(empty).toEqual({ bytes: new Uint8Array(0), size: 0 });
    const local = await readTail(new LocalVFS(), join(X, "__fragments", readdirSync(join(X, "__fragments"))[0], "a0.tdb"), 100);
    expect(local.bytes.byteLength).toBe(Math.min(100, local.size));
    await expect(readTail(s3, `${base}/missing.bin`, 8)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });
});
