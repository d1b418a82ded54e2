import { statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ExperimentAxisQuery, openExperiment } from "@census-cube/census-reader";
import { type ValidationReport, cubeStatus, readBuildRecord, readCubeState, validateCube } from "@census-cube/cube-writer";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import { formatBytes } from "./size.js";

function dirBytes(path: string): number {
  let total = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** What `cube-builder info` prints: size, status, groups, features, rows and the build record. */
export async function cubeInfo(cubeUri: string): Promise<Record<string, unknown>> {
  const status = await cubeStatus(cubeUri);
  let state: Awaited<ReturnType<typeof readCubeState>>;
  try {
    state = await readCubeState(cubeUri);
  } catch (e) {
    throw new CubeBuilderError("E_NOT_CUBE", (e as Error).message, { cause: e });
  }
  let groupsWithRows = 0;
  for (const w of state.groupWritten) groupsWithRows += w;
  const bytes = dirBytes(cubeUri);
  return {
    cube: cubeUri,
    status: status ?? "unknown (no build record: not written by cube-builder)",
    obs_groups: state.nObs.length,
    obs_groups_with_rows: groupsWithRows,
    cells: state.nObs.reduce((a, b) => a + b, 0),
    features: state.featureIds.length,
    estimators: state.estimatorNames,
    size: formatBytes(bytes),
    size_bytes: bytes,
    build: (await readBuildRecord(cubeUri)) ?? null,
  };
}

/** `cube-builder validate`: the cube's own checks plus its cell total against the experiment's query. */
export async function validateAgainstExperiment(cubeUri: string, experimentUri: string | null, log: Logger): Promise<ValidationReport> {
  const record = await readBuildRecord(cubeUri);
  const uri = experimentUri ?? (typeof record?.experiment_uri === "string" ? record.experiment_uri : null);
  if (!uri) throw new CubeBuilderError("E_BAD_FLAG", `${cubeUri} records no experiment: pass --experiment-uri`);
  const filter = typeof record?.obs_value_filter === "string" ? record.obs_value_filter : "is_primary_data == True";
  const measurement = typeof record?.measurement_name === "string" ? record.measurement_name : "RNA";
  const query = await ExperimentAxisQuery.create(await openExperiment(uri), measurement, { obsQuery: { valueFilter: filter } });
  const expected = await query.nObs();
  log.info({ cubeUri, experimentUri: uri, filter, expectedCells: expected }, "validating");
  try {
    const report = await validateCube(cubeUri, { expectedNObs: expected });
    log.info("cube is valid");
    return report;
  } catch (e) {
    throw new CubeBuilderError("E_INVALID_CUBE", (e as Error).message, { cause: e });
  }
}
