import { createRequire } from "node:module";
import { Command, Option } from "commander";
import { build, demoExperimentUri } from "./build.js";
import { cubeInfo, validateAgainstExperiment } from "./inspect.js";
import { CubeBuilderError, exitCodeOf } from "./errors.js";
import { type Logger, createLogger } from "./logger.js";
import { REQUIRED_ESTIMATORS } from "@census-cube/cube-writer";
import { configureS3, S3_DEFAULT_CONCURRENCY } from "@census-cube/tiledb-ts";
import { DEFAULT_WATCHDOG_SECONDS, nonNegativeInt, OPTIONAL_ESTIMATORS, parseBatchIds, parseShard, positiveInt, type RawBuildFlags, resolveBuildOptions, resolveLocalResources, resolveS3Options, type S3Flags } from "./options.js";
import { buildOnQueue, checkQueueUrl, DEFAULT_QUEUE_NAME, runQueueWorker } from "./queue.js";
import { type BatchSelection, buildBatches, finalizeCube, planCube, withCubeLock } from "./steps.js";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "silent"];

/** `build --help` ends with a build straight from the published Census (a public, anonymous-read bucket). */
const CENSUS_EXAMPLE = `
Example: one tissue's cube straight from the public Census on S3 (nothing downloaded ahead; obs is read whole,
X only for the selected cells), written to a local folder:
  cube-builder build \\
    --experiment-uri s3://cellxgene-census-public-us-west-2/cell-census/2025-01-30/soma/census_data/homo_sapiens \\
    --s3-anonymous --s3-region us-west-2 \\
    --obs-value-filter 'is_primary_data == True and tissue_general == "lung"' \\
    --cube-uri ./lung-cube
Or written to your own bucket, signed with your AWS credentials while the Census is read unsigned (a bucket in
another region than --s3-region is followed there):
    --s3-anonymous cellxgene-census-public-us-west-2 --s3-region us-west-2 --cube-uri s3://my-bucket/lung-cube
`;

function loggerFor(flags: { logFormat?: string; logLevel?: string }): Logger {
  return createLogger(flags.logFormat === "json" ? "json" : "text", flags.logLevel ?? "info");
}

/** An error's stack and its causes' stacks (shown with --log-level debug when an unexpected error ends a run). */
function fullStack(err: Error): string {
  let out = err.stack ?? err.message;
  for (let c = err.cause; c instanceof Error; c = c.cause) out += `\ncaused by: ${c.stack ?? c.message}`;
  return out;
}

/** The version of this package (`--version`). */
function version(): string {
  return (createRequire(import.meta.url)("../package.json") as { version: string }).version;
}

/** Runs a command: s3:// URIs reached as its --s3-* flags say, an error logged and turned into the exit code. */
async function run(log: Logger, flags: S3Flags, fn: () => Promise<void>): Promise<void> {
  try {
    const s3 = resolveS3Options(flags);
    if (s3) configureS3(s3);
    await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ code: (err as { code?: string })?.code }, message);
    if (exitCodeOf(err) === 3 && err instanceof Error) log.debug(fullStack(err));
    process.exitCode = exitCodeOf(err);
  }
}

/** The share of `build --shard` / `--batches`; flags that only a whole build takes are refused. */
function shareOf(flags: RawBuildFlags & { shard?: string; batches?: string }): BatchSelection {
  if (flags.shard !== undefined && flags.batches !== undefined) throw new CubeBuilderError("E_BAD_FLAG", "--shard and --batches cannot be used together");
  const which = flags.shard !== undefined ? "--shard" : "--batches";
  for (const [flag, given] of [["--experiment-uri", flags.experimentUri], ["--resume", flags.resume], ["--overwrite", flags.overwrite]] as const) {
    if (given !== undefined) throw new CubeBuilderError("E_BAD_FLAG", `${flag} does not go with ${which}: the cube's stored plan says what to build (see \`cube-builder plan\`)`);
  }
  return flags.shard !== undefined ? { shard: parseShard(flags.shard) } : { batches: parseBatchIds(flags.batches!) };
}

