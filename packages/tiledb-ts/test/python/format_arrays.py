"""Writes small arrays with Python tiledb and dumps what tiledb reports about them (schema, fragments,
non-empty domains, enumerations) as JSON, for tiledb-ts's format tests.

usage:
  format_arrays.py make OUT_DIR            -> writes arrays under OUT_DIR, prints the JSON report
  format_arrays.py describe URI...         -> prints the JSON report of existing arrays
  format_arrays.py schema-equal A B        -> prints {"equal": bool, "a": str, "b": str}
"""
import json
import os
import shutil
import sys

import numpy as np
import tiledb


def filters_json(fl):
    out = []
    for f in fl:
        d = {"name": type(f).__name__}
        if hasattr(f, "level"):
            d["level"] = int(f.level)
        out.append(d)
    return out


def val(v):
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float) and v != v:
        return "NaN"
    if hasattr(v, "isoformat"):
        return str(v)
    return v


def dt_val(v):
    if isinstance(v, np.datetime64):
        return int(v.astype("int64"))
    return val(v)


LABEL_NAMES = ("lab",)


def schema_json(s):
    dims = []
    for d in s.domain:
        dims.append({
            "name": d.name,
            "dtype": str(d.dtype),
            "var": bool(d.isvar),
            "domain": None if d.isvar else [dt_val(x) for x in d.domain],
            "tile": None if (d.isvar or d.tile is None) else dt_val(d.tile),
            "filters": filters_json(d.filters),
        })
    attrs = []
    for a in s:
        attrs.append({
            "name": a.name,
            "dtype": str(a.dtype),
            "var": bool(a.isvar),
            "ncells": 0 if a.isvar else int(a.ncells),
            "nullable": bool(a.isnullable),
            "filters": filters_json(a.filters),
            "enum_label": a.enum_label,
        })
    cd = None
    try:
        c = s.current_domain
        if not c.is_empty:
            r = c.ndrectangle
            cd = [[dt_val(x) for x in r.range(i)] for i in range(s.domain.ndim)]
    except Exception:  # older arrays have no current domain
        cd = None
    labels = []
    # tiledb-py cannot list labels, so look up the names this script uses.
    for n in LABEL_NAMES:
        if s.has_dim_label(n):
            lab = s.dim_label(n)
            labels.append({"name": lab.name, "dim_index": int(lab.dim_index), "uri_tail": lab.uri.rstrip("/").split("/")[-1],
                           "label_attr_name": lab.label_attr_name, "dtype": str(lab.dtype), "order": str(lab.order)})
    return {
        "labels": labels,
        "sparse": bool(s.sparse),
        "allows_duplicates": bool(s.allows_duplicates) if s.sparse else False,
        "capacity": int(s.capacity),
        "cell_order": s.cell_order,
        "tile_order": s.tile_order,
        "coords_filters": filters_json(s.coords_filters),
        "offsets_filters": filters_json(s.offsets_filters),
        "validity_filters": filters_json(s.validity_filters),
        "dims": dims,
        "attrs": attrs,
        "current_domain": cd,
    }


def digest(A):
    """Reads every cell: a cell count and per-column checksums, so broken tile offsets show up."""
    data = A[:]
    out = {}
    for k, v in data.items():
        arr = np.asarray(v)
        if arr.dtype == object:
            out[k] = [len(arr), sum(len(x) for x in arr)]
        else:
            out[k] = [int(arr.size), str(np.nansum(arr.astype(np.float64))) if arr.dtype.kind in "iufb" else int(arr.size)]
    return out


