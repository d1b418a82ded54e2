import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { type MotoServer, type RedisServer, startMoto, startRedis } from "@census-cube/s3-test-servers";
import { S3VFS } from "@census-cube/tiledb-ts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compareCubes, tempDir } from "./helpers/env.js";
import { type BuildCounts, buildCounts, type Host, hosts, killGroup, logLines, oneMachineReference, waitFor } from "./helpers/hosts.js";

// Distributed builds with the cube on s3:// (moto's S3 server on loopback, a real Redis for the queue): every
// process, each its own process group with its own scratch folder, reaches the cube only through S3, as separate
// machines would. Each cube is read back by Python tiledb's S3 client and must equal the one-machine local build.
const tmp = tempDir("cube-dist-s3-");
let moto: MotoServer;
let redis: RedisServer;
let s3: S3VFS;
let experiment = "";
let reference = "";
let oneMachine: BuildCounts;

/** moto accepts any keys until it enforces authentication; the AWS SDK reads them from the environment. */
const keys = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
const machines = hosts(() => tmp.path, keys);
const s3Flags = () => ["--s3-endpoint", moto.endpoint];
const planArgs = (cube: string) => ["plan", "--experiment-uri", experiment, "--cube-uri", cube, "--max-workers", "2", "--min-batch-size", "100", "--log-format", "json", ...s3Flags()];
const shard = (cube: string, s: string) => ["build", "--cube-uri", cube, "--shard", s, "--max-workers", "1", "--log-format", "json", ...s3Flags()];

const text = (p: Host) => readFileSync(p.log, "utf8");

/** The cube on S3 equals the one-machine local build, and keeps nothing of its build (plan, staged batches). */
async function expectOneMachineCube(cube: string): Promise<void> {
  const cmp = compareCubes(cube, reference, { s3Endpoint: moto.endpoint });
  expect(cmp.status, cmp.out).toBe(0);
  const names = (await s3.ls(cube)).map((e) => e.name);
  expect(names).not.toContain("__build_plan");
  expect(names).not.toContain("__staged_estimators");
}

beforeAll(async () => {
  ({ experiment, cube: reference, counts: oneMachine } = oneMachineReference(tmp.path));
  moto = await startMoto();
  await moto.createBucket("cubes");
  s3 = new S3VFS({ endpoint: moto.endpoint, credentials: moto.credentials, region: "us-east-1" });
  redis = await startRedis();
}, 300_000);

afterEach(() => {
  machines.killAll();
});

afterAll(async () => {
  await redis?.stop();
  await moto?.stop();
  tmp.remove();
});

describe("distributed builds with the cube on s3://", () => {
  it("plan, 3 shards at once (one twice at the same time, racing on its batches), finalize: the one-machine cube", async () => {
    const cube = "s3://cubes/shards";
    const p = machines.start("s-plan", planArgs(cube));
    expect(await p.exited, text(p)).toBe(0);
    const shards = [2, 0, 1, 1].map((i, k) => machines.start(`s-shard-${k}`, shard(cube, `${i}/3`)));
    for (const s of shards) expect(await s.exited, text(s)).toBe(0);
    // whichever of the racing pair stages a batch last replaces the other's copy (objects are put whole):
    // finalize refuses any group staged twice, and the cube is compared below
    const f = machines.start("s-finalize", ["finalize", "--cube-uri", cube, "--max-workers", "2", "--log-format", "json", ...s3Flags()]);
    expect(await f.exited, text(f)).toBe(0);
    await expectOneMachineCube(cube);
  }, 300_000);

  it("a shard missing: finalize fails naming its batches and the command that fills them; that command, then finalize: the one-machine cube", async () => {
    const cube = "s3://cubes/missing";
    const p = machines.start("m-plan", planArgs(cube));
    expect(await p.exited, text(p)).toBe(0);
    for (const i of [0, 2]) {
      const s = machines.start(`m-shard-${i}`, shard(cube, `${i}/3`));
      expect(await s.exited, text(s)).toBe(0);
    }
    const f = machines.start("m-finalize", ["finalize", "--cube-uri", cube, "--log-format", "json", ...s3Flags()]);
    expect(await f.exited).toBe(1);
    const m = /batches ([\d,]+)\); compute them with `cube-builder build --cube-uri (\S+) --batches ([\d,]+)`/.exec(text(f));
    expect(m, text(f)).not.toBeNull();
    expect(m![2]).toBe(cube);
    expect(m![3]).toBe(m![1]);
    // moto keeps answering while this process is blocked in a synchronous child (its output must not back up)
    const burst = spawnSync(process.execPath, ["-e", `(async () => { for (let i = 0; i < 400; i++) { const r = await fetch("${moto.endpoint}/cubes?list-type=2&prefix=missing/", { signal: AbortSignal.timeout(10000) }); if (!r.ok) throw new Error("HTTP " + r.status); await r.arrayBuffer(); } })()`], { encoding: "utf8", timeout: 120_000 });
    expect(burst.status, burst.stderr).toBe(0);
    const fill = machines.start("m-fill", ["build", "--cube-uri", cube, "--batches", m![3], "--max-workers", "1", "--log-format", "json", ...s3Flags()]);
    expect(await fill.exited, text(fill)).toBe(0);
    const again = machines.start("m-finalize-again", ["finalize", "--cube-uri", cube, "--max-workers", "2", "--log-format", "json", ...s3Flags()]);
    expect(await again.exited, text(again)).toBe(0);
    await expectOneMachineCube(cube);
  }, 300_000);

  it("queue mode with three workers, one SIGKILLed with a job in hand: the job is taken over; the one-machine cube and counts", async () => {
    const cube = "s3://cubes/queue";
    const worker = (name: string, env: NodeJS.ProcessEnv = {}) =>
      machines.start(name, ["worker", "--queue", redis.url, "--queue-name", "s3", "--max-workers", "1", "--lock-duration", "2000", "--stalled-interval", "1000", "--log-format", "json", ...s3Flags()], env);
    const doomed = worker("q-host-1", { CUBE_BUILDER_HOLD_JOB_MS: "60000" });
    const co = machines.start("q-coordinator", [...planArgs(cube).map((a) => (a === "plan" ? "build" : a)), "--queue", redis.url, "--queue-name", "s3", "--backoff", "200"]);
    await waitFor("the first worker to take a job", () => logLines(doomed).some((l) => l.holdMs));
    const held = logLines(doomed).find((l) => l.holdMs).batch as number;
    const others = [worker("q-host-2"), worker("q-host-3")];
    killGroup(doomed.child);
    expect(await co.exited, text(co)).toBe(0);
    const takenBy = others.filter((w) => logLines(w).some((l) => l.batch === held && /staged$/.test(l.msg ?? "")));
    expect(takenBy.length, `batch ${held} staged by another worker`).toBe(1);
    const summary = JSON.parse(text(co).split("\n").find((l) => l.startsWith('{"cubeUri"'))!);
    expect(buildCounts(summary)).toEqual(oneMachine);
    await expectOneMachineCube(cube);
  }, 300_000);
});
