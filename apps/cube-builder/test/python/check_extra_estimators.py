#!/usr/bin/env python
"""Checks a cube's nnz/min/max estimators against X read directly with tiledbsoma.

Usage: check_extra_estimators.py CUBE EXPERIMENT
Cells are mapped to obs groups through the cube's own size_factors (per-cell labels) and obs_groups
(labels -> obs_group_joinid). Prints JSON {"rows": N, "mismatches": [...]}; exit 1 on any mismatch.
"""
import json
import sys

import numpy as np
import pandas as pd
import tiledb
import tiledbsoma as soma

LABELS = [
    "cell_type_ontology_term_id", "dataset_id", "tissue_general_ontology_term_id", "assay_ontology_term_id",
    "donor_id", "disease_ontology_term_id", "sex_ontology_term_id", "development_stage_ontology_term_id",
    "self_reported_ethnicity_ontology_term_id", "suspension_type",
]


def main() -> None:
    cube, exp_uri = sys.argv[1], sys.argv[2]
    sf = tiledb.open(f"{cube}/size_factors").df[:]
    og = tiledb.open(f"{cube}/obs_groups").df[:]
    for c in LABELS:
        sf[c] = sf[c].astype(str)
        og[c] = og[c].astype(str)
    cells = sf.merge(og[["obs_group_joinid"] + LABELS], on=LABELS, how="left")[["soma_joinid", "obs_group_joinid"]]
    with soma.Experiment.open(exp_uri) as exp:
        var = exp.ms["RNA"].var.read(column_names=["soma_joinid", "feature_id"]).concat().to_pandas()
        X = exp.ms["RNA"].X["raw"].read(coords=(cells.soma_joinid.to_numpy(),)).tables().concat().to_pandas()
    X = X.merge(cells, left_on="soma_dim_0", right_on="soma_joinid").merge(var, left_on="soma_dim_1", right_on="soma_joinid")
    expected = X.groupby(["feature_id", "obs_group_joinid"]).soma_data.agg(x_count="count", x_min="min", x_max="max").reset_index()
    est = tiledb.open(f"{cube}/estimators").df[:]
    both = est.merge(expected, on=["feature_id", "obs_group_joinid"], how="outer", indicator="found")
    ok = (
        (both.found == "both")
        & (both.nnz == both.x_count)
        & (both["min"] == both.x_min.astype(np.float32))
        & (both["max"] == both.x_max.astype(np.float32))
    )
    bad = [str(r) for r in both[~ok].head(10).itertuples()]
    print(json.dumps({"rows": int(len(est)), "mismatches": bad[:10]}))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
