"""Writes a SOMA SparseNDArray of random float32 counts: argv[1] uri, argv[2] rows, argv[3] columns, argv[4] values.

Written by tiledbsoma itself, so census-reader reads what a user's own ingestion writes.
"""
import sys

import numpy as np
import pyarrow as pa
import tiledbsoma

uri, n_rows, n_cols, n_values = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(7)
flat = np.unique(rng.integers(0, n_rows * n_cols, size=n_values, dtype=np.int64))
table = pa.table(
    {
        "soma_dim_0": flat // n_cols,
        "soma_dim_1": flat % n_cols,
        "soma_data": rng.integers(1, 50, size=flat.size).astype(np.float32),
    }
)
with tiledbsoma.SparseNDArray.create(uri, type=pa.float32(), shape=(n_rows, n_cols)) as a:
    a.write(table)
print(flat.size)
