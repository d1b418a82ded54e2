"""Conformance corpus for tiledb-ts reads.

Usage: read_corpus.py OUT_DIR

Python `tiledb` writes small arrays into OUT_DIR covering every datatype x every filter x sparse and dense x
one and several fragments x consolidated (vacuumed or not) x with and without duplicates x nullable and
var-sized, then reads each back and writes OUT_DIR/expected.json: what Python `tiledb` returns for every
query, cell for cell. Axes are rotated rather than fully crossed so the corpus stays small (seconds).

Value encoding in expected.json (exact, JSON-safe): integers (all widths, datetimes) as decimal strings,
floats as numbers or "NaN" / "Infinity" / "-Infinity", bools as true/false, UTF-8 and ASCII text as strings,
CHAR and blob bytes as lower-case hex, var-sized numeric cells as lists, nulls as null.
"""

import json
import os
import sys

import numpy as np
import tiledb
from cell_json import enc_scalar

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(7)
# consolidation sizes its buffers from these; the defaults (GBs) dominate the run time on tiny arrays
SMALL = tiledb.Config({"sm.consolidation.buffer_size": "1000000", "sm.mem.total_budget": "100000000",
                       "sm.mem.consolidation.buffers_weight": "1", "sm.mem.consolidation.reader_weight": "1",
                       "sm.mem.consolidation.writer_weight": "1"})
tiledb.default_ctx(tiledb.Config({"py.init_buffer_bytes": str(1 << 16), "sm.mem.total_budget": "100000000"}))
EXTREMES = True  # off for double delta, which cannot encode deltas beyond int64

# name -> (tiledb dtype argument, var, nullable, kind)
TYPES = {
    "i8": (np.int8, False, False, "int"),
    "i16": (np.int16, False, False, "int"),
    "i32": (np.int32, False, False, "int"),
    "i64": (np.int64, False, False, "int"),
    "u8": (np.uint8, False, False, "int"),
    "u16": (np.uint16, False, False, "int"),
    "u32": (np.uint32, False, False, "int"),
    "u64": (np.uint64, False, False, "int"),
    "f32": (np.float32, False, False, "float"),
    "f64": (np.float64, False, False, "float"),
    "bool": (np.bool_, False, False, "bool"),
    "dt_ns": ("datetime64[ns]", False, False, "int"),
    "dt_day": ("datetime64[D]", False, False, "int"),
    "ascii": ("ascii", True, False, "str"),
    "utf8": (str, True, False, "str"),
    "char": (bytes, True, False, "bytes"),
    "blob": ("blob", True, False, "bytes"),
    "i32_null": (np.int32, False, True, "int"),
    "f64_null": (np.float64, False, True, "float"),
    "utf8_null": (str, True, True, "str"),
    "i32_var": (np.int32, True, False, "list"),
}
INTS = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "dt_ns", "dt_day", "i32_null"]
FLOATS = ["f32", "f64", "f64_null"]
STRINGS = ["ascii", "utf8", "utf8_null"]
ALL = list(TYPES)

WORDS = ["", "a", "tongue", "T cell", "naïve", "日本", "x" * 40, "b", "B cell", "zz"]


