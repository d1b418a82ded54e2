import { existsSync, readFileSync, statSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { MementoDeError } from "./errors.js";
import { createLogger, type Logger } from "./logger.js";
import { encodeResults, outputFormat, writeAtomically } from "./output.js";
import { renderVolcanoSvg, reportHtml } from "./report.js";
import { runMementoDe } from "./run.js";

interface Flags {
  cubeUri: string;
  filter?: string;
  treatment: string;
  control?: string;
  case?: string;
  covariates?: string;
  features?: string;
  output?: string;
  report?: string;
  topGenes: number;
  maxWorkers?: number;
  overwrite?: boolean;
  logFormat: "text" | "json";
}

function positiveInt(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got "${v}"`);
    return n;
  };
}

/** `--features`: a file of ids (one per line, or separated by commas or blanks) when such a file exists, else a comma list. */
export function parseFeatures(value: string): string[] {
  const text = existsSync(value) && statSync(value).isFile() ? readFileSync(value, "utf8") : value;
  const ids = text.split(/[\s,]+/).filter((s) => s.length > 0);
  if (ids.length === 0) throw new MementoDeError("E_INVALID_ARGUMENT", `--features ${value}: no feature ids`);
  return ids;
}

/** Exit codes: 1 bad input or a refused action, 3 an unexpected error. */
function exitCodeOf(err: unknown): number {
  return err && typeof err === "object" && "code" in err && typeof (err as { code: unknown }).code === "string" ? 1 : 3;
}

async function run(flags: Flags, log: Logger): Promise<void> {
  const start = process.hrtime.bigint();
  if (!flags.output && !flags.report) throw new MementoDeError("E_INVALID_ARGUMENT", "nothing to write: give --output and/or --report");
  const format = flags.output ? outputFormat(flags.output) : undefined;
  if (flags.report && !/\.html?$/i.test(flags.report)) throw new MementoDeError("E_INVALID_ARGUMENT", `--report ${flags.report}: the file name must end in .html`);
  const svgPath = flags.report?.replace(/\.html?$/i, ".svg");
  for (const [flag, p] of [["--output", flags.output], ["--report", flags.report], ["--report (its SVG)", svgPath]] as const) {
    if (p && !flags.overwrite && existsSync(p)) throw new MementoDeError("E_OUTPUT_EXISTS", `${flag} ${p} exists; pass --overwrite to replace it`);
  }
  let lastLog = 0;
  const de = await runMementoDe({
    cubeUri: flags.cubeUri,
    filter: flags.filter,
    treatment: flags.treatment,
    control: flags.control,
    case: flags.case,
    covariates: flags.covariates ? flags.covariates.split(",").map((s) => s.trim()).filter(Boolean) : [],
    features: flags.features ? parseFeatures(flags.features) : undefined,
    maxWorkers: flags.maxWorkers,
    log,
    onProgress: (done, total) => {
      const now = Date.now();
      if (now - lastLog >= 2000 || done === total) {
        lastLog = now;
        log.info({ done, total }, `features ${done}/${total} (${((100 * done) / total).toFixed(0)}%)`);
      }
    },
  });
  const { results, plan } = de;
  const metadata = { treatment: plan.treatment, control: plan.control, case: plan.case, covariates: plan.covariates.join(","), filter: flags.filter ?? "", cube_uri: flags.cubeUri };
  if (flags.output && format) await writeAtomically(flags.output, encodeResults(results, format, metadata), true, "--output");
  if (flags.report && svgPath) {
    const input = { results, plan, cubeUri: flags.cubeUri, filter: flags.filter, dropped: de.dropped, topGenes: flags.topGenes };
    const svg = await renderVolcanoSvg(input);
    await writeAtomically(svgPath, svg, true, "--report");
    await writeAtomically(flags.report, reportHtml(input, svg), true, "--report");
  }
  let significant = 0;
  for (const p of results.padj) if (p < 0.05) significant++;
  const summary = {
    features: results.featureId.length,
    dropped: de.dropped,
    significant,
    obsGroups: plan.groups.obsGroupJoinid.length,
    cells: { control: plan.cells[0], case: plan.cells[1] },
    control: plan.control,
    case: plan.case,
    rows: de.rows,
    output: flags.output,
    report: flags.report,
    svg: svgPath,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

export function program(): Command {
  return new Command("memento-de")
    .description("Memento differential expression of mean between two values of an obs column, from an estimators cube")
    .requiredOption("--cube-uri <uri>", "the estimators cube (written by cube-builder or the reference builder)")
    .requiredOption("--treatment <column>", "obs_groups column whose two values are compared")
    .option("--control <value>", "the treatment's reference value (with --case; other values are left out)")
    .option("--case <value>", "the treatment value compared with --control")
    .option("--filter <filter>", "value filter over obs_groups columns, e.g. \"tissue_general_ontology_term_id == 'UBERON:0002048'\"")
    .option("--covariates <list>", "comma-separated obs_groups columns added to the design")
    .option("--features <ids|file>", "feature ids, comma-separated, or a file of them (default: every feature)")
    .option("--output <file>", "results table: .tsv, .arrow (Arrow IPC file) or .parquet")
    .option("--report <file.html>", "HTML report (volcano plot and top genes); the plot is also written as SVG beside it")
    .option("--top-genes <n>", "genes in the report's table", positiveInt("--top-genes"), 100)
    .option("--max-workers <n>", "worker processes (default: CPU count; 1 runs in this process)", positiveInt("--max-workers"))
    .option("--overwrite", "replace existing output files")
    .addOption(new Option("--log-format <format>", "log lines as text or JSON").choices(["text", "json"]).default("text"))
    .showHelpAfterError()
    .action(async (flags: Flags) => {
      const log = createLogger(flags.logFormat);
      try {
        await run(flags, log);
      } catch (err) {
        log.error({ code: (err as { code?: string })?.code }, err instanceof Error ? err.message : String(err));
        if (exitCodeOf(err) === 3 && err instanceof Error && err.stack) log.error(err.stack);
        process.exitCode = exitCodeOf(err);
      }
    });
}