export function program(): Command {
  const cli = new Command("cube-builder")
    .description("Build the Memento estimators cube of a TileDB-SOMA experiment (CZ CELLxGENE Census layout)")
    .version(version())
    .showHelpAfterError();

  const inputOptions = (cmd: Command) =>
    cmd
      .option("--experiment-uri <uri>", "SOMA experiment to read: a local path or s3://bucket/prefix; required (`cube-builder demo` builds the bundled one)")
      .option("--measurement-name <name>", "measurement holding X and var", "RNA")
      .option("--layer <name>", "X layer with raw counts", "raw")
      .option("--obs-value-filter <filter>", "which cells to use (TileDB-SOMA value-filter syntax)", "is_primary_data == True")
      .option(
        "--estimators <list>",
        `comma-separated estimators; always ${REQUIRED_ESTIMATORS.join(",")}, optionally ${OPTIONAL_ESTIMATORS.join(",")}`,
        REQUIRED_ESTIMATORS.join(","),
      )
      .option("--min-batch-size <n>", "cells per batch before a batch may close (whole obs groups; it closes where the next groups do not interleave with it)", "8192")
      .option(
        "--zstd-level-cap <n>",
        "highest zstd level of the cube's filters: the reference's levels (19, and 5 on estimator values) capped at this, recorded in the cube's schemas; \"none\" keeps the reference's levels (~100x slower to write)",
        "3",
      );
  const finishOptions = (cmd: Command) =>
    cmd
      .option("--validate", "validate the cube against the experiment after building", true)
      .option("--no-validate", "skip validation")
      .option("--consolidate", "consolidate and vacuum the estimators array at the end", true)
      .option("--no-consolidate", "leave one fragment per batch");
  const resourceOptions = (cmd: Command) =>
    cmd
      .option("--max-workers <n>", "worker processes on this machine (default: CPU count)")
      .option("--memory-budget <size>", "memory for this machine's workers together, e.g. 8GiB (default: half of RAM)")
      .option("--watchdog <seconds>", "a worker silent this long is taken for hung: killed, and the step fails (exit 3) naming its batch", String(DEFAULT_WATCHDOG_SECONDS));
  const logOption = (cmd: Command) =>
    cmd
      .addOption(new Option("--log-format <format>", "log lines as text or JSON").choices(["text", "json"]).default("text"))
      .addOption(new Option("--log-level <level>", "least severe log lines shown (debug shows the stack of an unexpected error)").choices(LOG_LEVELS).default("info"));
  const s3Options = (cmd: Command) =>
    cmd
      .option("--s3-region <region>", "region of s3:// buckets (default: AWS_REGION, else us-east-1)")
      .option("--s3-endpoint <url>", "an S3-compatible server, e.g. http://127.0.0.1:9000, addressed path-style (default: AWS_ENDPOINT_URL_S3)")
      .option("--s3-anonymous [buckets]", "unsigned requests, for public buckets such as the Census (no credentials looked up): alone for every bucket, or only for the comma-separated buckets given, the others signed")
      .option("--s3-concurrency <n>", `S3 requests in flight at once, per process (default ${S3_DEFAULT_CONCURRENCY})`);
  const lockOptions = (cmd: Command) =>
    cmd
      .option("--take-over-lock", "take over the cube's lock when its holder is gone (dead pid on this host, or no heartbeat); a live holder is always refused");

  // `demo`: the bundled experiment into ./demo-cube (an earlier demo cube is replaced; nothing else ever is)
  logOption(
    s3Options(lockOptions(
      resourceOptions(
        finishOptions(
          cli
            .command("demo")
            .description("build the cube of the small experiment bundled with cube-builder (replacing an earlier demo cube)")
            .option("--cube-uri <path>", "cube directory to write", "demo-cube")
            .option("--resume", "finish an interrupted demo build"),
        ),
      ),
    )),
  ).action(async (flags: RawBuildFlags & { logLevel?: string }) => {
    const log = loggerFor(flags);
    await run(log, flags, async () => {
      const opts = resolveBuildOptions({ ...flags, experimentUri: demoExperimentUri(), overwrite: !flags.resume, measurementName: "RNA", layer: "raw", obsValueFilter: "is_primary_data == True", estimators: REQUIRED_ESTIMATORS.join(","), minBatchSize: "8192", zstdLevelCap: "3" });
      process.stdout.write(`${JSON.stringify(await build(opts, log))}\n`);
    });
  });

  logOption(
    s3Options(resourceOptions(
      finishOptions(
        inputOptions(
          cli
            .command("build")
            .description(
              "build (or resume) an estimators cube (--experiment-uri required; `demo` builds the bundled experiment). With --shard or --batches: compute a share of a planned cube's batches (see plan, finalize)",
            )
            .requiredOption("--cube-uri <uri>", "cube to write: a local path or s3://bucket/prefix"),
        ),
      )
        .option("--resume", "finish an interrupted build of this cube (a complete cube is left as it is)")
        .option("--overwrite", "replace an existing cube (only a cube: any other directory is refused)")
        .option("--take-over-lock", "take over the cube's lock when its holder is gone (dead pid on this host, or no heartbeat); a live holder is always refused")
        .option("--shard <index/count>", "compute shard INDEX (from 0) of COUNT of a planned cube's batches, e.g. $SLURM_ARRAY_TASK_ID/$COUNT")
        .option("--batches <ids>", "compute these batches of a planned cube, e.g. 3,7,11")
        .option("--queue <url>", "plan, put one job per batch on this Redis queue (redis://host:6379/0) for `cube-builder worker`s, follow them, finalize")
        .option("--queue-name <name>", "BullMQ queue name", DEFAULT_QUEUE_NAME)
        .option("--attempts <n>", "with --queue: tries of a batch before the build fails", "3")
        .option("--backoff <ms>", "with --queue: delay before a failed batch's first retry (doubled for each next one)", "2000"),
    )).addHelpText("after", CENSUS_EXAMPLE),
  ).action(async (flags: RawBuildFlags & { shard?: string; batches?: string; queue?: string; queueName: string; attempts: string; backoff: string }) => {
    const log = loggerFor(flags);
    await run(log, flags, async () => {
      if (flags.queue !== undefined) {
        if (flags.shard !== undefined || flags.batches !== undefined) throw new CubeBuilderError("E_BAD_FLAG", "--queue does not go with --shard or --batches");
        const co = { attempts: positiveInt(flags.attempts, "--attempts"), backoffMs: nonNegativeInt(flags.backoff, "--backoff") };
        const summary = await buildOnQueue(resolveBuildOptions(flags), { url: checkQueueUrl(flags.queue), name: flags.queueName }, co, log);
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      if (flags.shard !== undefined || flags.batches !== undefined) {
        const summary = await buildBatches(flags.cubeUri!, shareOf(flags), resolveLocalResources(flags), log);
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      if (!flags.experimentUri) throw new CubeBuilderError("E_BAD_FLAG", "--experiment-uri is required (the bundled demo experiment is built by `cube-builder demo`)");
      const summary = await build(resolveBuildOptions(flags), log);
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
  });

  logOption(
    s3Options(resourceOptions(
      inputOptions(
        cli
          .command("plan")
          .description("create the cube (obs groups, size factors, feature ids, empty estimators) and store its batch plan; run again, it keeps the plan")
          .requiredOption("--cube-uri <path>", "cube directory to write (a shared path or object store all machines reach)"),
      ),
    ).option("--overwrite", "replace an existing cube")),
  ).action(async (flags: RawBuildFlags) => {
    const log = loggerFor(flags);
    await run(log, flags, async () => {
      // planning again keeps the plan: it is the step an array job's first task may run twice
      const opts = resolveBuildOptions({ ...flags, resume: !flags.overwrite, validate: true, consolidate: true });
      const { plan, reused } = await withCubeLock(opts.cubeUri, "plan", true, () => planCube(opts, log));
      process.stdout.write(`${JSON.stringify({ cubeUri: opts.cubeUri, reused, complete: !plan, batches: plan?.batches.length ?? 0, cells: plan?.cells ?? 0, groups: plan?.nObs.length ?? 0 })}\n`);
    });
  });

  logOption(
    s3Options(resourceOptions(
      finishOptions(
        cli
          .command("finalize")
          .description("check every planned batch is computed (naming any missing), then write, validate, consolidate and complete the cube")
          .requiredOption("--cube-uri <path>", "cube directory"),
      ),
    )),
  ).action(async (flags: { cubeUri: string; validate: boolean; consolidate: boolean; maxWorkers?: string; memoryBudget?: string; watchdog?: string; logFormat: string } & S3Flags) => {
    const log = loggerFor(flags);
    await run(log, flags, async () => {
      const options = { validate: flags.validate, consolidate: flags.consolidate, ...resolveLocalResources(flags) };
      const summary = await withCubeLock(flags.cubeUri, "finalize", true, () => finalizeCube(flags.cubeUri, options, log));
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
  });

  logOption(
    s3Options(resourceOptions(
      cli
        .command("worker")
        .description("take batch jobs from a Redis queue (see build --queue) and compute them, until stopped (SIGTERM/SIGINT)")
        .requiredOption("--queue <url>", "Redis queue, e.g. redis://host:6379/0")
        .option("--queue-name <name>", "BullMQ queue name", DEFAULT_QUEUE_NAME)
        .option("--lock-duration <ms>", "a job's lock: a dead worker's jobs are taken over after about this long", "10000")
        .option("--stalled-interval <ms>", "how often to look for jobs of dead workers", "5000"),
    )),
  ).action(async (flags: { queue: string; queueName: string; lockDuration: string; stalledInterval: string; maxWorkers?: string; memoryBudget?: string; watchdog?: string; logFormat: string } & S3Flags) => {
    const log = loggerFor(flags);
    await run(log, flags, async () => {
      const options = { ...resolveLocalResources(flags), lockMs: positiveInt(flags.lockDuration, "--lock-duration"), stalledCheckMs: positiveInt(flags.stalledInterval, "--stalled-interval") };
      const stop = new AbortController();
      for (const s of ["SIGTERM", "SIGINT"] as const) process.once(s, () => stop.abort());
      await runQueueWorker({ url: checkQueueUrl(flags.queue), name: flags.queueName }, options, log, stop.signal);
    });
  });

  logOption(
    s3Options(resourceOptions(cli
      .command("validate")
      .description("check a cube against its source experiment (its rows in shares on --max-workers workers)")
      .requiredOption("--cube-uri <path>", "cube directory")
      .option("--experiment-uri <uri>", "source experiment (default: the one recorded in the cube)"))),
  ).action(async (flags: { cubeUri: string; experimentUri?: string; maxWorkers?: string; memoryBudget?: string; watchdog?: string; logFormat: string } & S3Flags) => {
      const log = loggerFor(flags);
      await run(log, flags, async () => {
        const report = await validateAgainstExperiment(flags.cubeUri, flags.experimentUri ?? null, log, resolveLocalResources(flags));
        process.stdout.write(`${JSON.stringify(report)}\n`);
      });
    });

  s3Options(cli
    .command("info")
    .description("groups, features, rows, size and how the cube was built")
    .requiredOption("--cube-uri <path>", "cube directory")
    .option("--json", "print JSON instead of text"))
    .action(async (flags: { cubeUri: string; json?: boolean } & S3Flags) => {
      const log = createLogger("text");
      await run(log, flags, async () => {
        const info = await cubeInfo(flags.cubeUri);
        if (flags.json) process.stdout.write(`${JSON.stringify(info)}\n`);
        else for (const [k, v] of Object.entries(info)) process.stdout.write(`${k.padEnd(18)} ${typeof v === "object" ? JSON.stringify(v) : v}\n`);
      });
    });
  return cli;
}

