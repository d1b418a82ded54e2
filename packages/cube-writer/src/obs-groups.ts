/**
 * `obs_groups` content: one row per obs group (index = obs_group_joinid) with its 10 labels and `n_obs`.
 * Enumerations hold each column's labels in order of first use by increasing joinid, as the reference
 * builds them from its group table (`Series.unique()`).
 */
import { OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import { CubeWriterError } from "./errors.js";
import { coded, type LabelColumn, recode } from "./labels.js";

export interface ObsGroupsInput {
  /** Per grouping column, one label per obs group (row g = obs_group_joinid g). */
  columns: Record<string, LabelColumn>;
  /** Cells per obs group. */
  nObs: ArrayLike<number>;
}

export interface ObsGroupsTable {
  nObsGroups: number;
  /** Enumeration values per column. */
  enumerations: Record<string, string[]>;
  /** Enumeration codes per column, one per group. */
  codes: Record<string, Int32Array>;
  nObs: Int32Array;
}

export function obsGroupsTable(input: ObsGroupsInput): ObsGroupsTable {
  const n = input?.nObs?.length ?? 0;
  if (n === 0) throw new CubeWriterError("E_EMPTY", "obs groups: there are no obs groups (did the obs filter match no cells?)");
  const nObs = new Int32Array(n);
  for (let g = 0; g < n; g++) {
    const v = input.nObs[g];
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new CubeWriterError("E_BAD_N_OBS", `obs group ${g}: n_obs ${v} must be a positive 32-bit integer`);
    nObs[g] = v;
  }
  const enumerations: Record<string, string[]> = {};
  const codes: Record<string, Int32Array> = {};
  for (const name of OBS_GROUP_COLUMNS) {
    const r = recode(coded(name, input.columns?.[name], n, "obs groups"), "appearance");
    enumerations[name] = r.values;
    codes[name] = r.codes;
  }
  // every group is one distinct label combination
  const seen = new Map<string, number>();
  for (let g = 0; g < n; g++) {
    const key = OBS_GROUP_COLUMNS.map((c) => codes[c][g]).join(",");
    const prev = seen.get(key);
    if (prev !== undefined) {
      throw new CubeWriterError("E_DUPLICATE_GROUP", `obs groups ${prev} and ${g} have the same labels (${OBS_GROUP_COLUMNS.map((c) => enumerations[c][codes[c][g]]).join(" | ")})`);
    }
    seen.set(key, g);
  }
  return { nObsGroups: n, enumerations, codes, nObs };
}
