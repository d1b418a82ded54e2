#!/usr/bin/env python
"""Write small TileDB-SOMA experiments with tiledbsoma and record what tiledbsoma's own queries return.

The census-reader interop tests run this at test time into a temporary folder, then read the same experiments
and compare. Output, under OUT:

  <name>/            one SOMA Experiment per shape (see EXPERIMENTS below)
  expected.json      {"<name>": {"obs": [{"filter", "joinids" | "error"}], "var": [...],
                                  "query": {"obs_filter", "var_filter", "obs_joinids", "var_joinids",
                                            "x": [[dim0...], [dim1...], [data...]]}}}

Shapes: categorical obs columns (TileDB enumerations, as current TileDB-SOMA writes them); the same columns as
plain strings with a dictionary filter (the 2023 Census layout); an experiment whose obs was written in two
fragments with cells that have no X data and a nullable column; an experiment with an empty X.

Usage: python write_experiments.py OUT
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import tiledbsoma as soma

# Every filter form the reader supports; each is run against obs by tiledbsoma and by the reader.
OBS_FILTERS = [
    "is_primary_data == True",
    "is_primary_data == False",
    "is_primary_data != True",
    "tissue_general == 'lung'",
    "tissue_general != 'lung'",
    "tissue_general in ['tongue', 'lung']",
    "tissue_general not in ['tongue', 'lung']",
    "is_primary_data == True and tissue_general in ['tongue', 'lung']",
    "cell_type == 'T cell' or cell_type == 'B cell'",
    "not (cell_type == 'T cell')",
    # tiledbsoma 2.3 crashes negating a compound condition; its De Morgan form gives the expected rows.
    ("not (tissue_general in ['blood'] or nnz > 40)", "tissue_general not in ['blood'] and nnz <= 40"),
    ("not (is_primary_data == True and cell_type != 'B cell')", "is_primary_data != True or cell_type == 'B cell'"),
    "cell_type == \"it's odd\"",
    "cell_type == 'no such label'",
    "cell_type != 'no such label'",
    "cell_type in ['no such label', 'B cell']",
    "donor_id == 'd1'",
    "donor_id > 'd2'",
    "donor_id <= 'd2' and donor_id >= 'd1'",
    "raw_sum > 100.5",
    "raw_sum <= 100",
    "nnz >= 10 and nnz < 40",
    "nnz == 7",
    "nnz in [1, 2, 3, 50, 51]",
    "nnz not in [1, 2, 3]",
    "n_genes < 20 or n_genes > 90",
    "10 < n_genes <= 30",
    "score < 0.5",
    "score >= 0.25",
    "soma_joinid < 10",
    "soma_joinid >= 5 and soma_joinid <= 12 and is_primary_data == True",
    "soma_joinid in [0, 3, 17, 9999]",
    "soma_joinid not in [0, 1, 2]",
    "soma_joinid < 3 or soma_joinid > 100",
    "(soma_joinid < 30 or nnz > 50) and tissue_general == 'tongue'",
    "(nnz == 1) & (raw_sum > 5) | (nnz == 2)",
    "tissue_general > 'lung'",
    "tissue_general <= 'brain'",
    "tissue_general < 'no such label'",
    "is_primary_data == True and nnz > 1000000",
    "attr('cell_type') == 'B cell'",
    "-1 < nnz",
]
VAR_FILTERS = [
    "feature_id in ['ENSG00000000003', 'ENSG00000000005', 'ENSG00000000419']",
    "feature_length > 5000",
    "feature_name != 'GENE_3'",
    "soma_joinid < 4",
]

CELL_TYPES = ["T cell", "B cell", "neuron", "it's odd", "épithélial"]
TISSUES = ["lung", "tongue", "blood", "brain"]
DONORS = ["d1", "d2", "d3", "d10"]


def obs_table(n: int, rng: np.random.Generator, start: int = 0, with_nullable: bool = False) -> dict:
    cols = {
        "soma_joinid": np.arange(start, start + n, dtype=np.int64),
        "cell_type": rng.choice(CELL_TYPES, n),
        "tissue_general": rng.choice(TISSUES, n),
        "donor_id": rng.choice(DONORS, n),
        "is_primary_data": rng.random(n) < 0.6,
        "raw_sum": np.round(rng.gamma(2.0, 60.0, n), 2),
        "nnz": rng.integers(0, 60, n, dtype=np.int64),
        "n_genes": rng.integers(0, 100, n, dtype=np.int32),
        "score": rng.random(n).astype(np.float32),
    }
    if with_nullable:
        vals = rng.random(n)
        mask = rng.random(n) < 0.3
        cols["maybe"] = pa.array(vals, mask=mask, type=pa.float64())
    return cols


def obs_schema(categorical: bool, with_nullable: bool) -> pa.Schema:
    s = pa.large_string()
    cat = pa.dictionary(pa.int8(), pa.string(), ordered=False) if categorical else s
    fields = [
        pa.field("cell_type", cat),
        pa.field("tissue_general", cat),
        pa.field("donor_id", s),
        pa.field("is_primary_data", pa.bool_()),
        pa.field("raw_sum", pa.float64()),
        pa.field("nnz", pa.int64()),
        pa.field("n_genes", pa.int32()),
        pa.field("score", pa.float32()),
    ]
    if with_nullable:
        fields.append(pa.field("maybe", pa.float64(), nullable=True))
    return pa.schema(fields)


def to_arrow(cols: dict, schema: pa.Schema, categories: dict | None) -> pa.Table:
    arrays = [pa.array(cols["soma_joinid"], pa.int64())]
    names = ["soma_joinid"]
    for f in schema:
        v = cols[f.name]
        if pa.types.is_dictionary(f.type):
            cats = categories[f.name]
            arr = pa.array(pd.Categorical(v, categories=cats))
        elif isinstance(v, pa.Array):
            arr = v
        else:
            arr = pa.array(v, f.type)
        arrays.append(arr)
        names.append(f.name)
    return pa.Table.from_arrays(arrays, names=names)


def write_experiment(uri: str, n_obs: int, n_var: int, *, categorical: bool, fragments: int, x_density: float,
                     empty_rows: int, with_nullable: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    schema = obs_schema(categorical, with_nullable)
    dict_filter = {"filters": ["DictionaryFilter", {"_type": "ZstdFilter", "level": 19}]}
    platform = {"tiledb": {"create": {"attrs": {"cell_type": dict_filter, "tissue_general": dict_filter}}}} if not categorical else None
    # Each object is created and written through its own handle, closed before it is linked into its parent:
    # tiledbsoma writes categorical values as an enumeration extension, which a still-open parent handle hides.
    platform_kw = {"platform_config": platform} if platform else {}
    with soma.DataFrame.create(f"{uri}/obs", schema=schema, index_column_names=["soma_joinid"], domain=[(0, n_obs - 1)], **platform_kw) as obs:
        # Categories are listed in an order that differs from sorted order, so ordering by enumeration position shows.
        categories = {"cell_type": list(reversed(CELL_TYPES)), "tissue_general": ["tongue", "lung", "brain", "blood"]}
        per = (n_obs + fragments - 1) // fragments
        for f in range(fragments):
            lo, hi = f * per, min(n_obs, (f + 1) * per)
            if lo < hi:
                obs.write(to_arrow(obs_table(hi - lo, rng, lo, with_nullable), schema, categories))

    var_schema = pa.schema([pa.field("feature_id", pa.large_string()), pa.field("feature_name", pa.large_string()),
                            pa.field("feature_length", pa.int64())])
    with soma.DataFrame.create(f"{uri}/ms/RNA/var", schema=var_schema, index_column_names=["soma_joinid"], domain=[(0, n_var - 1)]) as var:
        var.write(pa.table({
            "soma_joinid": pa.array(np.arange(n_var, dtype=np.int64)),
            "feature_id": pa.array([f"ENSG{i:011d}" for i in range(n_var)], pa.large_string()),
            "feature_name": pa.array([f"GENE_{i}" for i in range(n_var)], pa.large_string()),
            "feature_length": pa.array(rng.integers(100, 10000, n_var), pa.int64()),
        }))

    with soma.SparseNDArray.create(f"{uri}/ms/RNA/X/raw", type=pa.float32(), shape=(n_obs, n_var)) as raw:
        if x_density > 0:
            # The last `empty_rows` cells (and every 7th) have no X data at all.
            rows, cols = np.nonzero(rng.random((n_obs, n_var)) < x_density)
            keep = (rows < n_obs - empty_rows) & (rows % 7 != 3)
            rows, cols = rows[keep], cols[keep]
            data = rng.integers(1, 50, rows.size).astype(np.float32)
            # Two writes, the second out of order, so the reader merges fragments.
            half = rows.size // 2
            for sl in (slice(half, None), slice(0, half)):
                raw.write(pa.Table.from_pydict({
                    "soma_dim_0": pa.array(rows[sl].astype(np.int64)),
                    "soma_dim_1": pa.array(cols[sl].astype(np.int64)),
                    "soma_data": pa.array(data[sl]),
                }))

    with soma.Collection.create(f"{uri}/ms/RNA/X") as X:
        with soma.SparseNDArray.open(f"{uri}/ms/RNA/X/raw") as raw:
            X.set("raw", raw, use_relative_uri=True)
    with soma.Measurement.create(f"{uri}/ms/RNA") as rna:
        with soma.DataFrame.open(f"{uri}/ms/RNA/var") as var:
            rna.set("var", var, use_relative_uri=True)
        with soma.Collection.open(f"{uri}/ms/RNA/X") as X:
            rna.set("X", X, use_relative_uri=True)
    with soma.Collection.create(f"{uri}/ms") as ms:
        with soma.Measurement.open(f"{uri}/ms/RNA") as rna:
            ms.set("RNA", rna, use_relative_uri=True)
    with soma.Experiment.create(uri) as exp:
        with soma.DataFrame.open(f"{uri}/obs") as obs:
            exp.set("obs", obs, use_relative_uri=True)
        with soma.Collection.open(f"{uri}/ms") as ms:
            exp.set("ms", ms, use_relative_uri=True)


EXPERIMENTS = {
    "categorical": dict(n_obs=120, n_var=12, categorical=True, fragments=1, x_density=0.3, empty_rows=5, with_nullable=False, seed=1),
    "plain": dict(n_obs=120, n_var=12, categorical=False, fragments=1, x_density=0.3, empty_rows=5, with_nullable=False, seed=2),
    "fragmented": dict(n_obs=5000, n_var=40, categorical=True, fragments=3, x_density=0.05, empty_rows=100, with_nullable=True, seed=3),
    "empty-x": dict(n_obs=30, n_var=6, categorical=False, fragments=1, x_density=0.0, empty_rows=0, with_nullable=False, seed=4),
}


def write_dense(uri: str) -> dict:
    """A 2-d DenseNDArray (float64, 7 x 5) written in two blocks, and the values tiledbsoma reads back."""
    values = np.arange(35, dtype=np.float64).reshape(7, 5) * 1.5 - 3
    with soma.DenseNDArray.create(uri, type=pa.float64(), shape=(7, 5)) as d:
        d.write((slice(0, 3), slice(None)), pa.Tensor.from_numpy(values[0:4, :]))
        d.write((slice(4, 6), slice(None)), pa.Tensor.from_numpy(values[4:7, :]))
    with soma.DenseNDArray.open(uri) as d:
        full = d.read().to_numpy()
        part = d.read((slice(2, 4), slice(1, 3))).to_numpy()
    return {"shape": [7, 5], "full": full.ravel().tolist(), "part": part.ravel().tolist()}


def joinids_or_error(df, value_filter: str | tuple[str, str]) -> dict:
    ours, theirs = value_filter if isinstance(value_filter, tuple) else (value_filter, value_filter)
    try:
        t = df.read(column_names=["soma_joinid"], value_filter=theirs).concat()
        return {"filter": ours, "joinids": sorted(int(x) for x in t["soma_joinid"].to_numpy())}
    except Exception as e:  # noqa: BLE001 - record that tiledbsoma rejects it
        return {"filter": ours, "error": str(e)[:200]}


def expected_for(uri: str, with_nullable: bool) -> dict:
    out: dict = {}
    filters = OBS_FILTERS + (["maybe > 0.5", "maybe != 0.5", "not (maybe > 0.5)", "maybe not in [0.5]", "maybe == None", "maybe != None"] if with_nullable else [])
    with soma.Experiment.open(uri) as exp:
        out["obs"] = [joinids_or_error(exp.obs, f) for f in filters]
        out["var"] = [joinids_or_error(exp.ms["RNA"].var, f) for f in VAR_FILTERS]
        obs_filter = "is_primary_data == True and tissue_general in ['tongue', 'lung']"
        var_filter = "feature_length > 2000"
        with exp.axis_query("RNA", obs_query=soma.AxisQuery(value_filter=obs_filter),
                            var_query=soma.AxisQuery(value_filter=var_filter)) as q:
            x = q.X("raw").tables().concat()
            order = np.lexsort((x["soma_dim_1"].to_numpy(), x["soma_dim_0"].to_numpy()))
            out["query"] = {
                "obs_filter": obs_filter,
                "var_filter": var_filter,
                "n_obs": q.n_obs,
                "n_vars": q.n_vars,
                "obs_joinids": [int(v) for v in q.obs_joinids().to_numpy()],
                "var_joinids": [int(v) for v in q.var_joinids().to_numpy()],
                "x": [[int(v) for v in x["soma_dim_0"].to_numpy()[order]],
                      [int(v) for v in x["soma_dim_1"].to_numpy()[order]],
                      [float(v) for v in x["soma_data"].to_numpy()[order]]],
            }
    return out


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    expected = {}
    for name, params in EXPERIMENTS.items():
        uri = os.path.join(out, name)
        write_experiment(uri, **params)
        expected[name] = expected_for(uri, params["with_nullable"])
    expected["dense"] = write_dense(os.path.join(out, "dense"))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
