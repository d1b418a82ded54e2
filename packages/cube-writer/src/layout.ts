/**
 * The cube layout, as the reference Python builder (cellxgene-census `tools/models/memento`) names it:
 * three TileDB arrays and a JSON file inside the cube directory.
 */

/** The 10 obs columns whose values define an obs group (a cube row), in the reference's attribute order. */
export const OBS_LOGICAL_DIMS = [
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
export type ObsLogicalDim = (typeof OBS_LOGICAL_DIMS)[number];

/** The estimators every cube holds, in attribute order; extra estimators follow them. */
export const ESTIMATOR_NAMES = ["sum", "sumsq", "size_factor", "n_obs"] as const;

export const OBS_GROUPS_ARRAY = "obs_groups";
export const ESTIMATORS_ARRAY = "estimators";
export const SIZE_FACTORS_ARRAY = "size_factors";
export const FEATURE_IDS_FILE = "feature_ids.json";

/** The dense row dimension pandas-to-TileDB writes use for a frame with a plain row index. */
export const ROWS_DIM = "__tiledb_rows";

/** Group metadata keys written by this package. */
export const BUILD_RECORD_KEY = "cube_build";
export const STATUS_KEY = "cube_status";
