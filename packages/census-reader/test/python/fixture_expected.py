#!/usr/bin/env python
"""Print, as JSON, what tiledbsoma returns for an axis query on an experiment (the census fixture copy).

Usage: python fixture_expected.py EXPERIMENT_DIR OBS_FILTER [MEASUREMENT] [LAYER]
Output: {"obs": {column: [values...]}, "var": {...}, "x": [[dim0...], [dim1...], [data...]],
         "n_obs": int, "n_vars": int}  -- X triples sorted by (soma_dim_0, soma_dim_1).
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import tiledbsoma as soma


def column_values(col) -> list:
    out = []
    for v in col.to_pylist():
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            v = repr(v)
        out.append(v)
    return out


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    uri, obs_filter = sys.argv[1], sys.argv[2]
    measurement = sys.argv[3] if len(sys.argv) > 3 else "RNA"
    layer = sys.argv[4] if len(sys.argv) > 4 else "raw"
    with soma.Experiment.open(uri) as exp:
        with exp.axis_query(measurement, obs_query=soma.AxisQuery(value_filter=obs_filter)) as q:
            obs = q.obs().concat()
            var = q.var().concat()
            x = q.X(layer).tables().concat()
            order = np.lexsort((x["soma_dim_1"].to_numpy(), x["soma_dim_0"].to_numpy()))
            result = {
                "n_obs": q.n_obs,
                "n_vars": q.n_vars,
                "obs": {name: column_values(obs[name]) for name in obs.column_names},
                "var": {name: column_values(var[name]) for name in var.column_names},
                "x": [[int(v) for v in x["soma_dim_0"].to_numpy()[order]],
                      [int(v) for v in x["soma_dim_1"].to_numpy()[order]],
                      [float(v) for v in x["soma_data"].to_numpy()[order]]],
            }
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
