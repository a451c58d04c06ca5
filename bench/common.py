"""What the benchmarks share: their size options and running one measurement in a
fresh process, so that its peak memory is its own."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
PEAK_MIB = ('int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))'
            '.split()[1]) / 1024')


def size_options(doc: str) -> argparse.Namespace:
    """--reps, --weeks and --data (the cache folder for generated data)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "salesanalysis-bench"))
    return parser.parse_args()


def run_fresh(code: str, *args: str) -> dict:
    """Run ``code`` in a new interpreter; its last line of output is JSON."""
    out = subprocess.run([sys.executable, "-c", code, *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
