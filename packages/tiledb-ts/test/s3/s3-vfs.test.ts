/**
 * The S3 backend against a real S3-protocol server (moto's standalone server on loopback), with faults from a
 * real Toxiproxy between them; arrays written here are opened by Python tiledb through the same endpoint.
 */
import { join } from "node:path";
import { CreateBucketCommand, PutBucketAclCommand } from "@aws-sdk/client-s3";
import { type MotoServer, startMoto, startToxiproxy, type Toxiproxy, uploadTree } from "@census-cube/s3-test-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openArray } from "../../src/array.js";
import { consolidate } from "../../src/consolidate.js";
import { Datatype } from "../../src/datatype.js";
import { readAll } from "../../src/read/index.js";
import { vacuum } from "../../src/vacuum.js";
import { createArray } from "../../src/write/create-array.js";
import { writeSparse } from "../../src/write/sparse.js";
import { S3VFS } from "../../src/vfs/s3.js";
import { LocalVFS } from "../../src/vfs/local.js";
import { canon } from "../format/helpers.js";
import { fixtureRoot, pythonScript, runPython, tempDir } from "../write/helpers.js";

let moto: MotoServer;
let s3: S3VFS;
const BUCKET = "tiledb-ts-test";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function makeBucket(vfs: S3VFS, bucket: string, acl?: "public-read"): Promise<void> {
  await vfs.clientFor(bucket).send(new CreateBucketCommand({ Bucket: bucket }));
  if (acl) await vfs.clientFor(bucket).send(new PutBucketAclCommand({ Bucket: bucket, ACL: acl }));
}

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3VFS({ endpoint: moto.endpoint, credentials: moto.credentials, region: "us-east-1" });
  await makeBucket(s3, BUCKET);
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe("S3VFS", () => {
  it("writes, lists folders as common prefixes, reads ranges and removes a folder tree only", async () => {
    const base = `s3://${BUCKET}/basic`;
    await s3.write(`${base}/dir/b.bin`, Uint8Array.of(1, 2, 3, 4, 5));
    await s3.write(`${base}/dir/a.bin`, [Uint8Array.of(9), Uint8Array.of(8)]);
    await s3.write(`${base}/dir/sub/c.bin`, Uint8Array.of(7));
    await s3.write(`${base}/dirty.bin`, Uint8Array.of(6));
    await s3.mkdir(`${base}/dir/empty`);
    const entries = await s3.ls(`${base}/dir`);
    expect(entries.map((e) => [e.name, e.isDir, e.size])).toEqual([
      ["a.bin", false, 2],
      ["b.bin", false, 5],
      ["sub", true, 0],
    ]);
    expect(entries[1].uri).toBe(`${base}/dir/b.bin`);
    expect(await s3.isDir(`${base}/dir`)).toBe(true);
    expect(await s3.isDir(`${base}/dir/b.bin`)).toBe(false);
    expect(await s3.exists(`${base}/dir`)).toBe(true);
    expect(await s3.exists(`${base}/dir/b.bin`)).toBe(true);
    expect(await s3.exists(`${base}/nothing`)).toBe(false);
    expect(await s3.size(`${base}/dir/b.bin`)).toBe(5);
    expect([...(await s3.read(`${base}/dir/b.bin`, 1, 3))]).toEqual([2, 3, 4]);
    const into = new Uint8Array(10);
    const got = await s3.read(`${base}/dir/b.bin`, 2, 2, into);
    expect([...got]).toEqual([3, 4]);
    expect(got.buffer).toBe(into.buffer);
    await s3.remove(`${base}/dir`);
    expect(await s3.exists(`${base}/dir`)).toBe(false);
    expect(await s3.exists(`${base}/dirty.bin`)).toBe(true); // a sibling sharing the name's start stays
  });

  it("fetches nearby ranges asked for together with one GET", async () => {
    const uri = `s3://${BUCKET}/ranges/x.bin`;
    const data = bytes(1 << 20, 1);
    await s3.write(uri, data);
    const before = s3.traffic().requests;
    const ranges: Array<[number, number]> = [
      [0, 100],
      [5000, 300],
      [60_000, 10],
      [900_000, 1000],
    ];
    const got = await Promise.all(ranges.map(([o, n]) => s3.read(uri, o, n)));
    for (const [i, [o, n]] of ranges.entries()) expect(got[i]).toEqual(data.subarray(o, o + n));
    // the first three lie within the coalescing gap of each other; the last one is far
    expect(s3.traffic().requests - before).toBe(2);
  });

  it("writes large objects by multipart upload and reads them back in parallel ranges", async () => {
    const uri = `s3://${BUCKET}/large/big.bin`;
    const parts = [bytes(7 << 20, 2), bytes(1, 3), bytes(13 << 20, 4), bytes(3 << 20, 5)];
    await s3.write(uri, parts);
    const whole = new Uint8Array(Buffer.concat(parts));
    expect(await s3.size(uri)).toBe(whole.byteLength);
    expect(Buffer.compare(await s3.read(uri), whole)).toBe(0);
    expect(Buffer.compare(await s3.read(uri, 1000, 20 << 20), whole.subarray(1000, 1000 + (20 << 20)))).toBe(0);
  });

  it("joins objects server-side (parts copied, small ones carried) and removes the sources", async () => {
    const sizes = [6 << 20, 1 << 20, 100, 7 << 20, 0, (5 << 20) + 1, 3];
    const srcs = sizes.map((_, i) => `s3://${BUCKET}/cat/p${i}`);
    const data = sizes.map((n, i) => bytes(n, 10 + i));
    for (const [i, d] of data.entries()) await s3.write(srcs[i], d);
    await s3.concat(srcs, `s3://${BUCKET}/cat/joined.bin`);
    expect(Buffer.compare(await s3.read(`s3://${BUCKET}/cat/joined.bin`), Buffer.concat(data))).toBe(0);
    for (const s of srcs) expect(await s3.exists(s)).toBe(false);
    // a small total is one PUT
    await s3.write(`s3://${BUCKET}/cat/s0`, Uint8Array.of(1));
    await s3.write(`s3://${BUCKET}/cat/s1`, Uint8Array.of(2, 3));
    await s3.concat([`s3://${BUCKET}/cat/s0`, `s3://${BUCKET}/cat/s1`], `s3://${BUCKET}/cat/small`);
    expect([...(await s3.read(`s3://${BUCKET}/cat/small`))]).toEqual([1, 2, 3]);
  });

  it("creates exclusively: of racing writers exactly one wins, and an existing object is kept", async () => {
    const uri = `s3://${BUCKET}/excl/lock`;
    const results = await Promise.all([1, 2, 3, 4].map((i) => s3.writeExclusive(uri, Uint8Array.of(i))));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true) + 1;
    expect([...(await s3.read(uri))]).toEqual([winner]);
    expect(await s3.writeExclusive(uri, Uint8Array.of(9))).toBe(false);
  });

  it("names the object in errors for a missing key and a missing bucket", async () => {
    await expect(s3.read(`s3://${BUCKET}/no/such/key.bin`)).rejects.toMatchObject({ code: "E_NOT_FOUND", message: expect.stringContaining(`s3://${BUCKET}/no/such/key.bin`) });
    await expect(s3.size(`s3://${BUCKET}/no/such/key.bin`)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(s3.read(`s3://no-such-bucket-here/k`, 0, 10)).rejects.toMatchObject({ code: "E_NOT_FOUND", message: expect.stringContaining("no-such-bucket-here/k") });
  });

  it("reads the shared fixture's arrays from S3 as from local disk", async () => {
    const prefix = `s3://${BUCKET}/fixture`;
    await uploadTree(fixtureRoot, prefix, (uri, data) => s3.write(uri, data));
    for (const rel of ["obs", "ms/RNA/X/raw"]) {
      const local = await readAll(join(fixtureRoot, rel));
      const remote = await readAll(await openArray(`${prefix}/${rel}`, { vfs: s3 }));
      expect(remote.length).toBe(local.length);
      expect(canon(remote.columns)).toEqual(canon(local.columns));
    }
  }, 120_000);

  it("writes arrays (fragments, consolidation, vacuum) that Python tiledb opens through its own S3 client", async () => {
    const dir = tempDir("tiledb-ts-s3-").path;
    const schema = {
      arrayType: "sparse" as const,
      capacity: 64,
      allowsDuplicates: false,
      dimensions: [{ name: "d0", type: Datatype.INT64, domain: [0n, 1_000_000n] as [bigint, bigint], tileExtent: 100n, filters: [] }],
      attributes: [
        { name: "v", type: Datatype.FLOAT32, filters: [{ type: 2, options: { level: 3 } }] },
        { name: "s", type: Datatype.STRING_UTF8, var: true, filters: [] },
      ],
    };
    const cells = (k: number) => ({
      d0: BigInt64Array.from({ length: 500 }, (_, i) => BigInt(i * 3 + k)),
      v: Float32Array.from({ length: 500 }, (_, i) => i * 0.5 + k),
      s: Array.from({ length: 500 }, (_, i) => `c${i}-${k}`),
    });
    const uris = [join(dir, "a"), `s3://${BUCKET}/written/a`];
    for (const uri of uris) {
      const vfs = uri.startsWith("s3://") ? s3 : new LocalVFS();
      await createArray(uri, schema, { vfs });
      await writeSparse(uri, cells(0), { vfs, timestamp: 10 });
      await writeSparse(uri, cells(1), { vfs, timestamp: 20 });
      await writeSparse(uri, cells(2), { vfs, timestamp: 30 });
      await consolidate(uri, { vfs });
      await vacuum(uri, { vfs });
    }
    const local = JSON.parse(runPython(pythonScript("format_arrays.py"), ["describe", uris[0]]))[uris[0]];
    const remote = JSON.parse(runPython(pythonScript("s3_describe.py"), [moto.endpoint, uris[1]]))[uris[1]];
    const strip = (d: { fragments: Array<{ name: string }>; uri: string }) => ({ ...d, uri: "", fragments: d.fragments.map((f) => ({ ...f, name: "" })) });
    expect(remote.fragments).toHaveLength(1);
    expect(strip(remote)).toEqual(strip(local));
  }, 120_000);

  it("reads a public-read bucket with unsigned requests", async () => {
    await makeBucket(s3, "public-data", "public-read");
    await s3.write("s3://public-data/hello.txt", new TextEncoder().encode("hello"));
    const anon = new S3VFS({ endpoint: moto.endpoint, anonymous: true, region: "us-east-1" });
    await moto.startRecording();
    expect(new TextDecoder().decode(await anon.read("s3://public-data/hello.txt"))).toBe("hello");
    expect((await anon.ls("s3://public-data")).map((e) => e.name)).toEqual(["hello.txt"]);
    const mine = moto.recorded().filter((r) => r.url?.includes("public-data"));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const r of mine) expect(Object.keys(r.headers).map((h) => h.toLowerCase())).not.toContain("authorization");
  });

  it("reads the buckets named anonymous unsigned and signs the requests to every other bucket", async () => {
    await makeBucket(s3, "public-split", "public-read");
    await s3.write("s3://public-split/in.txt", new TextEncoder().encode("census"));
    const split = new S3VFS({ endpoint: moto.endpoint, anonymous: ["public-split"], credentials: moto.credentials, region: "us-east-1" });
    await moto.startRecording();
    const read = await split.read("s3://public-split/in.txt");
    expect((await split.ls("s3://public-split")).map((e) => e.name)).toEqual(["in.txt"]);
    await split.write(`s3://${BUCKET}/split/out.txt`, read);
    expect(await split.exists(`s3://${BUCKET}/split/out.txt`)).toBe(true);
    const authorization = (r: { headers: Record<string, string> }) => Object.entries(r.headers).find(([h]) => h.toLowerCase() === "authorization")?.[1];
    await moto.stopRecording();
    const recorded = moto.recorded();
    const unsigned = recorded.filter((r) => r.url.includes("/public-split"));
    const signed = recorded.filter((r) => r.url.includes(`/${BUCKET}/split`) || r.url.includes("prefix=split"));
    expect(unsigned.length).toBeGreaterThanOrEqual(2);
    expect(signed.length).toBeGreaterThanOrEqual(2);
    for (const r of unsigned) expect(authorization(r), r.url).toBeUndefined();
    for (const r of signed) expect(authorization(r), r.url).toContain(`Credential=${moto.credentials.accessKeyId}/`);
    // one client per signing mode, each following a region redirect
    expect(await split.clientFor("public-split").config.followRegionRedirects).toBe(true);
    expect(split.clientFor("public-split")).not.toBe(split.clientFor(BUCKET));
    expect(split.clientFor(BUCKET)).toBe(split.clientFor("another-bucket"));
  });

  it("refuses an anonymous bucket that is not a bucket name", () => {
    expect(() => new S3VFS({ anonymous: ["s3://public-split"] })).toThrow(/"s3:\/\/public-split" is not a bucket name/);
  });
});

