"""Measure the cost of each graph construction on real jets and print a markdown table.

For each construction: mean directed edges per jet (all jets, quark, gluon), memory of the edge
tensors (index, valid mask and edge features) per jet, and build time per jet on one torch thread,
both in padded batches and for single unpadded jets. Times are CPU time of this process
(time.process_time), which other jobs on a shared machine disturb less than wall-clock time.

    python benchmarks/bench_graphs.py JETS.npz [--jets 5000] [--batch-size 256] [--single-jets 500]
        [--repeats 3]

JETS is an energyflow-format .npz file or a jet store directory. Batches are consecutive jets in
file order, each padded to its own longest jet, as a trainer without multiplicity bucketing makes.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import platform
import sys
import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from jetgnn.data import open_jets
from jetgnn.graphs.registry import build_graph

logger = logging.getLogger(__name__)

# (row name, registry name, parameters). dynamic-knn runs on random 64-channel features, the width
# of ParticleNet's second EdgeConv block input, because only its cost is measured here.
CONFIGURATIONS = (
    ("knn", "knn", {"k": 7}),
    ("knn", "knn", {"k": 16}),
    ("dynamic-knn, 64 channels", "dynamic-knn", {"k": 16}),
    ("delta-r", "delta-r", {"radius": 0.1, "max_neighbours": 16}),
    ("delta-r", "delta-r", {"radius": 0.2, "max_neighbours": 32}),
    ("full", "full", {}),
    ("none", "none", {}),
)
DYNAMIC_CHANNELS = 64
IRC_CONFIGURATIONS = (
    ("knn", "knn", {"k": 16}),
    ("delta-r", "delta-r", {"radius": 0.1, "max_neighbours": 16}),
    ("full", "full", {}),
)


@dataclass
class Measurement:
    edges: np.ndarray  # (N,) directed edges of each jet
    batched_bytes: int  # edge-tensor bytes summed over all padded batches
    batched_seconds: float
    single_bytes: int  # edge-tensor bytes summed over the single-jet builds
    single_seconds: float
    single_jets: int


def build(name: str, particles: torch.Tensor, mask: torch.Tensor, params: dict, seed: int):
    if name == "dynamic-knn":
        generator = torch.Generator().manual_seed(seed)
        features = torch.randn(*mask.shape, DYNAMIC_CHANNELS, generator=generator)
        params = {**params, "features": features}
    start = time.process_time()
    graph = build_graph(name, particles, mask, **params)
    return graph, time.process_time() - start


def measure(
    jets, name: str, params: dict, num_jets: int, batch_size: int, single_jets: int, repeats: int
) -> Measurement:
    """Build graph ``name`` on the first ``num_jets`` jets; times are the minimum over ``repeats``."""
    edges = np.zeros(num_jets, dtype=np.int64)
    batched_bytes, batched_seconds = 0, []
    for _ in range(repeats):
        batched_bytes, total_seconds = 0, 0.0
        for start in range(0, num_jets, batch_size):
            indices = np.arange(start, min(start + batch_size, num_jets))
            particles, mask, _ = jets.batch(indices)
            particles, mask = torch.from_numpy(particles), torch.from_numpy(mask)
            graph, seconds = build(name, particles, mask, params, seed=start)
            edges[indices] = graph.num_edges().numpy()
            batched_bytes += graph.nbytes()
            total_seconds += seconds
        batched_seconds.append(total_seconds)

    single_bytes, single_seconds = 0, []
    for _ in range(repeats):
        single_bytes, total_seconds = 0, 0.0
        for index in range(single_jets):
            particles, mask, _ = jets.batch([index])
            particles, mask = torch.from_numpy(particles), torch.from_numpy(mask)
            graph, seconds = build(name, particles, mask, params, seed=index)
            single_bytes += graph.nbytes()
            total_seconds += seconds
        single_seconds.append(total_seconds)
    return Measurement(
        edges, batched_bytes, min(batched_seconds), single_bytes, min(single_seconds), single_jets
    )


def edge_set(graph) -> set[tuple[int, int]]:
    sources, targets = graph.edge_list(0).tolist()
    return set(zip(sources, targets, strict=True))


def irc_changes(jets, name: str, params: dict, num_jets: int, seed: int) -> tuple[float, float]:
    """Return the mean changed edges, in percent of the original edges, after two IRC changes.

    The infrared change appends a particle of pt = 1 MeV at a random point within Delta R < 0.3 of
    the jet axis. The collinear change splits the hardest particle into two halves at the same
    (y, phi). A changed edge is one that exists in only one of the two graphs; the original
    particles keep their indices, and the new particle gets the last one.
    """
    rng = np.random.default_rng(seed)
    infrared, collinear = [], []
    for index in range(num_jets):
        jet = torch.from_numpy(jets.particles(index))  # (n, 4)
        mask = torch.ones(1, len(jet) + 1, dtype=torch.bool)
        original = edge_set(build_graph(name, jet[None], mask[:, :-1], **params))
        if not original:
            continue

        distance, angle = 0.3 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
        axis_y, axis_phi = (
            float(jets.jet_metadata["y"][index]),
            float(jets.jet_metadata["phi"][index]),
        )
        soft = torch.tensor(
            [[1e-3, axis_y + distance * np.cos(angle), axis_phi + distance * np.sin(angle), 22.0]]
        )
        changed = edge_set(build_graph(name, torch.cat([jet, soft])[None], mask, **params))
        infrared.append(len(original ^ changed) / len(original))

        split = jet.clone()
        split[0, 0] /= 2
        changed = edge_set(build_graph(name, torch.cat([split, split[:1]])[None], mask, **params))
        collinear.append(len(original ^ changed) / len(original))
    return 100 * float(np.mean(infrared)), 100 * float(np.mean(collinear))


def format_row(
    label: str, params: dict, result: Measurement, labels: np.ndarray, num_jets: int
) -> str:
    settings = ", ".join(f"{key}={value}" for key, value in params.items()) or "-"
    quark = result.edges[labels == 1].mean()
    gluon = result.edges[labels == 0].mean()
    cells = [
        label,
        settings,
        f"{result.edges.mean():.0f}",
        f"{quark:.0f}",
        f"{gluon:.0f}",
        f"{result.single_bytes / result.single_jets / 1024:.1f}",
        f"{result.batched_bytes / num_jets / 1024:.1f}",
        f"{result.single_seconds / result.single_jets * 1e6:.0f}",
        f"{result.batched_seconds / num_jets * 1e6:.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as stream:
            for line in stream:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="energyflow-format .npz file or jet store directory")
    parser.add_argument("--jets", type=int, default=5000, help="jets to measure (default: 5000)")
    parser.add_argument(
        "--batch-size", type=int, default=256, help="jets per padded batch (default: 256)"
    )
    parser.add_argument(
        "--single-jets",
        type=int,
        default=500,
        help="jets built one at a time, unpadded (default: 500)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed passes; the fastest counts (default: 3)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(1)

    jets = open_jets(args.path)
    num_jets = min(args.jets, len(jets))
    single_jets = min(args.single_jets, num_jets)
    labels = np.asarray(jets.labels[:num_jets])
    multiplicity = np.asarray(jets.multiplicity[:num_jets])
    logger.info("measuring %d jets from %s", num_jets, args.path)

    # One untimed pass, so that lazy initialisation inside torch is not counted.
    build("full", *map(torch.from_numpy, jets.batch(np.arange(min(64, num_jets)))[:2]), {}, seed=0)

    rows = []
    with torch.inference_mode():
        for label, name, params in tqdm(CONFIGURATIONS, desc="constructions", file=sys.stderr):
            result = measure(
                jets, name, params, num_jets, args.batch_size, single_jets, args.repeats
            )
            rows.append(format_row(label, params, result, labels, num_jets))

    irc_rows = []
    with torch.inference_mode():
        for label, name, params in tqdm(IRC_CONFIGURATIONS, desc="IRC changes", file=sys.stderr):
            infrared, collinear = irc_changes(jets, name, params, single_jets, seed=1)
            settings = ", ".join(f"{key}={value}" for key, value in params.items()) or "-"
            irc_rows.append(f"| {label} | {settings} | {infrared:.1f} | {collinear:.1f} |")

    command = "python benchmarks/bench_graphs.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    print(f"Command: `{command}`  ")
    print(
        f"Date: {datetime.date.today().isoformat()}, torch {torch.__version__}, 1 thread, {cpu_name()}  "
    )
    print(
        f"Jets: {num_jets} ({int((labels == 1).sum())} quark), mean multiplicity "
        f"{multiplicity[labels == 1].mean():.1f} quark / {multiplicity[labels == 0].mean():.1f} gluon, "
        f"batches of {args.batch_size}; single-jet columns over the first {single_jets} jets; "
        f"times are the fastest of {args.repeats} passes."
    )
    print()
    print(
        "| construction | parameters | edges per jet | quark | gluon | memory per jet, single [kB] "
        "| memory per jet, batched [kB] | CPU time per jet, single [us] | CPU time per jet, batched [us] |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    print()
    print(
        f"Changed edges, in percent of the original edges (mean over the first {single_jets} jets), "
        "after adding one 1 MeV particle within Delta R < 0.3 of the axis (infrared) and after "
        "splitting the hardest particle into two collinear halves (collinear):"
    )
    print()
    print("| construction | parameters | infrared [%] | collinear [%] |")
    print("|---|---|---|---|")
    for row in irc_rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
