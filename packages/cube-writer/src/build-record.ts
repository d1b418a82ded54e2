/** The cube-build record: how a cube was built, kept as JSON in the cube group's metadata. */
import { objectType, openGroup, type VFS, vfsFor } from "@census-cube/tiledb-ts";
import { BUILD_RECORD_KEY } from "./layout.js";

/**
 * Free-form facts about a build. The writer sets `writer`, `started_at`, `finished_at`, `n_obs`, `n_vars`,
 * `n_obs_groups`, `estimators`, `validated`, `consolidated`; the builder adds its own (experiment URI,
 * measurement, layer, obs filter, versions, options, timings).
 */
export type BuildRecord = Record<string, unknown>;

/** The build record of a cube, or undefined if it has none (e.g. a cube written by the reference builder). */
export async function readBuildRecord(cubeUri: string, vfs: VFS = vfsFor(cubeUri)): Promise<BuildRecord | undefined> {
  if ((await objectType(cubeUri, vfs)) !== "group") return undefined;
  const g = await openGroup(cubeUri, { vfs });
  const v = g.metadata.get(BUILD_RECORD_KEY)?.value;
  if (typeof v !== "string") return undefined;
  try {
    const parsed = JSON.parse(v);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
