"""Answer the library-call comparisons of library-calls.test.ts: read JSON cases on stdin, write results on stdout.

binned: scipy.stats.binned_statistic(x, x, bins=n, statistic="mean") -> statistic, binnumber
wls:    sklearn LinearRegression(tol=1e-6).fit(X, y, sample_weight=w).coef_[0]
bh:     scipy.stats.false_discovery_control(p, method="bh")
"""

import json
import sys

import numpy as np
import scipy.stats as stats
from sklearn.linear_model import LinearRegression


def nan_to_none(a):
    return [None if np.isnan(v) else float(v) for v in a]


def main():
    cases = json.load(sys.stdin)
    binned = []
    for c in cases["binned"]:
        x = np.array(c["x"], dtype=np.float64)
        try:
            r = stats.binned_statistic(x, x, bins=c["bins"], statistic="mean")
        except ValueError as e:  # e.g. bin edges numerically equal: scipy refuses the input
            binned.append({"refused": str(e)})
            continue
        binned.append({"statistic": nan_to_none(r.statistic), "binnumber": [int(b) for b in r.binnumber]})
    wls = []
    for c in cases["wls"]:
        X = np.array(c["X"], dtype=np.float64)
        # our singular-value cutoff, sklearn's default since 1.7 (older versions cut at scipy's eps: refuse them)
        if "tol" not in LinearRegression().get_params():
            raise SystemExit(f"scikit-learn {__import__('sklearn').__version__} has no LinearRegression(tol=); need >= 1.7")
        m = LinearRegression(tol=1e-6).fit(X, np.array(c["y"], dtype=np.float64), sample_weight=np.array(c["w"], dtype=np.float64))
        wls.append(float(m.coef_[0]))
    bh = [[float(v) for v in stats.false_discovery_control(np.array(c, dtype=np.float64), method="bh")] for c in cases.get("bh", [])]
    json.dump({"binned": binned, "wls": wls, "bh": bh, "versions": {"scipy": stats.__name__ and __import__("scipy").__version__,
                                                         "sklearn": __import__("sklearn").__version__}}, sys.stdout)


if __name__ == "__main__":
    main()
