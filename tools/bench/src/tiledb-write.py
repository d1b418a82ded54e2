"""Python side of the tiledb-ts write benchmark: writes the same Census-shaped sparse cells with Python tiledb.

Usage: tiledb-write.py URI --cells N --chunk N [--shuffle]
Prints one JSON line: {"cells", "seconds", "maxRssMiB", "fragments"}. The cells are a pure function of their
index (see tiledb-write.ts), so both libraries write identical data in identical chunks (one fragment each).
"""

import json
import resource
import sys
import time

import numpy as np
import tiledb

uri = sys.argv[1]
cells = int(sys.argv[sys.argv.index("--cells") + 1])
chunk = int(sys.argv[sys.argv.index("--chunk") + 1])
shuffle = "--shuffle" in sys.argv
NNZ_PER_ROW = 20

xf = tiledb.FilterList([tiledb.ByteShuffleFilter(), tiledb.ZstdFilter(level=9)])
dims = [
    tiledb.Dim("soma_dim_0", domain=(0, 2**62), tile=2048, dtype=np.int64, filters=xf),
    tiledb.Dim("soma_dim_1", domain=(0, 2**62), tile=2048, dtype=np.int64, filters=xf),
]
schema = tiledb.ArraySchema(domain=tiledb.Domain(*dims), attrs=[tiledb.Attr("soma_data", dtype=np.float32, filters=xf)],
                            sparse=True, capacity=100000, offsets_filters=tiledb.FilterList([tiledb.ZstdFilter()]))
tiledb.Array.create(uri, schema)


def cells_of(start, n):
    k = np.arange(start, start + n, dtype=np.int64)
    row = k // NNZ_PER_ROW
    j = k % NNZ_PER_ROW
    col = j * 3000 + row % 3000
    val = ((row * 13 + j * 7) % 50 + 1).astype(np.float32)
    if shuffle:
        # the same permutation as tiledb-ts: index i of the chunk takes cell (i * 7919) mod n
        p = (np.arange(n, dtype=np.int64) * 7919) % n
        row, col, val = row[p], col[p], val[p]
    return row, col, val


# only the writes are timed, not making the cells (on both sides)
seconds = 0.0
fragments = 0
t0 = time.perf_counter()
A = tiledb.open(uri, "w")
seconds += time.perf_counter() - t0
for start in range(0, cells, chunk):
    n = min(chunk, cells - start)
    row, col, val = cells_of(start, n)
    t0 = time.perf_counter()
    A[row, col] = {"soma_data": val}
    seconds += time.perf_counter() - t0
    fragments += 1
t0 = time.perf_counter()
A.close()
seconds += time.perf_counter() - t0
print(json.dumps({"cells": cells, "seconds": seconds, "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "fragments": fragments}))
