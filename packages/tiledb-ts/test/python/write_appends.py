"""Writes sparse matrices the way tiledbsoma ingestion appends them, and what libtiledb reads back.

Usage: write_appends.py OUT_DIR

Writes under OUT_DIR:
  nodup/   a tiledbsoma SparseNDArray (tiledbsoma's defaults: allows_duplicates = false), 4 appends of rows
           dealt at random, each in shuffled order, overlapping in global order; the later appends also
           rewrite some earlier cells with new values (the newest cell wins on read);
  dup/     the same writes into an array that allows duplicates (every version is kept);
  consolidated/  a copy of nodup/ consolidated and vacuumed (one fragment);
and, for each array and each query in queries.json, libtiledb's answer as <array>.<query>.{d0,d1,data}.bin
(int64, int64, float32 little-endian), read with Python tiledb: the full read in global order, subsets in
row-major order (libtiledb refuses several ranges in global order).
"""

import json
import os
import shutil
import sys

import numpy as np
import pyarrow as pa
import tiledb
import tiledbsoma as soma

out = sys.argv[1]
rng = np.random.default_rng(21)
N_OBS, N_VAR = 3000, 900
CONFIG = {"tiledb": {"create": {"capacity": 700, "dims": {"soma_dim_0": {"tile": 256}, "soma_dim_1": {"tile": 256}}}}}


def appends():
    """4 writes: blocks of 16 rows dealt at random, ~8 values a row; later writes rewrite 3% of earlier cells."""
    rows, cols = [], []
    for r in range(N_OBS):
        k = int(rng.integers(0, 12))
        c = np.unique(rng.integers(0, N_VAR, size=k))
        rows.append(np.full(len(c), r, dtype=np.int64))
        cols.append(c.astype(np.int64))
    d0, d1 = np.concatenate(rows), np.concatenate(cols)
    owner = rng.integers(0, 4, size=N_OBS // 16 + 1)[d0 // 16]
    writes = []
    for k in range(4):
        sel = np.flatnonzero(owner == k)
        if k > 0:
            older = np.flatnonzero(owner < k)
            sel = np.concatenate([sel, rng.choice(older, size=len(older) * 3 // 100, replace=False)])
        rng.shuffle(sel)
        data = rng.integers(1, 1000, size=len(sel)).astype(np.float32)
        writes.append(pa.table({"soma_dim_0": d0[sel], "soma_dim_1": d1[sel], "soma_data": data}))
    return writes


def create(uri, dups):
    cfg = json.loads(json.dumps(CONFIG))
    cfg["tiledb"]["create"]["allows_duplicates"] = dups
    return soma.SparseNDArray.create(uri, type=pa.float32(), shape=(N_OBS, N_VAR), platform_config=cfg)


def queries():
    pts = np.sort(rng.choice(N_OBS, size=300, replace=False))
    # disjoint ranges: libtiledb returns a cell once per range holding it
    starts = np.sort(rng.choice(N_OBS // 20, size=60, replace=False)) * 20
    return {
        "full": {},
        "points": {"d0": [[int(p), int(p)] for p in pts]},
        "ranges": {"d0": [[int(s), int(s) + int(rng.integers(0, 8))] for s in starts]},
        "both": {"d0": [[0, 1500]], "d1": [[int(s), int(s) + 40] for s in (10, 200, 420, 800)]},
    }


def main():
    os.makedirs(out, exist_ok=True)
    writes = appends()
    for name, dups in (("nodup", False), ("dup", True)):
        create(os.path.join(out, name), dups).close()
        for t in writes:
            # one open per append, as ingestion does: each fragment gets its own timestamp
            with soma.SparseNDArray.open(os.path.join(out, name), "w") as a:
                a.write(t)
    shutil.copytree(os.path.join(out, "nodup"), os.path.join(out, "consolidated"))
    tiledb.consolidate(os.path.join(out, "consolidated"))
    tiledb.vacuum(os.path.join(out, "consolidated"))
    qs = queries()
    with open(os.path.join(out, "queries.json"), "w") as f:
        json.dump(qs, f)
    for name in ("nodup", "dup", "consolidated"):
        with tiledb.open(os.path.join(out, name)) as a:
            for q, sub in qs.items():
                d0 = [slice(lo, hi) for lo, hi in sub["d0"]] if "d0" in sub else slice(None)
                d1 = [slice(lo, hi) for lo, hi in sub["d1"]] if "d1" in sub else slice(None)
                # libtiledb reads several ranges in row-major order only, one range in global order
                r = a.query(order="G" if q == "full" else "C").multi_index[d0, d1]
                for col, key in (("soma_dim_0", "d0"), ("soma_dim_1", "d1"), ("soma_data", "data")):
                    r[col].tofile(os.path.join(out, f"{name}.{q}.{key}.bin"))


main()
