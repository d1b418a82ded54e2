#!/usr/bin/env python
"""Python side of the census-reader X streaming benchmark (census-reader-x-stream.ts runs it).

  write DIR --cells N --nnz M [--genes G] [--seed S]
      Writes a Census-shaped SOMA experiment with tiledbsoma: obs (is_primary_data, dataset_id, raw_sum, nnz),
      var (feature_id), and X/raw with about M nonzeros: int64 dims with 2048 tile extents, float32 counts,
      zstd + byteshuffle filters as the Census builder configures them, rows written in joinid order in chunks
      so memory stays bounded.
  read DIR --budget-bytes B
      Streams every X cell of the experiment with tiledbsoma's axis query (obs: all cells) in Arrow tables under
      a memory budget and prints one JSON line: {"nnz", "sum", "seconds"}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import tiledbsoma as soma

X_PLATFORM = {
    "tiledb": {
        "create": {
            "capacity": 2**16,
            "dims": {
                "soma_dim_0": {"tile": 2048, "filters": [{"_type": "ZstdFilter", "level": 5}]},
                "soma_dim_1": {"tile": 2048, "filters": ["ByteShuffleFilter", {"_type": "ZstdFilter", "level": 5}]},
            },
            "attrs": {"soma_data": {"filters": ["ByteShuffleFilter", {"_type": "ZstdFilter", "level": 5}]}},
            "cell_order": "row-major",
            "tile_order": "row-major",
            "allows_duplicates": True,
        }
    }
}


def write(out: str, cells: int, nnz: int, genes: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    per_cell = max(1, nnz // cells)
    # Library sizes vary log-normally around the mean, as in the Census.
    counts = np.clip(rng.lognormal(np.log(per_cell), 0.5, cells), 1, genes).astype(np.int64)
    counts = np.maximum(1, np.ceil(counts * (nnz / counts.sum())).astype(np.int64))  # round up: at least nnz in all
    counts = np.minimum(counts, genes)
    with soma.Experiment.create(out) as exp:
        obs_schema = pa.schema([("dataset_id", pa.large_string()), ("is_primary_data", pa.bool_()),
                                ("raw_sum", pa.float64()), ("nnz", pa.int64())])
        obs = exp.add_new_dataframe("obs", schema=obs_schema, index_column_names=["soma_joinid"], domain=[(0, cells - 1)])
        ds = np.repeat(np.arange(10), -(-cells // 10))[:cells]
        obs.write(pa.table({
            "soma_joinid": np.arange(cells, dtype=np.int64),
            "dataset_id": pa.array([f"dataset-{d}" for d in ds], pa.large_string()),
            "is_primary_data": rng.random(cells) < 0.8,
            "raw_sum": counts.astype(np.float64) * 3,
            "nnz": counts,
        }))
        obs.close()
        ms = exp.add_new_collection("ms")
        rna = ms.add_new_collection("RNA", soma.Measurement)
        var = rna.add_new_dataframe("var", schema=pa.schema([("feature_id", pa.large_string())]),
                                    index_column_names=["soma_joinid"], domain=[(0, genes - 1)])
        var.write(pa.table({"soma_joinid": np.arange(genes, dtype=np.int64),
                            "feature_id": pa.array([f"ENSG{i:011d}" for i in range(genes)], pa.large_string())}))
        var.close()
        X = rna.add_new_collection("X")
        raw = X.add_new_sparse_ndarray("raw", type=pa.float32(), shape=(cells, genes), platform_config=X_PLATFORM)
        # Gene popularity is skewed: a few genes appear in most cells.
        weights = 1.0 / np.arange(1, genes + 1) ** 0.7
        weights /= weights.sum()
        chunk_cells = 2048
        for lo in range(0, cells, chunk_cells):
            hi = min(cells, lo + chunk_cells)
            # Draw every gene of the chunk at once, then drop repeats within a cell: (row, gene) keys sort
            # into X's row-major order.
            # Draws are oversampled by half, then each cell keeps its first counts[c] distinct genes, so the
            # experiment holds the requested number of nonzeros.
            want = counts[lo:hi]
            row_of = np.repeat(np.arange(lo, hi, dtype=np.int64), (want * 1.5).astype(np.int64) + 8)
            keys = np.unique(row_of * genes + rng.choice(genes, row_of.size, p=weights))
            r = keys // genes
            first = np.searchsorted(r, np.arange(lo, hi))
            rank = np.arange(r.size) - first[r - lo]
            keep = rank < want[r - lo]
            keys = keys[keep]
            r = r[keep]
            k = keys % genes
            data = (rng.negative_binomial(2, 0.4, r.size) + 1).astype(np.float32)
            raw.write(pa.Table.from_pydict({"soma_dim_0": r, "soma_dim_1": k, "soma_data": data}))
        raw.close()


def read(uri: str, budget: int) -> None:
    ctx = soma.SOMATileDBContext(tiledb_config={"soma.init_buffer_bytes": max(1 << 20, budget // 8), "sm.mem.total_budget": budget})
    start = time.perf_counter()
    nnz = 0
    total = 0.0
    with soma.Experiment.open(uri, context=ctx) as exp:
        with exp.axis_query("RNA") as q:
            for t in q.X("raw").tables():
                nnz += t.num_rows
                total += float(np.sum(t["soma_data"].to_numpy(), dtype=np.float64))
    print(json.dumps({"nnz": nnz, "sum": total, "seconds": time.perf_counter() - start}))


def main() -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("dir")
    w.add_argument("--cells", type=int, required=True)
    w.add_argument("--nnz", type=int, required=True)
    w.add_argument("--genes", type=int, default=60000)
    w.add_argument("--seed", type=int, default=1)
    r = sub.add_parser("read")
    r.add_argument("dir")
    r.add_argument("--budget-bytes", type=int, default=256 << 20)
    a = p.parse_args()
    if a.cmd == "write":
        if os.path.exists(a.dir):
            print(f"{a.dir} exists; remove it first", file=sys.stderr)
            return 2
        write(a.dir, a.cells, a.nnz, a.genes, a.seed)
    else:
        read(a.dir, a.budget_bytes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
