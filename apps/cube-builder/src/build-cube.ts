/**
 * The cube a build writes into: created aside and renamed into place where the storage renames (local files), or
 * created in place on object stores (no rename there), its batch plan written last; or opened to resume.
 */
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { CubeWriter, CubeWriterError, cubeStatus, type LabelColumn, readCubeState } from "@census-cube/cube-writer";
import type { ObsGroups } from "@census-cube/estimators";
import { joinUri, localPath, uriScheme, type VFS, vfsFor } from "@census-cube/tiledb-ts";
import type { BuildInput } from "./build-input.js";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { BuildOptions } from "./options.js";
import { readPlan } from "./stored-plan.js";

/** Whether something is at the cube's URI already (an empty folder counts as nothing); a file is refused. */
export async function cubeExists(cubeUri: string, vfs: VFS = vfsFor(cubeUri)): Promise<boolean> {
  if (!(await vfs.exists(cubeUri))) return false;
  if (!(await vfs.isDir(cubeUri))) {
    throw new CubeBuilderError("E_CUBE_PATH", `${cubeUri} is a file, not a cube directory: choose another --cube-uri`);
  }
  return (await vfs.ls(cubeUri)).length > 0;
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

/**
 * Whether the cube is one whose creation was cut short: ours (status "building"), without its batch plan's
 * plan.json (written last), and without estimator rows. Such a cube holds nothing a build computed.
 */
export async function creationCutShort(cubeUri: string): Promise<boolean> {
  if ((await cubeStatus(cubeUri)) !== "building" || (await readPlan(cubeUri)) !== undefined) return false;
  try {
    return !(await readCubeState(cubeUri)).groupWritten.some((w) => w !== 0);
  } catch (e) {
    if (e instanceof CubeWriterError && e.code === "E_NOT_CUBE") return true; // an array not created yet
    throw e;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses (E_READ_ONLY) a local cube whose folder this user cannot write: the cube's lock and staging copy are
 * made there. `action` says what was asked, for the message. Object stores are left to their own errors.
 */
export function checkFolderWritable(cubeUri: string, action: string): void {
  if (uriScheme(cubeUri) !== "file") return;
  const folder = dirname(localPath(cubeUri));
  if (existsSync(folder) && !writable(folder)) {
    throw new CubeBuilderError("E_READ_ONLY", `cannot ${action} at ${cubeUri}: its folder ${folder} is read-only for this user (the cube's lock and staging copy are made there)`);
  }
}

/**
 * Refuses (E_READ_ONLY), before any worker starts, a local cube this user cannot change: its directory or one
 * inside it is not writable. The message names the first such directory and what was asked (`action`), instead
 * of a permission error from deep inside a batch. Object stores are left to their own errors.
 */
export function checkCubeWritable(cubeUri: string, action: string): void {
  if (uriScheme(cubeUri) !== "file" || !existsSync(localPath(cubeUri))) return;
  const readOnly: string[] = [];
  const visit = (dir: string) => {
    if (!writable(dir)) readOnly.push(dir);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) visit(join(dir, e.name));
  };
  visit(localPath(cubeUri));
  if (readOnly.length > 0) {
    const more = readOnly.length > 1 ? ` and ${readOnly.length - 1} more directories in it` : "";
    throw new CubeBuilderError("E_READ_ONLY", `cannot ${action}: the cube ${cubeUri} is read-only for this user (${readOnly[0]}${more}); nothing was changed`);
  }
}

const STAGING_MARK = ".cube-builder-staging-";

function stagingUri(cubeUri: string): string {
  return joinUri(posix.dirname(cubeUri), `${posix.basename(cubeUri)}${STAGING_MARK}${process.pid}`);
}

/** Removes staging folders that killed builds of this cube left behind (local files: object stores have none). */
async function clearStaleStaging(vfs: VFS, cubeUri: string): Promise<void> {
  const prefix = `${posix.basename(cubeUri)}${STAGING_MARK}`;
  for (const e of await vfs.ls(posix.dirname(cubeUri))) if (e.name.startsWith(prefix)) await vfs.remove(e.uri);
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
 * Creates the cube (obs_groups, size_factors, feature ids, empty estimators) and then, by `addTo`, its batch
 * plan, whose plan.json is written last: a cube with status "building" and no plan.json is one whose creation
 * was cut short (`planCube` creates it again). Where the storage renames (local files), it is created aside and
 * renamed into place, so a build killed while creating it leaves nothing at the cube's path and overwriting keeps
 * the old cube until the new one exists. Object stores have no rename: the cube is created in place (an old
 * one, with `exists`, removed first), under the cube's lock, which the caller holds.
 */
export async function createCube(opts: BuildOptions, input: BuildInput, exists: boolean, log: Logger, addTo: (uri: string) => Promise<void>): Promise<void> {
  const { cubeUri } = opts;
  const vfs = vfsFor(cubeUri);
  const aside = vfs.rename !== undefined;
  if (exists) log.info({ cubeUri }, "replacing the existing cube (--overwrite)");
  if (aside) await clearStaleStaging(vfs, cubeUri);
  else if (exists) await vfs.remove(cubeUri);
  const target = aside ? stagingUri(cubeUri) : cubeUri;
  await writeCube(target, opts, input);
  await addTo(target);
  if (!aside) return;
  const rename = vfs.rename!.bind(vfs);
  if (exists) {
    const old = `${target}-old`;
    await rename(cubeUri, old);
    await rename(target, cubeUri);
    await vfs.remove(old);
  } else {
    if (await vfs.exists(cubeUri)) await vfs.remove(cubeUri); // an empty directory
    await rename(target, cubeUri);
  }
}

async function writeCube(uri: string, opts: BuildOptions, input: BuildInput): Promise<void> {
  const { groups, cellIdx, joinids, sizeFactors } = input;
  await CubeWriter.create(uri, {
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
}
