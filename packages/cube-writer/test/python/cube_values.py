#!/usr/bin/env python
"""Print a cube's content as cube-writer input (JSON), read with Python tiledb.

    cube_values.py CUBE

Output: {"featureIds": [...], "obsGroups": {"columns": {col: [label per group]}, "nObs": [...]},
"sizeFactors": {"soma_joinid": [...], "columns": {col: [label per cell]}, "approx_size_factor": [...]},
"estimators": {"obsGroup": [...], "feature": [...], "sum": [...], "sumsq": [...], "sizeFactor": [...], "nObs": [...]},
"estimatorNames": [...]}. Rows of obs groups are in obs_group_joinid order, size factors in row order,
estimator rows sorted by (obs_group_joinid, feature index). Floats are the stored values, exactly.
"""

import json
import os
import sys

import numpy as np
import tiledb

GROUP_COLUMNS = [
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
]


def main(cube: str) -> None:
    with open(os.path.join(cube, "feature_ids.json")) as f:
        feature_ids = json.load(f)
    with tiledb.open(os.path.join(cube, "obs_groups")) as a:
        og = a.df[:]
    og = og.reset_index() if "obs_group_joinid" not in og.columns else og
    og = og.sort_values("obs_group_joinid")
    assert list(og["obs_group_joinid"]) == list(range(len(og))), "obs_group_joinid must be 0..n-1"
    with tiledb.open(os.path.join(cube, "size_factors")) as a:
        sf = a.df[:]
    with tiledb.open(os.path.join(cube, "estimators")) as a:
        names = [a.schema.attr(i).name for i in range(a.schema.nattr)]
        est = a.df[:]
    est = est.reset_index() if "feature_id" not in est.columns else est
    fid = [v.decode() if isinstance(v, bytes) else v for v in est["feature_id"]]
    index = {f: i for i, f in enumerate(feature_ids)}
    gene = np.array([index[f] for f in fid], dtype=np.int64)
    group = est["obs_group_joinid"].to_numpy().astype(np.int64)
    order = np.lexsort((gene, group))

    def floats(col):
        return [float(v) for v in est[col].to_numpy()[order]]

    out = {
        "featureIds": feature_ids,
        "estimatorNames": names,
        "obsGroups": {
            "columns": {c: [str(v) for v in og[c]] for c in GROUP_COLUMNS},
            "nObs": [int(v) for v in og["n_obs"]],
        },
        "sizeFactors": {
            "soma_joinid": [int(v) for v in sf["soma_joinid"]],
            "columns": {c: [str(v) for v in sf[c]] for c in GROUP_COLUMNS},
            "approx_size_factor": [float(v) for v in sf["approx_size_factor"]],
        },
        "estimators": {
            "obsGroup": [int(v) for v in group[order]],
            "feature": [int(v) for v in gene[order]],
            "sum": floats("sum"),
            "sumsq": floats("sumsq"),
            "sizeFactor": floats("size_factor"),
            "nObs": floats("n_obs"),
            "extra": {n: floats(n) for n in names[4:]},
        },
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
