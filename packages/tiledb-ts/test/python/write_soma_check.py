"""Opens a TileDB-SOMA experiment written by tiledb-ts with Python `tiledbsoma` and runs an axis query.

Usage: write_soma_check.py EXPERIMENT_URI OBS_VALUE_FILTER OUT_JSON

OUT_JSON: the experiment's object types, the query's obs and var tables (joinids, string columns, categorical
columns as labels) and X/raw as COO triples (soma_dim_0, soma_dim_1, soma_data), all JSON-safe
(integers as strings).
"""

import json
import sys

import tiledbsoma as soma

uri, value_filter, out_path = sys.argv[1], sys.argv[2], sys.argv[3]


def table_json(df):
    out = {}
    for col in df.columns:
        s = df[col]
        if str(s.dtype) == "category":
            out[col] = [None if v != v else str(v) for v in s.astype(object).tolist()]
        elif s.dtype.kind in "iu":
            out[col] = [str(int(v)) for v in s.tolist()]
        elif s.dtype.kind == "f":
            out[col] = [float(v) for v in s.tolist()]
        else:
            out[col] = [None if v is None else str(v) for v in s.tolist()]
    return out


with soma.Experiment.open(uri) as exp:
    result = {
        "experiment": type(exp).__name__,
        "obs_type": type(exp.obs).__name__,
        "var_type": type(exp.ms["RNA"].var).__name__,
        "x_type": type(exp.ms["RNA"].X["raw"]).__name__,
        "obs_count": exp.obs.count,
    }
    with exp.axis_query("RNA", obs_query=soma.AxisQuery(value_filter=value_filter)) as q:
        obs = q.obs().concat().to_pandas()
        var = q.var().concat().to_pandas()
        x = q.X("raw").tables().concat()
        result["obs"] = table_json(obs)
        result["var"] = table_json(var)
        result["X"] = {
            "soma_dim_0": [str(v) for v in x["soma_dim_0"].to_pylist()],
            "soma_dim_1": [str(v) for v in x["soma_dim_1"].to_pylist()],
            "soma_data": [float(v) for v in x["soma_data"].to_pylist()],
        }

with open(out_path, "w") as f:
    json.dump(result, f)
