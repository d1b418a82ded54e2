#!/usr/bin/env python
"""Write the missing ``ms/RNA/var`` SOMA DataFrame into a copy of the census-homo-sapiens-small fixture.

The fixture's ``ms/RNA`` group lists a member ``var`` whose array is absent (see
``shared/fixtures/README.md``). This script creates that array in place, in the COPY given on the command line:

- two rows, in soma_joinid order: ``ENSG00000002330`` (BAD) then ``ENSG00000000419`` (DPM1);
- their soma_joinid values are the two distinct ``soma_dim_1`` values of ``ms/RNA/X/raw``, the smaller one
  belonging to ``ENSG00000002330``;
- columns as in the Census ``var`` that the cube builder reads: ``soma_joinid``, ``feature_id``,
  ``feature_name``.

Works with tiledbsoma 1.x and 2.x (only ``DataFrame.create`` / ``write`` are used, with arguments both accept).

Usage: python restore_fixture_var.py <experiment-dir> [--measurement RNA] [--layer raw]
Exit codes: 0 written, 2 bad input (message on stderr names what is wrong).
"""

from __future__ import annotations

import argparse
import os
import stat
import sys

FEATURES = [
    # (feature_id, feature_name), in soma_joinid order
    ("ENSG00000002330", "BAD"),
    ("ENSG00000000419", "DPM1"),
]


class RestoreError(Exception):
    pass


def _distinct_var_joinids(x_uri: str) -> list[int]:
    import numpy as np
    import tiledb

    if tiledb.object_type(x_uri) != "array":
        raise RestoreError(f"X layer not found: {x_uri} is not a TileDB array")
    with tiledb.open(x_uri, mode="r") as x:
        dims = [x.schema.domain.dim(i).name for i in range(x.schema.domain.ndim)]
        if "soma_dim_1" not in dims:
            raise RestoreError(f"{x_uri} has no soma_dim_1 dimension (dims: {dims})")
        coords = x.query(attrs=[], dims=["soma_dim_1"])[:]["soma_dim_1"]
    return [int(v) for v in np.unique(coords)]


def restore(exp_uri: str, measurement: str = "RNA", layer: str = "raw") -> str:
    import pyarrow as pa
    import tiledb
    import tiledbsoma

    exp_uri = os.path.abspath(exp_uri)
    if not os.path.isdir(exp_uri):
        raise RestoreError(f"experiment directory not found: {exp_uri}")
    ms_uri = os.path.join(exp_uri, "ms", measurement)
    if tiledb.object_type(ms_uri) != "group":
        raise RestoreError(f"measurement group not found: {ms_uri}")
    var_uri = os.path.join(ms_uri, "var")
    if tiledb.object_type(var_uri) is not None or os.path.exists(var_uri):
        raise RestoreError(f"{var_uri} already exists; restore only into a fresh copy of the fixture")
    # Mode bits, not os.access: as root os.access says yes even to the read-only shared fixture.
    if not os.access(ms_uri, os.W_OK) or not (os.stat(ms_uri).st_mode & stat.S_IWUSR):
        raise RestoreError(
            f"{ms_uri} is not writable: copy the fixture first (cp -r, then chmod -R u+w) and pass the copy"
        )

    # The group must already name `var` (the fixture's defect); otherwise this is not the fixture we know.
    with tiledb.Group(ms_uri, mode="r") as g:
        members = {m.name: m.uri for m in g}
    if "var" not in members:
        raise RestoreError(f"{ms_uri} has no member named 'var'; this script only repairs the known fixture")
    if os.path.normpath(members["var"].replace("file://", "")) != os.path.normpath(var_uri):
        raise RestoreError(f"group member 'var' of {ms_uri} points at {members['var']}, expected {var_uri}")

    joinids = _distinct_var_joinids(os.path.join(ms_uri, "X", layer))
    if len(joinids) != len(FEATURES):
        raise RestoreError(
            f"expected {len(FEATURES)} distinct soma_dim_1 values in X/{layer}, found {len(joinids)}: {joinids[:10]}"
        )

    schema = pa.schema(
        [
            pa.field("soma_joinid", pa.int64(), nullable=False),
            pa.field("feature_id", pa.large_string(), nullable=False),
            pa.field("feature_name", pa.large_string(), nullable=False),
        ]
    )
    table = pa.Table.from_pydict(
        {
            "soma_joinid": joinids,  # ascending: the smaller belongs to the first feature
            "feature_id": [f[0] for f in FEATURES],
            "feature_name": [f[1] for f in FEATURES],
        },
        schema=schema,
    )
    # domain covers the joinids: 2.x uses it as the current shape, 1.x as the dimension domain.
    domain = [(0, max(joinids))]
    with tiledbsoma.DataFrame.create(var_uri, schema=schema, index_column_names=["soma_joinid"], domain=domain) as df:
        df.write(table)
    return var_uri


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("experiment", help="a writable COPY of census-homo-sapiens-small")
    p.add_argument("--measurement", default="RNA")
    p.add_argument("--layer", default="raw")
    args = p.parse_args(argv)
    try:
        var_uri = restore(args.experiment, args.measurement, args.layer)
    except RestoreError as e:
        print(f"restore_fixture_var: {e}", file=sys.stderr)
        return 2
    print(var_uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())