def describe(uri, timestamps=()):
    with tiledb.open(uri) as A:
        s = A.schema
        ned = A.nonempty_domain()
        cells = digest(A)
        enums = {}
        for a in s:
            if a.enum_label is not None:
                e = A.enum(a.enum_label)
                enums[a.enum_label] = {"values": [val(x) for x in e.values()], "ordered": bool(e.ordered), "dtype": str(e.dtype)}
    fi = tiledb.array_fragments(uri)
    frags = []
    for f in fi:
        frags.append({
            "name": os.path.basename(f.uri.rstrip("/")),
            "timestamp_range": list(f.timestamp_range),
            "nonempty_domain": [[dt_val(x) for x in r] for r in f.nonempty_domain],
            "cell_num": int(f.cell_num),
            "version": int(f.version),
            "sparse": bool(f.sparse),
        })
    at = {}
    for t in timestamps:
        with tiledb.open(uri, timestamp=tuple(t) if isinstance(t, list) else t) as A:
            n = A.nonempty_domain()
            at[json.dumps(t)] = None if n is None else [[dt_val(x) for x in r] for r in n]
    return {
        "uri": uri,
        "schema": schema_json(s),
        "nonempty_domain": None if ned is None else [[dt_val(x) for x in r] for r in ned],
        "enumerations": enums,
        "cells": cells,
        "fragments": frags,
        "at": at,
    }