def gen_values(tname, n):
    dt, var, nullable, kind = TYPES[tname]
    if tname == "bool":
        vals = rng.integers(0, 2, n).astype(np.bool_)
    elif tname in ("dt_ns", "dt_day"):
        vals = rng.integers(-(10**6), 10**9, n).astype(np.dtype(dt))
    elif kind == "int" and not var:
        info = np.iinfo(np.dtype(dt))
        # mostly small runs (so RLE, delta and bit-width filters have work) plus the type's extremes
        vals = (rng.integers(0, 5, n).cumsum() % 50).astype(np.dtype(dt))
        if n > 4 and EXTREMES:
            vals[1] = info.min
            vals[3] = info.max
    elif kind == "float":
        vals = rng.normal(0, 1000, n).astype(np.dtype(dt))
        if n > 6:
            vals[2] = 0.0
            vals[5] = np.float64(-1.5)
    elif tname == "i32_var":
        vals = np.empty(n, dtype=object)
        for i in range(n):
            vals[i] = rng.integers(-100, 100, int(rng.integers(1, 4))).astype(np.int32)
    elif kind == "str":
        words = [w.encode("ascii", "replace").decode() if tname == "ascii" else w for w in WORDS]
        if tname == "ascii":
            words = [w for w in words if all(ord(c) < 128 for c in w) and "?" not in w]
        vals = np.array([words[int(i)] for i in rng.integers(0, len(words), n)], dtype=object)
        if tname == "ascii":
            # empty ascii cells are not representable in every tiledb-py path; keep them non-empty
            vals = np.array([v if v else "e" for v in vals], dtype=object)
    else:  # bytes
        # no trailing NUL bytes: numpy strips them from the values Python returns
        vals = np.array([bytes(rng.integers(0, 256, int(rng.integers(1, 6))).astype(np.uint8)) + b"\x01" for _ in range(n)], dtype=object)
    if nullable:
        mask = rng.integers(0, 4, n) == 0
        vals = np.ma.masked_array(vals, mask=mask)
    return vals


def make_attr(tname, filters):
    dt, var, nullable, _ = TYPES[tname]
    return tiledb.Attr(tname, dtype=dt, var=var, nullable=nullable, filters=tiledb.FilterList(filters))


def enc_column(arr, kind):
    arr = arr.ravel()  # dense results come back shaped; the row-major flattening is the cell order
    mask = np.ma.getmaskarray(arr) if isinstance(arr, np.ma.MaskedArray) else None
    data = arr.data if isinstance(arr, np.ma.MaskedArray) else arr
    out = []
    for i in range(len(data)):
        out.append(None if mask is not None and mask[i] else enc_scalar(data[i], kind))
    return out


def kind_of(name, schema):
    if name in TYPES:
        return TYPES[name][3]
    dim = schema.domain.dim(name) if schema.domain.has_dim(name) else None
    dt = dim.dtype if dim is not None else schema.attr(name).dtype
    if dt.kind in "iu" or dt.kind == "M":
        return "int"
    if dt.kind == "f":
        return "float"
    if dt.kind == "b":
        return "bool"
    return "str"


def dump(result, schema):
    return {name: enc_column(np.asarray(col) if not isinstance(col, np.ma.MaskedArray) else col, kind_of(name, schema)) for name, col in result.items()}


corpus = []


def record(uri, queries):
    for q in queries:
        if "timestamp" in q:
            record_at(uri, q)
    queries = [q for q in queries if "timestamp" not in q]
    with tiledb.open(uri) as A:
        schema = A.schema
        entry = {"name": os.path.basename(uri), "sparse": schema.sparse, "allowsDuplicates": schema.sparse and schema.allows_duplicates,
                 "dims": [schema.domain.dim(i).name for i in range(schema.domain.ndim)],
                 "attrs": [schema.attr(i).name for i in range(schema.nattr)], "queries": []}
        for q in queries:
            if schema.sparse:
                query = A.query(order=q.get("order", "G"))
                res = query.multi_index[tuple(q["ranges"])] if "ranges" in q else query[:]
            else:
                if "ranges" in q and any(isinstance(r, list) for r in q["ranges"]):
                    # several ranges on a dimension; multi_index drops the validity of nullable dense
                    # attributes, so those are left out of this query
                    # (and var-sized ones, which crash tiledb-py's multi-range dense reads)
                    keep = [a.name for a in (A.schema.attr(i) for i in range(A.schema.nattr)) if not a.isnullable and not a.isvar]
                    res = A.query(attrs=keep, coords=True).multi_index[tuple(q["ranges"])]
                else:
                    # slices (half-open) rather than multi_index, which drops the validity of nullable attributes
                    query = A.query(coords=True)
                    res = query[tuple(slice(r.start, r.stop + 1) for r in q["ranges"])] if "ranges" in q else query[:]
            out = {k: v for k, v in q.items() if k != "ranges"}
            if "ranges" in q:
                out["ranges"] = [enc_ranges(r) for r in q["ranges"]]
            out["result"] = dump(res, schema)
            entry["queries"].append(out)
    corpus.append(entry)


