"""JSON-safe, exact encoding of one cell value, shared by the scripts that dump what Python `tiledb` reads.

Integers and datetimes as decimal strings, floats as numbers or "NaN"/"Infinity"/"-Infinity", bools as
true/false, text as strings, bytes as lower-case hex, var-sized numeric cells as lists of strings, nulls as null.
"""

import numpy as np


def enc_scalar(v, kind):
    if v is None or v is np.ma.masked:
        return None
    if kind == "int":
        if isinstance(v, np.datetime64):
            return str(v.astype(np.int64))
        return str(int(v))
    if kind == "float":
        f = float(v)
        if f != f:
            return "NaN"
        if f in (float("inf"), float("-inf")):
            return "Infinity" if f > 0 else "-Infinity"
        return f
    if kind == "bool":
        return bool(v)
    if kind == "str":
        return v.decode("utf-8") if isinstance(v, (bytes, bytearray)) else str(v)
    if kind == "bytes":
        return bytes(v).hex()
    if kind == "list":
        return [str(int(x)) for x in v]
    raise ValueError(kind)
