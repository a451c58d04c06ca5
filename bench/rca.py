"""Root-cause localisation benchmark: precision, recall, F1 and seconds per case.

Runs ``salesanalysis.gap.localise`` on every case of one or more sets in the format of
``benchmarks/rca/README.md`` (``set.json``, ``labels.csv``, ``cases/<case>.csv.gz``) and
scores the predicted combinations against the labels, exact matches only, summed over
the cases of a set. Prints one line per set; ``-v`` also lists the cases missed and the
TP / FP / FN per setting (layers x causes, from case names ``L<layers>-N<causes>-<k>``).

    .venv/bin/python bench/rca.py --cases ../shared/benchmarks/rca            # every set in it
    .venv/bin/python bench/rca.py --cases ../shared/benchmarks/rca/RS -v      # one set, misses
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import pandas as pd

from salesanalysis.analyses.gap import localise

VALUES = {"sum": ("actual", "expected"),
          "ratio": (("actual_num", "actual_den"), ("expected_num", "expected_den"))}
DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "rca"


def parse_causes(text: str) -> set[frozenset[tuple[str, str]]]:
    """``a=1&b=2;c=3`` -> {{(a, 1), (b, 2)}, {(c, 3)}}."""
    return {frozenset(tuple(pair.split("=", 1)) for pair in combo.split("&"))
            for combo in str(text).split(";") if combo}


def run_case(path: Path, kind: str) -> tuple[set, float]:
    leaves = pd.read_csv(path, dtype=str, keep_default_na=False)
    value_columns = {c for pair in VALUES[kind] for c in
                     ((pair,) if isinstance(pair, str) else pair)}
    for c in value_columns:
        leaves[c] = pd.to_numeric(leaves[c])
    # the dimensions are the case's own columns: RS cases differ from one another
    dims = [c for c in leaves.columns if c not in value_columns]
    actual, expected = VALUES[kind]
    start = time.perf_counter()
    found = localise(leaves, dims=dims, kind=kind, actual=actual, expected=expected)
    seconds = time.perf_counter() - start
    predicted = {frozenset((d, str(v)) for d, v in where.items())
                 for where in found.combinations()}
    return predicted, seconds


def run_set(folder: Path, verbose: bool) -> str:
    kind = json.loads((folder / "set.json").read_text())["kpi"]
    labels = pd.read_csv(folder / "labels.csv", dtype=str, keep_default_na=False)
    tp = fp = fn = 0
    seconds = []
    settings: dict[str, list[int]] = {}  # L<layers>-N<causes> -> [TP, FP, FN]
    for case, truth_text in zip(labels["case"], labels["root_cause"]):
        predicted, s = run_case(folder / "cases" / f"{case}.csv.gz", kind)
        truth = parse_causes(truth_text)
        seconds.append(s)
        counts = (len(predicted & truth), len(predicted - truth), len(truth - predicted))
        tp, fp, fn = tp + counts[0], fp + counts[1], fn + counts[2]
        setting = settings.setdefault(_setting(case), [0, 0, 0])
        for i, n in enumerate(counts):
            setting[i] += n
        if verbose and predicted != truth:
            show = lambda causes: "; ".join(sorted("&".join(f"{d}={v}" for d, v in sorted(c))
                                                   for c in causes)) or "-"
            print(f"  {case}: found {show(predicted)}  labelled {show(truth)}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    line = (f"{folder.name:12s} F1 {f1:.3f} P {precision:.3f} R {recall:.3f} "
            f"s/case {statistics.median(seconds):.3f}  ({len(labels)} cases)")
    if verbose and len(settings) > 1:
        line += "\n" + "\n".join(
            f"    {name:8s} TP {t:3d} FP {f:3d} FN {n:3d}  F1 {2 * t / (2 * t + f + n):.3f}"
            for name, (t, f, n) in sorted(settings.items()) if t + f + n)
    return line


def _setting(case: str) -> str:
    """``L2-N3-07`` -> ``L2-N3``; a case named otherwise is its own setting ``-``."""
    parts = case.split("-")
    return "-".join(parts[:2]) if len(parts) == 3 and parts[0][:1] == "L" else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT,
                        help="a set folder, or a folder of sets (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the cases missed")
    args = parser.parse_args()
    folders = ([args.cases] if (args.cases / "set.json").exists()
               else sorted(p.parent for p in args.cases.glob("*/set.json")))
    if not folders:
        raise SystemExit(f"no set.json in {args.cases} or its subfolders")
    for folder in folders:
        print(run_set(folder, args.verbose), flush=True)


if __name__ == "__main__":
    main()
