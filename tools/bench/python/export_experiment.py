"""Export a SOMA experiment's obs, var and one X layer to plain Parquet files.

Runs with the project's tiledbsoma (2.x), which reads the format-22 arrays tiledb-ts writes. The files are
the input of import_experiment.py, which rewrites the same data with an older tiledbsoma (the reference
builder's environment cannot open format-22 arrays).

Usage: export_experiment.py <experiment-uri> <out-dir> [--measurement RNA] [--layer raw]
Writes <out-dir>/obs.parquet, var.parquet, X.parquet (soma_dim_0, soma_dim_1, soma_data, in storage
order) and shape.json; prints one JSON line with the counts.
"""
import argparse
import json
import os
import time

import pyarrow as pa
import pyarrow.parquet as pq
import tiledbsoma as soma


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("experiment")
    p.add_argument("out")
    p.add_argument("--measurement", default="RNA")
    p.add_argument("--layer", default="raw")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    start = time.perf_counter()
    with soma.Experiment.open(a.experiment) as exp:
        obs = exp.obs.read().concat()
        pq.write_table(obs, os.path.join(a.out, "obs.parquet"))
        ms = exp.ms[a.measurement]
        var = ms.var.read().concat()
        pq.write_table(var, os.path.join(a.out, "var.parquet"))
        X = ms.X[a.layer]
        nnz = 0
        schema = pa.schema([("soma_dim_0", pa.int64()), ("soma_dim_1", pa.int64()), ("soma_data", pa.float32())])
        # X streams in batches: the writer never holds more than one batch
        with pq.ParquetWriter(os.path.join(a.out, "X.parquet"), schema, compression="zstd") as w:
            for t in X.read().tables():
                w.write_table(t.cast(schema))
                nnz += t.num_rows
    shape = {"n_obs": obs.num_rows, "n_var": var.num_rows, "nnz": nnz, "measurement": a.measurement, "layer": a.layer}
    with open(os.path.join(a.out, "shape.json"), "w") as f:
        json.dump(shape, f)
    print(json.dumps({**shape, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
