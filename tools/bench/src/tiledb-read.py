"""Python side of the tiledb-ts read benchmark.

  tiledb-read.py setup URI --cells N   writes a Census-shaped sparse array (int64 soma_dim_0/soma_dim_1,
                                       float32 soma_data, zstd + byteshuffle, 2048-row space tiles)
  tiledb-read.py read URI              reads it fully with Python tiledb; prints {"cells", "seconds"} as JSON
"""

import json
import sys
import time

import numpy as np
import tiledb

cmd, uri = sys.argv[1], sys.argv[2]

if cmd == "setup":
    cells = int(sys.argv[sys.argv.index("--cells") + 1])
    filters = tiledb.FilterList([tiledb.ByteShuffleFilter(), tiledb.ZstdFilter(level=9)])
    dims = [tiledb.Dim("soma_dim_0", domain=(0, 2**31 - 2), tile=2048, dtype=np.int64, filters=filters),
            tiledb.Dim("soma_dim_1", domain=(0, 2**31 - 2), tile=2048, dtype=np.int64, filters=filters)]
    schema = tiledb.ArraySchema(domain=tiledb.Domain(*dims), attrs=[tiledb.Attr("soma_data", dtype=np.float32, filters=filters)],
                                sparse=True, allows_duplicates=True, capacity=100000, cell_order="row-major", tile_order="row-major")
    tiledb.Array.create(uri, schema)
    rng = np.random.default_rng(1)
    genes = 60000
    per_row = 2000  # nonzeros per cell (row), like real Census X
    rows = cells // per_row
    chunk_rows = 2048
    for r0 in range(0, rows, chunk_rows):
        r1 = min(rows, r0 + chunk_rows)
        n = (r1 - r0) * per_row
        d0 = np.repeat(np.arange(r0, r1, dtype=np.int64), per_row)
        d1 = np.sort(rng.integers(0, genes, (r1 - r0, per_row)), axis=1).ravel().astype(np.int64)
        data = rng.integers(1, 30, n).astype(np.float32)
        with tiledb.open(uri, "w") as A:
            A[d0, d1] = data
    tiledb.consolidate(uri)
    tiledb.vacuum(uri)
    print(json.dumps({"cells": rows * per_row}))
elif cmd == "read":
    cfg = tiledb.Config({"py.init_buffer_bytes": str(256 * 1024**2), "sm.mem.total_budget": str(2 * 1024**3)})
    ctx = tiledb.Ctx(cfg)
    t0 = time.perf_counter()
    cells = 0
    checksum = 0.0
    with tiledb.open(uri, ctx=ctx) as A:
        # incomplete queries return more than one result when buffers fill up
        q = A.query(return_incomplete=True, order="G")
        res = q.multi_index[:]
        parts = res if not isinstance(res, dict) else [res]
        for part in parts:
            cells += len(part["soma_data"])
            checksum += float(part["soma_data"].sum(dtype=np.float64))
    print(json.dumps({"cells": cells, "seconds": time.perf_counter() - t0, "checksum": checksum}))
