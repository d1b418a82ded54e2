#!/usr/bin/env python
"""Canonical dump of a Memento estimators cube, read with Python ``tiledb``; and comparison of two cubes.

A cube is a directory holding ``obs_groups``, ``estimators``, ``size_factors`` (TileDB arrays) and
``feature_ids.json``. The dump is independent of fragment layout and write order: every array's schema in a
normalised form (dims, attrs, filters, enumerations, capacity, orders) and every cell, sorted by its key.

    dump_cube.py CUBE                       JSON dump on stdout
    dump_cube.py CUBE --out DIR             DIR/{feature_ids.json, <array>.schema.txt, <array>.csv, dump.json}
    dump_cube.py CUBE --compare OTHER       exit 0 if equal; else exit 1 and list every difference
                 [--cells-only]             ... ignoring schemas
                 [--s3-endpoint URL]        s3:// cubes through this endpoint (plain HTTP, path-style, test keys)
                 [--max-zstd-level N]       ... with OTHER's zstd levels capped at N (a cube built with
                                            cube-builder --zstd-level-cap N against the reference's)

Equality used by --compare (CUBE is "actual", OTHER is "expected", e.g. the reference cube):
- feature_ids.json: identical lists;
- schemas: identical normalised schemas, enumeration values and their order included; same array metadata;
- obs_groups: identical cells (joinid, the 10 labels, n_obs);
- estimators: the same (feature_id, obs_group_joinid) keys, each once; float32 values equal within a few
  float32 ulps (sums may be accumulated in a different order);
- size_factors: the same cells by soma_joinid with identical labels; approx_size_factor within 1e-9 relative.

Exit codes: 0 equal / dumped, 1 different, 2 bad input (not a cube, missing array).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from typing import Any

import numpy as np

ARRAYS = ["obs_groups", "estimators", "size_factors"]
FEATURE_IDS_FILE = "feature_ids.json"
ESTIMATOR_RTOL = 4 * float(np.finfo(np.float32).eps)
SIZE_FACTOR_RTOL = 1e-9


class CubeError(Exception):
    pass


# ---------------------------------------------------------------- schema


def _filters(fl: Any) -> list[dict[str, Any]]:
    out = []
    for f in fl or []:
        d: dict[str, Any] = {"type": type(f).__name__}
        for opt in ("level", "bit_width", "window", "reinterp_dtype", "compression_level"):
            if hasattr(f, opt):
                v = getattr(f, opt)
                if v is not None and not callable(v):
                    d[opt] = v if isinstance(v, (int, float, str)) else str(v)
        out.append(d)
    return out


def _dtype(dt: Any) -> str:
    s = np.dtype(dt).str if not isinstance(dt, str) else dt
    # tiledb-py versions differ in how they spell var-length strings
    if s in ("|S0", "|S", "S", "ascii"):
        return "ascii"
    if s in ("<U0", "<U", "U"):
        return "utf8"
    return s


def _scalar(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.generic):
        return v.item()
    return v


def normalise_schema(arr: Any) -> dict[str, Any]:
    import tiledb

    sch = arr.schema
    dims = []
    for i in range(sch.domain.ndim):
        d = sch.domain.dim(i)
        is_str = d.dtype.kind in ("S", "U")
        dims.append(
            {
                "name": d.name,
                "dtype": _dtype(d.dtype),
                "domain": None if is_str else [_scalar(x) for x in d.domain],
                "tile": None if is_str else _scalar(d.tile),
                "filters": _filters(d.filters),
            }
        )
    attrs = []
    for i in range(sch.nattr):
        a = sch.attr(i)
        attrs.append(
            {
                "name": a.name,
                "dtype": _dtype(a.dtype),
                "var": bool(a.isvar),
                "nullable": bool(a.isnullable),
                "enum_label": a.enum_label,
                "filters": _filters(a.filters),
            }
        )
    enums = {}
    for a in attrs:
        if a["enum_label"]:
            e = arr.enum(a["enum_label"])
            enums[a["enum_label"]] = {
                "dtype": _dtype(e.dtype),
                "ordered": bool(e.ordered),
                "values": [_scalar(v) for v in e.values()],
            }
    return {
        "sparse": bool(sch.sparse),
        "cell_order": sch.cell_order,
        "tile_order": sch.tile_order,
        "capacity": int(sch.capacity) if sch.sparse else None,
        "allows_duplicates": bool(sch.allows_duplicates) if sch.sparse else None,
        "dims": dims,
        "attrs": attrs,
        "enumerations": enums,
        "offsets_filters": _filters(sch.offsets_filters),
        "validity_filters": _filters(sch.validity_filters),
        "tiledb_py": tiledb.__version__,
    }


# ---------------------------------------------------------------- cells


def read_cells(arr: Any) -> dict[str, list[Any]]:
    """All cells as columns (labels decoded), sorted by the array's logical key."""
    df = arr.df[:]
    dims = [arr.schema.domain.dim(i).name for i in range(arr.schema.domain.ndim)]
    # dims come back as the index in some tiledb-py versions; an unnamed index is pandas' own row number
    named = [n for n in df.index.names if n is not None]
    if named:
        df = df.reset_index()
    if not arr.schema.sparse and len(dims) == 1 and dims[0] not in df.columns:
        # a dense read returns cells in domain order without the coordinate: rebuild it
        lo = arr.schema.domain.dim(0).domain[0]
        df = df.reset_index(drop=True)
        df.insert(0, dims[0], np.arange(len(df), dtype=np.int64) + int(lo))
    for d in dims:
        if d not in df.columns:
            raise CubeError(f"{arr.uri}: dimension {d} missing from the read")
    cols: dict[str, list[Any]] = {}
    for name in df.columns:
        s = df[name]
        if hasattr(s, "cat"):
            vals = [_scalar(v) for v in s.astype(object).tolist()]
            cols[name] = vals
            cols[name + "#code"] = [int(c) for c in s.cat.codes.tolist()]
        else:
            cols[name] = [_scalar(v) for v in s.tolist()]
    name = os.path.basename(arr.uri.rstrip("/"))
    key = {
        "obs_groups": ["obs_group_joinid"],
        "estimators": ["feature_id", "obs_group_joinid"],
        "size_factors": ["soma_joinid"],
    }.get(name, dims)
    n = len(df)
    order = sorted(range(n), key=lambda i: tuple(cols[k][i] for k in key))
    out = {k: [v[i] for i in order] for k, v in cols.items()}
    return out