def record_at(uri, q):
    # a read of the array opened at a timestamp: later fragments (and later cells of consolidated ones) are invisible
    with tiledb.open(uri, timestamp=q["timestamp"]) as A:
        res = A.query(order="G")[:] if A.schema.sparse else A.query(coords=True)[:]
        pending.append((os.path.basename(uri), {"order": "G", "timestamp": q["timestamp"], "result": dump(res, A.schema)}))


pending = []


def enc_ranges(r):
    # a list of inclusive [lo, hi] pairs (points are [p, p]); numbers as strings to stay exact
    items = r if isinstance(r, list) else [r]
    out = []
    for it in items:
        if isinstance(it, slice):
            out.append([str(it.start), str(it.stop)])
        else:
            out.append([str(it), str(it)])
    return out


# ---------------------------------------------------------------------------------------------------------
# Filters x types: one sparse and one dense array per filter, attributes of every type the filter accepts.
FILTERS = {
    "none": (lambda: [], ALL),
    "zstd": (lambda: [tiledb.ZstdFilter(level=3)], ALL),
    "gzip": (lambda: [tiledb.GzipFilter(level=6)], ALL),
    "lz4": (lambda: [tiledb.LZ4Filter()], ALL),
    "bzip2": (lambda: [tiledb.Bzip2Filter()], ALL),
    "rle": (lambda: [tiledb.RleFilter()], ALL),
    "bitwidth": (lambda: [tiledb.BitWidthReductionFilter(window=16)], INTS),
    "posdelta": (lambda: [tiledb.PositiveDeltaFilter(window=16)], ["utf8", "char", "i32_var"]),
    "delta": (lambda: [tiledb.DeltaFilter()], INTS),
    "doubledelta": (lambda: [tiledb.DoubleDeltaFilter()], INTS),
    "byteshuffle": (lambda: [tiledb.ByteShuffleFilter()], ALL),
    "bitshuffle": (lambda: [tiledb.BitShuffleFilter()], ALL),
    "xor": (lambda: [tiledb.XORFilter()], INTS + FLOATS),
    "dictionary": (lambda: [tiledb.DictionaryFilter()], STRINGS),
    "md5": (lambda: [tiledb.ChecksumMD5Filter()], ALL),
    "sha256": (lambda: [tiledb.ChecksumSHA256Filter()], ALL),
    "floatscale": (lambda: [tiledb.FloatScaleFilter(factor=0.25, offset=1.0, bytewidth=4)], FLOATS),
    "byteshuffle_zstd": (lambda: [tiledb.ByteShuffleFilter(), tiledb.ZstdFilter(level=9)], ALL),
    "delta_zstd": (lambda: [tiledb.DeltaFilter(), tiledb.ZstdFilter()], INTS),
    "bitwidth_gzip_md5": (lambda: [tiledb.BitWidthReductionFilter(), tiledb.GzipFilter(), tiledb.ChecksumMD5Filter()], INTS),
    "dict_zstd": (lambda: [tiledb.DictionaryFilter(), tiledb.ZstdFilter()], STRINGS),
}
# positive delta needs non-decreasing input: it filters the coordinates and the offsets, not the values
ATTR_FILTER_OFF = {"posdelta"}
COORD_OK = {"posdelta", "none", "zstd", "gzip", "lz4", "bzip2", "rle", "bitwidth", "delta", "doubledelta", "byteshuffle", "bitshuffle",
            "xor", "md5", "sha256", "byteshuffle_zstd", "delta_zstd", "bitwidth_gzip_md5"}
