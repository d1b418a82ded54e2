/**
 * Reading a cube back: its features, obs groups, build record, and the estimators array streamed as Arrow record
 * batches selected by feature list and/or a value filter over the obs groups' columns. Works on cubes written by
 * this package and by the reference Python builder (whose cube directory is not a TileDB group).
 */
import { bindFilter, CensusReaderError, evaluateFilter, parseFilter, recordBatchInput, selectRows } from "@census-cube/census-reader";
import { compareCodePoints } from "@census-cube/estimators";
import {
  type Enumeration,
  joinUri,
  loadEnumeration,
  objectType,
  openArray,
  type ReadBatch,
  readAll,
  readBatches,
  type Subarray,
  type TileDBArray,
  type VFS,
  vfsFor,
} from "@census-cube/tiledb-ts";
import { batchToArrow, columnToArrow } from "@census-cube/tiledb-ts/arrow";
import {
  type Data,
  Dictionary,
  Field,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Type,
  Uint32,
  Utf8,
  type Vector,
  vectorFromArray,
} from "apache-arrow";
import { type BuildRecord, readBuildRecord } from "./build-record.js";
import { type CubeStatus, cubeStatus } from "./cube-writer.js";
import { CubeWriterError } from "./errors.js";
import { ESTIMATORS_ARRAY, FEATURE_IDS_FILE, OBS_GROUPS_ARRAY } from "./layout.js";

export interface OpenCubeOptions {
  vfs?: VFS;
}

export interface ObsGroupsReadOptions {
  /** A value filter over the obs_groups columns, e.g. `cell_type_ontology_term_id in ['CL:0000236', 'CL:0000084']`. */
  filter?: string;
  /** Label columns as Arrow dictionary vectors (default) or as plain strings. */
  labels?: "dictionary" | "string";
}

export interface EstimatorsReadOptions {
  /** Feature ids to read (any order; each must be one of the cube's); all when omitted. */
  features?: readonly string[];
  /** A value filter over the obs_groups columns: only rows of the groups it selects. */
  filter?: string;
  /** Obs group joinids to read (combined with `filter`: groups in both). */
  obsGroups?: ArrayLike<number>;
  /** Estimator attributes to return (default: all of them, in the array's order). */
  estimators?: readonly string[];
  /** Bytes of decoded tiles a read holds before it hands out a batch (tiledb-ts `memoryBudget`, default 256 MiB). */
  memoryBudget?: number;
}

/** An opened cube. Its obs groups are read once (one row per group: small); estimators are streamed. */
export interface Cube {
  readonly uri: string;
  /** `feature_id`s in var order (feature_ids.json). */
  readonly features: readonly string[];
  /** The estimators array's attributes, in order (`sum`, `sumsq`, `size_factor`, `n_obs`, then any extra). */
  readonly estimatorNames: readonly string[];
  /** `complete`, or undefined for a cube that is not a TileDB group (the reference builder writes none). */
  readonly status: CubeStatus | undefined;
  /** How the cube was built (undefined for the reference builder's cubes). */
  readonly build: BuildRecord | undefined;
  readonly nObsGroups: number;
  /** The obs groups (`obs_group_joinid`, the 10 label columns, `n_obs`) a filter selects, by joinid. */
  obsGroups(options?: ObsGroupsReadOptions): RecordBatch;
  /**
   * Estimator rows in the array's global order (feature id bytes, then obs group). `feature_id` comes as a
   * dictionary vector over `features` (indices are var positions), then `obs_group_joinid` (uint32) and the
   * estimators (float32).
   */
  estimators(options?: EstimatorsReadOptions): AsyncGenerator<RecordBatch>;
}

/** Subarrays of more ranges than this are read as their covering range and filtered per batch. */
const MAX_RANGES = 64;
/** Groups are selected through a subarray only when at most this fraction of them is wanted. */
const SUBARRAY_GROUP_FRACTION = 0.1;

