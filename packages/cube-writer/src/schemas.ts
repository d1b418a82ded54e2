/**
 * The three array schemas exactly as the reference builder creates them (cube_schema.py, and pandas-to-TileDB
 * defaults for `size_factors`): dimension types and domains, tile extents, filters, capacities, orders,
 * enumerations and attribute order.
 */
import { OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import { type ArraySchema, type ArraySchemaInput, buildArraySchema, Datatype, type FilterSpec, FilterType } from "@census-cube/tiledb-ts";
import { CubeWriterError } from "./errors.js";
import { REQUIRED_ESTIMATORS, ROWS_DIM } from "./layout.js";

/**
 * How hard the cube's zstd filters compress. `maxZstdLevel` caps the reference's levels (19 on `obs_groups` and
 * the `estimators` dimensions, 5 on estimator values); the schema records the capped level, which is the level
 * the frames are written at. Level 19 is far slower than level 3 and dominated writing a large cube.
 */
export interface SchemaOptions {
  /** Highest zstd level of any filter (default: none, the reference's levels). */
  maxZstdLevel?: number;
}

const zstd = (level: number, o: SchemaOptions = {}): FilterSpec => ({ type: FilterType.ZSTD, options: { level: Math.min(level, o.maxZstdLevel ?? level) } });
// pandas-to-TileDB's default filter for every column and the row dimension (-1: below any cap)
const ZSTD_DEFAULT: FilterSpec[] = [zstd(-1)];
const CAPACITY = 10000;
// pandas-to-TileDB's default tile extent for a one-dimensional frame
const ROWS_TILE = 10000;

function checkGroups(nObsGroups: number): void {
  if (!Number.isInteger(nObsGroups) || nObsGroups < 1 || nObsGroups > 0xfffffffe) {
    throw new CubeWriterError("E_INVALID_ARGUMENT", `number of obs groups ${nObsGroups} must be an integer in [1, 4294967294]`);
  }
}

/** Domain [0, n] (one more than needed, as the reference has it); tile extent = the domain's size, TileDB's default. */
function groupDim(nObsGroups: number, o: SchemaOptions) {
  return { name: "obs_group_joinid", type: Datatype.UINT32, domain: [0, nObsGroups] as [number, number], tileExtent: nObsGroups + 1, filters: [zstd(19, o)] };
}

/** `obs_groups`: one cell per obs group, the 10 labels as enumeration codes, and `n_obs`. */
export function obsGroupsSchema(nObsGroups: number, enumerationValues: Record<string, string[]>, o: SchemaOptions = {}): ArraySchemaInput {
  checkGroups(nObsGroups);
  return {
    arrayType: "sparse",
    dimensions: [groupDim(nObsGroups, o)],
    enumerations: OBS_GROUP_COLUMNS.map((name) => {
      const values = enumerationValues[name];
      if (!values) throw new CubeWriterError("E_MISSING_COLUMN", `obs_groups schema: no enumeration values for "${name}"`);
      return { name, values, ordered: false, type: Datatype.STRING_UTF8 };
    }),
    attributes: [
      ...OBS_GROUP_COLUMNS.map((name) => ({ name, type: Datatype.INT32, nullable: false, enumeration: name, filters: [zstd(19, o)] })),
      { name: "n_obs", type: Datatype.INT32, nullable: false, filters: [zstd(19, o)] },
    ],
    offsetsFilters: [{ type: FilterType.DOUBLE_DELTA, options: {} }, zstd(19, o)],
    cellOrder: "row-major",
    tileOrder: "row-major",
    capacity: CAPACITY,
    allowsDuplicates: true,
  };
}

/** `estimators`: one cell per (feature_id, obs group) with data; float32 estimators in the given order. */
export function estimatorsSchema(nObsGroups: number, estimatorNames: readonly string[] = REQUIRED_ESTIMATORS, o: SchemaOptions = {}): ArraySchemaInput {
  checkGroups(nObsGroups);
  for (let i = 0; i < REQUIRED_ESTIMATORS.length; i++) {
    if (estimatorNames[i] !== REQUIRED_ESTIMATORS[i]) {
      throw new CubeWriterError("E_INVALID_ARGUMENT", `estimators must start with ${REQUIRED_ESTIMATORS.join(", ")} (got ${estimatorNames.join(", ")})`);
    }
  }
  if (new Set(estimatorNames).size !== estimatorNames.length) throw new CubeWriterError("E_INVALID_ARGUMENT", `estimator names repeat: ${estimatorNames.join(", ")}`);
  return {
    arrayType: "sparse",
    dimensions: [
      { name: "feature_id", type: Datatype.STRING_ASCII, filters: [{ type: FilterType.DICTIONARY, options: {} }, zstd(19, o)] },
      groupDim(nObsGroups, o),
    ],
    attributes: estimatorNames.map((name) => ({
      name,
      type: Datatype.FLOAT32,
      nullable: false,
      filters: [{ type: FilterType.BYTESHUFFLE, options: {} }, zstd(5, o)],
    })),
    cellOrder: "row-major",
    tileOrder: "row-major",
    capacity: CAPACITY,
    allowsDuplicates: true,
  };
}

/**
 * `size_factors`: a dense frame of the queried cells (row dimension `__tiledb_rows`): `soma_joinid`, the 10
 * labels as enumeration codes (categories sorted), `approx_size_factor`.
 */
export function sizeFactorsSchema(nCells: number, enumerationValues: Record<string, string[]>): ArraySchema {
  if (!Number.isInteger(nCells) || nCells < 1) throw new CubeWriterError("E_INVALID_ARGUMENT", `size_factors needs at least one cell (got ${nCells})`);
  const schema = buildArraySchema({
    arrayType: "dense",
    // a placeholder name: the schema builder reserves "__" names for TileDB, and pandas-to-TileDB uses one
    dimensions: [{ name: "rows_placeholder", type: Datatype.INT64, domain: [0n, BigInt(nCells - 1)], tileExtent: BigInt(Math.min(ROWS_TILE, nCells)), filters: ZSTD_DEFAULT }],
    enumerations: OBS_GROUP_COLUMNS.map((name) => {
      const values = enumerationValues[name];
      if (!values) throw new CubeWriterError("E_MISSING_COLUMN", `size_factors schema: no enumeration values for "${name}"`);
      return { name, values, ordered: false, type: Datatype.STRING_UTF8 };
    }),
    attributes: [
      { name: "soma_joinid", type: Datatype.INT64, nullable: false, filters: ZSTD_DEFAULT },
      ...OBS_GROUP_COLUMNS.map((name) => ({ name, type: Datatype.INT32, nullable: false, enumeration: name, filters: ZSTD_DEFAULT })),
      { name: "approx_size_factor", type: Datatype.FLOAT64, nullable: false, filters: ZSTD_DEFAULT },
    ],
    cellOrder: "row-major",
    tileOrder: "row-major",
  });
  schema.dimensions[0] = { ...schema.dimensions[0], name: ROWS_DIM };
  return schema;
}

/** The array metadata pandas-to-TileDB leaves on `size_factors` (how to rebuild the frame's dtypes). */
export function sizeFactorsMetadata(): Record<string, string> {
  // Python's json.dumps spacing, keys in column order
  const repr = `{${OBS_GROUP_COLUMNS.map((c) => `"${c}": "category"`).join(", ")}}`;
  return { __pandas_attribute_repr: repr, __pandas_index_dims: `{"${ROWS_DIM}": "int64"}` };
}
