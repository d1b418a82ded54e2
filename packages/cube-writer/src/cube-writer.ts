/**
 * Writing a cube: create it (group, feature ids, size factors, obs groups, empty estimators), stage estimator
 * batches, write them into the estimators array, then validate, consolidate and mark it complete. A cube is
 * "complete" only once `finish` has run, so a half-made cube never looks finished; `CubeWriter.open` resumes one.
 */
import { OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import {
  addGroupMembers,
  columnValues,
  commitFragmentPieces,
  consolidate,
  createArray,
  createGroup,
  joinUri,
  nextFragmentTimestamp,
  objectType,
  openArray,
  openGroup,
  type TileDBArray,
  readAll,
  readBatches,
  storeFragmentPiece,
  type VFS,
  vacuum,
  vfsFor,
  writeDense,
  writeGroupMetadata,
  writeMetadata,
  writeSparse,
} from "@census-cube/tiledb-ts";
import { type BuildRecord, readBuildRecord } from "./build-record.js";
import { CubeWriterError } from "./errors.js";
import { type BatchContext, type EstimatorRows, encodeFeatureIds, featureRanks, sortEstimatorRows } from "./estimators.js";
import { BUILD_RECORD_KEY, REQUIRED_ESTIMATORS, ESTIMATORS_ARRAY, FEATURE_IDS_FILE, OBS_GROUPS_ARRAY, SIZE_FACTORS_ARRAY, STATUS_KEY } from "./layout.js";
import { type ObsGroupsInput, obsGroupsTable } from "./obs-groups.js";
import { estimatorsSchema, obsGroupsSchema, sizeFactorsMetadata, sizeFactorsSchema } from "./schemas.js";
import { type SizeFactorsInput, sizeFactorsTable } from "./size-factors.js";
import { type BatchRecord, listStagedBatches, plannedBatchId, removeStaging, type StagedBatch, writeStagedBatch } from "./staging.js";
import { encodeStagedPart, planStagedParts, type StagedPart, type StagedWriteContext, writeStagedFragment } from "./write-staged.js";
import { type ValidateOptions, type ValidationReport, validateCube } from "./validate.js";

export interface CreateCubeOptions {
  /** Feature ids in var order (written to feature_ids.json; estimator rows index them). */
  featureIds: readonly string[];
  obsGroups: ObsGroupsInput;
  sizeFactors: SizeFactorsInput;
  /** Estimator attributes: sum, sumsq, size_factor, n_obs, then any extras. */
  estimators?: readonly string[];
  /** How the cube is being built (stored in the group metadata for `cube-builder info`). */
  build?: Record<string, unknown>;
  /** Check `sumsq >= sum` on every row (true for raw counts; default true). */
  counts?: boolean;
  /** Rows of size_factors per fragment (a multiple of its 10000-row tiles; default 1,000,000). */
  sizeFactorsFragmentRows?: number;
  /** Highest zstd level of the cube's filters, recorded in its schemas (see SchemaOptions; default: the reference's levels). */
  maxZstdLevel?: number;
  vfs?: VFS;
}

export interface FinishOptions {
  /** Validate before marking complete (default true). */
  validate?: boolean;
  /** Consolidate and vacuum the estimators fragments (default true). */
  consolidate?: boolean;
  /** Cells the source query returned, for the n_obs total check. */
  expectedNObs?: number;
  /** The source's obs groups, checked label for label (see validateCube). */
  expectedGroups?: ObsGroupsInput;
  /** Extra facts to merge into the build record (e.g. timings). */
  build?: Record<string, unknown>;
  /** Estimator rows held at once while writing the staged batches (default 2^21, ~130 MB); whole features per chunk. */
  chunkRows?: number;
  /** The validation's row checks in shares, e.g. on worker processes (see ValidateOptions.rowChecks). */
  rowChecks?: ValidateOptions["rowChecks"];
}

export type CubeStatus = "building" | "complete";

export interface AttachState {
  featureIds: readonly string[];
  estimatorNames: readonly string[];
  /** n_obs of each obs group (all its cells). */
  nObs: Int32Array;
  /** 1 for groups that already have rows. */
  groupWritten: Uint8Array;
}

/** A multiple of the size_factors tile extent (10000). */
const SIZE_FACTOR_ROWS_PER_FRAGMENT = 1_000_000;

async function writeJson(vfs: VFS, uri: string, value: unknown): Promise<void> {
  await vfs.write(uri, new TextEncoder().encode(JSON.stringify(value)));
}

/** A failed estimators write: the writer's own errors (bad staging) as they are, others as E_WRITE. */
function estimatorsWriteError(cubeUri: string, e: unknown): CubeWriterError {
  if (e instanceof CubeWriterError) return e;
  return new CubeWriterError("E_WRITE", `cannot write the estimators of ${cubeUri}: ${(e as Error).message}`, { cause: e });
}

export class CubeWriter {
  private readonly featureRank: Uint32Array;
  /** The var index of each feature rank. */
  private readonly featureOfRank: Uint32Array;
  /** The estimators array's feature_id dictionary: the feature ids in byte order. */
  private readonly featureIdsByRank: Uint8Array[];
  private batches = 0;
  private rowsWritten = 0;
  /** For the staged batches and fragment pieces: written once, read once, kept out of the page cache. */
  private readonly scratch: VFS;

  private constructor(
    readonly cubeUri: string,
    readonly featureIds: readonly string[],
    readonly estimatorNames: readonly string[],
    /** n_obs per obs group. */
    readonly nObs: Int32Array,
    private readonly groupWritten: Uint8Array,
    private readonly counts: boolean,
    private readonly vfs: VFS,
  ) {
    const featureBytes = encodeFeatureIds(featureIds);
    this.featureRank = featureRanks(featureBytes);
    this.featureOfRank = new Uint32Array(this.featureRank.length);
    this.featureRank.forEach((r, g) => {
      this.featureOfRank[r] = g;
    });
    this.featureIdsByRank = Array.from(this.featureOfRank, (g) => featureBytes[g]);
    this.scratch = vfs.uncached?.() ?? vfs;
  }

  get nObsGroups(): number {
    return this.nObs.length;
  }

  /** Obs groups with estimator rows written (by this writer or, when resumed, by earlier runs). */
  writtenGroups(): Uint8Array {
    return this.groupWritten.slice();
  }

  /**
   * Creates a new cube at `cubeUri` (which must not exist, or be an empty directory). Everything is checked before
   * anything is written; a failure part-way leaves a cube whose status is "building", never "complete".
   */
  static async create(cubeUri: string, options: CreateCubeOptions): Promise<CubeWriter> {
    const vfs = options.vfs ?? vfsFor(cubeUri);
    const estimatorNames = options.estimators ?? REQUIRED_ESTIMATORS;
    // validate and shape all input first
    encodeFeatureIds(options.featureIds ?? []);
    if (!options.featureIds || options.featureIds.length === 0) throw new CubeWriterError("E_EMPTY", "no feature ids: the query selected no genes");
    const groups = obsGroupsTable(options.obsGroups);
    const sf = sizeFactorsTable(options.sizeFactors);
    let total = 0;
    for (const v of groups.nObs) total += v;
    if (total !== sf.nCells) {
      throw new CubeWriterError("E_N_OBS_TOTAL", `obs groups hold ${total} cells but size factors list ${sf.nCells}; both must cover the same queried cells`);
    }
    const level = options.maxZstdLevel;
    if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 22)) {
      throw new CubeWriterError("E_INVALID_ARGUMENT", `maxZstdLevel ${level} must be an integer in [1, 22]`);
    }
    const obsSchema = obsGroupsSchema(groups.nObsGroups, groups.enumerations, { maxZstdLevel: level });
    const estSchema = estimatorsSchema(groups.nObsGroups, estimatorNames, { maxZstdLevel: level });
    const sfSchema = sizeFactorsSchema(sf.nCells, sf.enumerations);
    const step = options.sizeFactorsFragmentRows;
    if (step !== undefined && !(Number.isInteger(step) && step > 0 && step % 10000 === 0)) {
      throw new CubeWriterError("E_INVALID_ARGUMENT", `sizeFactorsFragmentRows ${step} must be a positive multiple of 10000 (the size_factors tile)`);
    }

    if (await vfs.exists(cubeUri)) {
      const kind = await objectType(cubeUri, vfs);
      const entries = kind === "invalid" && (await vfs.isDir(cubeUri)) ? await vfs.ls(cubeUri) : [];
      if (kind !== "invalid" || entries.length > 0 || !(await vfs.isDir(cubeUri))) {
        throw new CubeWriterError("E_EXISTS", `cannot create cube ${cubeUri}: something already exists there (resume it or remove it first)`);
      }
    } else {
      await vfs.mkdir(cubeUri);
    }
    const started = new Date().toISOString();
    try {
      await createGroup(cubeUri, { vfs });
      const record: BuildRecord = {
        ...(options.build ?? {}),
        writer: "@census-cube/cube-writer",
        started_at: started,
        n_obs: sf.nCells,
        n_vars: options.featureIds.length,
        n_obs_groups: groups.nObsGroups,
        estimators: [...estimatorNames],
      };
      await writeGroupMetadata(cubeUri, { put: { [STATUS_KEY]: "building", [BUILD_RECORD_KEY]: JSON.stringify(record) } }, { vfs });

      await writeJson(vfs, joinUri(cubeUri, FEATURE_IDS_FILE), options.featureIds);

      const sfUri = joinUri(cubeUri, SIZE_FACTORS_ARRAY);
      const sfCreated = await createArray(sfUri, sfSchema, { vfs });
      // In fragments of whole space tiles, so memory for encoding stays bounded on large queries.
      const step = options.sizeFactorsFragmentRows ?? SIZE_FACTOR_ROWS_PER_FRAGMENT;
      for (let lo = 0; lo < sf.nCells; lo += step) {
        const hi = Math.min(sf.nCells, lo + step);
        const sfCells: Record<string, BigInt64Array | Int32Array | Float64Array> = { soma_joinid: sf.soma_joinid.subarray(lo, hi) };
        for (const c of OBS_GROUP_COLUMNS) sfCells[c] = sf.codes[c].subarray(lo, hi);
        sfCells.approx_size_factor = sf.approx_size_factor.subarray(lo, hi);
        await writeDense(sfUri, { subarray: [[BigInt(lo), BigInt(hi - 1)]], cells: sfCells }, { vfs, schema: sfCreated });
      }
      await writeMetadata(sfUri, { put: sizeFactorsMetadata() }, { vfs });

      const ogUri = joinUri(cubeUri, OBS_GROUPS_ARRAY);
      const ogCreated = await createArray(ogUri, obsSchema, { vfs });
      const ogCells: Record<string, Uint32Array | Int32Array> = { obs_group_joinid: Uint32Array.from({ length: groups.nObsGroups }, (_, i) => i) };
      for (const c of OBS_GROUP_COLUMNS) ogCells[c] = groups.codes[c];
      ogCells.n_obs = groups.nObs;
      await writeSparse(ogUri, ogCells, { vfs, schema: ogCreated });

      await createArray(joinUri(cubeUri, ESTIMATORS_ARRAY), estSchema, { vfs });
      await addGroupMembers(
        cubeUri,
        [OBS_GROUPS_ARRAY, ESTIMATORS_ARRAY, SIZE_FACTORS_ARRAY].map((name) => ({ uri: name, name, relative: true, type: "array" as const })),
        { vfs },
      );
    } catch (e) {
      if (e instanceof CubeWriterError) throw e;
      throw new CubeWriterError("E_WRITE", `cannot create cube ${cubeUri}: ${(e as Error).message}`, { cause: e });
    }
    return new CubeWriter(cubeUri, [...options.featureIds], estimatorNames, groups.nObs, new Uint8Array(groups.nObsGroups), options.counts ?? true, vfs);
  }

  /** Opens an existing cube to add the batches a crashed or stopped build did not write. */
  static async open(cubeUri: string, options: { vfs?: VFS; counts?: boolean } = {}): Promise<CubeWriter> {
    const vfs = options.vfs ?? vfsFor(cubeUri);
    const state = await readCubeState(cubeUri, vfs);
    return new CubeWriter(cubeUri, state.featureIds, state.estimatorNames, state.nObs, state.groupWritten, options.counts ?? true, vfs);
  }

  /**
   * A writer for batches in another process (a build's worker), from the state its parent already read with
   * `open` or `create`: nothing is read from the cube. `state()` gives what to pass.
   */
  static attach(cubeUri: string, state: AttachState, options: { vfs?: VFS; counts?: boolean } = {}): CubeWriter {
    const vfs = options.vfs ?? vfsFor(cubeUri);
    return new CubeWriter(cubeUri, state.featureIds, state.estimatorNames, state.nObs, state.groupWritten, options.counts ?? true, vfs);
  }

  /** What `attach` needs (plain data: it crosses process boundaries). */
  state(): AttachState {
    return {
      featureIds: [...this.featureIds],
      estimatorNames: [...this.estimatorNames],
      nObs: this.nObs.slice(),
      groupWritten: this.groupWritten.slice(),
    };
  }

  /**
   * Rank of each feature (var order) in the estimators array's global order. Rows handed to `writeBatch` by
   * (rank, obs group) are written as they come; others are sorted first.
   */
  get featureRanks(): Uint32Array {
    return this.featureRank;
  }

  /** The feature (var index) at each rank: `featureRanks`' inverse. */
  get featuresByRank(): Uint32Array {
    return this.featureOfRank;
  }

  /**
   * Stages one batch of estimator rows (atomic: whole or not at all); `finish` writes the staged batches into
   * the estimators array. A batch holds whole obs groups: every row of each of its groups, and no group
   * written before. Returns the number of rows written. `batchId`: the batch of a stored plan, staged under its
   * id (see plannedBatchName), so computing it again replaces it rather than adding its groups twice.
   * `record`: counts kept in the staged file with the rows (see readStagedSummary), e.g. the values read.
   */
  async writeBatch(rows: EstimatorRows, options: { batchId?: number; record?: BatchRecord } = {}): Promise<number> {
    const planned = options.batchId !== undefined;
    const ctx: BatchContext = {
      estimatorNames: this.estimatorNames,
      featureRank: this.featureRank,
      featureIds: this.featureIds,
      nObs: this.nObs,
      // a planned batch may be computed again (a retried or raced job): its file replaces the earlier copy
      groupWritten: planned ? new Uint8Array(this.nObs.length) : this.groupWritten,
      counts: this.counts,
    };
    const sorted = sortEstimatorRows(rows, ctx);
    // a planned batch is staged even without rows: its file says it is done
    if (sorted.n === 0 && !planned) return 0;
    try {
      await writeStagedBatch(this.scratch, this.cubeUri, sorted, this.estimatorNames, this.featureRank, options.batchId, options.record);
    } catch (e) {
      throw new CubeWriterError("E_WRITE", `cannot write an estimators batch to ${this.cubeUri}: ${(e as Error).message}`, { cause: e });
    }
    for (const g of sorted.groups) this.groupWritten[g] = 1;
    this.batches++;
    this.rowsWritten += sorted.n;
    return sorted.n;
  }

  /** The staged batches not yet in the array (see isStale). */
  private async liveStaged(): Promise<StagedBatch[]> {
    const staged = await listStagedBatches(this.scratch, this.cubeUri, this.estimatorNames, this.featureIds.length);
    if (staged.length === 0) return staged;
    const inArray = await arrayGroups(await openArray(joinUri(this.cubeUri, ESTIMATORS_ARRAY), { vfs: this.vfs }), this.nObs.length);
    return staged.filter((b) => !isStale(b, inArray));
  }

  /**
   * Which planned batches (see writeBatch's `batchId`) are staged, whether or not their rows are in the array
   * already, and the obs groups whose rows are found more than once among the staged batches and the array.
   */
  async stagedCoverage(): Promise<{ batchIds: Set<number>; inArray: Uint8Array; twice: number[] }> {
    const staged = await listStagedBatches(this.scratch, this.cubeUri, this.estimatorNames, this.featureIds.length);
    const inArray = await arrayGroups(await openArray(joinUri(this.cubeUri, ESTIMATORS_ARRAY), { vfs: this.vfs }), this.nObs.length);
    const count = inArray.slice();
    const batchIds = new Set<number>();
    for (const b of staged) {
      const id = plannedBatchId(b.uri);
      if (id !== undefined) batchIds.add(id);
      if (!isStale(b, inArray)) for (const g of b.groups) count[g]++;
    }
    const twice: number[] = [];
    count.forEach((c, g) => {
      if (c > 1) twice.push(g);
    });
    return { batchIds, inArray, twice };
  }

  private writeContext(chunkRows?: number): StagedWriteContext {
    return { vfs: this.vfs, scratch: this.scratch, estimatorNames: this.estimatorNames, featureRank: this.featureRank, featureIdsByRank: this.featureIdsByRank, nGroups: this.nObs.length, chunkRows };
  }

  /**
   * Splits writing the staged batches into up to `parts` pieces ending on full tiles, for encoding in parallel
   * (`encodeStagedPart` in any process attached to the cube, then `commitStagedParts`). Empty when nothing is
   * staged. `finish` alone writes them in one process.
   */
  async stagedParts(parts: number): Promise<StagedPart[]> {
    const live = await this.liveStaged();
    if (live.length === 0) return [];
    const schema = (await openArray(joinUri(this.cubeUri, ESTIMATORS_ARRAY), { vfs: this.vfs })).schema;
    return planStagedParts(live, parts, Number(schema.capacity));
  }

  /** Encodes one piece of the staged write and stores it in the folder `outUri` (nothing becomes visible). */
  async encodeStagedPart(part: StagedPart, outUri: string, options: { chunkRows?: number } = {}): Promise<void> {
    const content = await encodeStagedPart(joinUri(this.cubeUri, ESTIMATORS_ARRAY), part, this.writeContext(options.chunkRows));
    await storeFragmentPiece(outUri, content, this.scratch);
  }

  /** Joins the encoded pieces (in order) into one estimators fragment, commits it and drops the staged batches. */
  async commitStagedParts(uris: string[]): Promise<void> {
    const estUri = joinUri(this.cubeUri, ESTIMATORS_ARRAY);
    try {
      const schema = (await openArray(estUri, { vfs: this.vfs })).schema;
      await commitFragmentPieces(estUri, schema, uris, { vfs: this.scratch, timestamp: await nextFragmentTimestamp(estUri, this.vfs) });
    } catch (e) {
      throw estimatorsWriteError(this.cubeUri, e);
    }
    await removeStaging(this.scratch, this.cubeUri);
  }

  /**
   * Writes the staged batches into the estimators array — all in one fragment, or one fragment per batch —
   * then drops them. A batch whose groups the array already holds was written before a crash cut the
   * clean-up short: it is dropped, not written twice.
   */
  private async writeStaged(oneFragment: boolean, chunkRows?: number): Promise<void> {
    const live = await this.liveStaged();
    if (live.length === 0) {
      await removeStaging(this.scratch, this.cubeUri); // stale batches only
      return;
    }
    const estUri = joinUri(this.cubeUri, ESTIMATORS_ARRAY);
    const ctx = this.writeContext(chunkRows);
    try {
      if (oneFragment) await writeStagedFragment(estUri, live, ctx);
      else for (const b of live) await writeStagedFragment(estUri, [b], ctx);
    } catch (e) {
      throw estimatorsWriteError(this.cubeUri, e);
    }
    await removeStaging(this.scratch, this.cubeUri);
  }

  /**
   * Writes the staged batches, validates (optional), consolidates and vacuums the estimators (optional), and
   * marks the cube complete with its build record. Throws CubeWriterError("E_INVALID_CUBE") and leaves the
   * cube "building" if invalid.
   */
  async finish(options: FinishOptions = {}): Promise<ValidationReport | undefined> {
    const consolidateIt = options.consolidate ?? true;
    await this.writeStaged(consolidateIt, options.chunkRows);
    let report: ValidationReport | undefined;
    if (options.validate ?? true) {
      report = await validateCube(this.cubeUri, { expectedNObs: options.expectedNObs, expectedGroups: options.expectedGroups, counts: this.counts, vfs: this.vfs, rowChecks: options.rowChecks });
    }
    const estUri = joinUri(this.cubeUri, ESTIMATORS_ARRAY);
    if (consolidateIt) {
      try {
        await consolidate(estUri, { vfs: this.vfs });
        await vacuum(estUri, { vfs: this.vfs });
      } catch (e) {
        throw new CubeWriterError("E_CONSOLIDATE", `cannot consolidate ${estUri}: ${(e as Error).message}`, { cause: e });
      }
    }
    const previous = (await readBuildRecord(this.cubeUri, this.vfs)) ?? {};
    const record: BuildRecord = {
      ...previous,
      ...(options.build ?? {}),
      finished_at: new Date().toISOString(),
      validated: options.validate ?? true,
      consolidated: consolidateIt,
    };
    await writeGroupMetadata(this.cubeUri, { put: { [STATUS_KEY]: "complete", [BUILD_RECORD_KEY]: JSON.stringify(record) } }, { vfs: this.vfs });
    return report;
  }

  /** Batches and rows written through this writer (not counting earlier runs). */
  stats(): { batches: number; rows: number } {
    return { batches: this.batches, rows: this.rowsWritten };
  }
}

