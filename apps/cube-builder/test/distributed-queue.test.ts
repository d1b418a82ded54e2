import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type RedisServer, startRedis } from "@census-cube/s3-test-servers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compareCubes, tempDir } from "./helpers/env.js";
import { type BuildCounts, buildCounts, type Host, hosts, killGroup, logLines, oneMachineReference, waitFor } from "./helpers/hosts.js";

// Queue mode with a real Redis (the Debian redis-server, started here on a free loopback port) and three worker
// processes, each its own process group with its own scratch folder, standing in for three machines.
const tmp = tempDir("cube-queue-");
let experiment = "";
let reference = "";
/** The one-machine build's summary: its rows written, X values read and used, what the input left out. */
let oneMachine: BuildCounts;
/** Redis without persistence: a restart loses the queue, which the coordinator must survive. */
let redis: RedisServer | null = null;

const machines = hosts(() => tmp.path);
const queueUrl = () => redis!.url;

const worker = (name: string, queue: string, env: NodeJS.ProcessEnv = {}) =>
  machines.start(name, ["worker", "--queue", queueUrl(), "--queue-name", queue, "--max-workers", "1", "--lock-duration", "2000", "--stalled-interval", "1000", "--log-format", "json"], env);

const coordinator = (name: string, queue: string, cube: string, extra: string[] = []) =>
  machines.start(name, ["build", "--experiment-uri", experiment, "--cube-uri", cube, "--queue", queueUrl(), "--queue-name", queue, "--max-workers", "2", "--min-batch-size", "100", "--backoff", "200", "--log-format", "json", ...extra]);

/** The coordinator's summary (its last stdout line). */
const summaryOf = (p: Host) => JSON.parse(readFileSync(p.log, "utf8").split("\n").find((l) => l.startsWith('{"cubeUri"'))!);

/** Rows, X values and left-out input in the coordinator's summary and last progress line equal the one-machine build's. */
function expectOneMachineCounts(co: Host): void {
  expect(buildCounts(summaryOf(co))).toEqual(oneMachine);
  const progress = logLines(co).filter((l) => l.nnzDone !== undefined);
  expect(progress.at(-1)?.nnzDone).toBe(oneMachine.nnz);
}

beforeAll(async () => {
  ({ experiment, cube: reference, counts: oneMachine } = oneMachineReference(tmp.path));
  expect(oneMachine.nnz).toBeGreaterThan(0);
  expect(oneMachine.valuesUsed).toBeGreaterThan(0);
  redis = await startRedis();
}, 300_000);

afterEach(() => {
  // every worker and coordinator a test started, with its executor's processes
  machines.killAll();
});

afterAll(async () => {
  await redis?.stop();
  tmp.remove();
});

describe("build --queue with three workers", () => {
  it("a worker SIGKILLed with a job in hand: another worker takes the job over; the one-machine cube", async () => {
    const cube = join(tmp.path, "killed");
    // the first worker holds its first job long enough to die with it
    const doomed = worker("k-host-1", "killed", { CUBE_BUILDER_HOLD_JOB_MS: "60000" });
    const co = coordinator("k-coordinator", "killed", cube);
    await waitFor("the first worker to take a job", () => logLines(doomed).some((l) => l.holdMs));
    const held = logLines(doomed).find((l) => l.holdMs).batch as number;
    const others = [worker("k-host-2", "killed"), worker("k-host-3", "killed")];
    killGroup(doomed.child);
    const killedAt = Date.now();
    expect(await co.exited).toBe(0);
    const takenBy = others.filter((w) => logLines(w).some((l) => l.batch === held && /staged/.test(l.msg)));
    expect(takenBy.length, `batch ${held} staged by another worker`).toBe(1);
    // taken over once its 2 s lock ran out, not at the end of the 60 s hold
    expect(Date.now() - killedAt).toBeLessThan(50_000);
    expectOneMachineCounts(co);
    const cmp = compareCubes(cube, reference);
    expect(cmp.status, cmp.out).toBe(0);
  }, 300_000);

  it("a job that fails twice and then succeeds; a job failing every attempt fails the build naming its batch and error; re-run with --resume, that job is tried again", async () => {
    const cube = join(tmp.path, "retried");
    const env = { CUBE_BUILDER_FAIL_BATCH: "2:2" };
    const ws = [worker("r-host-1", "retried", env), worker("r-host-2", "retried", env), worker("r-host-3", "retried", env)];
    const co = coordinator("r-coordinator", "retried", cube, ["--attempts", "3"]);
    expect(await co.exited).toBe(0);
    const failures = ws.flatMap(logLines).filter((l) => l.batch === 2 && /injected failure/.test(l.msg ?? ""));
    expect(failures.map((l) => /attempt (\d)/.exec(l.msg)![1]).sort()).toEqual(["1", "2"]);
    const cmp = compareCubes(cube, reference);
    expect(cmp.status, cmp.out).toBe(0);

    const failing = join(tmp.path, "failing");
    const co2 = coordinator("f-coordinator", "retried", failing, ["--attempts", "2"]);
    expect(await co2.exited).toBe(3); // a worker failure (exit codes: 3 internal or worker failure)
    const err = logLines(co2).find((l) => l.code === "E_BATCH_FAILED");
    expect(err?.msg).toMatch(/batch 2 of .* failed 2 times; last error: injected failure of batch 2, attempt 2/);
    expect(err?.msg).toMatch(/run the same command with --resume/);

    // the re-run the error names: the failed job (still in Redis under its id) is tried again with the new
    // --attempts, its first two failing as before, the third computing it
    const co3 = coordinator("f-coordinator-again", "retried", failing, ["--attempts", "3", "--resume"]);
    expect(await co3.exited, readFileSync(co3.log, "utf8")).toBe(0);
    const again = ws.flatMap(logLines).filter((l) => l.batch === 2 && /injected failure/.test(l.msg ?? ""));
    expect(again.length).toBe(6); // two in each of the three runs
    expect(ws.flatMap(logLines).some((l) => l.cubeUri === failing && l.batch === 2 && l.attempt === 3 && /started$/.test(l.msg ?? ""))).toBe(true);
    const cmp2 = compareCubes(failing, reference);
    expect(cmp2.status, cmp2.out).toBe(0);
  }, 300_000);

  it("Redis restarted (losing the queue) mid-build: the jobs are put back and the build finishes; the one-machine cube", async () => {
    const cube = join(tmp.path, "restarted");
    const env = { CUBE_BUILDER_HOLD_JOB_MS: "1500" };
    const ws = [worker("x-host-1", "restarted", env), worker("x-host-2", "restarted", env), worker("x-host-3", "restarted", env)];
    const co = coordinator("x-coordinator", "restarted", cube);
    await waitFor("a first batch staged", () => ws.some((w) => logLines(w).some((l) => /staged/.test(l.msg ?? ""))));
    await redis!.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await redis!.start();
    expect(await co.exited).toBe(0);
    expect(summaryOf(co).requeued).toBeGreaterThan(0);
    expectOneMachineCounts(co);
    const cmp = compareCubes(cube, reference);
    expect(cmp.status, cmp.out).toBe(0);
  }, 300_000);
});
