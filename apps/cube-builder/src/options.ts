import { availableParallelism, totalmem } from "node:os";
import { REQUIRED_ESTIMATORS } from "@census-cube/cube-writer";
import { ESTIMATOR_NAMES } from "@census-cube/estimators";
import { isS3BucketName, type S3Options } from "@census-cube/tiledb-ts";
import { CubeBuilderError } from "./errors.js";
import type { LogFormat } from "./logger.js";
import { parseByteSize } from "./size.js";

/** Memento's per-(group, feature) estimators a cube can add to the required ones with --estimators. */
export const OPTIONAL_ESTIMATORS = ESTIMATOR_NAMES.filter((n) => !(REQUIRED_ESTIMATORS as readonly string[]).includes(n));

export interface BuildOptions {
  experimentUri: string | null; // null: the bundled demo experiment
  cubeUri: string;
  measurementName: string;
  layer: string;
  obsValueFilter: string;
  estimators: string[];
  validate: boolean;
  consolidate: boolean;
  mode: "create" | "resume" | "overwrite";
  maxWorkers: number;
  memoryBudget: number;
  minBatchSize: number;
  /** Highest zstd level of the cube's filters, recorded in its schemas (null: the reference's levels, 19 and 5). */
  zstdLevelCap: number | null;
  logFormat: LogFormat;
  /** Take over the cube's lock if it is stale (its holder is gone); a live holder is always refused. */
  takeOverLock: boolean;
  /** A worker silent this long is taken for hung: killed, and the build fails naming its batch. */
  watchdogMs: number;
  /** How s3:// URIs are reached (--s3-* flags); undefined: the AWS SDK's environment and defaults. */
  s3?: S3Options;
}

/** Raw flag values as commander hands them over. */
export interface RawBuildFlags extends S3Flags {
  experimentUri?: string;
  cubeUri?: string;
  measurementName: string;
  layer: string;
  obsValueFilter: string;
  estimators: string;
  validate: boolean;
  consolidate: boolean;
  resume?: boolean;
  overwrite?: boolean;
  maxWorkers?: string;
  memoryBudget?: string;
  minBatchSize: string;
  zstdLevelCap: string;
  logFormat: string;
  takeOverLock?: boolean;
  watchdog?: string;
}

/** The --s3-* flags as S3 backend options; undefined when none is given (the AWS SDK's environment applies). */
export function resolveS3Options(f: S3Flags): S3Options | undefined {
  if (f.s3Region === undefined && f.s3Endpoint === undefined && f.s3Anonymous === undefined && f.s3Concurrency === undefined) return undefined;
  if (f.s3Endpoint !== undefined && !/^https?:\/\/[^/]+/i.test(f.s3Endpoint)) {
    throw new CubeBuilderError("E_BAD_FLAG", `--s3-endpoint: "${f.s3Endpoint}" must be an http:// or https:// URL, e.g. http://127.0.0.1:9000`);
  }
  return {
    region: f.s3Region,
    endpoint: f.s3Endpoint,
    anonymous: anonymousBuckets(f.s3Anonymous),
    concurrency: f.s3Concurrency === undefined ? undefined : positiveInt(f.s3Concurrency, "--s3-concurrency"),
  };
}

/** `--s3-anonymous` alone: every bucket unsigned; with a comma-separated list: only those buckets. */
function anonymousBuckets(value: true | string | undefined): S3Options["anonymous"] {
  if (value === undefined || value === true) return value;
  const buckets = value.split(",").map((b) => b.trim());
  const bad = buckets.find((b) => !isS3BucketName(b));
  if (bad !== undefined) {
    throw new CubeBuilderError("E_BAD_FLAG", `--s3-anonymous: "${bad}" is not a bucket name; give bucket names separated by commas, e.g. cellxgene-census-public-us-west-2`);
  }
  return buckets;
}

/** The flags that say how s3:// URIs are reached. */
export interface S3Flags {
  s3Region?: string;
  s3Endpoint?: string;
  /** true: the flag without a value. */
  s3Anonymous?: true | string;
  s3Concurrency?: string;
}

export function nonNegativeInt(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0) throw new CubeBuilderError("E_BAD_FLAG", `${flag}: "${text}" must be a non-negative integer`);
  return v;
}

export function positiveInt(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new CubeBuilderError("E_BAD_FLAG", `${flag}: "${text}" must be a positive integer`);
  return v;
}

/** How long a worker may stay silent before it is taken for hung (workers beat every eighth of it). */
export const DEFAULT_WATCHDOG_SECONDS = 120;

function positiveSeconds(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new CubeBuilderError("E_BAD_FLAG", `${flag}: "${text}" must be a positive number of seconds`);
  return v;
}