def read_cube(cube: str, with_schema: bool = True) -> dict[str, Any]:
    import tiledb

    # TileDB's own VFS, so that s3:// cubes are read by TileDB's S3 client
    vfs = tiledb.VFS()
    if not vfs.is_dir(cube):
        raise CubeError(f"cube directory not found: {cube}")
    fpath = f"{cube.rstrip('/')}/{FEATURE_IDS_FILE}"
    if not vfs.is_file(fpath):
        raise CubeError(f"{fpath} is missing: not a cube")
    with vfs.open(fpath) as f:
        feature_ids = json.loads(f.read())
    out: dict[str, Any] = {"feature_ids": feature_ids, "arrays": {}}
    for name in ARRAYS:
        uri = f"{cube.rstrip('/')}/{name}"
        if tiledb.object_type(uri) != "array":
            raise CubeError(f"{uri} is not a TileDB array: not a cube")
        try:
            with tiledb.open(uri) as arr:
                entry: dict[str, Any] = {"cells": read_cells(arr)}
                if with_schema:
                    entry["schema"] = normalise_schema(arr)
                    entry["schema_text"] = str(arr.schema)
                    entry["metadata"] = {k: _scalar(arr.meta[k]) for k in sorted(arr.meta.keys())}
                    entry["n_fragments"] = len(tiledb.array_fragments(uri))
        except tiledb.TileDBError as e:
            # e.g. a format version newer than this tiledb-py reads
            raise CubeError(f"{uri}: tiledb {tiledb.__version__} cannot read it: {e}") from e
        out["arrays"][name] = entry
    return out


