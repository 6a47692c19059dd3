"""Measure the trainer's throughput in each batching mode, and scan learning rates.

Throughput (default): for each model, the trainer's own epoch loop (``train_one_epoch``: batch
assembly, forward, cross-entropy, backward, AdamW step) runs over the same jets in three modes.
The script reports the median jets/s over repeats, the padded particle slots per jet, the share of
time spent assembling batches, and the speed-up over "pad128":
- "random": the trainer's default, random batches each padded to its own longest jet;
- "multiplicity": batches grouped by multiplicity (``--batching multiplicity``);
- "pad128": random batches, every one padded to 128 particle slots.

Learning-rate scan (--scan-lr): for each model, learning rate and batching mode,
``jetgnn.training.train`` runs on a seeded subset of the training split of a store made from the
file. The script reports the best validation loss and the validation ROC AUC of that epoch.

Examples (one torch thread, as recorded in BENCHMARKS.md):
    .venv/bin/python benchmarks/bench_training.py --threads 1
    .venv/bin/python benchmarks/bench_training.py --threads 1 --scan-lr --models pfn efn
    .venv/bin/python benchmarks/bench_training.py --threads 1 --scan-lr --models pfn \
        --learning-rates 1e-3 --batching random multiplicity
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DEFAULT_DATA,
    load_jets,
    machine_summary,
    markdown_table,
    time_interleaved,
)

from jetgnn import build_model  # noqa: E402
from jetgnn.data.npz import iter_npz_blocks, padded_to_flat  # noqa: E402
from jetgnn.data.writer import StoreWriter  # noqa: E402
from jetgnn.training.checkpoint import read_history  # noqa: E402
from jetgnn.training.config import TrainConfig  # noqa: E402
from jetgnn.training.epoch import train_one_epoch  # noqa: E402
from jetgnn.training.jet_arrays import InMemoryJets  # noqa: E402
from jetgnn.training.optimizers import build_optimizer  # noqa: E402
from jetgnn.training.sampler import EpochBatchSampler  # noqa: E402
from jetgnn.training.schedule import WarmupFlatDecaySchedule  # noqa: E402
from jetgnn.training.trainer import train  # noqa: E402

MODELS = ("pfn", "efn", "particlenet-lite", "particlenet")
PADDED_SLOTS = 128


class PaddedJets:
    """The trainer's in-memory jets, but every batch padded to a fixed number of slots."""

    def __init__(self, jets: InMemoryJets, slots: int) -> None:
        self.jets = jets
        self.slots = slots

    def batch(self, positions: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        particles, mask, labels = self.jets.batch(positions)
        extra = self.slots - particles.shape[1]
        particles = torch.nn.functional.pad(particles, (0, 0, 0, extra))
        mask = torch.nn.functional.pad(mask, (0, extra))
        return particles, mask, labels


def measure_throughput(args: argparse.Namespace) -> str:
    """Time the epoch loop in the three batching modes; return a markdown table."""
    data = load_jets(args.data, max_jets=args.jets)
    flat, counts = padded_to_flat(data.particles)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    jets = InMemoryJets(flat, offsets, data.labels)
    random_order = EpochBatchSampler(counts, args.batch_size, seed=0).batches(0)
    batches = {
        "random": random_order,
        "multiplicity": EpochBatchSampler(
            counts, args.batch_size, seed=0, group_by_multiplicity=True
        ).batches(0),
        "pad128": random_order,
    }
    sources = {"random": jets, "multiplicity": jets, "pad128": PaddedJets(jets, PADDED_SLOTS)}

    rows = []
    for name in args.models:
        torch.manual_seed(0)
        model = build_model(name)
        optimizer = build_optimizer(model, "adamw", lr=1e-3, weight_decay=0.01)
        schedule = WarmupFlatDecaySchedule(total_steps=10**9)
        data_shares: dict[str, list[float]] = {mode: [] for mode in batches}

        def run_mode(
            mode: str, model=model, optimizer=optimizer, schedule=schedule, shares=data_shares
        ):
            statistics_ = train_one_epoch(
                model, optimizer, sources[mode], batches[mode], schedule, 1e-3, 0,
                torch.device("cpu"), progress=False,
            )  # fmt: skip
            shares[mode].append(statistics_.data_seconds / statistics_.seconds)

        times = time_interleaved(
            {mode: (lambda mode=mode: run_mode(mode)) for mode in batches}, repeats=args.repeats
        )
        speeds = {mode: len(counts) / statistics.median(times[mode]) for mode in batches}
        slots = {
            mode: sum(len(batch) * counts[batch].max() for batch in batches[mode]) / len(counts)
            for mode in batches
        }
        slots["pad128"] = PADDED_SLOTS
        for mode in batches:
            rows.append(
                [
                    name,
                    mode,
                    f"{slots[mode]:.1f}",
                    f"{speeds[mode]:.0f}",
                    f"{speeds[mode] / speeds['pad128']:.2f}",
                    f"{100 * statistics.median(data_shares[mode]):.1f}%",
                ]
            )
            print(rows[-1], flush=True)
    header = [
        "model",
        "batching",
        "slots per jet",
        "jets/s",
        "speed-up vs pad128",
        "batch assembly share",
    ]
    return markdown_table(header, rows)


def scan_learning_rates(args: argparse.Namespace) -> str:
    """Train each model at each learning rate and batching; return a markdown table of results."""
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "store"
        with StoreWriter(store) as writer:
            for particles, counts, labels in iter_npz_blocks(args.data):
                writer.append(particles, counts, labels)
            writer.finish({"source": str(args.data)})

        runs = [
            (name, lr, batching)
            for name in args.models
            for lr in args.learning_rates
            for batching in args.batching
        ]
        for name, lr, batching in runs:
            config = TrainConfig(
                model=name,
                data=str(store),
                out=str(Path(scratch) / f"{name}-{lr:g}-{batching}"),
                epochs=args.scan_epochs,
                batch_size=args.batch_size,
                lr=lr,
                batching=batching,
                max_train_jets=args.scan_jets,
                threads=args.threads,
                device="cpu",
                patience=0,
            )
            result = train(config, progress=False)
            best = read_history(config.out)[result.best_epoch - 1]
            rows.append(
                [
                    name,
                    f"{lr:g}",
                    batching,
                    str(result.best_epoch),
                    f"{result.best_val_loss:.4f}",
                    f"{best['val_auc']:.4f}",
                ]
            )
            print(rows[-1], flush=True)
    header = ["model", "lr", "batching", "best epoch", "best val loss", "val AUC at best"]
    return markdown_table(header, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="energyflow .npz file")
    parser.add_argument("--models", nargs="+", default=list(MODELS), help="model names")
    parser.add_argument("--jets", type=int, default=2048, help="jets per timed pass")
    parser.add_argument("--batch-size", type=int, default=256, help="jets per batch")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per mode")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--scan-lr", action="store_true", help="scan learning rates instead")
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[3e-4, 1e-3, 3e-3, 1e-2])
    parser.add_argument("--scan-jets", type=int, default=8000, help="training jets per scan run")
    parser.add_argument("--scan-epochs", type=int, default=4, help="epochs per scan run")
    parser.add_argument(
        "--batching",
        nargs="+",
        default=["random"],
        help="batching modes of the scan runs: random, multiplicity",
    )
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f"date: {datetime.date.today()}, machine: {machine_summary()}", flush=True)
    print(" ".join(sys.argv), flush=True)
    table = scan_learning_rates(args) if args.scan_lr else measure_throughput(args)
    print(table)
    print(f"machine at the end: {machine_summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