describe("S3VFS through a faulty network (Toxiproxy)", () => {
  let proxy: Toxiproxy;
  let viaProxy: S3VFS;
  const uri = `s3://${BUCKET}/faults/data.bin`;
  const data = bytes(6 << 20, 99);

  beforeAll(async () => {
    proxy = await startToxiproxy(`127.0.0.1:${moto.port}`);
    viaProxy = new S3VFS({ endpoint: proxy.endpoint, credentials: moto.credentials, region: "us-east-1", stallTimeoutMs: 1500 });
    await s3.write(uri, data);
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
  });

  it("reads through 20-50 ms of latency per request", async () => {
    await proxy.add({ type: "latency", attributes: { latency: 35, jitter: 15 } });
    const got = await Promise.all([0, 1, 2, 3].map((k) => viaProxy.read(uri, k << 20, 1 << 20)));
    for (const [k, g] of got.entries()) expect(Buffer.compare(g, data.subarray(k << 20, (k + 1) << 20))).toBe(0);
    await proxy.clear();
  });

  it("retries connections reset mid-response", async () => {
    // every connection is cut after 100 kB of response: the GET is retried (with backoff) on new connections,
    // each cut again, until the cuts cease
    const before = viaProxy.traffic().retries;
    const cut = await proxy.add({ type: "limit_data", attributes: { bytes: 100_000 } });
    const reading = viaProxy.read(uri, 0, 4 << 20);
    await new Promise((r) => setTimeout(r, 400));
    expect(viaProxy.traffic().retries).toBeGreaterThan(before);
    await proxy.remove(cut);
    expect(Buffer.compare(await reading, data.subarray(0, 4 << 20))).toBe(0);
    expect(viaProxy.traffic().retries).toBeGreaterThan(before);
  });

  it("retries a body that stalls mid-read", async () => {
    const before = viaProxy.traffic().retries;
    const slow = await proxy.add({ type: "bandwidth", attributes: { rate: 2000 } }); // KB/s
    const reading = viaProxy.read(uri, 0, 6 << 20);
    await new Promise((r) => setTimeout(r, 300));
    const stall = await proxy.add({ type: "timeout", attributes: { timeout: 0 } }); // nothing more gets through
    // the stalled body is given up after stallTimeoutMs (1.5 s) and the GET sent again, while the stall lasts
    await new Promise((r) => setTimeout(r, 2500));
    expect(viaProxy.traffic().retries).toBeGreaterThan(before);
    await proxy.remove(stall);
    await proxy.remove(slow);
    expect(Buffer.compare(await reading, data)).toBe(0);
    expect(viaProxy.traffic().retries).toBeGreaterThan(before);
  }, 60_000);

  it("reports an object deleted between listing and reading, naming it", async () => {
    const arrayUri = `s3://${BUCKET}/fixture/ms/RNA/X/raw`;
    const arr = await openArray(arrayUri, { vfs: viaProxy });
    const fragDir = (await viaProxy.ls(`${arrayUri}/__fragments`))[0].uri;
    const victim = (await viaProxy.ls(fragDir)).find((e) => e.name === "a0.tdb")!.uri;
    await s3.remove(victim);
    await expect(readAll(arr)).rejects.toMatchObject({ message: expect.stringContaining(victim) });
  });
});

