"""What the benchmarks share: their size options and running one measurement in a
fresh process, so that its peak memory is its own."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
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


def benchmark_data(folder: Path, name: str, reps: int, weeks: int, write) -> dict[str, int]:
    """Generate the demo at benchmark size (about 10M activities for 1,000 reps) and pass
    it to ``write(tables)``, which stores what the benchmark reads below ``folder`` and
    returns row counts; cached in ``folder/<name>-params.json`` until the size changes."""
    stamp = folder / f"{name}-params.json"
    params = {"reps": reps, "weeks": weeks}
    if stamp.exists() and json.loads(stamp.read_text()).get("params") == params:
        return json.loads(stamp.read_text())["rows"]
    from salesanalysis import demo

    started = time.perf_counter()
    tables = demo.generate(reps=reps, weeks=weeks, activities_per_week=68.0,
                           opportunities_per_week=10.7)
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    rows = write(tables)
    stamp.write_text(json.dumps({"params": params, "rows": rows}))
    return rows
