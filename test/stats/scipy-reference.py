#!/usr/bin/python3
# The reference values test/stats/t-test.test.ts checks src/stats/ against: scipy.stats's Welch and
# paired t-tests and t quantiles on a fixed set of cases. Prints JSON (with scipy's version) to
# stdout; the test runs it where /usr/bin/python3 has scipy (Debian's python3-scipy), else reads
# scipy-reference.json, written by: /usr/bin/python3 test/stats/scipy-reference.py > test/stats/scipy-reference.json
import json
import math
import sys
import warnings

import scipy
from scipy import stats

warnings.simplefilter("ignore")  # zero-variance cases divide by zero on purpose

# (a, b) pairs; b − a is the difference. Accuracies of three seeds, timings, unequal sizes, a
# large and a tiny effect, and the degenerate cases (zero variance, identical sides).
CASES = [
    ([0.5300, 0.5332, 0.5268], [0.5344, 0.5365, 0.5323]),
    ([0.4872, 0.4667, 0.5077], [0.5182, 0.5206, 0.5158]),
    ([0.1, 0.1, 0.1], [0.5343, 0.5354, 0.5332]),
    ([1.0, 2.0, 3.5], [2.0, 3.0, 7.0]),
    ([10.2, 11.9, 10.8, 12.4, 9.7], [12.1, 13.4, 11.0]),
    ([0.41, 0.42], [0.43, 0.44]),
    ([3.0, 3.1, 2.9, 3.05, 2.95, 3.02, 2.98, 3.01, 3.0, 2.99], [3.2, 3.3, 3.1, 3.25, 3.15, 3.22, 3.18, 3.21, 3.2, 3.19]),
    ([0.52, 0.53, 0.54], [0.5201, 0.5301, 0.5402]),
    ([1.0, 1.0, 1.0], [2.0, 2.0, 2.0]),
    ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]),
    ([0.5, 0.6, 0.7], [0.5, 0.6, 0.7]),
]
ALPHAS = [0.05, 0.01, 0.1]
QUANTILES = [(p, df) for p in (0.975, 0.995, 0.95, 0.6, 0.025, 0.999999) for df in (1, 2, 2.7, 3, 4.5, 9, 30, 1000)]


def num(x):
    x = float(x)
    return None if math.isnan(x) else ("inf" if x == math.inf else "-inf" if x == -math.inf else x)


def welch(a, b, alpha):
    r = stats.ttest_ind(b, a, equal_var=False)
    va, vb = stats.tvar(a) / len(a), stats.tvar(b) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else None
    d = sum(b) / len(b) - sum(a) / len(a)
    half = stats.t.ppf(1 - alpha / 2, df) * se if df else None
    return {"t": num(r.statistic), "p": num(r.pvalue), "df": df, "ci": [d - half, d + half] if df else None}


def paired(a, b, alpha):
    if len(a) != len(b):
        return None
    r = stats.ttest_rel(b, a)
    ci = r.confidence_interval(1 - alpha)
    return {"t": num(r.statistic), "p": num(r.pvalue), "df": int(r.df), "ci": [num(ci.low), num(ci.high)]}


out = {
    "scipy": scipy.__version__,
    "cases": [
        {"a": a, "b": b, "alpha": alpha, "welch": welch(a, b, alpha), "paired": paired(a, b, alpha)}
        for a, b in CASES
        for alpha in ALPHAS
    ],
    "quantiles": [{"p": p, "df": df, "t": float(stats.t.ppf(p, df))} for p, df in QUANTILES],
    "tails": [{"t": t, "df": df, "sf": float(stats.t.sf(t, df))} for t in (0.1, 1.0, 2.5, 8.0, 40.0) for df in (1, 2.3, 4, 60)],
}
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
