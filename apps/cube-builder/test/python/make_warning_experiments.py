#!/usr/bin/env python
"""Write small TileDB-SOMA experiments with the input a build warns about (the real tiledbsoma writes them).

Experiments (each a directory under <out-dir>):

- ``null-group``: 200 cells; NULL_CELLS of them have a null ``tissue_general_ontology_term_id`` (a grouping column).
- ``empty-x``: 200 cells, X created but holding no values.
- ``x-without-obs``: obs lacks joinid 100; X has rows for joinids ORPHAN_ROWS (100 and some past obs's last
  joinid), which no obs row has.

Usage: python make_warning_experiments.py <out-dir>
Prints one line per experiment: its name, its absolute path, the number of cells with a null grouping value and
the number of X rows without an obs row.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pyarrow as pa
import tiledbsoma as soma

N_CELLS = 200
N_GENES = 8
NULL_CELLS = [3, 17, 18, 101, 150, 199]
ORPHAN_ROWS = [100, 200, 201, 205, 209]
GROUP_COLUMNS = [
    "cell_type_ontology_term_id",
    "dataset_id",
    "tissue_general_ontology_term_id",
    "assay_ontology_term_id",
    "donor_id",
    "disease_ontology_term_id",
    "sex_ontology_term_id",
    "development_stage_ontology_term_id",
    "self_reported_ethnicity_ontology_term_id",
    "suspension_type",
]


def write(uri: str, null_cells: list[int], with_x: bool, orphan_rows: list[int]) -> None:
    rng = np.random.default_rng(7)
    n_rows = max([N_CELLS, *[r + 1 for r in orphan_rows]])
    joinids = np.array([i for i in range(N_CELLS) if i not in orphan_rows], dtype=np.int64)
    n = len(joinids)
    cols: dict[str, list] = {c: [f"{c}:{i % 2}" for i in range(n)] for c in GROUP_COLUMNS}
    cols["cell_type_ontology_term_id"] = [f"CL:{i % 4}" for i in range(n)]
    for i in null_cells:
        cols["tissue_general_ontology_term_id"][i] = None
    # every row (obs cells and orphan rows) gets at least one value: gene 0
    present = rng.random((n_rows, N_GENES)) < 0.5
    present[:, 0] = True
    present[[i for i in range(n_rows) if i not in joinids and i not in orphan_rows]] = False
    x0, x1 = np.nonzero(present)
    data = rng.integers(1, 20, size=len(x0)).astype(np.float32)
    raw_sum = np.bincount(x0, weights=data, minlength=n_rows).astype(np.float64)[joinids]

    obs_schema = pa.schema(
        [pa.field("soma_joinid", pa.int64(), nullable=False), pa.field("is_primary_data", pa.bool_(), nullable=False), pa.field("raw_sum", pa.float64(), nullable=False)]
        + [pa.field(c, pa.large_string(), nullable=True) for c in GROUP_COLUMNS]
    )
    obs = pa.Table.from_pydict({"soma_joinid": joinids, "is_primary_data": [True] * n, "raw_sum": raw_sum, **cols}, schema=obs_schema)
    var_schema = pa.schema([pa.field("soma_joinid", pa.int64(), nullable=False), pa.field("feature_id", pa.large_string(), nullable=False)])
    var = pa.Table.from_pydict({"soma_joinid": np.arange(N_GENES, dtype=np.int64), "feature_id": [f"ENSG{g:011d}" for g in range(N_GENES)]}, schema=var_schema)

    with soma.Experiment.create(uri) as exp:
        exp.add_new_dataframe("obs", schema=obs_schema, index_column_names=["soma_joinid"], domain=[(0, n_rows - 1)])
        rna = exp.add_new_collection("ms").add_new_collection("RNA", soma.Measurement)
        rna.add_new_dataframe("var", schema=var_schema, index_column_names=["soma_joinid"], domain=[(0, N_GENES - 1)])
        rna.add_new_collection("X").add_new_sparse_ndarray("raw", type=pa.float32(), shape=(n_rows, N_GENES))
    with soma.DataFrame.open(os.path.join(uri, "obs"), "w") as df:
        df.write(obs)
    with soma.DataFrame.open(os.path.join(uri, "ms", "RNA", "var"), "w") as df:
        df.write(var)
    if with_x:
        with soma.SparseNDArray.open(os.path.join(uri, "ms", "RNA", "X", "raw"), "w") as raw:
            raw.write(pa.Table.from_pydict({"soma_dim_0": x0.astype(np.int64), "soma_dim_1": x1.astype(np.int64), "soma_data": data}))


def main() -> None:
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    for name, nulls, with_x, orphans in [
        ("null-group", NULL_CELLS, True, []),
        ("empty-x", [], False, []),
        ("x-without-obs", [], True, ORPHAN_ROWS),
    ]:
        uri = os.path.join(out, name)
        write(uri, nulls, with_x, orphans)
        print(name, uri, len(nulls), len(orphans))


if __name__ == "__main__":
    main()
