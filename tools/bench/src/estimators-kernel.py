"""numpy side of estimators-kernel.ts: the same sufficient-statistics computation, vectorised with bincount.

Usage: estimators-kernel.py DATA_DIR N_GENES REPS  -> prints {"seconds": best, "pairs": n} as JSON.
Per batch: map cells to groups, give each group present a dense row slot, bincount sum/sumsq/nnz into the
slots, add into per-group float64 rows; emit a group when the stream has passed it (as the TypeScript run does).
"""

import json
import os
import sys
import time

import numpy as np


def load(d, name, dtype):
    return np.fromfile(os.path.join(d, name), dtype=dtype)


def run(d, n_genes):
    cells = load(d, "cells.i64", np.int64)
    genes = load(d, "genes.i64", np.int64)
    values = load(d, "values.f32", np.float32)
    cell_group = load(d, "cell_group.i32", np.int32)
    cell_sf = load(d, "cell_sf.f64", np.float64)
    starts = load(d, "batch_starts.i64", np.int64)

    t0 = time.process_time()  # CPU time: the machine may be shared
    open_rows = {}  # group -> (sum, sumsq, nnz, n_obs, size_factor)
    pairs = 0
    last_done = -1
    for b in range(len(starts) - 1):
        s, e = starts[b], starts[b + 1]
        c = cells[s:e]
        g = genes[s:e]
        v = values[s:e].astype(np.float64)
        grp = cell_group[c]
        present, slot = np.unique(grp, return_inverse=True)
        key = slot * n_genes + g
        size = len(present) * n_genes
        bsum = np.bincount(key, weights=v, minlength=size).reshape(len(present), n_genes)
        bsq = np.bincount(key, weights=v * v, minlength=size).reshape(len(present), n_genes)
        bnnz = np.bincount(key, minlength=size).reshape(len(present), n_genes)
        ucells = np.unique(c)
        ugrp = cell_group[ucells]
        for i, grp_id in enumerate(present):
            row = open_rows.get(grp_id)
            in_grp = ucells[ugrp == grp_id]
            if row is None:
                open_rows[grp_id] = [bsum[i].copy(), bsq[i].copy(), bnnz[i].copy(), len(in_grp), cell_sf[in_grp].sum()]
            else:
                row[0] += bsum[i]
                row[1] += bsq[i]
                row[2] += bnnz[i]
                row[3] += len(in_grp)
                row[4] += cell_sf[in_grp].sum()
        last_group = cell_group[cells[e - 1]]
        for grp_id in range(last_done + 1, last_group):
            row = open_rows.pop(grp_id, None)
            if row is not None:
                nz = np.flatnonzero(row[2])
                pairs += len(nz)
                _ = (row[0][nz], row[1][nz])
        last_done = last_group - 1
    for row in open_rows.values():
        pairs += len(np.flatnonzero(row[2]))
    return time.process_time() - t0, pairs


def main():
    d, n_genes, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    best = None
    for _ in range(reps):
        t, pairs = run(d, n_genes)
        best = t if best is None else min(best, t)
    print(json.dumps({"seconds": best, "pairs": pairs}))


if __name__ == "__main__":
    main()