export async function openCube(uri: string, options: OpenCubeOptions = {}): Promise<Cube> {
  const vfs = options.vfs ?? vfsFor(uri);
  const fUri = joinUri(uri, FEATURE_IDS_FILE);
  if (!(await vfs.exists(fUri))) throw new CubeWriterError("E_NOT_CUBE", `${uri} is not a cube: ${FEATURE_IDS_FILE} is missing`);
  let features: unknown;
  try {
    features = JSON.parse(new TextDecoder().decode(await vfs.read(fUri)));
  } catch (e) {
    throw new CubeWriterError("E_NOT_CUBE", `${fUri} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(features) || features.some((f) => typeof f !== "string")) {
    throw new CubeWriterError("E_NOT_CUBE", `${fUri} must hold a JSON array of feature id strings`);
  }
  for (const name of [OBS_GROUPS_ARRAY, ESTIMATORS_ARRAY]) {
    if ((await objectType(joinUri(uri, name), vfs)) !== "array") throw new CubeWriterError("E_NOT_CUBE", `${uri} is not a cube: array ${name} is missing`);
  }
  const status = await cubeStatus(uri, vfs);
  if (status === "building") {
    throw new CubeWriterError("E_INCOMPLETE", `${uri} is still being built (cube_status "building"): finish or resume its build first`);
  }
  const build = await readBuildRecord(uri, vfs);
  const ogArray = await openArray(joinUri(uri, OBS_GROUPS_ARRAY), { vfs });
  const obsGroups = await readObsGroups(ogArray);
  const estArray = await openArray(joinUri(uri, ESTIMATORS_ARRAY), { vfs });
  return new OpenedCube(uri, features as string[], estArray, obsGroups, status, build);
}

/** The whole obs_groups array as one record batch (enumerated labels as dictionary vectors), by joinid. */
async function readObsGroups(array: TileDBArray): Promise<RecordBatch> {
  const enumerations = new Map<string, Enumeration>();
  for (const a of array.schema.attributes) {
    if (a.enumerationName && !enumerations.has(a.enumerationName)) {
      enumerations.set(a.enumerationName, await loadEnumeration(array.uri, array.schema, a.enumerationName, array.vfs));
    }
  }
  if (array.fragments.length === 0) throw new CubeWriterError("E_NOT_CUBE", `${array.uri} holds no obs groups`);
  const batch = batchToArrow(await readAll(array, { order: "global" }), enumerations);
  if (batch.getChild("obs_group_joinid") === null || batch.getChild("n_obs") === null) {
    throw new CubeWriterError("E_NOT_CUBE", `${array.uri} has no obs_group_joinid or n_obs column`);
  }
  return batch;
}

class OpenedCube implements Cube {
  readonly estimatorNames: readonly string[];
  readonly nObsGroups: number;
  /** Features in byte order (the estimators array's order) and each one's var position. */
  private readonly sortedFeatures: string[];
  private readonly varIndexOfSorted: Uint32Array;
  private readonly featureIndex: Map<string, number>;
  private readonly featureDictionary: Vector<Utf8>;

  constructor(
    readonly uri: string,
    readonly features: readonly string[],
    private readonly estArray: TileDBArray,
    private readonly groups: RecordBatch,
    readonly status: CubeStatus | undefined,
    readonly build: BuildRecord | undefined,
  ) {
    this.estimatorNames = estArray.schema.attributes.map((a) => a.name);
    this.nObsGroups = groups.numRows;
    this.featureIndex = new Map(features.map((f, i) => [f, i]));
    if (this.featureIndex.size !== features.length) throw new CubeWriterError("E_NOT_CUBE", `${uri}: ${FEATURE_IDS_FILE} repeats a feature id`);
    const order = Array.from(features.keys()).sort((a, b) => compareCodePoints(features[a], features[b]));
    this.sortedFeatures = order.map((i) => features[i]);
    this.varIndexOfSorted = Uint32Array.from(order);
    this.featureDictionary = vectorFromArray(features as string[], new Utf8());
  }

  obsGroups(options: ObsGroupsReadOptions = {}): RecordBatch {
    let out = this.groups;
    if (options.filter !== undefined) out = selectRows(out, evaluateFilter(this.bindGroupsFilter(options.filter), recordBatchInput(out)));
    if (options.labels === "string") out = labelsAsStrings(out);
    return out;
  }

  private bindGroupsFilter(filter: string) {
    try {
      return bindFilter(parseFilter(filter), this.groups.schema, filter);
    } catch (e) {
      if (e instanceof CensusReaderError) {
        throw new CubeWriterError("E_BAD_FILTER", `${this.uri}: obs_groups ${e.message}`, { cause: e });
      }
      throw e;
    }
  }

  async *estimators(options: EstimatorsReadOptions = {}): AsyncGenerator<RecordBatch> {
    const names = options.estimators ?? this.estimatorNames;
    for (const n of names) {
      if (!this.estimatorNames.includes(n)) {
        throw new CubeWriterError("E_UNKNOWN_ESTIMATOR", `${this.uri}: no estimator "${n}" (the cube has ${this.estimatorNames.join(", ")})`);
      }
    }
    const subarray: Subarray = {};
    // Feature selection: runs of consecutive features in byte order become one range each.
    let featureMask: Uint8Array | undefined;
    if (options.features !== undefined) {
      const wanted = new Uint8Array(this.features.length);
      for (const f of options.features) {
        const i = this.featureIndex.get(f);
        if (i === undefined) throw new CubeWriterError("E_UNKNOWN_FEATURE", `${this.uri}: feature "${f}" is not in the cube`);
        wanted[i] = 1;
      }
      const ranks: number[] = [];
      for (let r = 0; r < this.sortedFeatures.length; r++) if (wanted[this.varIndexOfSorted[r]]) ranks.push(r);
      if (ranks.length === 0) return;
      const runs = toRuns(ranks);
      if (runs.length <= MAX_RANGES) subarray.feature_id = runs.map(([a, b]) => [this.sortedFeatures[a], this.sortedFeatures[b]]);
      else {
        subarray.feature_id = [[this.sortedFeatures[ranks[0]], this.sortedFeatures[ranks[ranks.length - 1]]]];
        featureMask = wanted;
      }
    }
    // Group selection: a filter over obs_groups and/or explicit joinids.
    let groupMask: Uint8Array | undefined;
    if (options.filter !== undefined || options.obsGroups !== undefined) {
      // The domain is [0, n] for n groups (one more than needed, as the reference has it).
      const nGroups = Number((this.estArray.schema.dimensions[1].domain as [number, number])[1]);
      const wanted = new Uint8Array(nGroups);
      if (options.filter !== undefined) {
        const ids = this.obsGroups({ filter: options.filter }).getChild("obs_group_joinid")?.toArray() as Uint32Array;
        for (const g of ids) wanted[g] = 1;
      } else wanted.fill(1);
      if (options.obsGroups !== undefined) {
        const given = new Uint8Array(nGroups);
        for (let i = 0; i < options.obsGroups.length; i++) {
          const g = options.obsGroups[i];
          if (!Number.isInteger(g) || g < 0 || g >= nGroups) throw new CubeWriterError("E_UNKNOWN_GROUP", `${this.uri}: obs group ${g} is outside [0, ${nGroups})`);
          given[g] = 1;
        }
        for (let g = 0; g < nGroups; g++) wanted[g] &= given[g];
      }
      const ids: number[] = [];
      for (let g = 0; g < nGroups; g++) if (wanted[g]) ids.push(g);
      if (ids.length === 0) return;
      const runs = toRuns(ids);
      // A subarray skips tiles only when few groups are wanted; otherwise nearly every tile would be partial and
      // have every cell checked against every range (the feature id's too), so rows are dropped per batch instead.
      if (runs.length <= MAX_RANGES && ids.length <= nGroups * SUBARRAY_GROUP_FRACTION) subarray.obs_group_joinid = runs;
      else groupMask = wanted;
    }
    if (this.estArray.fragments.length === 0) return;
    const columns = ["feature_id", "obs_group_joinid", ...names];
    const fields = [
      new Field("feature_id", new Dictionary(new Utf8(), new Uint32()), false),
      new Field("obs_group_joinid", new Uint32(), false),
      ...names.map((n) => new Field(n, columnType(this.estArray, n), false)),
    ];
    const schema = new Schema(fields);
    const decoder = new TextDecoder();
    for await (const b of readBatches(this.estArray, { columns, subarray, order: "global", memoryBudget: options.memoryBudget })) {
      if (b.length === 0) continue;
      const featureIdx = this.featureIndices(b, decoder);
      const children: Data[] = [
        makeData({ type: fields[0].type as Dictionary<Utf8, Uint32>, length: b.length, data: featureIdx, dictionary: this.featureDictionary }),
        ...b.columns.slice(1).map((c) => columnToArrow(c)),
      ];
      let batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: b.length, nullCount: 0, children }));
      if (featureMask || groupMask) {
        const groups = children[1].values as Uint32Array;
        const keep = new Uint8Array(b.length);
        for (let i = 0; i < keep.length; i++) keep[i] = (!featureMask || featureMask[featureIdx[i]]) && (!groupMask || groupMask[groups[i]]) ? 1 : 0;
        batch = selectRows(batch, keep);
        if (batch.numRows === 0) continue;
      }
      yield batch;
    }
  }

  /** Each row's feature as its var position: rows come grouped by feature, so only a change of feature is decoded. */
  private featureIndices(b: ReadBatch, decoder: InstanceType<typeof TextDecoder>): Uint32Array {
    const col = b.columns[0];
    const offsets = col.offsets as Int32Array;
    const bytes = col.data;
    const out = new Uint32Array(b.length);
    let prevStart = -1;
    let prevEnd = -1;
    let prev = 0;
    for (let i = 0; i < b.length; i++) {
      const start = offsets[i];
      const end = offsets[i + 1];
      if (prevStart < 0 || !sameBytes(bytes, prevStart, prevEnd, start, end)) {
        const id = decoder.decode(bytes.subarray(start, end));
        const v = this.featureIndex.get(id);
        if (v === undefined) throw new CubeWriterError("E_UNKNOWN_FEATURE", `${this.estArray.uri}: row ${i} of a read has feature "${id}", which is not in ${FEATURE_IDS_FILE}`);
        prev = v;
      }
      prevStart = start;
      prevEnd = end;
      out[i] = prev;
    }
    return out;
  }
}

function sameBytes(b: Uint8Array, s0: number, e0: number, s1: number, e1: number): boolean {
  if (e0 - s0 !== e1 - s1) return false;
  for (let k = 0; k < e0 - s0; k++) if (b[s0 + k] !== b[s1 + k]) return false;
  return true;
}

/** Ascending distinct integers as inclusive [first, last] runs. */
function toRuns(sorted: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const v of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[1] + 1 === v) last[1] = v;
    else runs.push([v, v]);
  }
  return runs;
}

function columnType(array: TileDBArray, name: string) {
  const a = array.schema.attributes.find((x) => x.name === name);
  if (!a) throw new CubeWriterError("E_UNKNOWN_ESTIMATOR", `${array.uri}: no attribute "${name}"`);
  return columnToArrow({ name, role: "attribute", type: a.type, cellValNum: a.cellValNum, nullable: false, length: 0, data: new Uint8Array(0) }).type;
}

/** Dictionary label columns decoded to plain Utf8 vectors. */
function labelsAsStrings(batch: RecordBatch): RecordBatch {
  const fields: Field[] = [];
  const children: Data[] = [];
  batch.schema.fields.forEach((f, i) => {
    const v = batch.getChildAt(i) as Vector;
    if (f.type.typeId === Type.Dictionary) {
      const s = vectorFromArray([...(v as Iterable<string>)], new Utf8());
      fields.push(new Field(f.name, s.type, f.nullable));
      children.push(s.data[0]);
    } else {
      fields.push(f);
      children.push(v.data[0]);
    }
  });
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
}
