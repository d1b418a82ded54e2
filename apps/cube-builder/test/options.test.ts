import { describe, expect, it } from "vitest";
import { type RawBuildFlags, resolveBuildOptions, resolveLocalResources } from "../src/options.js";

const base: RawBuildFlags = {
  experimentUri: "/data/experiment",
  cubeUri: "/tmp/cube",
  measurementName: "RNA",
  layer: "raw",
  obsValueFilter: "is_primary_data == True",
  estimators: "sum,sumsq,size_factor,n_obs",
  validate: true,
  consolidate: true,
  minBatchSize: "8192",
  zstdLevelCap: "3",
  logFormat: "text",
};

describe("resolveBuildOptions", () => {
  it("applies defaults and keeps the reference estimator order", () => {
    const o = resolveBuildOptions({ ...base, estimators: "mean,sum" });
    expect(o.estimators).toEqual(["sum", "sumsq", "size_factor", "n_obs", "mean"]);
    expect(o.mode).toBe("create");
    expect(o.experimentUri).toBe("/data/experiment");
    expect(o.takeOverLock).toBe(false);
    expect(o.watchdogMs).toBe(120_000);
    expect(o.maxWorkers).toBeGreaterThan(0);
    expect(o.memoryBudget).toBeGreaterThan(0);
  });
  it("rejects --resume with --overwrite", () => {
    expect(() => resolveBuildOptions({ ...base, resume: true, overwrite: true })).toThrow(/--resume and --overwrite/);
  });
  it("names the flag at fault", () => {
    expect(() => resolveBuildOptions({ ...base, estimators: "sum,bogus" })).toThrow(/--estimators: unknown estimator "bogus"/);
    expect(() => resolveBuildOptions({ ...base, maxWorkers: "0" })).toThrow(/--max-workers/);
    expect(() => resolveBuildOptions({ ...base, memoryBudget: "much" })).toThrow(/--memory-budget/);
    expect(() => resolveBuildOptions({ ...base, logFormat: "xml" })).toThrow(/--log-format/);
    expect(() => resolveBuildOptions({ ...base, cubeUri: undefined })).toThrow(/--cube-uri/);
    expect(() => resolveBuildOptions({ ...base, watchdog: "0" })).toThrow(/--watchdog: "0" must be a positive number of seconds/);
    expect(() => resolveBuildOptions({ ...base, s3Endpoint: "127.0.0.1:9000" })).toThrow(/--s3-endpoint: "127.0.0.1:9000" must be an http/);
    expect(() => resolveBuildOptions({ ...base, s3Concurrency: "0" })).toThrow(/--s3-concurrency/);
  });
  it("takes the S3 options from the --s3-* flags, none without them (the AWS SDK's environment applies)", () => {
    expect(resolveBuildOptions(base).s3).toBeUndefined();
    const o = resolveBuildOptions({ ...base, s3Region: "us-west-2", s3Anonymous: true, s3Concurrency: "32" });
    expect(o.s3).toEqual({ region: "us-west-2", endpoint: undefined, anonymous: true, concurrency: 32 });
  });
  it("--s3-anonymous with buckets: only those are unsigned; a value that is not a bucket name is refused", () => {
    expect(resolveBuildOptions({ ...base, s3Anonymous: "cellxgene-census-public-us-west-2, other.bucket" }).s3?.anonymous).toEqual(["cellxgene-census-public-us-west-2", "other.bucket"]);
    expect(() => resolveBuildOptions({ ...base, s3Anonymous: "s3://cellxgene-census-public-us-west-2" })).toThrow(/--s3-anonymous: "s3:\/\/cellxgene-census-public-us-west-2" is not a bucket name/);
    expect(() => resolveBuildOptions({ ...base, s3Anonymous: "census," })).toThrow(/--s3-anonymous: "" is not a bucket name/);
  });
});

describe("resolveLocalResources", () => {
  it("takes --watchdog for the steps that run workers on their own (a shard, finalize, a queue worker)", () => {
    expect(resolveLocalResources({ maxWorkers: "2", watchdog: "900" })).toMatchObject({ maxWorkers: 2, watchdogMs: 900_000 });
    expect(resolveLocalResources({}).watchdogMs).toBe(resolveBuildOptions(base).watchdogMs);
    expect(() => resolveLocalResources({ watchdog: "0" })).toThrow(/--watchdog/);
  });
});
