"""What Python `tiledb` sees in arrays and groups that tiledb-ts wrote.

Usage: write_check.py REQUEST_JSON OUT_JSON

REQUEST_JSON: {"arrays": [uri, ...], "groups": [uri, ...]}. For every array, OUT_JSON holds its schema
(types, domains, orders, filters with their options), its metadata, its fragment count and every cell
(sparse: global order; dense: the whole domain, row-major); for every group, its members and metadata.

Value encoding (exact, JSON-safe): integers and datetimes as decimal strings, floats as numbers or
"NaN"/"Infinity"/"-Infinity", bools as true/false, text as strings, char/blob bytes as lower-case hex,
var-sized numeric cells as lists of strings, nulls as null.
"""

import datetime
import json
import sys

import numpy as np
import tiledb
from cell_json import enc_scalar


def kind_of(dtype, var, name_hint):
    dt = np.dtype(dtype)
    if dt.kind == "O" or var:
        if dt.kind in "iuf":
            return "list"
        if dt.kind == "S" or dt.kind == "V":
            return "bytes" if name_hint == "bytes" else "str"
        return "str"
    if dt.kind in "iu" or dt.kind == "M":
        return "int"
    if dt.kind == "f":
        return "float"
    if dt.kind == "b":
        return "bool"
    if dt.kind == "S":
        return "bytes" if name_hint == "bytes" else "str"
    return "str"


def field_kind(schema, name):
    if schema.domain.has_dim(name):
        d = schema.domain.dim(name)
        return kind_of(d.dtype, d.isvar, "str")
    a = schema.attr(name)
    hint = "bytes" if a.dtype == np.dtype("S") or a.dtype == np.dtype("V") or str(a.dtype) in ("|S0", "|V0", "bytes") else "str"
    if a.isascii:
        hint = "str"
    return kind_of(a.dtype, a.isvar, hint)


def enc_column(arr, kind):
    arr = arr.ravel() if hasattr(arr, "ravel") else arr
    mask = np.ma.getmaskarray(arr) if isinstance(arr, np.ma.MaskedArray) else None
    data = arr.data if isinstance(arr, np.ma.MaskedArray) else arr
    return [None if mask is not None and mask[i] else enc_scalar(data[i], kind) for i in range(len(data))]


def filters(fl):
    out = []
    for f in fl:
        opts = {}
        for k in ("level", "window", "bytewidth", "factor", "offset", "reinterp_dtype"):
            if hasattr(f, k):
                v = getattr(f, k)
                opts[k] = None if v is None else (str(np.dtype(v)) if k == "reinterp_dtype" else (float(v) if isinstance(v, float) else v))
        out.append([type(f).__name__, opts])
    return out


def dom_value(v):
    if isinstance(v, (bytes, str)):
        return v.decode() if isinstance(v, bytes) else v
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return str(v.astype(np.int64))
    if isinstance(v, datetime.timedelta):
        return str(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    return str(int(v))


def schema_json(s):
    return {
        "sparse": s.sparse,
        "allows_duplicates": bool(s.allows_duplicates) if s.sparse else False,
        "capacity": int(s.capacity),
        "cell_order": s.cell_order,
        "tile_order": s.tile_order,
        "coords_filters": filters(s.coords_filters),
        "offsets_filters": filters(s.offsets_filters),
        "validity_filters": filters(s.validity_filters),
        "dims": [
            {
                "name": d.name,
                "dtype": str(d.dtype),
                "var": bool(d.isvar),
                "domain": None if d.isvar else [dom_value(d.domain[0]), dom_value(d.domain[1])],
                "tile": None if d.isvar or d.tile is None else dom_value(d.tile),
                "filters": filters(d.filters),
            }
            for d in s.domain
        ],
        "attrs": [
            {
                "name": a.name,
                "dtype": str(a.dtype),
                "var": bool(a.isvar),
                "nullable": bool(a.isnullable),
                "ascii": bool(a.isascii),
                "enum_label": a.enum_label,
                "filters": filters(a.filters),
            }
            for a in s
        ],
    }


def meta_json(meta):
    out = {}
    for k in meta.keys():
        v = meta[k]
        if isinstance(v, bytes):
            out[k] = {"bytes": v.hex()}
        elif isinstance(v, (bool, np.bool_)):
            out[k] = bool(v)
        elif isinstance(v, (int, np.integer)):
            out[k] = {"int": str(int(v))}
        elif isinstance(v, (float, np.floating)):
            out[k] = float(v)
        elif isinstance(v, tuple):
            out[k] = [str(x) if isinstance(x, (int, np.integer)) else x for x in v]
        else:
            out[k] = v
    return out


def array_json(uri):
    with tiledb.open(uri) as A:
        s = A.schema
        if s.sparse:
            res = A.query(order="G")[:]
        else:
            res = A.query(coords=True)[:]
        cells = {name: enc_column(col if isinstance(col, np.ma.MaskedArray) else np.asarray(col), field_kind(s, name)) for name, col in res.items()}
        enums = {}
        for a in s:
            if a.enum_label is not None:
                enums[a.enum_label] = [str(v) for v in A.enum(a.enum_label).values().tolist()]
        return {
            "schema": schema_json(s),
            "cells": cells,
            "meta": meta_json(A.meta),
            "nonempty_domain": [[dom_value(x) for x in r] for r in A.nonempty_domain()] if A.nonempty_domain() else None,
            "fragments": len(tiledb.array_fragments(uri)),
            "enumerations": enums,
        }


def group_json(uri):
    with tiledb.Group(uri) as g:
        members = sorted(
            [{"name": m.name, "uri": m.uri, "type": "array" if m.type == tiledb.Array else "group"} for m in g],
            key=lambda m: (m["name"] or "", m["uri"]),
        )
        return {"members": members, "meta": meta_json(g.meta)}


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    out = {"arrays": {}, "groups": {}}
    for uri in req.get("arrays", []):
        try:
            out["arrays"][uri] = array_json(uri)
        except Exception as e:  # reported per array so one failure does not hide the rest
            out["arrays"][uri] = {"error": f"{type(e).__name__}: {e}"}
    for uri in req.get("groups", []):
        try:
            out["groups"][uri] = group_json(uri)
        except Exception as e:
            out["groups"][uri] = {"error": f"{type(e).__name__}: {e}"}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


main()
