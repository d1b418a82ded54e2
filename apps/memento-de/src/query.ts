/**
 * The query of a DE run over a cube: which obs groups (a value filter and the treatment's two arms), which
 * variables go into the design, which features are tested.
 */
import { compareCodePoints, OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import type { Cube } from "@census-cube/cube-writer";
import { MementoDeError } from "./errors.js";

export interface DeQuery {
  /** A value filter over the obs_groups columns (census-reader grammar). */
  filter?: string;
  /** The obs_groups column whose two values are compared. */
  treatment: string;
  /** The treatment's reference value; with `case`, groups with other values are left out. */
  control?: string;
  case?: string;
  covariates?: readonly string[];
  /** Features to test (default: all of the cube's). */
  features?: readonly string[];
}

/** The selected obs groups with what the design needs of them: plain data, sent to workers as it is. */
export interface SelectedGroups {
  obsGroupJoinid: Uint32Array;
  nObs: Int32Array;
  /** Labels of the treatment and the covariates, one per selected group. */
  columns: Record<string, string[]>;
  /** 0: the group is in the control arm, 1: in the case arm. */
  arm: Uint8Array;
}

export interface DePlan {
  treatment: string;
  covariates: string[];
  control: string;
  case: string;
  /**
   * The estimators' coefficient is that of the treatment value later in code-point order (the reference's
   * drop-first dummy); -1 when that is the control, so the reported coefficient is case against control.
   */
  sign: 1 | -1;
  groups: SelectedGroups;
  /** Cells per arm (control, case). */
  cells: [number, number];
  /** Features to test, in byte order (the estimators array's order: chunks of it are contiguous reads). */
  features: string[];
}

export function planQuery(cube: Cube, query: DeQuery): DePlan {
  const labelColumns = new Set<string>(OBS_GROUP_COLUMNS);
  const covariates = [...new Set(query.covariates ?? [])].filter((c) => c !== query.treatment);
  for (const [flag, c] of [["--treatment", query.treatment], ...covariates.map((c) => ["--covariates", c])]) {
    if (!labelColumns.has(c)) {
      throw new MementoDeError("E_INVALID_ARGUMENT", `${flag}: "${c}" is not an obs_groups label column (columns: ${OBS_GROUP_COLUMNS.join(", ")})`);
    }
  }
  if ((query.control === undefined) !== (query.case === undefined)) {
    throw new MementoDeError("E_INVALID_ARGUMENT", "--control and --case go together: give both or neither");
  }
  if (query.control !== undefined && query.control === query.case) {
    throw new MementoDeError("E_INVALID_ARGUMENT", `--control and --case are both "${query.control}": they must differ`);
  }
  const batch = cube.obsGroups({ filter: query.filter, labels: "string" });
  const label = (c: string) => [...(batch.getChild(c) as Iterable<string>)];
  const treatmentValues = label(query.treatment);
  const present = [...new Set(treatmentValues)].sort(compareCodePoints);
  const where = query.filter ? ` among the obs groups selected by --filter "${query.filter}"` : "";
  if (batch.numRows === 0) throw new MementoDeError("E_NO_GROUPS", `no obs groups${where} in ${cube.uri}`);
  let control: string;
  let kase: string;
  if (query.control !== undefined && query.case !== undefined) {
    for (const [flag, v] of [["--control", query.control], ["--case", query.case]]) {
      if (!present.includes(v)) {
        throw new MementoDeError("E_TREATMENT", `${flag}: no obs group has ${query.treatment} "${v}"${where} (values: ${listValues(present)})`);
      }
    }
    control = query.control;
    kase = query.case;
  } else {
    if (present.length !== 2) {
      throw new MementoDeError(
        "E_TREATMENT",
        `--treatment ${query.treatment} has ${present.length} distinct value(s)${where}: ${listValues(present)}; need exactly 2, or choose them with --control and --case`,
      );
    }
    [control, kase] = present;
  }
  const keep: number[] = [];
  treatmentValues.forEach((v, i) => {
    if (v === control || v === kase) keep.push(i);
  });
  const ids = batch.getChild("obs_group_joinid")!.toArray() as Uint32Array;
  const nObs = batch.getChild("n_obs")!.toArray() as Int32Array;
  const columns: Record<string, string[]> = {};
  for (const c of [query.treatment, ...covariates]) {
    const values = c === query.treatment ? treatmentValues : label(c);
    columns[c] = keep.map((i) => values[i]);
  }
  const arm = Uint8Array.from(keep, (i) => (treatmentValues[i] === kase ? 1 : 0));
  const groups: SelectedGroups = { obsGroupJoinid: Uint32Array.from(keep, (i) => ids[i]), nObs: Int32Array.from(keep, (i) => nObs[i]), columns, arm };
  const cells: [number, number] = [0, 0];
  arm.forEach((a, k) => {
    cells[a] += groups.nObs[k];
  });
  return {
    treatment: query.treatment,
    covariates,
    control,
    case: kase,
    sign: compareCodePoints(kase, control) > 0 ? 1 : -1,
    groups,
    cells,
    features: selectFeatures(cube, query.features),
  };
}

function selectFeatures(cube: Cube, wanted: readonly string[] | undefined): string[] {
  let out: string[];
  if (wanted === undefined) out = [...cube.features];
  else {
    const known = new Set(cube.features);
    const missing = wanted.filter((f) => !known.has(f));
    if (missing.length > 0) {
      throw new MementoDeError("E_UNKNOWN_FEATURE", `--features: ${missing.length} feature(s) not in ${cube.uri}: ${listValues(missing)}`);
    }
    out = [...new Set(wanted)];
  }
  return out.sort(compareCodePoints);
}

function listValues(values: readonly string[]): string {
  const shown = values.slice(0, 10).map((v) => JSON.stringify(v));
  return values.length > 10 ? `${shown.join(", ")}, ... (${values.length} in all)` : shown.join(", ") || "none";
}
