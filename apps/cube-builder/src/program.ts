import { Command, Option } from "commander";
import { build } from "./build.js";
import { cubeInfo, validateAgainstExperiment } from "./inspect.js";
import { CubeBuilderError } from "./errors.js";
import { type Logger, createLogger } from "./logger.js";
import { OPTIONAL_ESTIMATORS, REQUIRED_ESTIMATORS, type RawBuildFlags, resolveBuildOptions } from "./options.js";

/** Exit codes: 1 bad input or refused action, 2 the build or validation failed, 3 an unexpected error. */
function exitCodeOf(err: unknown): number {
  if (err instanceof CubeBuilderError) return err.code === "E_INVALID_CUBE" ? 2 : 1;
  if (err && typeof err === "object" && "code" in err && typeof (err as { code: unknown }).code === "string") return 1;
  return 3;
}

async function run(log: Logger, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ code: (err as { code?: string })?.code }, message);
    if (exitCodeOf(err) === 3 && err instanceof Error && err.stack) log.debug(err.stack);
    process.exitCode = exitCodeOf(err);
  }
}

export function program(): Command {
  const cli = new Command("cube-builder")
    .description("Build the Memento estimators cube of a TileDB-SOMA experiment (CZ CELLxGENE Census layout)")
    .showHelpAfterError();

  cli
    .command("build")
    .description("build (or resume) an estimators cube; without --experiment-uri, from the bundled demo experiment")
    .option("--experiment-uri <uri>", "SOMA experiment to read (local path); default: the bundled demo experiment")
    .requiredOption("--cube-uri <path>", "cube directory to write")
    .option("--measurement-name <name>", "measurement holding X and var", "RNA")
    .option("--layer <name>", "X layer with raw counts", "raw")
    .option("--obs-value-filter <filter>", "which cells to use (TileDB-SOMA value-filter syntax)", "is_primary_data == True")
    .option(
      "--estimators <list>",
      `comma-separated estimators; always ${REQUIRED_ESTIMATORS.join(",")}, optionally ${OPTIONAL_ESTIMATORS.join(",")}`,
      REQUIRED_ESTIMATORS.join(","),
    )
    .option("--validate", "validate the cube against the experiment after building", true)
    .option("--no-validate", "skip validation")
    .option("--consolidate", "consolidate and vacuum the estimators array at the end", true)
    .option("--no-consolidate", "leave one fragment per batch")
    .option("--resume", "finish an interrupted build of this cube")
    .option("--overwrite", "replace an existing cube")
    .option("--max-workers <n>", "worker processes (default: CPU count)")
    .option("--memory-budget <size>", "memory for all workers together, e.g. 8GiB (default: half of RAM)")
    .option("--min-batch-size <n>", "cells per batch before a batch may close (whole obs groups; it closes where the next groups do not interleave with it)", "8192")
    .option(
      "--zstd-level-cap <n>",
      "highest zstd level of the cube's filters: the reference's levels (19, and 5 on estimator values) capped at this, recorded in the cube's schemas; \"none\" keeps the reference's levels (~100x slower to write)",
      "3",
    )
    .addOption(new Option("--log-format <format>", "log lines as text or JSON").choices(["text", "json"]).default("text"))
    .action(async (flags: RawBuildFlags) => {
      const log = createLogger(flags.logFormat === "json" ? "json" : "text");
      await run(log, async () => {
        const summary = await build(resolveBuildOptions(flags), log);
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      });
    });

  cli
    .command("validate")
    .description("check a cube against its source experiment")
    .requiredOption("--cube-uri <path>", "cube directory")
    .option("--experiment-uri <uri>", "source experiment (default: the one recorded in the cube)")
    .addOption(new Option("--log-format <format>", "log lines as text or JSON").choices(["text", "json"]).default("text"))
    .action(async (flags: { cubeUri: string; experimentUri?: string; logFormat: string }) => {
      const log = createLogger(flags.logFormat === "json" ? "json" : "text");
      await run(log, async () => {
        const report = await validateAgainstExperiment(flags.cubeUri, flags.experimentUri ?? null, log);
        process.stdout.write(`${JSON.stringify(report)}\n`);
      });
    });

  cli
    .command("info")
    .description("groups, features, rows, size and how the cube was built")
    .requiredOption("--cube-uri <path>", "cube directory")
    .option("--json", "print JSON instead of text")
    .action(async (flags: { cubeUri: string; json?: boolean }) => {
      const log = createLogger("text");
      await run(log, async () => {
        const info = await cubeInfo(flags.cubeUri);
        if (flags.json) process.stdout.write(`${JSON.stringify(info)}\n`);
        else for (const [k, v] of Object.entries(info)) process.stdout.write(`${k.padEnd(18)} ${typeof v === "object" ? JSON.stringify(v) : v}\n`);
      });
    });
  return cli;
}

