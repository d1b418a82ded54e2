"""The libtiledb floor: read every cell of a SOMA X array with Python tiledb, in bounded batches.

Usage: read_x_full.py <X-array-uri> [--budget-bytes N]
Prints one JSON line: {"nnz": ..., "rows": ..., "seconds": ...}.
"""
import argparse
import json
import time

import numpy as np
import tiledb


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("uri")
    p.add_argument("--budget-bytes", type=int, default=1 << 30)
    a = p.parse_args()
    cfg = tiledb.Config({"py.init_buffer_bytes": str(a.budget_bytes // 4), "sm.memory_budget": str(a.budget_bytes)})
    start = time.perf_counter()
    nnz = 0
    with tiledb.open(a.uri, ctx=tiledb.Ctx(cfg)) as arr:
        (lo, hi), _ = arr.nonempty_domain()
        seen = np.zeros(int(hi) - int(lo) + 1, dtype=bool)  # one byte per row: rows with any nonzero
        q = arr.query(return_incomplete=True)
        for batch in q.multi_index[:]:
            d0 = batch["soma_dim_0"]
            nnz += len(d0)
            seen[d0 - lo] = True
    print(json.dumps({"nnz": int(nnz), "rows": int(seen.sum()), "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
