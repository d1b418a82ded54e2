/**
 * Builds from and to s3:// against a real S3-protocol server (moto's standalone server on loopback) and through a
 * real Toxiproxy in front of it for faults; cubes written to S3 are read back by Python tiledb's own S3 client.
 * Every command runs in a fresh process under a time bound (killed past it), so a hung build fails its test
 * instead of holding the run; the servers are stopped in afterAll.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type MotoServer, startMoto, startToxiproxy, type Toxiproxy, uploadTree } from "@census-cube/s3-test-servers";
import { S3VFS } from "@census-cube/tiledb-ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRoot, cli, dumpCube, python, restoredFixture, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-builder-s3-");
let moto: MotoServer;
let s3: S3VFS;
let fixture = "";
let localCube = "";

/** Test keys as the AWS SDK's own variables (moto accepts any until it enforces authentication). */
const keys = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" };
/** Every run: two workers, JSON logs; the SDK's notice about future Node versions kept out of the logs. */
const common = ["--max-workers", "2", "--log-format", "json"];
const RUN_BOUND_MS = 150_000;

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment of a child: no AWS variables of the caller's, the given ones instead. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) out[k] = v;
  return { ...out, ...env };
}

/** Starts a process; `done` settles when it exits, or after `boundMs`, when it is killed (never a hung test). */
function spawnBounded(cmd: string, args: string[], env: Record<string, string>, boundMs: number): { proc: ChildProcess; done: Promise<Run> } {
  const proc = spawn(cmd, args, { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (d) => {
    stdout += d;
  });
  proc.stderr!.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<Run>((resolve) => {
    const timer = setTimeout(() => {
      stderr += `\n[test] killed after ${boundMs} ms`;
      proc.kill("SIGKILL");
    }, boundMs);
    proc.once("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
  return { proc, done };
}

/** Starts the CLI (a fresh process, as users run it). */
function start(args: string[], env: Record<string, string> = keys): { proc: ChildProcess; done: Promise<Run> } {
  return spawnBounded(process.execPath, [cli, ...args], env, RUN_BOUND_MS);
}

function run(args: string[], env: Record<string, string> = keys): Promise<Run> {
  return start(args, env).done;
}

function expectOk(r: Run): void {
  if (r.status !== 0) throw new Error(`cube-builder exited ${r.status ?? r.signal}: ${r.stderr.slice(-3000)}`);
}

/** Log lines of a JSON-logged run. */
function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}

/** Runs Python (bounded) with the test keys, which TileDB's S3 client takes from the environment. */
function pythonBounded(args: string[]): Promise<Run> {
  return spawnBounded(python, args, keys, 120_000).done;
}

/** dump_cube.py --compare, the actual cube read by Python tiledb (through moto for s3:// cubes). */
async function compare(actual: string, expected: string): Promise<string> {
  const r = await pythonBounded([dumpCube, actual, "--compare", expected, "--s3-endpoint", moto.endpoint]);
  return `${r.stdout}${r.stderr}`;
}

/** A finished build whose cube equals the one built from local disk. */
async function expectSameCube(r: Run, cube: string): Promise<void> {
  expectOk(r);
  expect(await compare(cube, localCube)).toContain('"equal": true');
}

/** Runs `fn` with a Toxiproxy in front of moto, stopped afterwards. */
async function withProxy(fn: (proxy: Toxiproxy) => Promise<void>): Promise<void> {
  const proxy = await startToxiproxy(`127.0.0.1:${moto.port}`);
  try {
    await fn(proxy);
  } finally {
    await proxy.stop();
  }
}

beforeAll(async () => {
  fixture = restoredFixture(join(tmp.path, "fixture"));
  moto = await startMoto();
  s3 = new S3VFS({ endpoint: moto.endpoint, credentials: moto.credentials, region: "us-east-1" });
  await moto.createBucket("census", { publicRead: true });
  await moto.createBucket("cubes");
  await uploadTree(fixture, "s3://census/fixture", (u, d) => s3.write(u, d));
  localCube = join(tmp.path, "local-cube");
  expectOk(await run(["build", "--experiment-uri", fixture, "--cube-uri", localCube, ...common]));
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  tmp.remove();
});

describe("cube-builder on s3://", () => {
  it("builds from an s3:// experiment into an s3:// cube the cube built from local disk; Python tiledb reads it through its S3 client", async () => {
    const cube = "s3://cubes/fixture";
    const r = await run(["build", "--experiment-uri", "s3://census/fixture", "--cube-uri", cube, "--s3-endpoint", moto.endpoint, ...common]);
    await expectSameCube(r, cube);
    // progress counts what the workers fetched, and the obs pass what it fetched
    const lines = logLines(r.stderr);
    expect(lines.some((l) => typeof l.bytesFetched === "number" && l.bytesFetched > 0 && typeof l.bytesFetchedPerSecond === "number")).toBe(true);
    expect(lines.some((l) => typeof l.bytesFetched === "number" && l.bytesFetched > 0 && l.cells === 9121)).toBe(true);
    // nothing written locally under a path named after the URI
    expect(existsSync(join(appRoot, "s3:"))).toBe(false);
    expect(existsSync("s3:")).toBe(false);
    const info = await run(["info", "--cube-uri", cube, "--json", "--s3-endpoint", moto.endpoint]);
    expectOk(info);
    expect(JSON.parse(info.stdout)).toMatchObject({ status: "complete", cells: 9121 });
    expect(JSON.parse(info.stdout).size_bytes).toBeGreaterThan(0);
    // an existing cube is refused without --resume or --overwrite, and left whole
    const again = await run(["build", "--experiment-uri", "s3://census/fixture", "--cube-uri", cube, "--s3-endpoint", moto.endpoint, ...common]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`${cube} already exists`);
  }, 240_000);

  it("reads a public bucket anonymously (no credentials) through latency, connection resets and stalled connections, and builds the same cube", async () => {
    await withProxy(async (proxy) => {
      await proxy.add({ type: "latency", attributes: { latency: 30, jitter: 10 } });
      // some connections are cut after 32 kB of response, some reset at once, some stall and are closed after 2 s
      await proxy.add({ type: "limit_data", toxicity: 0.15, attributes: { bytes: 32_768 } });
      await proxy.add({ type: "reset_peer", toxicity: 0.1, attributes: { timeout: 0 } });
      await proxy.add({ type: "timeout", toxicity: 0.05, attributes: { timeout: 2000 } });
      const cube = join(tmp.path, "through-faults");
      const r = await run(["build", "--experiment-uri", "s3://census/fixture", "--cube-uri", cube, "--s3-endpoint", proxy.endpoint, "--s3-anonymous", ...common], {});
      await expectSameCube(r, cube);
    });
  }, 240_000);

  it("--s3-anonymous with the experiment's bucket: that bucket read unsigned, the cube written signed to another bucket", async () => {
    // moto cannot refuse signed reads of one bucket while serving unsigned ones (with authentication on, it fails
    // every unsigned request), so the split is proved on its request log: every request to the experiment's bucket
    // unsigned although the environment holds credentials, every request to the cube's bucket signed with them
    const cube = "s3://cubes/split-signing";
    await moto.startRecording();
    const r = await run(["build", "--experiment-uri", "s3://census/fixture", "--cube-uri", cube, "--s3-endpoint", moto.endpoint, "--s3-anonymous", "census", ...common]);
    await moto.stopRecording();
    await expectSameCube(r, cube);
    const byBucket = new Map<string, Array<{ request: string; authorization?: string }>>();
    for (const q of moto.recorded()) {
      const bucket = new URL(q.url).pathname.split("/")[1];
      const authorization = Object.entries(q.headers).find(([h]) => h.toLowerCase() === "authorization")?.[1];
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), { request: `${q.method} ${q.url}`, authorization }]);
    }
    expect([...byBucket.keys()].sort()).toEqual(["census", "cubes"]);
    const reads = byBucket.get("census")!;
    const writes = byBucket.get("cubes")!;
    expect(reads.length).toBeGreaterThan(10);
    expect(writes.filter((w) => w.request.startsWith("PUT")).length).toBeGreaterThan(10);
    for (const q of reads) expect(q.authorization, q.request).toBeUndefined();
    for (const q of writes) expect(q.authorization, q.request).toContain(`Credential=${keys.AWS_ACCESS_KEY_ID}/`);
  }, 240_000);

  it("a build killed while committing its fragment on S3 leaves only whole fragments, and --resume finishes the same cube", async () => {
    // 150 ms of latency per request once the batches start, so the fragment's objects go up one by one, well before
    // its commit object
    await withProxy(async (proxy) => {
      const cube = "s3://cubes/killed";
      const args = ["build", "--experiment-uri", "s3://census/fixture", "--cube-uri", cube, "--s3-endpoint", proxy.endpoint, "--min-batch-size", "1000", ...common];
      const a = start(args);
      let slowed = false;
      a.proc.stderr!.on("data", (d: Buffer) => {
        if (!slowed && d.toString().includes("batches to compute")) {
          slowed = true;
          void proxy.add({ type: "latency", stream: "upstream", attributes: { latency: 150 } });
        }
      });
      let exited = false;
      void a.done.then(() => {
        exited = true;
      });
      // killed once the estimators array's new fragment has objects on S3 and before the build has ended
      const deadline = Date.now() + 120_000;
      const fragmentObjects = async () => (await s3.ls(`${cube}/estimators/__fragments`)).length;
      while (!exited && Date.now() < deadline && (await fragmentObjects()) === 0) await new Promise((r) => setTimeout(r, 25));
      expect(exited, "the build ended before it could be killed while writing").toBe(false);
      a.proc.kill("SIGKILL");
      await a.done;
      const commits = (await s3.ls(`${cube}/estimators/__commits`)).length;
      // Python tiledb opens every array: the fragments it sees are whole (committed) ones, read to the end
      const check = await pythonBounded([
        "-c",
        `import sys, tiledb
tiledb.default_ctx({"vfs.s3.endpoint_override": sys.argv[1], "vfs.s3.scheme": "http", "vfs.s3.use_virtual_addressing": "false", "vfs.s3.region": "us-east-1"})
for name in ["obs_groups", "size_factors", "estimators"]:
    uri = sys.argv[2] + "/" + name
    with tiledb.open(uri) as A:
        n = len(next(iter(A[:].values())))
    print(name, len(tiledb.array_fragments(uri)), n)`,
        moto.endpoint.slice("http://".length),
        cube,
      ]);
      expect(check.status, check.stderr).toBe(0);
      const estimators = /^estimators (\d+) (\d+)$/m.exec(check.stdout);
      expect(estimators, check.stdout).not.toBeNull();
      expect(Number(estimators![1])).toBe(commits);
      expect(check.stdout).toMatch(/^obs_groups 1 32$/m);
      // the killed build's lock is stale (its pid is gone): --take-over-lock takes it
      const resumed = await run(["build", "--experiment-uri", "s3://census/fixture", "--cube-uri", cube, "--s3-endpoint", moto.endpoint, "--min-batch-size", "1000", "--resume", "--take-over-lock", ...common]);
      await expectSameCube(resumed, cube);
    });
  }, 300_000);

  it("--resume creates again a cube on S3 whose creation was cut short (status building, no plan.json)", async () => {
    const cube = "s3://cubes/cut-short";
    const flags = ["--experiment-uri", "s3://census/fixture", "--cube-uri", cube, "--s3-endpoint", moto.endpoint, ...common];
    expectOk(await run(["plan", ...flags]));
    // the plan's plan.json is written last: without it, the cube is one whose creation did not finish
    await s3.remove(`${cube}/__build_plan/plan.json`);
    const refused = await run(["build", ...flags]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${cube} already exists`);
    const resumed = await run(["build", "--resume", ...flags]);
    expect(resumed.stderr).toContain("was not created whole");
    await expectSameCube(resumed, cube);
  }, 240_000);

  it("plan, two shards and finalize on an s3:// cube give the one-machine cube", async () => {
    const cube = "s3://cubes/sharded";
    const s3Flags = ["--s3-endpoint", moto.endpoint, ...common];
    const plan = await run(["plan", "--experiment-uri", "s3://census/fixture", "--cube-uri", cube, "--min-batch-size", "2000", ...s3Flags]);
    expectOk(plan);
    const planned: number = JSON.parse(plan.stdout).batches;
    expect(planned).toBeGreaterThan(1);
    const shards = await Promise.all(["0/2", "1/2"].map((shard) => run(["build", "--cube-uri", cube, "--shard", shard, ...s3Flags])));
    for (const r of shards) expectOk(r);
    expect(shards.reduce((n, r) => n + JSON.parse(r.stdout).batches, 0)).toBe(planned);
    await expectSameCube(await run(["finalize", "--cube-uri", cube, ...s3Flags]), cube);
  }, 240_000);

  it("names the object when an X object is deleted while the build runs", async () => {
    const copy = "s3://census/fixture-deleted";
    await uploadTree(fixture, copy, (u, d) => s3.write(u, d));
    const frag = (await s3.ls(`${copy}/ms/RNA/X/raw/__fragments`))[0].uri;
    const victim = `${frag}/a0.tdb`;
    const a = start(["build", "--experiment-uri", copy, "--cube-uri", join(tmp.path, "deleted"), "--s3-endpoint", moto.endpoint, ...common]);
    // deleted once obs is read (the workers read X after the cube is created)
    let seen = false;
    a.proc.stderr!.on("data", (d: Buffer) => {
      if (!seen && d.toString().includes('"cells":9121')) {
        seen = true;
        void s3.remove(victim);
      }
    });
    const r = await a.done;
    expect(seen).toBe(true);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${victim}: file is missing`);
  }, 240_000);

  it("fails clearly on an unknown bucket and on credentials the server refuses", async () => {
    const missing = await run(["build", "--experiment-uri", "s3://no-such-bucket/exp", "--cube-uri", join(tmp.path, "nobucket"), "--s3-endpoint", moto.endpoint, ...common]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("s3://no-such-bucket/exp");
    expect(existsSync(join(tmp.path, "nobucket"))).toBe(false);
    // last in this file: from now on moto refuses every key
    await moto.enforceAuth();
    const denied = await run(["build", "--experiment-uri", "s3://census/fixture", "--cube-uri", join(tmp.path, "denied"), "--s3-endpoint", moto.endpoint, ...common], {
      ...keys,
      AWS_ACCESS_KEY_ID: "AKIAWRONGWRONGWRONG0",
    });
    expect(denied.status).toBe(1);
    expect(denied.stderr).toMatch(/s3:\/\/census\/fixture.*access denied/);
    expect(denied.stderr).toContain("check the credentials");
  }, 240_000);

  it("the build help shows the public Census command", async () => {
    const r = await run(["build", "--help"]);
    expect(r.stdout).toContain("--experiment-uri s3://cellxgene-census-public-us-west-2/cell-census/");
    expect(r.stdout).toContain("/soma/census_data/homo_sapiens");
    expect(r.stdout).toContain("--s3-anonymous --s3-region us-west-2");
    expect(r.stdout).toContain("--s3-anonymous cellxgene-census-public-us-west-2 --s3-region us-west-2 --cube-uri s3://");
  });
});
