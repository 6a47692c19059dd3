"""Measure training and inference throughput (jets/s) of the jetgnn models on real Pythia jets.

For each model, batch size and batching mode the script times whole batches and reports the
median over repeats:
- inference: eval mode, no gradients, forward pass including the feature computation;
- training: train mode, forward, cross-entropy, backward and one AdamW step.

Batching modes: "sorted" draws jets at random, sorts them by multiplicity and cuts them into
batches, so each batch is padded only to its own longest jet, as the trainer batches. "pad128"
keeps the random order and pads every batch to 128 particle slots.

With --bf16, ParticleNet also runs under CPU bfloat16 autocast, and the script reports the
largest difference of P(quark) from the float32 run on the same batches.

Example (one torch thread, as recorded in BENCHMARKS.md):
    .venv/bin/python benchmarks/bench_models.py --threads 1 --batch-sizes 256 512 --bf16
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from jetgnn import build_model
from jetgnn.models.registry import MODELS, count_parameters

logger = logging.getLogger("bench_models")

DEFAULT_DATA = Path("/work/shared/data/pythia_qg_0.npz")
PADDED_SLOTS = 128


def load_jets(path: Path, count: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Return `count` random jets of the file as unpadded float32 (n, 4) arrays and their labels."""
    with np.load(path) as data:
        padded, labels = data["X"], data["y"]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(padded), size=count, replace=False)
    jets = [padded[i][padded[i][:, 0] > 0].astype(np.float32) for i in chosen]
    return jets, labels[chosen].astype(np.int64)


def make_batches(
    jets: list[np.ndarray], labels: np.ndarray, batch_size: int, mode: str
) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Cut the jets into padded (particles, mask, labels) batches in the given batching mode."""
    order = np.arange(len(jets))
    if mode == "sorted":
        order = np.argsort([len(jet) for jet in jets], kind="stable")
    batches = []
    for start in range(0, len(order) - batch_size + 1, batch_size):
        chunk = order[start : start + batch_size]
        slots = PADDED_SLOTS if mode == "pad128" else max(len(jets[i]) for i in chunk)
        particles = np.zeros((batch_size, slots, 4), dtype=np.float32)
        mask = np.zeros((batch_size, slots), dtype=bool)
        for row, index in enumerate(chunk):
            particles[row, : len(jets[index])] = jets[index]
            mask[row, : len(jets[index])] = True
        batches.append(
            (torch.from_numpy(particles), torch.from_numpy(mask), torch.from_numpy(labels[chunk]))
        )
    return batches


def jets_per_second(step: Callable[[tuple], None], batches: list, repeats: int) -> dict:
    """Time `step` on every batch `repeats` times, after one untimed warm-up batch.

    Returns the median over batches of jets per wall-clock second and jets per CPU second of this
    process. With one torch thread the CPU time is the compute time, which other processes on a
    busy machine inflate much less than the wall-clock time.
    """
    step(batches[0])
    wall, cpu = [], []
    for _ in range(repeats):
        for batch in batches:
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            step(batch)
            wall.append((time.perf_counter() - wall_start) / batch[0].shape[0])
            cpu.append((time.process_time() - cpu_start) / batch[0].shape[0])
    return {
        "wall": round(1 / statistics.median(wall), 1),
        "cpu": round(1 / statistics.median(cpu), 1),
    }


def measure(name: str, batches: list, repeats: int, bf16: bool) -> tuple[dict, dict, np.ndarray]:
    """Return inference and training jets/s of one model (see jets_per_second) and P(quark)."""
    torch.manual_seed(0)
    model = build_model(name)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def train_step(batch: tuple) -> None:
        particles, mask, labels = batch
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            logits = model(particles, mask)
        loss = torch.nn.functional.cross_entropy(logits.float(), labels)
        loss.backward()
        optimizer.step()

    def inference_step(batch: tuple) -> None:
        particles, mask, _ = batch
        with torch.no_grad(), autocast:
            model(particles, mask)

    # Scores come from the untrained weights, so float32 and bfloat16 runs compare like for like.
    model.eval()
    with torch.no_grad(), autocast:
        scores = np.concatenate(
            [torch.softmax(model(p, m).float(), dim=1)[:, 1].numpy() for p, m, _ in batches]
        )
    inference = jets_per_second(inference_step, batches, repeats)
    model.train()
    training = jets_per_second(train_step, batches, repeats)
    return inference, training, scores


def markdown_table(results: list[dict]) -> str:
    """Format the results as a Markdown table: jets/s per CPU second, wall-clock in brackets."""
    lines = [
        "| model | batch | batching | dtype | inference jets/s | training jets/s |",
        "|---|---|---|---|---|---|",
    ]
    for row in results:
        inference, training = row["inference_jets_per_s"], row["training_jets_per_s"]
        lines.append(
            f"| {row['model']} | {row['batch_size']} | {row['mode']} | {row['dtype']} "
            f"| {inference['cpu']:.0f} ({inference['wall']:.0f}) "
            f"| {training['cpu']:.0f} ({training['wall']:.0f}) |"
        )
    return "\n".join(lines)


def write_json_atomically(path: Path, content: object) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "w") as stream:
        json.dump(content, stream, indent=2)
    os.replace(temporary, path)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="energyflow-format .npz")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[256])
    parser.add_argument("--modes", nargs="+", default=["sorted", "pad128"])
    parser.add_argument("--jets", type=int, default=1024, help="jets per configuration")
    parser.add_argument("--repeats", type=int, default=2, help="timed passes over the jets")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--bf16", action="store_true", help="also run ParticleNet in bfloat16")
    parser.add_argument("--seed", type=int, default=0, help="seed of the jet sample")
    parser.add_argument("--output", type=Path, help="also write the results to this JSON file")
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(arguments.threads)
    load_before = os.getloadavg()

    runs = [
        (name, batch_size, mode, bf16)
        for name in arguments.models
        for batch_size in arguments.batch_sizes
        for mode in arguments.modes
        for bf16 in ([False, True] if arguments.bf16 and name == "particlenet" else [False])
    ]
    results = []
    float32_scores: dict[tuple, np.ndarray] = {}
    for name, batch_size, mode, bf16 in tqdm(runs, desc="benchmarks"):
        jets, labels = load_jets(arguments.data, arguments.jets, arguments.seed)
        batches = make_batches(jets, labels, batch_size, mode)
        inference, training, scores = measure(name, batches, arguments.repeats, bf16)
        row = {
            "model": name,
            "feature_set": "kinpid",
            "parameters": count_parameters(build_model(name)),
            "batch_size": batch_size,
            "mode": mode,
            "dtype": "bfloat16 autocast" if bf16 else "float32",
            "inference_jets_per_s": inference,
            "training_jets_per_s": training,
        }
        if bf16:
            reference = float32_scores[(name, batch_size, mode)]
            row["max_score_difference_from_float32"] = float(np.abs(scores - reference).max())
        else:
            float32_scores[(name, batch_size, mode)] = scores
        logger.info("%s", json.dumps(row))
        results.append(row)

    summary = {
        "command": "benchmarks/bench_models.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "torch": torch.__version__,
        "threads": arguments.threads,
        "load_average_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "results": results,
    }
    print(json.dumps(summary, indent=2))
    print(markdown_table(results))
    if arguments.output:
        write_json_atomically(arguments.output, summary)


if __name__ == "__main__":
    main()
