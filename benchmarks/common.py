"""Shared helpers of the benchmark scripts: loading energyflow-format jets, batching and timing.

Every benchmark script runs from the repository root as ``python benchmarks/NAME.py`` and imports
this module by its file name, so the scripts need no installed package beyond jetgnn itself.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path("/work/shared/data/pythia_qg_0.npz")


@dataclass(frozen=True)
class Jets:
    """Padded jets of an energyflow-format file.

    Attributes:
        particles: float32 (N, M, 4), columns (pt [GeV], y, phi [rad], pid), sorted by decreasing pt,
            zero in padded slots; M is the file's maximum multiplicity.
        labels: int64 (N,), quark = 1, gluon = 0.
    """

    particles: np.ndarray
    labels: np.ndarray

    @property
    def multiplicities(self) -> np.ndarray:
        """Number of real particles of each jet, int64 (N,)."""
        return (self.particles[..., 0] > 0).sum(axis=1).astype(np.int64)

    def batch(self, indices: np.ndarray, length: int | None = None) -> tuple[np.ndarray, ...]:
        """Return ``(particles (B, L, 4), mask (B, L), labels (B,))`` of the jets at ``indices``.

        ``length`` L defaults to the longest of these jets. A longer L pads with zeros, as a
        fixed-length reader does.
        """
        multiplicities = self.multiplicities[indices]
        longest = int(multiplicities.max())
        length = longest if length is None else length
        if length < longest:
            raise ValueError(f"length {length} is shorter than the longest jet ({longest})")

        particles = np.zeros((len(indices), length, 4), dtype=np.float32)
        stored = min(length, self.particles.shape[1])
        particles[:, :stored] = self.particles[indices, :stored]
        mask = particles[..., 0] > 0
        return particles, mask, self.labels[indices]


def load_jets(path: Path, max_jets: int | None = None) -> Jets:
    """Load jets from an energyflow-format ``.npz`` file with arrays ``X`` (N, M, 4) and ``y`` (N,).

    The file is only read; ``max_jets`` keeps the first jets of the file.
    """
    with np.load(path) as archive:
        particles = np.asarray(archive["X"][:max_jets], dtype=np.float32)
        labels = np.asarray(archive["y"][:max_jets]).astype(np.int64)
    if particles.ndim != 3 or particles.shape[2] != 4:
        raise ValueError(f"{path}: X must have shape (N, M, 4), got {particles.shape}")
    return Jets(particles=particles, labels=labels)


def stratified_batches(
    batches: Sequence[np.ndarray], count: int, multiplicities: np.ndarray
) -> list[np.ndarray]:
    """Pick ``count`` of ``batches`` spread evenly over their mean multiplicity.

    A few batches taken this way have about the same multiplicity mix as all of them, so a short
    timing run is representative of a full epoch.
    """
    if count >= len(batches):
        return list(batches)
    means = np.array([multiplicities[batch].mean() for batch in batches])
    order = np.argsort(means, kind="stable")
    # The midpoints of ``count`` equal slices of the sorted batches.
    picks = ((np.arange(count) + 0.5) * len(batches) / count).astype(int)
    return [batches[order[pick]] for pick in picks]


def random_batches(indices: np.ndarray, batch_size: int, seed: int) -> list[np.ndarray]:
    """Shuffle ``indices`` and cut them into batches of ``batch_size`` (the last may be smaller)."""
    shuffled = np.random.default_rng(seed).permutation(indices)
    return [shuffled[start : start + batch_size] for start in range(0, len(shuffled), batch_size)]


@dataclass
class Timings:
    """Durations in seconds of repeated runs: wall-clock time and CPU time of this process.

    On a machine shared with other jobs the wall time grows with their load. The CPU time (all
    threads of this process) grows much less, only through shared caches and memory bandwidth.
    """

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def record(self, run_once: Callable[[], object]) -> None:
        wall_start = time.perf_counter()
        cpu_start = time.process_time()
        run_once()
        self.cpu.append(time.process_time() - cpu_start)
        self.wall.append(time.perf_counter() - wall_start)

    def wall_rate(self, num_items: int) -> float:
        """Return the median throughput in items per wall-clock second."""
        return num_items / statistics.median(self.wall)

    def cpu_rate(self, num_items: int) -> float:
        """Return the median throughput in items per CPU second of this process."""
        return num_items / statistics.median(self.cpu)


def measure_repeats(run_once: Callable[[], object], repeats: int, warmup: int = 1) -> Timings:
    """Call ``run_once`` ``warmup`` times untimed, then time ``repeats`` calls."""
    for _ in range(warmup):
        run_once()
    timings = Timings()
    for _ in range(repeats):
        timings.record(run_once)
    return timings


def measure_interleaved(
    runs: dict[str, Callable[[], object]], repeats: int, warmup: int = 1
) -> dict[str, Timings]:
    """Time each of ``runs`` ``repeats`` times, one call of each per round.

    Interleaving the rounds exposes every run to the same drift in machine load, so ratios between
    runs stay fair when another process starts or stops during the measurement.
    """
    for run_once in runs.values():
        for _ in range(warmup):
            run_once()
    timings = {name: Timings() for name in runs}
    for _ in range(repeats):
        for name, run_once in runs.items():
            timings[name].record(run_once)
    return timings


def time_repeats(run_once: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Call ``run_once`` ``warmup`` times untimed, then ``repeats`` times; return the wall times in s."""
    return measure_repeats(run_once, repeats, warmup).wall


def time_interleaved(
    runs: dict[str, Callable[[], object]], repeats: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Return the wall times in s of `measure_interleaved`, one list per run."""
    timings = measure_interleaved(runs, repeats, warmup)
    return {name: timing.wall for name, timing in timings.items()}


def jets_per_second(num_jets: int, times: Sequence[float]) -> float:
    """Return the median throughput in jets/s of runs that each processed ``num_jets`` jets."""
    return num_jets / statistics.median(times)


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the platform's processor string."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_summary() -> str:
    """Return one line with the CPU model, logical CPU count and the 1-minute load average."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu_model()}, {os.cpu_count()} logical CPUs, load average (1 min) {load:.2f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Format ``rows`` under ``header`` as a GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)