export interface CubeState {
  featureIds: string[];
  estimatorNames: string[];
  nObs: Int32Array;
  groupWritten: Uint8Array;
  status: CubeStatus | undefined;
}

/** What an existing cube holds: its features, estimators, obs groups and which groups have estimator rows. */
export async function readCubeState(cubeUri: string, vfs: VFS = vfsFor(cubeUri)): Promise<CubeState> {
  const status = await cubeStatus(cubeUri, vfs);
  const fUri = joinUri(cubeUri, FEATURE_IDS_FILE);
  if (!(await vfs.exists(fUri))) throw new CubeWriterError("E_NOT_CUBE", `${cubeUri} is not a cube: ${FEATURE_IDS_FILE} is missing`);
  let featureIds: string[];
  try {
    featureIds = JSON.parse(new TextDecoder().decode(await vfs.read(fUri)));
  } catch (e) {
    throw new CubeWriterError("E_NOT_CUBE", `${fUri} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(featureIds)) throw new CubeWriterError("E_NOT_CUBE", `${fUri} must hold a JSON array of feature ids`);
  for (const name of [OBS_GROUPS_ARRAY, ESTIMATORS_ARRAY, SIZE_FACTORS_ARRAY]) {
    if ((await objectType(joinUri(cubeUri, name), vfs)) !== "array") {
      throw new CubeWriterError("E_NOT_CUBE", `${cubeUri} is not a complete cube: array ${name} is missing (a build stopped while creating it; rebuild with overwrite)`);
    }
  }
  const og = await openArray(joinUri(cubeUri, OBS_GROUPS_ARRAY), { vfs });
  const nGroups = Number((og.schema.dimensions[0].domain as [number, number])[1]);
  const nObs = new Int32Array(nGroups);
  if (og.fragments.length === 0) throw new CubeWriterError("E_NOT_CUBE", `${cubeUri}: obs_groups has no cells (a build stopped while creating it; rebuild with overwrite)`);
  const ogRead = await readAll(og, { columns: ["obs_group_joinid", "n_obs"] });
  const ids = columnValues(ogRead.columns[0]) as Uint32Array;
  const counts = columnValues(ogRead.columns[1]) as Int32Array;
  for (let i = 0; i < ids.length; i++) nObs[ids[i]] = counts[i];
  const est = await openArray(joinUri(cubeUri, ESTIMATORS_ARRAY), { vfs });
  const estimatorNames = est.schema.attributes.map((a) => a.name);
  const groupWritten = await arrayGroups(est, nGroups);
  const inArray = groupWritten.slice();
  for (const b of await listStagedBatches(vfs, cubeUri, estimatorNames, featureIds.length)) {
    if (isStale(b, inArray)) continue; // already in the array (see writeStaged)
    for (const g of b.groups) if (g < nGroups) groupWritten[g] = 1;
  }
  return { featureIds, estimatorNames, nObs, groupWritten, status };
}

/**
 * Whether a staged batch is already in the array: all of its groups are (batches hold whole groups and are
 * written whole). Some but not all means the array was written by something else: refused.
 */
function isStale(b: StagedBatch, inArray: Uint8Array): boolean {
  const shared = b.groups.filter((g) => inArray[g]);
  if (shared.length === 0) return false;
  if (shared.length === b.groups.length) return true;
  throw new CubeWriterError(
    "E_GROUP_WRITTEN",
    `staged estimators batch ${b.uri} covers obs groups ${b.groups.join(", ")} but the estimators array already holds rows of ${shared.join(", ")} only; the array was written outside this cube's build`,
  );
}

/** 1 for each obs group with rows in the estimators array (streamed: only the group column, bounded batches). */
async function arrayGroups(est: TileDBArray, nGroups: number): Promise<Uint8Array> {
  const out = new Uint8Array(nGroups);
  if (est.fragments.length === 0) return out;
  for await (const r of readBatches(est, { columns: ["obs_group_joinid"], order: "unordered", memoryBudget: 64 << 20 })) {
    const g = columnValues(r.columns[0]) as Uint32Array;
    for (let i = 0; i < g.length; i++) if (g[i] < nGroups) out[g[i]] = 1;
  }
  return out;
}

/** The cube's status ("building" until `finish`), or undefined when the directory is not a cube group. */
export async function cubeStatus(cubeUri: string, vfs: VFS = vfsFor(cubeUri)): Promise<CubeStatus | undefined> {
  if ((await objectType(cubeUri, vfs)) !== "group") return undefined;
  const g = await openGroup(cubeUri, { vfs });
  const v = g.metadata.get(STATUS_KEY)?.value;
  return v === "building" || v === "complete" ? v : undefined;
}
