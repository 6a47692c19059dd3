"""Measure peak memory and time of ``jetgnn data import`` on a large energyflow-format file.

Builds a float64 file like the public ones (X (N, M, 4) zero-padded, y (N,)) by stacking the jets of
the shared 20k-jet files. Then two fresh Python processes run the import into a jet store and, for
comparison, ``np.load`` of the whole padded X. Prints a markdown table with the peak
resident memory of each process (VmHWM from /proc, which,
unlike ru_maxrss, does not carry over the parent's memory through fork and exec), and the store's size per jet.

    python benchmarks/bench_import.py [--jets 100000] [--workdir /tmp/jetgnn_bench_import]
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

SHARED_FILES = sorted(glob.glob("/work/shared/data/pythia_qg_*.npz"))

IMPORT_CHILD = """
import json, sys, time
from jetgnn.data.importer import import_npz_files
start = time.perf_counter()
import_npz_files([sys.argv[1]], sys.argv[2], show_progress=False)
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
print(json.dumps({"seconds": time.perf_counter() - start, "max_rss_kib": int(peak.split()[1])}))
"""
LOAD_CHILD = """
import json, sys, time
import numpy as np
start = time.perf_counter()
with np.load(sys.argv[1]) as archive:
    X, y = archive["X"], archive["y"]
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
print(json.dumps({"seconds": time.perf_counter() - start, "max_rss_kib": int(peak.split()[1])}))
"""


def build_input(path: Path, n_jets: int) -> tuple[int, int]:
    """Write an energyflow-format float64 file of ``n_jets`` jets; return (N, M)."""
    blocks, labels = [], []
    for name in SHARED_FILES:
        with np.load(name) as archive:
            blocks.append(archive["X"])
            labels.append(archive["y"])
    width = max(block.shape[1] for block in blocks)
    padded = np.zeros((n_jets, width, 4), dtype=np.float64)
    start = 0
    while start < n_jets:
        for block in blocks:
            take = min(len(block), n_jets - start)
            padded[start : start + take, : block.shape[1]] = block[:take]
            start += take
            if start == n_jets:
                break
    all_labels = np.resize(np.concatenate(labels), n_jets).astype(np.float64)
    np.savez(path, X=padded, y=all_labels)
    return n_jets, width


def run_child(code: str, *arguments: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", code, *arguments], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jets", type=int, default=100_000, help="jets in the file (default: 100000)"
    )
    parser.add_argument("--workdir", default="/tmp/jetgnn_bench_import", help="scratch directory")
    args = parser.parse_args()

    workdir = Path(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    source = workdir / "padded.npz"
    n_jets, width = build_input(source, args.jets)
    store = workdir / "store"

    imported = run_child(IMPORT_CHILD, str(source), str(store))
    loaded = run_child(LOAD_CHILD, str(source))
    store_bytes = sum(path.stat().st_size for path in store.iterdir())

    print(f"## import benchmark, {datetime.date.today()}")
    print(
        f"`python benchmarks/bench_import.py --jets {args.jets}`; input {n_jets} jets, M = {width}, "
        f"float64, {source.stat().st_size / 2**20:.0f} MiB; {os.cpu_count()} CPUs\n"
    )
    print("| process | seconds | peak RSS MiB |")
    print("|---|---|---|")
    print(
        f"| jetgnn data import | {imported['seconds']:.1f} | {imported['max_rss_kib'] / 1024:.0f} |"
    )
    print(
        f"| np.load of the padded X | {loaded['seconds']:.1f} | {loaded['max_rss_kib'] / 1024:.0f} |"
    )
    print(f"\nstore: {store_bytes / 2**20:.1f} MiB, {store_bytes / n_jets:.0f} bytes per jet")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
