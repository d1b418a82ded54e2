"""tiledbsoma's side of the subset-read benchmark: an axis query per obs selection, reading X's cells.

Usage: subset_read.py <experiment-uri> <queries.json> [--measurement RNA] [--layer raw]
queries.json: {"<name>": [joinid, ...], ...}. Prints one JSON line per query:
{"query": ..., "nnz": ..., "seconds": ..., "cpu_seconds": ...} (cpu: this process, every thread).
"""
import argparse
import json
import time

import numpy as np
import tiledbsoma as soma


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("experiment")
    p.add_argument("queries")
    p.add_argument("--measurement", default="RNA")
    p.add_argument("--layer", default="raw")
    a = p.parse_args()
    with open(a.queries) as f:
        queries = json.load(f)
    with soma.Experiment.open(a.experiment) as exp:
        for name, ids in queries.items():
            start, cpu = time.perf_counter(), time.process_time()
            nnz = 0
            with exp.axis_query(a.measurement, obs_query=soma.AxisQuery(coords=(np.asarray(ids, dtype=np.int64),))) as q:
                for t in q.X(a.layer).tables():
                    nnz += t.num_rows
            print(json.dumps({"query": name, "nnz": nnz, "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}), flush=True)


if __name__ == "__main__":
    main()
