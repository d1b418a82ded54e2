/**
 * The cube layout, as the reference Python builder (cellxgene-census `tools/models/memento`) names it:
 * three TileDB arrays and a JSON file inside the cube directory.
 */

/**
 * The estimators every cube holds, in attribute order; extra estimators (Memento's, see ESTIMATOR_NAMES in
 * @census-cube/estimators) follow them. An obs group's labels are the estimators package's OBS_GROUP_COLUMNS.
 */
export const REQUIRED_ESTIMATORS = ["sum", "sumsq", "size_factor", "n_obs"] as const;

export const OBS_GROUPS_ARRAY = "obs_groups";
export const ESTIMATORS_ARRAY = "estimators";
export const SIZE_FACTORS_ARRAY = "size_factors";
export const FEATURE_IDS_FILE = "feature_ids.json";
/** Estimator batches of a cube still being built (see staging.ts); gone once the cube is finished. */
export const STAGING_DIR = "__staged_estimators";

/** The dense row dimension pandas-to-TileDB writes use for a frame with a plain row index. */
export const ROWS_DIM = "__tiledb_rows";

/** Group metadata keys written by this package. */
export const BUILD_RECORD_KEY = "cube_build";
export const STATUS_KEY = "cube_status";