describe("S3VFS with credentials the server does not know", () => {
  it("fails with access denied naming the object", async () => {
    const server = await startMoto();
    try {
      const admin = new S3VFS({ endpoint: server.endpoint, credentials: server.credentials, region: "us-east-1" });
      await makeBucket(admin, "private");
      await admin.write("s3://private/secret.bin", Uint8Array.of(1));
      await server.enforceAuth();
      const wrong = new S3VFS({ endpoint: server.endpoint, credentials: { accessKeyId: "AKIAWRONGWRONGWRONG0", secretAccessKey: "nope" }, region: "us-east-1" });
      await expect(wrong.read("s3://private/secret.bin")).rejects.toMatchObject({ code: "E_ACCESS_DENIED", message: expect.stringContaining("s3://private/secret.bin") });
      // a signed bucket's refusal says to check the credentials, even when other buckets are read unsigned
      const mixed = new S3VFS({ endpoint: server.endpoint, anonymous: ["public-data"], credentials: { accessKeyId: "AKIAWRONGWRONGWRONG0", secretAccessKey: "nope" }, region: "us-east-1" });
      await expect(mixed.read("s3://private/secret.bin")).rejects.toMatchObject({ code: "E_ACCESS_DENIED", message: expect.stringContaining("check the credentials") });
    } finally {
      await server.stop();
    }
  }, 60_000);
});
