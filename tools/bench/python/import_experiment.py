"""Write the Parquet files of export_experiment.py as a SOMA experiment, with whatever tiledbsoma is installed.

Meant for an older tiledbsoma (1.6, libtiledb 2.18) that cannot open the format-22 arrays tiledb-ts writes:
the same obs, var and X are rewritten in the format that library writes, with the Census X schema (2048-row
tiles, zstd / byteshuffle filters, capacity 2^16, duplicates allowed) and Census-like obs/var filters.
Categorical (dictionary) obs columns become plain strings by default, as in the 2023 Census, because
builders of that era group string columns, not categories.

With --x-appends N, X is written as tiledbsoma ingestion appends it instead: N writes, each a random share of
64-cell blocks in shuffled row order (so each write spans the whole joinid range and the fragments overlap),
into an X created with tiledbsoma's own defaults (allows_duplicates = false, capacity 100,000).

Usage: import_experiment.py <in-dir> <experiment-uri> [--keep-categories] [--x-batch-rows N] [--x-appends N --seed S]
Prints one JSON line with the counts.
"""
import argparse
import json
import os
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import tiledbsoma as soma


def zstd(level: int) -> dict:
    return {"_type": "ZstdFilter", "level": level}


def frame_config(schema: pa.Schema) -> dict:
    attrs = {}
    for f in schema:
        if f.name == "soma_joinid":
            continue
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            attrs[f.name] = {"filters": ["DictionaryFilter", zstd(19)]}
        elif pa.types.is_boolean(f.type) or pa.types.is_dictionary(f.type):
            attrs[f.name] = {"filters": [zstd(19)]}
        else:
            attrs[f.name] = {"filters": ["ByteShuffleFilter", zstd(9)]}
    return {
        "tiledb": {
            "create": {
                "capacity": 2**16,
                "dims": {"soma_joinid": {"tile": 2048, "filters": ["DoubleDeltaFilter", zstd(19)]}},
                "attrs": attrs,
                "offsets_filters": ["DoubleDeltaFilter", zstd(19)],
                "allows_duplicates": True,
            }
        }
    }


X_CONFIG = {
    "tiledb": {
        "create": {
            "capacity": 2**16,
            "dims": {
                "soma_dim_0": {"tile": 2048, "filters": [zstd(9)]},
                "soma_dim_1": {"tile": 2048, "filters": ["ByteShuffleFilter", zstd(9)]},
            },
            "attrs": {"soma_data": {"filters": ["ByteShuffleFilter", zstd(9)]}},
            "cell_order": "row-major",
            "tile_order": "row-major",
            "allows_duplicates": True,
        }
    }
}


def plain_strings(t: pa.Table) -> pa.Table:
    cols = []
    for name, col in zip(t.column_names, t.columns):
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.large_string())
        elif pa.types.is_string(col.type):
            col = col.cast(pa.large_string())
        cols.append(col)
    return pa.table(cols, names=t.column_names)


def write_frame(parent, key: str, t: pa.Table) -> None:
    extra = {}
    if int(soma.__version__.split(".")[0]) >= 2:
        # tiledbsoma 1.15+ gives new dataframes a current domain: it must hold every joinid written
        extra["domain"] = [(0, max(t.num_rows - 1, 0))]
    df = parent.add_new_dataframe(key, schema=t.schema, index_column_names=["soma_joinid"], platform_config=frame_config(t.schema), **extra)
    df.write(t)


def write_appends(raw, x: pa.Table, appends: int, seed: int) -> int:
    """Writes X in `appends` writes: 64-cell blocks dealt at random, rows shuffled within each write."""
    rng = np.random.default_rng(seed)
    d0 = x.column("soma_dim_0").to_numpy()
    block = d0 // 64
    owner = rng.integers(0, appends, size=int(block.max()) + 1)[block]
    nnz = 0
    for k in range(appends):
        rows = np.flatnonzero(owner == k)
        rng.shuffle(rows)
        raw.write(x.take(pa.array(rows)))
        nnz += len(rows)
    return nnz


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("indir")
    p.add_argument("experiment")
    p.add_argument("--keep-categories", action="store_true", help="write dictionary columns as enumerations")
    p.add_argument("--x-batch-rows", type=int, default=1 << 23)
    p.add_argument("--x-appends", type=int, default=0, help="write X as this many unsorted, overlapping appends")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    if os.path.exists(a.experiment):
        raise SystemExit(f"import_experiment: {a.experiment} exists; give a new path")
    with open(os.path.join(a.indir, "shape.json")) as f:
        shape = json.load(f)
    start = time.perf_counter()
    obs = pq.read_table(os.path.join(a.indir, "obs.parquet"))
    var = plain_strings(pq.read_table(os.path.join(a.indir, "var.parquet")))
    if not a.keep_categories:
        obs = plain_strings(obs)
    nnz = 0
    with soma.Experiment.create(a.experiment) as exp:
        write_frame(exp, "obs", obs)
        ms = exp.add_new_collection("ms")
        rna = ms.add_new_collection(shape["measurement"], soma.Measurement)
        write_frame(rna, "var", var)
        X = rna.add_new_collection("X")
        if a.x_appends > 0:
            raw = X.add_new_sparse_ndarray(shape["layer"], type=pa.float32(), shape=(shape["n_obs"], shape["n_var"]))
            nnz = write_appends(raw, pq.read_table(os.path.join(a.indir, "X.parquet")), a.x_appends, a.seed)
        else:
            raw = X.add_new_sparse_ndarray(shape["layer"], type=pa.float32(), shape=(shape["n_obs"], shape["n_var"]), platform_config=X_CONFIG)
            for b in pq.ParquetFile(os.path.join(a.indir, "X.parquet")).iter_batches(batch_size=a.x_batch_rows):
                raw.write(pa.Table.from_batches([b]))
                nnz += b.num_rows
    if nnz != shape["nnz"]:
        raise SystemExit(f"import_experiment: wrote {nnz} X cells but {a.indir}/shape.json says {shape['nnz']}")
    print(json.dumps({"n_obs": obs.num_rows, "n_var": var.num_rows, "nnz": nnz, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