def make(out):
    os.makedirs(out, exist_ok=True)
    report = {}
    zstd_bs = tiledb.FilterList([tiledb.ByteShuffleFilter(), tiledb.ZstdFilter(level=9)])

    # 1. Census-X-like sparse array, three fragments at fixed timestamps.
    u = os.path.join(out, "sparse_x")
    dom = tiledb.Domain(
        tiledb.Dim("soma_dim_0", domain=(0, 2**31 - 2), tile=2048, dtype=np.int64, filters=tiledb.FilterList([tiledb.ZstdFilter(level=3)])),
        tiledb.Dim("soma_dim_1", domain=(0, 2**31 - 2), tile=2048, dtype=np.int64, filters=tiledb.FilterList([tiledb.ZstdFilter(level=3)])),
    )
    sch = tiledb.ArraySchema(domain=dom, sparse=True, capacity=100, cell_order="row-major", tile_order="row-major",
                             attrs=[tiledb.Attr("soma_data", dtype=np.float32, filters=zstd_bs)],
                             offsets_filters=tiledb.FilterList([tiledb.DoubleDeltaFilter(), tiledb.BitWidthReductionFilter(), tiledb.ZstdFilter()]))
    tiledb.Array.create(u, sch)
    rng = np.random.default_rng(7)
    for i, ts in enumerate([1000, 2000, 3000]):
        n = 250
        cells = rng.choice(500 * 60, n, replace=False)
        r = i * 100 + cells // 60
        c = cells % 60
        with tiledb.open(u, "w", timestamp=ts) as A:
            A[r, c] = rng.random(n).astype(np.float32)
    report["sparse_x"] = describe(u, timestamps=[1500, 2500, [1500, 2500], [2000, 3000]])

    # 2. Strings, nullable, enumerations, var-sized attributes; fragment metadata and commits consolidated.
    u = os.path.join(out, "sparse_strings")
    dom = tiledb.Domain(tiledb.Dim("feature_id", dtype="ascii", filters=tiledb.FilterList([tiledb.ZstdFilter()])))
    enmr = tiledb.Enumeration("cell_type_enum", False, ["B cell", "T cell", "neuron", "épithélium"])
    levels = tiledb.Enumeration("levels", True, np.array([10, 20, 35], dtype=np.int32))
    sch = tiledb.ArraySchema(domain=dom, sparse=True, allows_duplicates=False, enums=[enmr, levels], attrs=[
        tiledb.Attr("level", dtype=np.uint8, enum_label="levels"),
        tiledb.Attr("name", dtype=str, var=True, filters=tiledb.FilterList([tiledb.ZstdFilter(level=5)])),
        tiledb.Attr("count", dtype=np.int32, nullable=True),
        tiledb.Attr("cell_type", dtype=np.int8, enum_label="cell_type_enum"),
        tiledb.Attr("flag", dtype=np.uint8, fill=7),
    ])
    tiledb.Array.create(u, sch)
    with tiledb.open(u, "w", timestamp=10) as A:
        A[np.array(["ENSG01", "ENSG05", "ENSG09"])] = {
            "name": np.array(["a", "bb", "ccc"], dtype=object), "count": np.ma.array([1, 2, 3], mask=[0, 1, 0], dtype=np.int32),
            "cell_type": np.array([0, 1, 3], dtype=np.int8), "flag": np.array([1, 2, 3], dtype=np.uint8), "level": np.array([0, 1, 2], dtype=np.uint8)}
    with tiledb.open(u, "w", timestamp=20) as A:
        A[np.array(["ENSG02", "ENSG12"])] = {
            "name": np.array(["dd", ""], dtype=object), "count": np.ma.array([4, 5], mask=[0, 0], dtype=np.int32),
            "cell_type": np.array([2, 2], dtype=np.int8), "flag": np.array([4, 5], dtype=np.uint8), "level": np.array([2, 0], dtype=np.uint8)}
    tiledb.consolidate(u, config=tiledb.Config({"sm.consolidation.mode": "fragment_meta"}))
    tiledb.consolidate(u, config=tiledb.Config({"sm.consolidation.mode": "commits"}))
    report["sparse_strings"] = describe(u, timestamps=[15, [15, 25]])
    # A copy whose fragments are then consolidated and vacuumed: the commits listed in the .con file
    # are vacuumed, so TileDB writes an ignore (.ign) file for them.
    v = os.path.join(out, "strings_vacuumed")
    shutil.copytree(u, v)
    tiledb.consolidate(v)
    tiledb.vacuum(v)
    report["strings_vacuumed"] = describe(v, timestamps=[15, 20])

    # 3. Dense 2-D array, two subarray writes.
    u = os.path.join(out, "dense_2d")
    dom = tiledb.Domain(tiledb.Dim("r", domain=(1, 8), tile=4, dtype=np.int32), tiledb.Dim("c", domain=(1, 6), tile=3, dtype=np.int32))
    sch = tiledb.ArraySchema(domain=dom, sparse=False, cell_order="col-major", tile_order="row-major", attrs=[
        tiledb.Attr("v", dtype=np.float64, fill=-1.5, filters=tiledb.FilterList([tiledb.GzipFilter(level=6)])),
        tiledb.Attr("w", dtype=np.uint16)])
    tiledb.Array.create(u, sch)
    with tiledb.open(u, "w", timestamp=5) as A:
        A[1:5, 1:4] = {"v": np.arange(12, dtype=np.float64).reshape(4, 3), "w": np.ones((4, 3), dtype=np.uint16)}
    with tiledb.open(u, "w", timestamp=6) as A:
        A[3:9, 2:7] = {"v": np.zeros((6, 5)), "w": np.full((6, 5), 2, dtype=np.uint16)}
    report["dense_2d"] = describe(u, timestamps=[5, [6, 6]])

    # 4. Many types, duplicates allowed, a float dimension, a current domain; consolidated and vacuumed.
    u = os.path.join(out, "sparse_types")
    dom = tiledb.Domain(
        tiledb.Dim("k", domain=(-(2**40), 2**40), tile=2**20, dtype=np.int64),
        tiledb.Dim("x", domain=(-1000.0, 1000.0), tile=None, dtype=np.float64),
    )
    cd = tiledb.CurrentDomain(tiledb.default_ctx())
    nd = tiledb.NDRectangle(tiledb.default_ctx(), dom)
    nd.set_range(0, -5, 2**30)
    nd.set_range(1, -10.0, 10.0)
    cd.set_ndrectangle(nd)
    sch = tiledb.ArraySchema(domain=dom, sparse=True, allows_duplicates=True, capacity=3, attrs=[
        tiledb.Attr("i8", dtype=np.int8), tiledb.Attr("u64", dtype=np.uint64),
        tiledb.Attr("f32", dtype=np.float32),
        tiledb.Attr("b", dtype=np.bool_), tiledb.Attr("blob", dtype=np.bytes_, var=True),
        tiledb.Attr("ts", dtype="datetime64[ns]", nullable=True)])
    sch.set_current_domain(cd)
    tiledb.Array.create(u, sch)
    for k, ts in enumerate([100, 200, 300]):
        n = 4
        with tiledb.open(u, "w", timestamp=ts) as A:
            A[np.array([k * 1000 + i for i in range(n)], dtype=np.int64), np.array([k - 1.5 + i for i in range(n)])] = {
                "i8": np.arange(n, dtype=np.int8) - 2, "u64": np.arange(n, dtype=np.uint64) + 2**63, "f32": np.arange(n, dtype=np.float32),
                "b": np.array([True, False] * (n // 2)), "blob": np.array([b"x" * i for i in range(n)], dtype=object),
                "ts": np.ma.array(np.arange(n).astype("datetime64[ns]"), mask=[0, 0, 1, 0])}
    report["sparse_types_before"] = describe(u, timestamps=[250])
    tiledb.consolidate(u)
    report["sparse_types_consolidated"] = describe(u, timestamps=[250, [100, 300]])
    # Keep a copy as consolidated but not vacuumed: its vacuum file must hide the three old fragments.
    shutil.copytree(u, os.path.join(out, "sparse_types_unvacuumed"))
    report["sparse_types_unvacuumed"] = describe(os.path.join(out, "sparse_types_unvacuumed"), timestamps=[250, [100, 300]])
    tiledb.vacuum(u)
    report["sparse_types"] = describe(u, timestamps=[300])

    # 5. A delete commit (.del), then a consolidated copy whose fragment carries delete metadata (t, dt, dci).
    u = os.path.join(out, "sparse_deletes")
    dom = tiledb.Domain(tiledb.Dim("d", domain=(0, 99), tile=10, dtype=np.int64))
    tiledb.Array.create(u, tiledb.ArraySchema(domain=dom, sparse=True, attrs=[tiledb.Attr("a", dtype=np.int32)]))
    with tiledb.open(u, "w", timestamp=1) as A:
        A[np.arange(10)] = np.arange(10, dtype=np.int32)
    with tiledb.open(u, "d", timestamp=2) as A:
        A.query(cond="a > 6").submit()
    with tiledb.open(u, "w", timestamp=3) as A:
        A[np.arange(20, 25)] = np.arange(5, dtype=np.int32)
    report["sparse_deletes"] = describe(u, timestamps=[1, 2])
    c = os.path.join(out, "sparse_deletes_consolidated")
    shutil.copytree(u, c)
    tiledb.consolidate(c)
    report["sparse_deletes_consolidated"] = describe(c, timestamps=[3])

    # 6. A dense array with a dimension label; a sparse array in Hilbert order.
    u = os.path.join(out, "dense_labels")
    dim = tiledb.Dim("d", domain=(0, 9), tile=5, dtype=np.int32)
    lab = dim.create_label_schema(order="increasing", dtype=np.float64)
    tiledb.Array.create(u, tiledb.ArraySchema(domain=tiledb.Domain(dim), sparse=False, attrs=[tiledb.Attr("a", dtype=np.int32)],
                                              dim_labels={0: {"lab": lab}}))
    with tiledb.open(u, "w", timestamp=1) as A:
        A[0:10] = np.arange(10, dtype=np.int32)
    report["dense_labels"] = describe(u)
    u = os.path.join(out, "sparse_hilbert")
    dom = tiledb.Domain(tiledb.Dim("x", domain=(0.0, 1.0), dtype=np.float32), tiledb.Dim("y", domain=(0, 1000), tile=100, dtype=np.uint16))
    tiledb.Array.create(u, tiledb.ArraySchema(domain=dom, sparse=True, cell_order="hilbert", capacity=4, attrs=[tiledb.Attr("v", dtype=np.int16)]))
    with tiledb.open(u, "w", timestamp=1) as A:
        A[np.array([0.1, 0.5, 0.9, 0.2, 0.7], dtype=np.float32), np.array([5, 900, 3, 400, 77], dtype=np.uint16)] = np.arange(5, dtype=np.int16)
    report["sparse_hilbert"] = describe(u)
    return report


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        print(json.dumps(make(sys.argv[2])))
    elif cmd == "describe":
        print(json.dumps({u: describe(u) for u in sys.argv[2:]}))
    elif cmd == "schema-equal":
        a = tiledb.ArraySchema.load(sys.argv[2])
        b = tiledb.ArraySchema.load(sys.argv[3])
        print(json.dumps({"equal": a == b, "a": schema_json(a), "b": schema_json(b)}))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
