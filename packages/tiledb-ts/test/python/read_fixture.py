"""Dumps what Python `tiledb` reads from a SOMA experiment folder: obs (every column) and X/raw in global
order, plus the array metadata, as JSON on stdout (same value encoding as read_corpus.py).

Usage: read_fixture.py EXPERIMENT_DIR
"""

import json
import os
import sys

import numpy as np
import tiledb

root = sys.argv[1]


def enc(arr):
    out = []
    mask = np.ma.getmaskarray(arr) if isinstance(arr, np.ma.MaskedArray) else None
    data = arr.data if isinstance(arr, np.ma.MaskedArray) else arr
    for i, v in enumerate(data):
        if mask is not None and mask[i]:
            out.append(None)
        elif isinstance(v, (bytes, bytearray)):
            out.append(v.decode("utf-8"))
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, (bool, np.bool_)):
            out.append(bool(v))
        elif isinstance(v, (np.floating, float)):
            out.append(float(v))
        else:
            out.append(str(int(v)))
    return out


def meta(A):
    m = {}
    for k in A.meta.keys():
        v = A.meta[k]
        m[k] = v if isinstance(v, (str, int, float)) else str(v)
    return m


result = {}
for name, rel in [("obs", "obs"), ("X", "ms/RNA/X/raw")]:
    with tiledb.open(os.path.join(root, rel)) as A:
        r = A.query(order="G")[:]
        result[name] = {"columns": {k: enc(v) for k, v in r.items()}, "metadata": meta(A)}
json.dump(result, sys.stdout)
