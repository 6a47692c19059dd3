"""Measure jet generation: jets/s of ``jetgnn generate`` with 1 and 2 workers and of a bare Pythia loop.

The bare loop runs the same chunks (same kinds, seeds and jet counts, hence the same events) with
Pythia, SlowJet and the jet selection only. It skips reading the particles of accepted jets into
Python, the chunk files, the progress bar, worker processes and the store. The ratio of CPU times
gives the overhead jetgnn adds. Prints a markdown table of medians over the repeats.

    python benchmarks/bench_generate.py [--jets 200] [--chunk-jets 50] [--repeats 3] [--seed 11]

Wall-clock figures depend on other jobs on the machine; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

from jetgnn.data.generation.chunks import plan_chunks
from jetgnn.data.generation.runner import GenerationRequest, generate_store
from jetgnn.data.generation.settings import JetSelection, pythia_settings


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes, in seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bare_pythia_jets(kind: str, seed: int, n_jets: int, selection: JetSelection) -> int:
    """Run Pythia and SlowJet until ``n_jets`` hardest jets pass the selection; return the events."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for setting in pythia_settings(kind, seed):
        pythia.readString(setting)
    pythia.init()
    slow_jet = pythia8mc.SlowJet(-1, selection.radius, 20.0, 1e6, 2, 2)
    accepted = events = 0
    while accepted < n_jets:
        events += 1
        if not pythia.next() or not slow_jet.analyze(pythia.event) or slow_jet.sizeJet() == 0:
            continue
        in_pt_window = selection.pt_min <= slow_jet.pT(0) <= selection.pt_max
        if in_pt_window and abs(slow_jet.y(0)) < selection.y_max:
            accepted += 1
    return events


def time_run(function) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds) of ``function()``."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    function()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jets", type=int, default=200, help="jets per run (default: 200)")
    parser.add_argument("--chunk-jets", type=int, default=50, help="jets per chunk (default: 50)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant (default: 3)")
    parser.add_argument("--seed", type=int, default=11, help="run seed (default: 11)")
    args = parser.parse_args()

    request = GenerationRequest(n_jets=args.jets, seed=args.seed, chunk_jets=args.chunk_jets)
    plan = plan_chunks(args.jets, args.seed, args.chunk_jets)
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "workers=1": [], "workers=2": []}
    with tempfile.TemporaryDirectory(prefix="bench_generate_") as scratch:
        for repeat in range(args.repeats):

            def bare() -> None:
                for spec in plan:
                    bare_pythia_jets(spec.kind, spec.pythia_seed, spec.n_jets, request.selection)

            results["bare"].append(time_run(bare))
            for workers in (1, 2):
                out = Path(scratch) / f"w{workers}-{repeat}"
                results[f"workers={workers}"].append(
                    time_run(
                        lambda o=out, w=workers: generate_store(o, request, w, show_progress=False)
                    )
                )

    median = {
        name: tuple(statistics.median(v[i] for v in runs) for i in range(2))
        for name, runs in results.items()
    }
    load = os.getloadavg()
    print(f"## generation benchmark, {datetime.date.today()}")
    print(
        f"`python benchmarks/bench_generate.py --jets {args.jets} --chunk-jets {args.chunk_jets} "
        f"--repeats {args.repeats} --seed {args.seed}`; {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}), load average at the end "
        f"{load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}\n"
    )
    print("| variant | wall s | CPU s | jets/s (wall) | jets/s per CPU second |")
    print("|---|---|---|---|---|")
    for name, (wall, cpu) in median.items():
        print(
            f"| {name} | {wall:.1f} | {cpu:.1f} | {args.jets / wall:.1f} | {args.jets / cpu:.1f} |"
        )
    overhead = median["workers=1"][1] / median["bare"][1] - 1
    scaling = median["workers=1"][0] / median["workers=2"][0]
    print(f"\njetgnn CPU overhead over the bare loop (workers=1): {100 * overhead:+.1f}%")
    print(f"wall-clock speed-up from 1 to 2 workers: {scaling:.2f}x")
    if not math.isfinite(overhead):
        raise SystemExit("benchmark produced no valid timing")


if __name__ == "__main__":
    main()
