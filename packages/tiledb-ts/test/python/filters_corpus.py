"""Writes one single-tile sparse array per (filter pipeline, datatype) case with the real TileDB, for the
filters tests: each array's attribute file is exactly one filtered tile. Prints nothing; writes
<out>/manifest.json listing every case with its tile files, pipelines, and the values TileDB reads back.

usage: python filters_corpus.py OUT_DIR
"""
import glob
import json
import os
import sys

import numpy as np
import tiledb

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(7)

TYPE_IDS = {
    "int32": 0, "int64": 1, "float32": 2, "float64": 3, "int8": 5, "uint8": 6, "int16": 7, "uint16": 8,
    "uint32": 9, "uint64": 10, "ascii": 11, "utf8": 12, "datetime64[ms]": 25, "bool": 41,
}
NP_OF_ID = {0: np.int32, 1: np.int64, 6: np.uint8, 9: np.uint32, 10: np.uint64, 7: np.int16}


def make_filter(spec):
    t, o = spec["type"], spec.get("options", {})
    level = o.get("level", -1)
    if t == 0:
        return tiledb.NoOpFilter()
    if t in (1, 2, 3, 4, 5, 14):
        cls = {1: tiledb.GzipFilter, 2: tiledb.ZstdFilter, 3: tiledb.LZ4Filter, 4: tiledb.RleFilter,
               5: tiledb.Bzip2Filter, 14: tiledb.DictionaryFilter}[t]
        return cls(level=level)
    if t in (6, 19):
        cls = tiledb.DoubleDeltaFilter if t == 6 else tiledb.DeltaFilter
        r = o.get("reinterpretType")
        return cls(level=level, reinterp_dtype=NP_OF_ID[r]) if r is not None else cls(level=level)
    if t == 7:
        return tiledb.BitWidthReductionFilter(window=o.get("maxWindow", 256))
    if t == 10:
        return tiledb.PositiveDeltaFilter(window=o.get("maxWindow", 1024))
    if t == 15:
        return tiledb.FloatScaleFilter(o["scale"], o["offset"], o["byteWidth"])
    return {8: tiledb.BitShuffleFilter, 9: tiledb.ByteShuffleFilter, 12: tiledb.ChecksumMD5Filter,
            13: tiledb.ChecksumSHA256Filter, 16: tiledb.XORFilter}[t]()