# ---------------------------------------------------------------- compare


def _cmp_schema(name: str, a: dict, b: dict, diffs: list[str]) -> None:
    a = {k: v for k, v in a.items() if k != "tiledb_py"}
    b = {k: v for k, v in b.items() if k != "tiledb_py"}
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            diffs.append(f"{name} schema {k}: actual {json.dumps(a.get(k))} != expected {json.dumps(b.get(k))}")


def _keys(cells: dict[str, list], key: list[str]) -> list[tuple]:
    return list(zip(*[cells[k] for k in key])) if cells else []


def _cmp_cells(name: str, a: dict, b: dict, key: list[str], float_cols: dict[str, float], diffs: list[str]) -> None:
    ka, kb = _keys(a, key), _keys(b, key)
    for label, ks in (("actual", ka), ("expected", kb)):
        if len(set(ks)) != len(ks):
            dup = [k for k in set(ks) if ks.count(k) > 1][:5]
            diffs.append(f"{name}: {label} has duplicate keys {key}: {dup}")
    if set(a) != set(b):
        diffs.append(f"{name}: columns differ: actual {sorted(a)} expected {sorted(b)}")
    if ka != kb:
        missing = sorted(set(kb) - set(ka))[:10]
        extra = sorted(set(ka) - set(kb))[:10]
        diffs.append(f"{name}: keys differ ({len(ka)} vs {len(kb)} cells); missing {missing}; unexpected {extra}")
        return
    for col in sorted(set(a) & set(b)):
        if col in key:
            continue
        va, vb = a[col], b[col]
        if col in float_cols:
            x, y = np.asarray(va, dtype=np.float64), np.asarray(vb, dtype=np.float64)
            bad = ~np.isclose(x, y, rtol=float_cols[col], atol=0.0, equal_nan=False)
            if bad.any():
                i = np.flatnonzero(bad)[:5]
                diffs.append(
                    f"{name}.{col}: {int(bad.sum())} cells differ beyond rtol {float_cols[col]:g}; e.g. "
                    + "; ".join(f"{ka[j]}: {x[j]!r} vs {y[j]!r}" for j in i)
                )
        elif va != vb:
            i = [j for j in range(len(va)) if va[j] != vb[j]][:5]
            diffs.append(f"{name}.{col}: {sum(1 for j in range(len(va)) if va[j] != vb[j])} cells differ; e.g. " + "; ".join(
                f"{ka[j]}: {va[j]!r} vs {vb[j]!r}" for j in i
            ))


def _cap_zstd(node: Any, cap: int) -> Any:
    """A copy of a normalised schema with every zstd filter's level capped at ``cap``."""
    if isinstance(node, list):
        return [_cap_zstd(x, cap) for x in node]
    if isinstance(node, dict):
        out = {k: _cap_zstd(v, cap) for k, v in node.items()}
        if out.get("type") == "ZstdFilter" and isinstance(out.get("level"), int):
            out["level"] = min(out["level"], cap)
        return out
    return node


