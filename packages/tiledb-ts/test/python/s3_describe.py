"""Describes arrays on an S3-protocol server through TileDB's own S3 client (Python tiledb), as format_arrays.py
describe does for local ones.

usage: s3_describe.py ENDPOINT URI...   (ENDPOINT: http://host:port; path-style, plain HTTP, test credentials)
"""
import json
import os
import sys

import tiledb

sys.path.insert(0, os.path.dirname(__file__))
from format_arrays import describe  # noqa: E402


def s3_config(endpoint):
    return {
        "vfs.s3.endpoint_override": endpoint.split("://", 1)[1],
        "vfs.s3.scheme": "http",
        "vfs.s3.use_virtual_addressing": "false",
        "vfs.s3.region": "us-east-1",
        "vfs.s3.aws_access_key_id": "testing",
        "vfs.s3.aws_secret_access_key": "testing",
    }


if __name__ == "__main__":
    tiledb.default_ctx(s3_config(sys.argv[1]))
    print(json.dumps({u: describe(u) for u in sys.argv[2:]}))