def values(kind, dtype, n):
    if dtype in ("ascii", "utf8"):
        words = ["", "a", "HG543232", "gene_ABC", "éclair" if dtype == "utf8" else "eclair", "x" * 40, "T cell"]
        if kind == "runs":
            return np.array([words[(i // 37) % len(words)] for i in range(n)], dtype=object)
        return np.array([words[i] for i in rng.integers(0, len(words), n)], dtype=object)
    if dtype == "bool":
        return rng.integers(0, 2, n).astype(np.bool_)
    if dtype.startswith("datetime"):
        return (np.int64(1_700_000_000_000) + np.cumsum(rng.integers(0, 1000, n))).astype("datetime64[ms]")
    dt = np.dtype(dtype)
    if dt.kind == "f":
        v = rng.normal(5.0, 3.0, n).astype(dt)
        if kind == "runs":
            v = np.repeat(v[: n // 50 + 1], 50)[:n]
        if kind == "positive":
            v = np.abs(v)
        return v
    info = np.iinfo(dt)
    if kind == "sorted":
        step = max(1, int(min(info.max, 2**40) // (4 * n)))
        v = np.sort(rng.integers(0, step, n, dtype=np.int64)).cumsum()
        return (v % (int(info.max) // 2)).astype(dt) if info.max < 2**40 else np.sort(v).astype(dt)
    if kind == "runs":
        base = rng.integers(max(info.min, -1000), min(info.max, 1000), n // 40 + 1)
        return np.repeat(base, 40)[:n].astype(dt)
    if kind == "small":
        lo = 0 if info.min == 0 else -50
        return (rng.integers(lo, lo + 100, n) + (info.max // 3 if info.max < 2**62 else 2**40)).astype(dt)
    return rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)


def case(name, dtype, filters, kind="random", n=20000, offsets_filters=None, nullable=False, validity_filters=None):
    return dict(name=name, dtype=dtype, filters=filters, kind=kind, n=n, offsets_filters=offsets_filters,
                nullable=nullable, validity_filters=validity_filters)


Z = {"type": 2, "options": {"level": 3}}
INTS = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]
NUMS = INTS + ["float32", "float64"]
cases = []
for dt in NUMS + ["datetime64[ms]", "bool"]:
    cases.append(case(f"none-{dt}", dt, [{"type": 0}]))
    cases.append(case(f"byteshuffle-zstd-{dt}", dt, [{"type": 9}, Z]))
    cases.append(case(f"bitshuffle-{dt}", dt, [{"type": 8}]))
    cases.append(case(f"xor-{dt}", dt, [{"type": 16}]))
    cases.append(case(f"md5-sha256-{dt}", dt, [{"type": 12}, Z, {"type": 13}]))
    cases.append(case(f"rle-{dt}", dt, [{"type": 4, "options": {"level": -1}}], kind="runs"))
for dt in NUMS:
    cases.append(case(f"gzip-{dt}", dt, [{"type": 1, "options": {"level": 6}}], kind="runs"))
    cases.append(case(f"lz4-{dt}", dt, [{"type": 3, "options": {"level": -1}}], kind="runs"))
    cases.append(case(f"bzip2-{dt}", dt, [{"type": 5, "options": {"level": 9}}], kind="runs", n=3000))
    cases.append(case(f"zstd19-{dt}", dt, [{"type": 2, "options": {"level": 19}}], kind="runs"))
for dt in INTS + ["datetime64[ms]"]:
    cases.append(case(f"doubledelta-{dt}", dt, [{"type": 6, "options": {"level": -1}}], kind="sorted"))
    # Full-range 64-bit random values overflow int64 deltas, which TileDB refuses; use a narrower spread there.
    cases.append(case(f"doubledelta-rand-{dt}", dt, [{"type": 6, "options": {"level": -1}}], kind="small" if "64" in dt else "random"))
    cases.append(case(f"delta-{dt}", dt, [{"type": 19, "options": {"level": -1}}]))
    cases.append(case(f"bwr-{dt}", dt, [{"type": 7, "options": {"maxWindow": 256}}], kind="small"))
    cases.append(case(f"bwr-rand-{dt}", dt, [{"type": 7, "options": {"maxWindow": 1000}}]))
    cases.append(case(f"posdelta-{dt}", dt, [{"type": 10, "options": {"maxWindow": 1024}}], kind="sorted"))
    cases.append(case(f"dd-bwr-zstd-{dt}", dt, [{"type": 6, "options": {"level": -1}}, {"type": 7, "options": {"maxWindow": 256}}, Z], kind="sorted"))
for dt in ["float32", "float64"]:
    for bw in (1, 2, 4, 8):
        cases.append(case(f"floatscale{bw}-{dt}", dt, [{"type": 15, "options": {"scale": 0.5, "offset": 5.0, "byteWidth": bw}}, {"type": 9}, Z]))
    cases.append(case(f"delta-reinterp-{dt}", dt, [{"type": 19, "options": {"level": -1, "reinterpretType": 1 if dt == "float64" else 0}}]))
    cases.append(case(f"dd-reinterp-{dt}", dt, [{"type": 6, "options": {"level": -1, "reinterpretType": 1 if dt == "float64" else 0}}], kind="positive"))
    cases.append(case(f"xor-zstd-{dt}", dt, [{"type": 16}, Z]))
OFFS = [{"type": 6, "options": {"level": -1}}, {"type": 7, "options": {"maxWindow": 256}}, Z]
for dt in ["ascii", "utf8"]:
    cases.append(case(f"var-zstd-{dt}", dt, [Z], n=6000, offsets_filters=OFFS))
    cases.append(case(f"var-none-{dt}", dt, [], n=6000, offsets_filters=[{"type": 10, "options": {"maxWindow": 1024}}]))
    cases.append(case(f"var-rle-{dt}", dt, [{"type": 4, "options": {"level": -1}}], kind="runs", n=6000, offsets_filters=OFFS))
    cases.append(case(f"var-rle-zstd-{dt}", dt, [{"type": 4, "options": {"level": -1}}, Z], kind="runs", n=6000, offsets_filters=OFFS))
    cases.append(case(f"var-dict-{dt}", dt, [{"type": 14, "options": {"level": -1}}], n=6000, offsets_filters=OFFS))
    cases.append(case(f"var-dict-zstd-{dt}", dt, [{"type": 14, "options": {"level": -1}}, {"type": 9}, Z], n=6000, offsets_filters=OFFS))
cases.append(case("nullable-int32", "int32", [Z], nullable=True, validity_filters=[{"type": 4, "options": {"level": -1}}]))
cases.append(case("nullable-ascii", "ascii", [Z], n=3000, offsets_filters=OFFS, nullable=True, validity_filters=[Z]))

manifest = []
for c in cases:
    c["name"] = c["name"].replace("datetime64[ms]", "datetime_ms")
    uri = os.path.join(OUT, c["name"])
    n = c["n"]
    dtype = c["dtype"]
    var = dtype in ("ascii", "utf8")
    dom = tiledb.Domain(tiledb.Dim(name="d", domain=(0, 2**20), tile=2**20, dtype=np.uint64))
    if dtype in ("ascii", "utf8"):
        attr_dtype = "ascii" if dtype == "ascii" else str
    else:
        attr_dtype = np.dtype(dtype) if dtype != "bool" else np.bool_
    attr = tiledb.Attr(name="a", dtype=attr_dtype, var=var, nullable=c["nullable"],
                       filters=tiledb.FilterList([make_filter(f) for f in c["filters"]]))
    kwargs = {}
    if c["offsets_filters"] is not None:
        kwargs["offsets_filters"] = tiledb.FilterList([make_filter(f) for f in c["offsets_filters"]])
    if c["validity_filters"] is not None:
        kwargs["validity_filters"] = tiledb.FilterList([make_filter(f) for f in c["validity_filters"]])
    schema = tiledb.ArraySchema(domain=dom, attrs=[attr], sparse=True, capacity=100000, **kwargs)
    tiledb.Array.create(uri, schema)
    vals = values(c["kind"], dtype, n)
    coords = np.arange(n, dtype=np.uint64)
    with tiledb.open(uri, "w") as A:
        if c["nullable"]:
            mask = rng.integers(0, 4, n) > 0
            if var:
                vals = np.array([v if m else None for v, m in zip(vals, mask)], dtype=object)
            else:
                vals = np.ma.masked_array(vals, mask=~mask)
            import pyarrow as pa
            arr = pa.array(list(vals) if var else [None if not m else int(v) for v, m in zip(vals.data, mask)],
                           type=pa.string() if var else pa.int32())
            A[coords] = {"a": arr}
        else:
            A[coords] = {"a": vals}
    with tiledb.open(uri) as A:
        back = A.query(attrs=["a"], return_arrow=False)[:] if not c["nullable"] else None
    frag = glob.glob(os.path.join(glob.escape(uri), "__fragments", "*"))[0]
    entry = dict(name=c["name"], datatype=TYPE_IDS[dtype], cellValNum=0xFFFFFFFF if var else 1,
                 cells=n, filters=c["filters"], offsetsFilters=c["offsets_filters"], validityFilters=c["validity_filters"],
                 version=int(tiledb.ArraySchema.load(uri).version), tile=os.path.relpath(os.path.join(frag, "a0.tdb"), OUT))
    if var:
        entry["varTile"] = os.path.relpath(os.path.join(frag, "a0_var.tdb"), OUT)
    if c["nullable"]:
        entry["validityTile"] = os.path.relpath(os.path.join(frag, "a0_validity.tdb"), OUT)
        entry["validity"] = [1 if m else 0 for m in mask]
        # What TileDB keeps in a null cell's value is its own business: only the validity is compared.
        if not var:
            fixed = np.where(mask, vals.data, 0).astype(np.int32)
    else:
        a = back["a"]
        if var:
            strs = [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in a]
        else:
            fixed = np.ascontiguousarray(a)
    if var and not c["nullable"]:
        data = b"".join(strs)
        offs = np.cumsum([0] + [len(s) for s in strs[:-1]]).astype(np.uint64)
        open(uri + ".data.bin", "wb").write(data)
        open(uri + ".offsets.bin", "wb").write(offs.tobytes())
        entry["expectedData"] = c["name"] + ".data.bin"
        entry["expectedOffsets"] = c["name"] + ".offsets.bin"
    elif not c["nullable"]:
        open(uri + ".data.bin", "wb").write(fixed.tobytes())
        entry["expectedData"] = c["name"] + ".data.bin"
    else:
        entry["expectedData"] = None
    manifest.append(entry)

json.dump(manifest, open(os.path.join(OUT, "manifest.json"), "w"), indent=1)
