"""Open a generated experiment with Python tiledbsoma and report what it holds.

Usage: check_soma.py <experiment-uri>
Prints one JSON line: obs/var/X counts, obs columns and types, and whether obs raw_sum / nnz equal the
row sums / row counts of X (as the Census defines them). Exits non-zero if tiledbsoma cannot read it.
"""
import json
import sys

import numpy as np
import tiledbsoma as soma


def main() -> None:
    with soma.Experiment.open(sys.argv[1]) as exp:
        obs = exp.obs.read().concat()
        rna = exp.ms["RNA"]
        var = rna.var.read().concat()
        X = rna.X["raw"]
        t = X.read().tables().concat()
        n_obs = obs.num_rows
        d0 = t["soma_dim_0"].to_numpy()
        data = t["soma_data"].to_numpy().astype(np.float64)
        joinid = obs["soma_joinid"].to_numpy()
        row_sum = np.bincount(d0, weights=data, minlength=n_obs)[joinid]
        row_nnz = np.bincount(d0, minlength=n_obs)[joinid]
        # a value filter through libtiledb's query condition, as builders select cells
        primary = exp.obs.read(column_names=["soma_joinid"], value_filter="is_primary_data == True").concat().num_rows
        print(
            json.dumps(
                {
                    "soma_type": exp.soma_type,
                    "n_obs": n_obs,
                    "n_var": var.num_rows,
                    "nnz": t.num_rows,
                    "x_nonempty": [list(map(int, r)) for r in X.non_empty_domain()],
                    "obs_columns": {f.name: str(f.type) for f in obs.schema},
                    "first_feature_id": var["feature_id"][0].as_py(),
                    "primary": primary,
                    "raw_sum_matches_x": bool(np.allclose(obs["raw_sum"].to_numpy(), row_sum, rtol=0, atol=1e-6)),
                    "nnz_matches_x": bool(np.array_equal(obs["nnz"].to_numpy(), row_nnz)),
                    "max_value": float(data.max()),
                }
            )
        )


if __name__ == "__main__":
    main()
