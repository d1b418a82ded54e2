"""Generate the inputs of the golden tests (this package's own generator; deterministic).

Writes inputs.json: size-factor cases, one small census-like pipeline case (obs with the 10 grouping
columns, raw_sum, X triples) and DE cases (obs groups + cube rows). Edge cases are built in on purpose:
a one-cell group, a cell with no stored values, all-zero genes, a gene expressed in one cell, a gene with
only 1s, huge counts, identical size factors.
"""

import json
import sys

import numpy as np

OBS_COLUMNS = [
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


def f32(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32)]


def size_factor_cases(rng):
    cases = {
        "lognormal_1000": rng.lognormal(8, 1, 1000).round(),
        "one_cell": np.array([1234.0]),
        "identical": np.full(50, 777.0),
        "two_values": np.array([10.0, 20.0, 10.0, 20.0, 20.0]),
        "huge_counts": rng.uniform(1e9, 5e10, 300).round(),
        "ties_at_max": np.concatenate([rng.integers(100, 5000, 200).astype(float), [9000.0] * 5]),
        "with_zero": np.concatenate([[0.0], rng.integers(1, 3000, 120).astype(float)]),
        "uniform_edges": np.linspace(1, 31, 301),
    }
    return [{"name": k, "raw_sum": [float(x) for x in v]} for k, v in cases.items()]


def categories(prefix, n, rng):
    vals = [f"{prefix}:{i:04d}" for i in range(n)]
    order = rng.permutation(n)  # enumeration order is not sorted order
    return [vals[i] for i in order]


def pipeline_case(rng):
    n_cells, n_genes = 400, 60
    cards = [4, 2, 2, 1, 3, 2, 2, 1, 1, 1]
    cols = {}
    for name, card in zip(OBS_COLUMNS, cards):
        cats = categories(name.split("_")[0].upper(), card, rng)
        codes = rng.integers(0, card, n_cells)
        cols[name] = {"categories": cats, "codes": codes}
    # a one-cell group: a cell type of its own
    ct = cols["cell_type_ontology_term_id"]
    ct["categories"].append("CL:single")
    ct["codes"][17] = len(ct["categories"]) - 1

    cells, genes, values = [], [], []
    lam = rng.lognormal(0, 1.2, n_genes)
    depth = rng.lognormal(0, 0.5, n_cells)
    for c in range(n_cells):
        if c == 33:
            continue  # a cell with no stored value at all
        for g in range(n_genes):
            if g < 4:
                continue  # all-zero genes
            if g == 4:
                v = 7.0 if c == 101 else 0.0  # expressed in one cell
            elif g == 5:
                v = 1.0 if rng.random() < 0.5 else 0.0  # only 1s: variance not estimated
            elif g == 6:
                v = float(rng.integers(10**5, 10**6)) if rng.random() < 0.6 else 0.0  # huge counts
            else:
                v = float(rng.poisson(lam[g] * depth[c]))
            if v != 0:
                cells.append(c)
                genes.append(g)
                values.append(v)
        if c == 17 and not any(cc == 17 for cc in cells):
            cells.append(c)
            genes.append(7)
            values.append(3.0)
    cells = np.array(cells)
    values = np.array(values, dtype=np.float32)
    raw_sum = np.bincount(cells, weights=values.astype(np.float64), minlength=n_cells)
    # identical raw_sum for every cell of one dataset/donor combination
    same = np.where((cols["dataset_id"]["codes"] == 0) & (cols["donor_id"]["codes"] == 1))[0]
    raw_sum[same] = raw_sum[same].mean().round()
    return {
        "n_cells": n_cells,
        "n_genes": n_genes,
        "obs": {k: {"categories": v["categories"], "codes": [int(x) for x in v["codes"]]} for k, v in cols.items()},
        "raw_sum": [float(x) for x in raw_sum],
        "x": {"cell": [int(x) for x in cells], "gene": [int(x) for x in genes], "value": f32(values)},
    }


def de_case(rng):
    n_features = 40
    cards = {"cell_type_ontology_term_id": 1, "dataset_id": 2, "tissue_general_ontology_term_id": 2,
             "assay_ontology_term_id": 1, "donor_id": 4, "disease_ontology_term_id": 2,
             "sex_ontology_term_id": 2, "development_stage_ontology_term_id": 1,
             "self_reported_ethnicity_ontology_term_id": 1, "suspension_type": 1}
    cats = {k: categories(k.split("_")[0].upper(), n, rng) for k, n in cards.items()}
    # every combination of dataset x tissue x donor x disease x sex, minus a few (unobserved combinations)
    groups = []
    for ds in range(2):
        for ti in range(2):
            for do in range(4):
                for di in range(2):
                    for se in range(2):
                        if rng.random() < 0.2:
                            continue
                        groups.append({"dataset_id": ds, "tissue_general_ontology_term_id": ti, "donor_id": do,
                                       "disease_ontology_term_id": di, "sex_ontology_term_id": se})
    n_groups = len(groups)
    codes = {k: [g.get(k, 0) for g in groups] for k in cards}
    n_obs = rng.integers(1, 60, n_groups)
    n_obs[3] = 1  # one-cell group: sem 0, dropped as invalid
    rows = {"obs_group": [], "gene": [], "sum": [], "sumsq": [], "size_factor": [], "n_obs": []}
    effect = rng.normal(0, 0.7, n_features)
    base = rng.lognormal(0, 1, n_features)
    for gi, g in enumerate(groups):
        sf = rng.lognormal(0, 0.3, n_obs[gi])
        for feat in range(n_features):
            if feat == 0:
                continue  # a feature with no rows at all
            if feat == 1 and gi != 3:
                continue  # a feature only in the one-cell group: all rows invalid
            if rng.random() < 0.15:
                continue  # missing in this group
            lam = base[feat] * np.exp(effect[feat] * g["disease_ontology_term_id"]) * sf
            x = rng.poisson(lam).astype(np.float32)
            if x.sum() == 0:
                continue
            rows["obs_group"].append(gi)
            rows["gene"].append(feat)
            rows["sum"].append(float(np.float32(x.sum())))
            rows["sumsq"].append(float(np.float32((x.astype(np.float64) ** 2).sum())))
            rows["size_factor"].append(float(np.float32(sf.sum())))
            rows["n_obs"].append(float(n_obs[gi]))
    return {
        "n_features": n_features,
        "obs_groups": {
            "columns": {k: {"categories": cats[k], "codes": codes[k]} for k in cards},
            "n_obs": [int(x) for x in n_obs],
        },
        "cube": rows,
        "runs": [
            {"treatment": "disease_ontology_term_id", "covariates": []},
            {"treatment": "disease_ontology_term_id", "covariates": ["donor_id", "sex_ontology_term_id"]},
            {"treatment": "sex_ontology_term_id", "covariates": ["dataset_id", "tissue_general_ontology_term_id"]},
        ],
    }


def main(out):
    rng = np.random.default_rng(20240601)
    data = {"size_factors": size_factor_cases(rng), "pipeline": pipeline_case(rng), "de": de_case(rng)}
    with open(out, "w") as f:
        json.dump(data, f)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "inputs.json")
