#!/usr/bin/env python
"""Write small, seeded TileDB-SOMA experiments shaped like CZ CELLxGENE Census `homo_sapiens`, for parity tests.

Every value comes from numpy's seeded Generator before any TileDB call, so the same seed gives the same data
with tiledbsoma 1.x and 2.x. Schemas and filters follow the Census builder's (obs/var/X platform configs).

Experiments (each a directory under <out-dir>):

- ``dense-strings``: few cells and genes, dense X, plain string obs columns, every cell primary, one gene
  never expressed, a few cells without any X data.
- ``categorical-mixed``: categorical (dictionary-encoded) obs columns, ``is_primary_data`` mixed (the builder's
  ``is_primary_data == True`` filter drops cells), several datasets, X written as two fragments.
- ``sparse-many-groups``: more cells than the reference builder's minimum batch (2**13), many donors and so
  many obs groups, very sparse X, some whole obs groups without X data, mixed ``is_primary_data``.
- ``single-group``: one dataset, one donor, one cell type: a single obs group.

Usage: python make_test_experiments.py <out-dir> [--seed N] [--only NAME ...] [--plain-strings]
       python make_test_experiments.py --digest [--seed N]
Prints one line per experiment: its name and absolute path. ``--digest`` writes nothing and prints, per
experiment, a SHA-256 of its generated values (what the committed reference cubes were built from).

``--plain-strings`` writes every obs column as a plain string, even in experiments that are otherwise
categorical; the values are the same. The reference builder groups categorical columns with pandas'
``observed=False`` default and so emits every combination of categories (millions of empty obs groups);
its reference cubes for categorical experiments are therefore built from this plain-string twin.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, replace

import numpy as np

# The 10 obs columns the cube groups by, plus the other Census obs columns (2023 schema, in Census order).
DICT_LIKE_OBS = [
    "dataset_id",
    "assay",
    "assay_ontology_term_id",
    "cell_type",
    "cell_type_ontology_term_id",
    "development_stage",
    "development_stage_ontology_term_id",
    "disease",
    "disease_ontology_term_id",
    "donor_id",
    "self_reported_ethnicity",
    "self_reported_ethnicity_ontology_term_id",
    "sex",
    "sex_ontology_term_id",
    "suspension_type",
    "tissue",
    "tissue_ontology_term_id",
    "tissue_type",
    "tissue_general",
    "tissue_general_ontology_term_id",
]
OBS_ORDER = (
    ["soma_joinid"]
    + DICT_LIKE_OBS[:10]
    + ["is_primary_data", "observation_joinid"]
    + DICT_LIKE_OBS[10:]
    + ["raw_sum", "nnz", "raw_mean_nnz", "raw_variance_nnz", "n_measured_vars"]
)
NUMERIC_OBS = ["raw_sum", "nnz", "raw_mean_nnz", "raw_variance_nnz", "n_measured_vars"]

ASSAYS = [
    ("EFO:0009922", "10x 3' v3"),
    ("EFO:0009899", "10x 3' v2"),
    ("EFO:0011025", "10x 5' v1"),
    ("EFO:0008931", "Smart-seq2"),
]
CELL_TYPES = [
    ("CL:0000057", "fibroblast"),
    ("CL:0000066", "epithelial cell"),
    ("CL:0000084", "T cell"),
    ("CL:0000235", "macrophage"),
    ("CL:0000236", "B cell"),
    ("CL:0000312", "keratinocyte"),
    ("CL:0000540", "neuron"),
    ("CL:0000623", "natural killer cell"),
    ("CL:0000738", "leukocyte"),
    ("CL:0002138", "endothelial cell of lymphatic vessel"),
    ("CL:0000115", "endothelial cell"),
    ("CL:0000192", "smooth muscle cell"),
]
DEV_STAGES = [
    ("HsapDv:0000160", "24-year-old human stage"),
    ("HsapDv:0000137", "60-year-old human stage"),
    ("HsapDv:0000087", "human adult stage"),
    ("unknown", "unknown"),
]
DISEASES = [("PATO:0000461", "normal"), ("MONDO:0004992", "cancer"), ("MONDO:0005109", "HIV infectious disease")]
ETHNICITIES = [("HANCESTRO:0005", "European"), ("HANCESTRO:0008", "Asian"), ("unknown", "unknown")]
SEXES = [("PATO:0000383", "female"), ("PATO:0000384", "male"), ("unknown", "unknown")]
SUSPENSIONS = ["cell", "nucleus", "na"]
TISSUES = [
    # (tissue id, tissue, tissue_general id, tissue_general)
    ("UBERON:0001723", "tongue", "UBERON:0001723", "tongue"),
    ("UBERON:0002048", "lung", "UBERON:0002048", "lung"),
    ("UBERON:0008952", "upper lobe of left lung", "UBERON:0002048", "lung"),
    ("UBERON:0000178", "blood", "UBERON:0000178", "blood"),
    ("UBERON:0002107", "liver", "UBERON:0002107", "liver"),
]


@dataclass(frozen=True)
class Shape:
    name: str
    n_cells: int
    n_genes: int
    n_datasets: int
    donors_per_dataset: int
    cell_types_per_dataset: int
    density: float  # fraction of (cell, gene) pairs that are nonzero, among cells that have data
    empty_cell_fraction: float  # cells with no X data at all
    primary_fraction: float  # cells with is_primary_data == True
    categorical: bool  # dictionary-encoded (enumeration) obs columns vs plain strings
    x_fragments: int
    silent_genes: int  # genes with no X data anywhere
    obs_joinid_offset: int
    empty_group_fraction: float = 0.0  # (dataset, cell type) blocks whose cells have no X data


SHAPES = [
    Shape("dense-strings", 240, 12, 2, 2, 3, 0.6, 0.05, 1.0, False, 1, 1, 1000),
    Shape("categorical-mixed", 1500, 40, 4, 3, 5, 0.08, 0.04, 0.7, True, 2, 2, 51_789_925),
    Shape("sparse-many-groups", 11000, 80, 6, 6, 6, 0.02, 0.03, 0.85, False, 1, 3, 0, 0.08),
    Shape("single-group", 60, 5, 1, 1, 1, 0.3, 0.1, 1.0, True, 1, 0, 7),
]


def _pick(rng: np.random.Generator, pool: list, k: int) -> list:
    idx = rng.choice(len(pool), size=min(k, len(pool)), replace=False)
    return [pool[i] for i in sorted(idx)]


def generate(shape: Shape, seed: int) -> dict:
    """All values of one experiment as numpy arrays; no TileDB involved."""
    rng = np.random.default_rng([seed, SHAPES.index(shape)])
    n = shape.n_cells

    # var: random Ensembl-like ids, not sorted (the cube sorts feature_id; feature_ids.json keeps var order)
    gene_nums = rng.choice(90_000, size=shape.n_genes, replace=False)
    feature_id = np.array([f"ENSG{int(g):011d}" for g in gene_nums], dtype=object)
    feature_name = np.array([f"GENE{int(g)}" for g in gene_nums], dtype=object)
    feature_length = rng.integers(300, 12_000, size=shape.n_genes).astype(np.int64)

    # datasets, each with its own assay, suspension, tissue, donors and cell types
    cols: dict[str, np.ndarray] = {c: np.empty(n, dtype=object) for c in DICT_LIKE_OBS}
    cuts = np.sort(rng.choice(np.arange(1, n), size=shape.n_datasets - 1, replace=False))
    bounds = np.concatenate([[0], cuts, [n]])
    cell_block = np.zeros(n, dtype=np.int64)  # (dataset, cell type) block id, for whole-group empties
    block = 0
    for d in range(shape.n_datasets):
        lo, hi = int(bounds[d]), int(bounds[d + 1])
        m = hi - lo
        ds_id = "".join(rng.choice(list("0123456789abcdef"), size=32))
        ds_id = f"{ds_id[:8]}-{ds_id[8:12]}-{ds_id[12:16]}-{ds_id[16:20]}-{ds_id[20:]}"
        assay = ASSAYS[int(rng.integers(len(ASSAYS)))]
        susp = SUSPENSIONS[int(rng.integers(len(SUSPENSIONS)))]
        tissue = TISSUES[int(rng.integers(len(TISSUES)))]
        donors = []
        for k in range(shape.donors_per_dataset):
            donors.append(
                (
                    f"D{d}-{k}" if rng.random() < 0.5 else f"donor_{int(rng.integers(1000))}",
                    DEV_STAGES[int(rng.integers(len(DEV_STAGES)))],
                    DISEASES[int(rng.integers(len(DISEASES)))],
                    ETHNICITIES[int(rng.integers(len(ETHNICITIES)))],
                    SEXES[int(rng.integers(len(SEXES)))],
                )
            )
        ctypes = _pick(rng, CELL_TYPES, shape.cell_types_per_dataset)
        donor_of = rng.integers(len(donors), size=m)
        ct_of = rng.integers(len(ctypes), size=m)
        cell_block[lo:hi] = block + ct_of
        block += len(ctypes)
        sl = slice(lo, hi)
        cols["dataset_id"][sl] = ds_id
        cols["assay_ontology_term_id"][sl] = assay[0]
        cols["assay"][sl] = assay[1]
        cols["suspension_type"][sl] = susp
        cols["tissue_ontology_term_id"][sl] = tissue[0]
        cols["tissue"][sl] = tissue[1]
        cols["tissue_general_ontology_term_id"][sl] = tissue[2]
        cols["tissue_general"][sl] = tissue[3]
        cols["tissue_type"][sl] = "tissue"
        for i in range(m):
            dn = donors[donor_of[i]]
            ct = ctypes[ct_of[i]]
            j = lo + i
            cols["donor_id"][j] = dn[0]
            cols["development_stage_ontology_term_id"][j], cols["development_stage"][j] = dn[1]
            cols["disease_ontology_term_id"][j], cols["disease"][j] = dn[2]
            cols["self_reported_ethnicity_ontology_term_id"][j], cols["self_reported_ethnicity"][j] = dn[3]
            cols["sex_ontology_term_id"][j], cols["sex"][j] = dn[4]
            cols["cell_type_ontology_term_id"][j], cols["cell_type"][j] = ct

    is_primary = rng.random(n) < shape.primary_fraction
    soma_joinid = np.arange(n, dtype=np.int64) + shape.obs_joinid_offset
    observation_joinid = np.array([f"obs{int(v):010x}" for v in rng.integers(0, 2**40, size=n)], dtype=object)

    # X: negative-binomial-like counts (gamma-Poisson), zeros not stored, as in Census
    has_data = rng.random(n) >= shape.empty_cell_fraction
    if shape.empty_group_fraction > 0:
        empty_blocks = np.flatnonzero(rng.random(block) < shape.empty_group_fraction)
        has_data &= ~np.isin(cell_block, empty_blocks)
    expressed = np.ones(shape.n_genes, dtype=bool)
    if shape.silent_genes:
        expressed[rng.choice(shape.n_genes, size=shape.silent_genes, replace=False)] = False
    gene_scale = rng.gamma(1.5, 2.0, size=shape.n_genes)
    rows, cols_x, vals = [], [], []
    for i in np.flatnonzero(has_data):
        mask = (rng.random(shape.n_genes) < shape.density) & expressed
        g = np.flatnonzero(mask)
        if g.size == 0:  # a cell meant to have data gets at least one value
            g = np.array([int(rng.choice(np.flatnonzero(expressed)))])
        counts = rng.poisson(rng.gamma(0.8, gene_scale[g])) + 1
        rows.append(np.full(g.size, i, dtype=np.int64))
        cols_x.append(g.astype(np.int64))
        vals.append(counts.astype(np.float32))
    x_i = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    x_j = np.concatenate(cols_x) if cols_x else np.zeros(0, np.int64)
    x_v = np.concatenate(vals) if vals else np.zeros(0, np.float32)

    # obs statistics over the written genes plus unmeasured ones (raw_sum > X row sum, as in Census)
    row_sum = np.bincount(x_i, weights=x_v, minlength=n)
    row_nnz = np.bincount(x_i, minlength=n)
    extra = np.round(rng.gamma(2.0, 300.0, size=n))
    raw_sum = row_sum + extra
    nnz = row_nnz + rng.integers(1, 400, size=n)
    obs = {
        "soma_joinid": soma_joinid,
        **cols,
        "is_primary_data": is_primary,
        "observation_joinid": observation_joinid,
        "raw_sum": raw_sum.astype(np.float64),
        "nnz": nnz.astype(np.int64),
        "raw_mean_nnz": (raw_sum / nnz).astype(np.float64),
        "raw_variance_nnz": rng.gamma(2.0, 10.0, size=n).astype(np.float64),
        "n_measured_vars": np.full(n, shape.n_genes + 500, dtype=np.int64),
    }
    var = {
        "soma_joinid": np.arange(shape.n_genes, dtype=np.int64),
        "feature_id": feature_id,
        "feature_name": feature_name,
        "feature_length": feature_length,
        "nnz": np.bincount(x_j, minlength=shape.n_genes).astype(np.int64),
        "n_measured_obs": np.full(shape.n_genes, n, dtype=np.int64),
    }
    x = {"soma_dim_0": soma_joinid[x_i], "soma_dim_1": x_j, "soma_data": x_v}
    return {"obs": obs, "var": var, "X": x}


def _zstd(level: int) -> dict:
    return {"_type": "ZstdFilter", "level": level}


def write(shape: Shape, data: dict, uri: str, plain_strings: bool = False) -> None:
    import pyarrow as pa
    import tiledbsoma as soma

    obs, var, x = data["obs"], data["var"], data["X"]
    n_obs_domain = int(obs["soma_joinid"].max()) + 1
    n_var = len(var["soma_joinid"])

    if plain_strings:
        shape = replace(shape, categorical=False)

    def string_type() -> pa.DataType:
        return pa.dictionary(pa.int32(), pa.large_string()) if shape.categorical else pa.large_string()

    obs_fields = []
    for c in OBS_ORDER:
        if c in DICT_LIKE_OBS:
            t = string_type()
        elif c == "observation_joinid":
            t = pa.large_string()
        elif c == "is_primary_data":
            t = pa.bool_()
        elif c in ("raw_sum", "raw_mean_nnz", "raw_variance_nnz"):
            t = pa.float64()
        else:
            t = pa.int64()
        obs_fields.append(pa.field(c, t, nullable=False))
    obs_schema = pa.schema(obs_fields)
    dict_filter = [_zstd(19)] if shape.categorical else ["DictionaryFilter", _zstd(19)]
    obs_config = {
        "tiledb": {
            "create": {
                "capacity": 2**16,
                "dims": {"soma_joinid": {"filters": ["DoubleDeltaFilter", _zstd(19)]}},
                "attrs": {
                    **{k: {"filters": ["ByteShuffleFilter", _zstd(9)]} for k in NUMERIC_OBS},
                    **{k: {"filters": dict_filter} for k in DICT_LIKE_OBS},
                    "is_primary_data": {"filters": [_zstd(19)]},
                    "observation_joinid": {"filters": [_zstd(19)]},
                },
                "offsets_filters": ["DoubleDeltaFilter", _zstd(19)],
                "allows_duplicates": True,
            }
        }
    }
    arrays = []
    for f in obs_fields:
        v = obs[f.name]
        if pa.types.is_dictionary(f.type):
            # categories in order of first appearance (as Census enumerations grow dataset by dataset), so
            # category order differs from lexical order and grouping by category code is exercised
            cats = list(dict.fromkeys(v.tolist()))
            code = {c: i for i, c in enumerate(cats)}
            arrays.append(
                pa.DictionaryArray.from_arrays(
                    pa.array([code[s] for s in v], pa.int32()), pa.array(cats, pa.large_string())
                )
            )
        else:
            arrays.append(pa.array(v.tolist() if v.dtype == object else v, f.type))
    obs_table = pa.Table.from_arrays(arrays, schema=obs_schema)

    var_schema = pa.schema(
        [
            pa.field("soma_joinid", pa.int64(), nullable=False),
            pa.field("feature_id", pa.large_string(), nullable=False),
            pa.field("feature_name", pa.large_string(), nullable=False),
            pa.field("feature_length", pa.int64(), nullable=False),
            pa.field("nnz", pa.int64(), nullable=False),
            pa.field("n_measured_obs", pa.int64(), nullable=False),
        ]
    )
    var_table = pa.Table.from_pydict(
        {k: (v.tolist() if v.dtype == object else v) for k, v in var.items()}, schema=var_schema
    )
    var_config = {
        "tiledb": {
            "create": {
                "capacity": 2**16,
                "dims": {"soma_joinid": {"filters": ["DoubleDeltaFilter", _zstd(19)]}},
                "attrs": {
                    **{k: {"filters": [_zstd(19)]} for k in ["feature_id", "feature_name"]},
                    **{k: {"filters": ["ByteShuffleFilter", _zstd(9)]} for k in ["nnz", "n_measured_obs", "feature_length"]},
                },
                "offsets_filters": ["DoubleDeltaFilter", _zstd(19)],
                "allows_duplicates": True,
            }
        }
    }
    x_config = {
        "tiledb": {
            "create": {
                "capacity": 2**16,
                "dims": {
                    "soma_dim_0": {"tile": 2048, "filters": [_zstd(9)]},
                    "soma_dim_1": {"tile": 2048, "filters": ["ByteShuffleFilter", _zstd(9)]},
                },
                "attrs": {"soma_data": {"filters": ["ByteShuffleFilter", _zstd(9)]}},
                "cell_order": "row-major",
                "tile_order": "row-major",
                "allows_duplicates": True,
            }
        }
    }

    # Create everything first, then write through freshly opened handles: with tiledbsoma 2.x, writing
    # dictionary columns through the handle add_new_dataframe returns leaves the enumerations empty.
    with soma.Experiment.create(uri) as exp:
        exp.add_new_dataframe(
            "obs",
            schema=obs_schema,
            index_column_names=["soma_joinid"],
            domain=[(0, n_obs_domain - 1)],
            platform_config=obs_config,
        )
        ms = exp.add_new_collection("ms")
        rna = ms.add_new_collection("RNA", soma.Measurement)
        rna.add_new_dataframe(
            "var",
            schema=var_schema,
            index_column_names=["soma_joinid"],
            domain=[(0, n_var - 1)],
            platform_config=var_config,
        )
        xs = rna.add_new_collection("X")
        xs.add_new_sparse_ndarray("raw", type=pa.float32(), shape=(n_obs_domain, n_var), platform_config=x_config)

    with soma.DataFrame.open(os.path.join(uri, "obs"), "w") as df:
        df.write(obs_table)
    with soma.DataFrame.open(os.path.join(uri, "ms", "RNA", "var"), "w") as df:
        df.write(var_table)
    nnz = len(x["soma_data"])
    for part in np.array_split(np.arange(nnz), shape.x_fragments):
        # one write per fragment
        with soma.SparseNDArray.open(os.path.join(uri, "ms", "RNA", "X", "raw"), "w") as raw:
            raw.write(
                pa.Table.from_pydict(
                    {
                        "soma_dim_0": x["soma_dim_0"][part],
                        "soma_dim_1": x["soma_dim_1"][part],
                        "soma_data": x["soma_data"][part],
                    }
                )
            )


def digest(data: dict) -> str:
    """SHA-256 over every generated array, in a fixed order, independent of TileDB."""
    import hashlib

    h = hashlib.sha256()
    for part in ("obs", "var", "X"):
        for name in sorted(data[part]):
            v = data[part][name]
            h.update(f"{part}/{name}/{v.dtype.kind}/{len(v)}".encode())
            if v.dtype == object:
                h.update("\x00".join(str(x) for x in v).encode())
            else:
                h.update(np.ascontiguousarray(v).astype(v.dtype.newbyteorder("<")).tobytes())
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir", nargs="?")
    p.add_argument("--digest", action="store_true", help="print a SHA-256 of each experiment's values; write nothing")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", nargs="*", default=None, help="names of experiments to write (default: all)")
    p.add_argument("--plain-strings", action="store_true", help="write categorical obs columns as plain strings")
    args = p.parse_args(argv)
    if args.digest:
        for shape in SHAPES:
            print(f"{shape.name}\t{digest(generate(shape, args.seed))}")
        return 0
    if not args.out_dir:
        p.error("out_dir is required (unless --digest)")
    names = [s.name for s in SHAPES]
    for n in args.only or []:
        if n not in names:
            print(f"make_test_experiments: unknown experiment {n!r}; known: {', '.join(names)}", file=sys.stderr)
            return 2
    os.makedirs(args.out_dir, exist_ok=True)
    for shape in SHAPES:
        if args.only and shape.name not in args.only:
            continue
        uri = os.path.abspath(os.path.join(args.out_dir, shape.name))
        if os.path.exists(uri):
            print(f"make_test_experiments: {uri} already exists; pass an empty output directory", file=sys.stderr)
            return 2
        write(shape, generate(shape, args.seed), uri, args.plain_strings)
        print(f"{shape.name}\t{uri}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