function zstdLevel(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1 || v > 22) throw new CubeBuilderError("E_BAD_FLAG", `--zstd-level-cap: "${text}" must be an integer 1..22 or "none"`);
  return v;
}

/** Default budget: half of this machine's memory, leaving the rest to the OS and page cache. */
export function defaultMemoryBudget(): number {
  return Math.floor(totalmem() / 2);
}

/** Checks and normalises `build` flags; every problem names the flag at fault. */
export function resolveBuildOptions(f: RawBuildFlags): BuildOptions {
  if (!f.cubeUri) throw new CubeBuilderError("E_BAD_FLAG", "--cube-uri is required");
  if (f.resume && f.overwrite) {
    throw new CubeBuilderError("E_BAD_FLAG", "--resume and --overwrite cannot be used together");
  }
  if (f.logFormat !== "text" && f.logFormat !== "json") {
    throw new CubeBuilderError("E_BAD_FLAG", `--log-format: "${f.logFormat}" is not one of text, json`);
  }
  const known = new Set<string>([...REQUIRED_ESTIMATORS, ...OPTIONAL_ESTIMATORS]);
  const asked = f.estimators.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  for (const name of asked) {
    if (!known.has(name)) {
      throw new CubeBuilderError("E_BAD_FLAG", `--estimators: unknown estimator "${name}" (known: ${[...known].join(", ")})`);
    }
  }
  // Required estimators first, in the reference's order; extras after, in the order asked.
  const estimators = [...REQUIRED_ESTIMATORS, ...asked.filter((n) => !(REQUIRED_ESTIMATORS as readonly string[]).includes(n))];
  const cpus = availableParallelism();
  return {
    experimentUri: f.experimentUri ?? null,
    cubeUri: f.cubeUri,
    measurementName: f.measurementName,
    layer: f.layer,
    obsValueFilter: f.obsValueFilter,
    estimators: [...new Set(estimators)],
    validate: f.validate,
    consolidate: f.consolidate,
    mode: f.resume ? "resume" : f.overwrite ? "overwrite" : "create",
    maxWorkers: f.maxWorkers === undefined ? cpus : positiveInt(f.maxWorkers, "--max-workers"),
    memoryBudget: f.memoryBudget === undefined ? defaultMemoryBudget() : parseByteSize(f.memoryBudget),
    minBatchSize: positiveInt(f.minBatchSize, "--min-batch-size"),
    zstdLevelCap: f.zstdLevelCap === "none" ? null : zstdLevel(f.zstdLevelCap),
    logFormat: f.logFormat,
    takeOverLock: f.takeOverLock ?? false,
    watchdogMs: watchdogMs(f.watchdog),
    s3: resolveS3Options(f),
  };
}

/** `--shard I/N`: shard I (0-based, as array-job indices are) of N. */
export function parseShard(text: string): [number, number] {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new CubeBuilderError("E_BAD_FLAG", `--shard: "${text}" must be INDEX/COUNT, e.g. 0/8 (INDEX counts from 0)`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1) throw new CubeBuilderError("E_BAD_FLAG", `--shard: "${text}": COUNT must be at least 1`);
  if (index >= count) throw new CubeBuilderError("E_BAD_FLAG", `--shard: "${text}": INDEX must be 0..${count - 1} (it counts from 0; for 1-based array indices pass $((INDEX - 1))/${count})`);
  return [index, count];
}

/** `--batches 3,7,11`: batch ids of the cube's plan. */
export function parseBatchIds(text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const bad = parts.filter((s) => !/^\d+$/.test(s));
  if (parts.length === 0 || bad.length > 0) throw new CubeBuilderError("E_BAD_FLAG", `--batches: "${text}" must be comma-separated batch ids, e.g. 3,7,11`);
  return [...new Set(parts.map(Number))];
}

/** `--watchdog <seconds>` in milliseconds. */
function watchdogMs(text: string | undefined): number {
  return text === undefined ? DEFAULT_WATCHDOG_SECONDS * 1000 : positiveSeconds(text, "--watchdog") * 1000;
}

/** This machine's workers and memory (`--max-workers`, `--memory-budget`), defaults as for `build`. */
export function resolveLocalResources(f: { maxWorkers?: string; memoryBudget?: string; watchdog?: string } & S3Flags): { maxWorkers: number; memoryBudget: number; watchdogMs: number; s3?: S3Options } {
  return {
    maxWorkers: f.maxWorkers === undefined ? availableParallelism() : positiveInt(f.maxWorkers, "--max-workers"),
    memoryBudget: f.memoryBudget === undefined ? defaultMemoryBudget() : parseByteSize(f.memoryBudget),
    watchdogMs: watchdogMs(f.watchdog),
    s3: resolveS3Options(f),
  };
}
