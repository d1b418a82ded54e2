"""Check cell for cell that two SOMA experiments hold the same obs, var and X layer.

Column types may differ (categories vs plain strings, string vs large_string); values may not.
Usage: compare_experiments.py <experiment-a> <experiment-b> [--measurement RNA] [--layer raw]
Prints one JSON line; exits 1 naming the first difference.
"""
import argparse
import json
import sys
import time

import numpy as np
import pyarrow as pa
import tiledbsoma as soma


def frame(df) -> dict:
    t = df.read().concat()
    order = np.argsort(t["soma_joinid"].to_numpy())
    out = {}
    for name, col in zip(t.column_names, t.columns):
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.large_string())
        out[name] = col.to_numpy(zero_copy_only=False)[order]
    return out


def compare_frames(what: str, a: dict, b: dict) -> None:
    if sorted(a) != sorted(b):
        fail(f"{what}: columns differ: {sorted(a)} vs {sorted(b)}")
    for name in a:
        x, y = a[name], b[name]
        if len(x) != len(y):
            fail(f"{what}.{name}: {len(x)} vs {len(y)} rows")
        if x.dtype.kind == "f":
            same = np.array_equal(x, y, equal_nan=True)
        else:
            same = np.array_equal(x.astype(object) if x.dtype.kind == "O" else x, y.astype(object) if y.dtype.kind == "O" else y)
        if not same:
            i = int(np.nonzero(x != y)[0][0])
            fail(f"{what}.{name}: row {i} differs: {x[i]!r} vs {y[i]!r}")


def coo(X, n_var: int):
    t = X.read().tables().concat()
    d0 = t["soma_dim_0"].to_numpy()
    d1 = t["soma_dim_1"].to_numpy()
    v = t["soma_data"].to_numpy()
    order = np.argsort(d0 * n_var + d1, kind="stable")
    return d0[order], d1[order], v[order]


def fail(msg: str) -> None:
    print(json.dumps({"equal": False, "difference": msg}))
    sys.exit(1)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--measurement", default="RNA")
    p.add_argument("--layer", default="raw")
    args = p.parse_args()
    start = time.perf_counter()
    with soma.Experiment.open(args.a) as ea, soma.Experiment.open(args.b) as eb:
        obs_a, obs_b = frame(ea.obs), frame(eb.obs)
        compare_frames("obs", obs_a, obs_b)
        ma, mb = ea.ms[args.measurement], eb.ms[args.measurement]
        var_a, var_b = frame(ma.var), frame(mb.var)
        compare_frames("var", var_a, var_b)
        n_var = len(var_a["soma_joinid"])
        xa, xb = coo(ma.X[args.layer], n_var), coo(mb.X[args.layer], n_var)
        for name, x, y in zip(("soma_dim_0", "soma_dim_1", "soma_data"), xa, xb):
            if len(x) != len(y):
                fail(f"X: {len(x)} vs {len(y)} cells")
            if not np.array_equal(x, y):
                i = int(np.nonzero(x != y)[0][0])
                fail(f"X.{name}: cell {i} (in (dim_0, dim_1) order) differs: {x[i]!r} vs {y[i]!r}")
    print(json.dumps({"equal": True, "obs": len(obs_a["soma_joinid"]), "var": n_var, "nnz": len(xa[0]), "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
