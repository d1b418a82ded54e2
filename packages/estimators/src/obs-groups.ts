import { type CodedColumn, type ColumnInput, codeColumn, type GroupOrder } from "./columns.js";
import { EstimatorsError } from "./errors.js";

/** The 10 obs columns whose values define a cube row (an obs group), in the reference's order. */
export const OBS_GROUP_COLUMNS = [
  "cell_type_ontology_term_id",
  "dataset_id",
  "tissue_general_ontology_term_id",
  "assay_ontology_term_id",
  "donor_id",
  "disease_ontology_term_id",
  "sex_ontology_term_id",
  "development_stage_ontology_term_id",
  "self_reported_ethnicity_ontology_term_id",
  "suspension_type",
] as const;

/** Key spaces up to this size are numbered with a dense table instead of a sort (64 MiB of Int32). */
const DENSE_KEY_SPACE = 2 ** 24;

export interface ObsGroups {
  /** Group id of every cell, -1 for a cell with a missing key value (pandas drops it). */
  groupIds: Int32Array;
  nGroups: number;
  /** Cells per group. */
  nObs: Int32Array;
  /** The grouping columns, coded; `keyCodes[c][g]` is group g's code into `columns[c].categories`. */
  columns: CodedColumn[];
  keyCodes: Int32Array[];
}

/**
 * Number the distinct combinations of the given columns as pandas `groupby(columns, observed=True).ngroup()`
 * does: groups sorted by their key tuple, each column compared by category order (categorical/dictionary
 * columns) or by code point (plain strings); rows with a missing value get -1.
 */
export function assignGroups(columns: Record<string, ColumnInput>, order?: readonly string[], groupOrder: GroupOrder = "pandas"): ObsGroups {
  const names = order ? [...order] : Object.keys(columns);
  if (names.length === 0) throw new EstimatorsError("E_INVALID_ARGUMENT", "no grouping columns given");
  let n = -1;
  const coded: CodedColumn[] = [];
  for (const name of names) {
    const input = columns[name];
    if (input === undefined) throw new EstimatorsError("E_MISSING_COLUMN", `grouping column ${name} is missing`);
    const c = codeColumn(name, input, n < 0 ? undefined : n, groupOrder);
    n = c.codes.length;
    coded.push(c);
  }

  // Refine a dense, order-preserving group number one column at a time: key = group * card + rank.
  let group = new Float64Array(n);
  let nGroups = 1;
  for (const col of coded) {
    const card = col.categories.length;
    if (nGroups * card > Number.MAX_SAFE_INTEGER) {
      throw new EstimatorsError("E_TOO_MANY_GROUPS", `grouping key space exceeds 2^53 at column ${col.name}`);
    }
    const key = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const code = col.codes[i];
      key[i] = group[i] < 0 || code < 0 ? -1 : group[i] * card + col.rank[code];
    }
    let next = 0;
    const space = nGroups * card;
    if (space <= DENSE_KEY_SPACE) {
      // Small key space: mark the keys present, number them in order; O(cells + space), no sort.
      const rank = new Int32Array(space).fill(-1);
      for (let i = 0; i < n; i++) if (key[i] >= 0) rank[key[i]] = 0;
      for (let k = 0; k < space; k++) if (rank[k] === 0) rank[k] = next++;
      for (let i = 0; i < n; i++) key[i] = key[i] < 0 ? -1 : rank[key[i]];
    } else {
      const sorted = Float64Array.from(key).sort();
      const ids = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const k = sorted[i];
        if (k >= 0 && (i === 0 || sorted[i - 1] !== k)) ids.set(k, next++);
      }
      for (let i = 0; i < n; i++) key[i] = key[i] < 0 ? -1 : (ids.get(key[i]) as number);
    }
    group = key;
    nGroups = next;
  }

  const groupIds = new Int32Array(n);
  const nObs = new Int32Array(nGroups);
  const keyCodes = coded.map(() => new Int32Array(nGroups).fill(-1));
  for (let i = 0; i < n; i++) {
    const g = group[i];
    groupIds[i] = g;
    if (g < 0) continue;
    if (nObs[g]++ === 0) for (let c = 0; c < coded.length; c++) keyCodes[c][g] = coded[c].codes[i];
  }
  return { groupIds, nGroups, nObs, columns: coded, keyCodes };
}

/**
 * Obs groups over the reference's 10 columns (`obs_group_joinid` numbering of the cube). The cube builder
 * passes `"labels"` so a categorical obs numbers its groups like the plain-string obs of the 2023 Census.
 */
export function assignObsGroups(columns: Record<string, ColumnInput>, groupOrder: GroupOrder = "pandas"): ObsGroups {
  return assignGroups(columns, OBS_GROUP_COLUMNS, groupOrder);
}