def compare(actual: dict, expected: dict, cells_only: bool = False, max_zstd_level: int | None = None) -> list[str]:
    diffs: list[str] = []
    if actual["feature_ids"] != expected["feature_ids"]:
        diffs.append(
            f"feature_ids.json differs: actual {actual['feature_ids'][:5]}... ({len(actual['feature_ids'])}) "
            f"expected {expected['feature_ids'][:5]}... ({len(expected['feature_ids'])})"
        )
    for name in ARRAYS:
        a, b = actual["arrays"][name], expected["arrays"][name]
        if not cells_only:
            b_schema = b["schema"] if max_zstd_level is None else _cap_zstd(b["schema"], max_zstd_level)
            _cmp_schema(name, a["schema"], b_schema, diffs)
            if a["metadata"] != b["metadata"]:
                diffs.append(f"{name} array metadata: actual {a['metadata']} != expected {b['metadata']}")
        if name == "obs_groups":
            _cmp_cells(name, a["cells"], b["cells"], ["obs_group_joinid"], {}, diffs)
        elif name == "estimators":
            floats = {c: ESTIMATOR_RTOL for c in a["cells"] if c not in ("feature_id", "obs_group_joinid")}
            _cmp_cells(name, a["cells"], b["cells"], ["feature_id", "obs_group_joinid"], floats, diffs)
        else:
            _cmp_cells(name, a["cells"], b["cells"], ["soma_joinid"], {"approx_size_factor": SIZE_FACTOR_RTOL}, diffs)
    return diffs


# ---------------------------------------------------------------- output


def write_dir(dump: dict, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, FEATURE_IDS_FILE), "w") as f:
        json.dump(dump["feature_ids"], f)
    for name, entry in dump["arrays"].items():
        with open(os.path.join(out, f"{name}.schema.txt"), "w") as f:
            f.write(entry["schema_text"])
        cells = entry["cells"]
        cols = list(cells)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for row in zip(*[cells[c] for c in cols]):
            w.writerow([repr(v) if isinstance(v, float) else v for v in row])
        with open(os.path.join(out, f"{name}.csv"), "w") as f:
            f.write(buf.getvalue())
    slim = {
        "feature_ids": dump["feature_ids"],
        "schemas": {n: e["schema"] for n, e in dump["arrays"].items()},
        "metadata": {n: e["metadata"] for n, e in dump["arrays"].items()},
        "n_fragments": {n: e["n_fragments"] for n, e in dump["arrays"].items()},
        "n_cells": {n: len(next(iter(e["cells"].values()), [])) for n, e in dump["arrays"].items()},
    }
    with open(os.path.join(out, "dump.json"), "w") as f:
        json.dump(slim, f, indent=1, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("cube")
    p.add_argument("--out", help="write the dump as files into this directory")
    p.add_argument("--compare", metavar="EXPECTED_CUBE", help="compare CUBE (actual) with this cube (expected)")
    p.add_argument("--cells-only", action="store_true", help="with --compare: ignore schemas")
    p.add_argument("--max-zstd-level", type=int, help="with --compare: cap the expected cube's zstd levels at N first")
    p.add_argument("--s3-endpoint", help="reach s3:// cubes through this endpoint (http://host:port, path-style, test keys)")
    args = p.parse_args(argv)
    if args.s3_endpoint:
        import tiledb

        tiledb.default_ctx({
            "vfs.s3.endpoint_override": args.s3_endpoint.split("://", 1)[1],
            "vfs.s3.scheme": "http",
            "vfs.s3.use_virtual_addressing": "false",
            "vfs.s3.region": "us-east-1",
            "vfs.s3.aws_access_key_id": "testing",
            "vfs.s3.aws_secret_access_key": "testing",
        })
    try:
        actual = read_cube(args.cube, with_schema=True)
        if args.compare:
            expected = read_cube(args.compare, with_schema=True)
            diffs = compare(actual, expected, args.cells_only, args.max_zstd_level)
            if diffs:
                print(f"cubes differ: {args.cube} vs {args.compare}", file=sys.stderr)
                for d in diffs:
                    print(f"  - {d}", file=sys.stderr)
                return 1
            counts = {n: len(next(iter(actual["arrays"][n]["cells"].values()), [])) for n in ARRAYS}
            print(json.dumps({"equal": True, "cells": counts, "features": len(actual["feature_ids"])}))
            return 0
        if args.out:
            write_dir(actual, args.out)
        else:
            for e in actual["arrays"].values():
                e.pop("schema_text", None)
            json.dump(actual, sys.stdout)
            sys.stdout.write("\n")
    except CubeError as e:
        print(f"dump_cube: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
