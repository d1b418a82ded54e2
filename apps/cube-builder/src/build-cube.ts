/** The cube a build writes into: created aside and renamed into place, or opened to resume. */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CubeWriter, cubeStatus, type LabelColumn, readCubeState } from "@census-cube/cube-writer";
import type { ObsGroups } from "@census-cube/estimators";
import type { BuildInput } from "./build-input.js";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { BuildOptions } from "./options.js";

/** Whether something is at the cube's path already (an empty directory counts as nothing); a file is refused. */
export function cubeExists(cubeUri: string): boolean {
  if (!existsSync(cubeUri)) return false;
  if (!statSync(cubeUri).isDirectory()) {
    throw new CubeBuilderError("E_CUBE_PATH", `${cubeUri} is a file, not a cube directory: choose another --cube-uri`);
  }
  return readdirSync(cubeUri).length > 0;
}

/**
 * Whether the directory is recognisably a cube: a group with our status metadata, or one that reads as a cube
 * (the reference builder's). `--overwrite` replaces nothing else.
 */
export async function isCube(cubeUri: string): Promise<boolean> {
  if ((await cubeStatus(cubeUri).catch(() => undefined)) !== undefined) return true;
  return readCubeState(cubeUri).then(
    () => true,
    () => false,
  );
}

/** Fails early, before the input is read, when the cube's folder cannot be created or written. */
export function checkCubeLocation(cubeUri: string): void {
  try {
    mkdirSync(dirname(cubeUri), { recursive: true });
    accessSync(dirname(cubeUri), constants.W_OK);
    if (existsSync(cubeUri) && statSync(cubeUri).isDirectory()) accessSync(cubeUri, constants.W_OK);
  } catch (e) {
    throw new CubeBuilderError("E_CUBE_PATH", `cannot write the cube at ${cubeUri}: ${(e as Error).message}`, { cause: e });
  }
}

const STAGING_MARK = ".cube-builder-staging-";

function stagingPath(cubeUri: string): string {
  return join(dirname(cubeUri), `${basename(cubeUri)}${STAGING_MARK}${process.pid}`);
}

/** Removes staging folders that killed builds of this cube left behind. */
function clearStaleStaging(cubeUri: string): void {
  const dir = dirname(cubeUri);
  if (!existsSync(dir)) return;
  const prefix = `${basename(cubeUri)}${STAGING_MARK}`;
  for (const name of readdirSync(dir)) if (name.startsWith(prefix)) rmSync(join(dir, name), { recursive: true, force: true });
}

/** Label columns for cube-writer: per obs group (keyCodes) or per cell (cell codes), as codes into categories. */
function labelColumns(groups: ObsGroups, perGroup: boolean, cells?: Int32Array): Record<string, LabelColumn> {
  const out: Record<string, LabelColumn> = {};
  groups.columns.forEach((col, c) => {
    const codes = perGroup ? groups.keyCodes[c] : Int32Array.from(cells!, (i) => col.codes[i]);
    out[col.name] = { codes, categories: col.categories };
  });
  return out;
}

/**
 * Creates the cube (obs_groups, size_factors, feature ids, empty estimators) aside and renames it into place, so
 * a build killed while creating it leaves no half-made cube (and overwriting keeps the old cube until the new one
 * exists). `exists`: whether something was at the cube's path when the build started; `addTo` writes more into
 * the new cube before it is moved into place (the batch plan).
 */
export async function createCube(opts: BuildOptions, input: BuildInput, exists: boolean, log: Logger, addTo: (uri: string) => Promise<void>): Promise<void> {
  const { cubeUri } = opts;
  const { groups, cellIdx, joinids, sizeFactors } = input;
  clearStaleStaging(cubeUri);
  const staging = stagingPath(cubeUri);
  await CubeWriter.create(staging, {
    featureIds: input.featureIds,
    estimators: opts.estimators,
    maxZstdLevel: opts.zstdLevelCap ?? undefined,
    obsGroups: { columns: labelColumns(groups, true), nObs: groups.nObs },
    sizeFactors: {
      soma_joinid: BigInt64Array.from(cellIdx, (i) => joinids[i]),
      columns: labelColumns(groups, false, cellIdx),
      approx_size_factor: Float64Array.from(cellIdx, (i) => sizeFactors[i]),
    },
    build: {
      tool: "cube-builder",
      experiment_uri: input.experimentUri,
      measurement_name: opts.measurementName,
      layer: opts.layer,
      obs_value_filter: opts.obsValueFilter,
      max_workers: opts.maxWorkers,
      memory_budget: opts.memoryBudget,
      min_batch_size: opts.minBatchSize,
    },
  });
  await addTo(staging);
  if (exists) {
    log.info({ cubeUri }, "replacing the existing cube (--overwrite)");
    const old = `${staging}-old`;
    renameSync(cubeUri, old);
    renameSync(staging, cubeUri);
    rmSync(old, { recursive: true, force: true });
  } else {
    if (existsSync(cubeUri)) rmSync(cubeUri, { recursive: true }); // an empty directory
    renameSync(staging, cubeUri);
  }
}
