"""Writes the reference for tiledb-ts hilbert-order writes: the same cells, written by Python tiledb.

Usage: write_hilbert_reference.py KIND URI CELLS_JSON
KIND "int64": dims a, b int64 in [0, 1000] (tile 100); KIND "string": dims s ascii, k int32 in [0, 99] (tile 10).
Attribute v int32; cell order hilbert; capacity 8. CELLS_JSON holds one list per field.
"""

import json
import sys

import numpy as np
import tiledb

kind, uri, path = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path) as f:
    cells = json.load(f)
if kind == "int64":
    dims = [tiledb.Dim("a", domain=(0, 1000), tile=100, dtype=np.int64), tiledb.Dim("b", domain=(0, 1000), tile=100, dtype=np.int64)]
    coords = (np.array(cells["a"], dtype=np.int64), np.array(cells["b"], dtype=np.int64))
else:
    dims = [tiledb.Dim("s", domain=(None, None), tile=None, dtype="ascii"), tiledb.Dim("k", domain=(0, 99), tile=10, dtype=np.int32)]
    coords = (np.array(cells["s"], dtype=object), np.array(cells["k"], dtype=np.int32))
schema = tiledb.ArraySchema(domain=tiledb.Domain(*dims), attrs=[tiledb.Attr("v", dtype=np.int32)], sparse=True, capacity=8, cell_order="hilbert")
tiledb.Array.create(uri, schema)
with tiledb.open(uri, "w") as A:
    A[coords] = {"v": np.array(cells["v"], dtype=np.int32)}