# (fragments, consolidate, vacuum, duplicates) rotated over the filter arrays
SCENARIOS = [(1, False, False, False), (3, False, False, True), (3, True, False, False), (3, True, True, True), (2, False, False, False)]
N_SPARSE = 64  # cells per sparse write


def write_sparse(uri, tnames, nfrag, dups):
    coords_all = []
    for f in range(nfrag):
        # fragments overlap on purpose: later fragments rewrite some coordinates of earlier ones
        base = f * (N_SPARSE // 2)
        coords = rng.permutation(np.arange(base, base + N_SPARSE, dtype=np.int64))
        if dups and f > 0:
            coords[:5] = coords[5:10]  # duplicates inside one fragment too
        data = {t: gen_values(t, N_SPARSE) for t in tnames}
        with tiledb.open(uri, "w", timestamp=f + 1) as A:
            A[coords] = data
        coords_all.append(coords)
    return coords_all


def write_dense(uri, tnames, nfrag):
    # 2-D dense 12 x 10 domain, tiles 4 x 3; each fragment writes a different, overlapping rectangle
    rects = [(0, 7, 0, 5), (4, 11, 3, 9), (2, 5, 2, 8)]
    for f in range(nfrag):
        r0, r1, c0, c1 = rects[f]
        shape = (r1 - r0 + 1, c1 - c0 + 1)
        data = {}
        for t in tnames:
            v = gen_values(t, shape[0] * shape[1])
            data[t] = v.reshape(shape) if not isinstance(v, np.ma.MaskedArray) else np.ma.masked_array(v.data.reshape(shape), mask=np.ma.getmaskarray(v).reshape(shape))
        with tiledb.open(uri, "w", timestamp=f + 1) as A:
            A[r0 : r1 + 1, c0 : c1 + 1] = data


for i, (fname, (make, tnames)) in enumerate(FILTERS.items()):
    nfrag, consolidate, vacuum, dups = SCENARIOS[i % len(SCENARIOS)]
    EXTREMES = fname != "doubledelta"
    dim_filters = make() if fname in COORD_OK else []
    off_filters = tiledb.FilterList(make() if fname in COORD_OK else [tiledb.ZstdFilter()])
    # sparse
    uri = os.path.join(OUT, f"{fname}_sparse")
    dom = tiledb.Domain(tiledb.Dim("d0", domain=(-1000, 10**6), tile=32, dtype=np.int64, filters=tiledb.FilterList(dim_filters)))
    schema = tiledb.ArraySchema(domain=dom, attrs=[make_attr(t, [] if fname in ATTR_FILTER_OFF else make()) for t in tnames], sparse=True, capacity=16,
                                allows_duplicates=dups, offsets_filters=off_filters,
                                coords_filters=tiledb.FilterList(dim_filters))
    tiledb.Array.create(uri, schema)
    write_sparse(uri, tnames, nfrag, dups)
    if consolidate:
        tiledb.consolidate(uri, config=SMALL)
        if vacuum:
            tiledb.vacuum(uri)
    record(uri, [
        {"order": "G"},
        {"order": "U", "ranges": [[slice(3, 20), slice(40, 45), 70, 71, 500]]},
    ] + ([{"timestamp": 2}] if nfrag > 2 else []))
    # dense (no duplicates notion); string and var types are allowed in dense arrays
    uri = os.path.join(OUT, f"{fname}_dense")
    dims = [tiledb.Dim("r", domain=(0, 11), tile=4, dtype=np.int32, filters=tiledb.FilterList(dim_filters)),
            tiledb.Dim("c", domain=(0, 9), tile=3, dtype=np.int32, filters=tiledb.FilterList(dim_filters))]
    # tiledb-py cannot write var-sized nullable cells into 2-D dense arrays; the 1-D dense array below has them
    dense_types = [t for t in tnames if t != "utf8_null"]
    schema = tiledb.ArraySchema(domain=tiledb.Domain(*dims), attrs=[make_attr(t, [] if fname in ATTR_FILTER_OFF else make()) for t in dense_types], sparse=False,
                                cell_order="col-major" if i % 2 else "row-major", tile_order="row-major" if i % 3 else "col-major",
                                offsets_filters=off_filters)
    tiledb.Array.create(uri, schema)
    write_dense(uri, dense_types, min(nfrag, 3))
    if consolidate:
        tiledb.consolidate(uri, config=SMALL)
        if vacuum:
            tiledb.vacuum(uri)
    record(uri, [{}, {"ranges": [slice(2, 9), slice(1, 4)]}, {"ranges": [[slice(0, 1), slice(6, 7), 10], [slice(8, 9), 0]]}]
           + ([{"timestamp": 2}] if nfrag > 2 else []))

# ---------------------------------------------------------------------------------------------------------
# Dimension types and orders (sparse): string, float, datetime and small-int dimensions; 2-D global order.
def dims_array(name, dims, coords_fn, cell_order="row-major", tile_order="row-major", dups=False, queries=None):
    uri = os.path.join(OUT, name)
    schema = tiledb.ArraySchema(domain=tiledb.Domain(*dims), attrs=[make_attr("i64", [tiledb.ZstdFilter()]), make_attr("utf8_null", [])],
                                sparse=True, capacity=8, cell_order=cell_order, tile_order=tile_order, allows_duplicates=dups)
    tiledb.Array.create(uri, schema)
    for f in range(2):
        coords = coords_fn(f)
        n = len(coords[0])
        with tiledb.open(uri, "w", timestamp=f + 1) as A:
            A[tuple(coords)] = {"i64": gen_values("i64", n), "utf8_null": gen_values("utf8_null", n)}
    record(uri, queries or [{"order": "G"}])


def str_coords(f):
    keys = ["ENSG%05d" % k for k in rng.permutation(60)[:40]] + ["", "a", "ab", "b"] if f == 0 else ["ENSG%05d" % k for k in range(0, 60, 3)]
    return [np.array(keys, dtype=object), rng.integers(0, 5, len(keys)).astype(np.int32)]


dims_array("dims_string_int32", [tiledb.Dim("s", domain=(None, None), tile=None, dtype="ascii"),
                                 tiledb.Dim("k", domain=(0, 9), tile=2, dtype=np.int32)], str_coords,
           queries=[{"order": "G"}, {"order": "U", "ranges": [[slice("ENSG00010", "ENSG00030"), "a"], [slice(1, 3)]]}])
dims_array("dims_float64", [tiledb.Dim("x", domain=(-100.0, 100.0), tile=10.0, dtype=np.float64)],
           lambda f: [np.round(rng.uniform(-100, 100, 50), 3)],
           queries=[{"order": "G"}, {"order": "U", "ranges": [[slice(-50.0, 0.0), slice(10.0, 20.0)]]}])
dims_array("dims_datetime_uint8_colmajor", [tiledb.Dim("t", domain=(np.datetime64(0, "ms"), np.datetime64(10**6, "ms")), tile=np.timedelta64(1000, "ms"), dtype="datetime64[ms]"),
                                            tiledb.Dim("u", domain=(0, 200), tile=50, dtype=np.uint8)],
           lambda f: [rng.integers(0, 10**6, 60).astype("datetime64[ms]"), rng.integers(0, 200, 60).astype(np.uint8)],
           cell_order="col-major", tile_order="col-major", dups=True)
dims_array("dims_int64_hilbert", [tiledb.Dim("a", domain=(0, 1000), tile=100, dtype=np.int64),
                                  tiledb.Dim("b", domain=(0, 1000), tile=100, dtype=np.int64)],
           lambda f: [rng.integers(0, 1000, 60), rng.integers(0, 1000, 60)], cell_order="hilbert")
dims_array("dims_hilbert_string_float", [tiledb.Dim("s", domain=(None, None), tile=None, dtype="ascii"),
                                         tiledb.Dim("x", domain=(-10.0, 10.0), tile=1.0, dtype=np.float64)],
           lambda f: [np.array(["g%03d" % k for k in rng.integers(0, 200, 40)] + ["\x7fz", "é"[:0] + "zz"], dtype=object), np.round(rng.uniform(-10, 10, 42), 2)],
           cell_order="hilbert", queries=[{"order": "G"}, {"order": "U", "ranges": [[slice("g050", "g150")], [slice(-5.0, 5.0)]]}])

# ---------------------------------------------------------------------------------------------------------
# Versions of the same cells in one consolidated fragment (with timestamps), tiles of 3 cells so versions of
# a cell straddle tile boundaries; vacuumed, so only the consolidated fragment is left.
uri = os.path.join(OUT, "versions_consolidated")
schema = tiledb.ArraySchema(domain=tiledb.Domain(tiledb.Dim("d0", domain=(0, 100), tile=10, dtype=np.int64)),
                            attrs=[make_attr("i32", []), make_attr("utf8", [tiledb.ZstdFilter()])], sparse=True, capacity=3)
tiledb.Array.create(uri, schema)
for f in range(4):
    coords = np.array([1, 2, 3, 5, 8, 13, 21, 34][f % 2 :: 1 + f % 2], dtype=np.int64)
    with tiledb.open(uri, "w", timestamp=f + 1) as A:
        A[coords] = {"i32": (np.arange(len(coords)) + 100 * (f + 1)).astype(np.int32), "utf8": np.array([f"v{f + 1}"] * len(coords), dtype=object)}
tiledb.consolidate(uri, config=SMALL)
tiledb.vacuum(uri)
record(uri, [{"order": "G"}, {"order": "U", "ranges": [[slice(2, 13)]]}, {"timestamp": 2}, {"timestamp": 3}])

# ---------------------------------------------------------------------------------------------------------
# Schema evolution: attributes added after the first fragment read as their fill values there.
uri = os.path.join(OUT, "schema_evolution")
schema = tiledb.ArraySchema(domain=tiledb.Domain(tiledb.Dim("d0", domain=(0, 100), tile=10, dtype=np.int64)),
                            attrs=[make_attr("i32", [])], sparse=True, capacity=4)
tiledb.Array.create(uri, schema)
with tiledb.open(uri, "w", timestamp=1) as A:
    A[np.arange(0, 10, dtype=np.int64)] = {"i32": np.arange(10, dtype=np.int32)}
se = tiledb.ArraySchemaEvolution()
se.add_attribute(tiledb.Attr("added_f64", dtype=np.float64, fill=2.5))
se.add_attribute(tiledb.Attr("added_utf8", dtype=str, var=True))
se.array_evolve(uri)
with tiledb.open(uri, "w") as A:
    A[np.arange(5, 15, dtype=np.int64)] = {"i32": np.arange(10, dtype=np.int32) + 100, "added_f64": np.linspace(0, 1, 10),
                                             "added_utf8": np.array(["new"] * 10, dtype=object)}
record(uri, [{"order": "G"}])

# ---------------------------------------------------------------------------------------------------------
# Census-shaped X: int64 (soma_dim_0, soma_dim_1), float32 soma_data, zstd + byteshuffle, 2048-row tiles.
def census_x(name, ncells):
    uri = os.path.join(OUT, name)
    dims = [tiledb.Dim("soma_dim_0", domain=(0, 2**31), tile=2048, dtype=np.int64,
                       filters=tiledb.FilterList([tiledb.ByteShuffleFilter(), tiledb.ZstdFilter(level=9)])),
            tiledb.Dim("soma_dim_1", domain=(0, 60000), tile=2048, dtype=np.int64,
                       filters=tiledb.FilterList([tiledb.ByteShuffleFilter(), tiledb.ZstdFilter(level=9)]))]
    attr = tiledb.Attr("soma_data", dtype=np.float32, filters=tiledb.FilterList([tiledb.ByteShuffleFilter(), tiledb.ZstdFilter(level=9)]))
    schema = tiledb.ArraySchema(domain=tiledb.Domain(*dims), attrs=[attr], sparse=True, capacity=1000, allows_duplicates=True,
                                cell_order="row-major", tile_order="row-major")
    tiledb.Array.create(uri, schema)
    rows = np.sort(rng.integers(0, 5000, ncells))
    cols = rng.integers(0, 3000, ncells)
    with tiledb.open(uri, "w", timestamp=1) as A:
        A[rows, cols] = {"soma_data": rng.integers(1, 50, ncells).astype(np.float32)}
    record(uri, [{"order": "G"}, {"order": "U", "ranges": [[slice(100, 400), slice(2000, 2100)], [slice(0, 1000)]]}])


census_x("census_x", 6000)

# 1-D dense with var-sized nullable cells and cells never written (fill values), two fragments.
uri = os.path.join(OUT, "dense_1d_var_nullable")
schema = tiledb.ArraySchema(domain=tiledb.Domain(tiledb.Dim("d", domain=(0, 99), tile=16, dtype=np.uint64)),
                            attrs=[make_attr("utf8_null", [tiledb.ZstdFilter()]), make_attr("ascii", [tiledb.RleFilter()]),
                                   tiledb.Attr("f32_fill", dtype=np.float32, fill=-7.5), make_attr("i32_null", [])], sparse=False)
tiledb.Array.create(uri, schema)
for f, (lo, hi) in enumerate([(5, 40), (30, 60)]):
    n = hi - lo
    with tiledb.open(uri, "w", timestamp=f + 1) as A:
        A[lo:hi] = {"utf8_null": gen_values("utf8_null", n), "ascii": gen_values("ascii", n),
                    "f32_fill": gen_values("f32", n), "i32_null": gen_values("i32_null", n)}
record(uri, [{}, {"ranges": [slice(0, 10)]}, {"ranges": [slice(55, 70)]}])

# ---------------------------------------------------------------------------------------------------------
# Enumerations: an attribute whose values label into an enumeration.
uri = os.path.join(OUT, "enumeration_sparse")
enum = tiledb.Enumeration("cell_type", ordered=False, values=["B cell", "T cell", "neuron", "naïve"])
schema = tiledb.ArraySchema(domain=tiledb.Domain(tiledb.Dim("d0", domain=(0, 1000), tile=10, dtype=np.int64)),
                            attrs=[tiledb.Attr("cell_type", dtype=np.int8, enum_label="cell_type"), make_attr("i32", [])],
                            enums=[enum], sparse=True, capacity=8)
tiledb.Array.create(uri, schema)
with tiledb.open(uri, "w", timestamp=1) as A:
    A[np.arange(30, dtype=np.int64)] = {"cell_type": rng.integers(0, 4, 30).astype(np.int8), "i32": gen_values("i32", 30)}
with tiledb.open(uri) as A:
    labels = A.enum("cell_type").values().tolist()
# the raw codes are compared; labels are listed so a reader can check the dictionary
record(uri, [{"order": "G"}])
corpus[-1]["enumerations"] = {"cell_type": [str(v) for v in labels]}

for name, q in pending:
    next(e for e in corpus if e["name"] == name)["queries"].append(q)

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump({"tiledb": tiledb.__version__, "libtiledb": ".".join(map(str, tiledb.libtiledb.version())), "arrays": corpus}, f)
print(f"wrote {len(corpus)} arrays to {OUT}")
