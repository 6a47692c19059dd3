"""Compare jetgnn's EFN and PFN with energyflow's own (Keras) EFN and PFN on one CPU thread.

energyflow's networks (arXiv:1810.05165) need TensorFlow and Keras 2 (the tf_keras package), which
must not share a virtual environment with jetgnn's torch. This script therefore runs in two
interpreters. The jetgnn environment measures jetgnn and writes the inputs of the same jets to a
temporary .npz file. It then starts ``--energyflow-python`` on this same script in worker mode,
which times energyflow's ``fit`` (one epoch per pass) and ``predict`` and returns the times as
JSON.

Both sides get the same jets, batch size, per-particle network sizes (Phi (100, 100, 128),
F (100, 100, 100)), Adam at learning rate 1e-3 and 2-class cross entropy. energyflow gets the whole
sample padded to the file's maximum multiplicity, as its data loader returns it, and its networks
run Phi on every padded slot and zero those terms with a mask. jetgnn gets batches grouped by
multiplicity and computes its inputs inside the model, while energyflow's inputs are computed
before timing.

The two sides run one after the other, so a change in machine load between them changes the
wall-clock ratio. The report prints the load average at the start and the end, and the CPU-time
ratio, which depends less on the load.

Run from the repository root, e.g.:
    python benchmarks/bench_energyflow.py --energyflow-python /path/to/tf-venv/bin/python
The TensorFlow environment needs: tensorflow-cpu, tf_keras, energyflow (tested with 2.21.0, 2.21.0
and 1.4.0).
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

logger = logging.getLogger(__name__)

MODELS = ("efn", "pfn")
PHI_CHANNELS = (100, 100, 128)
F_CHANNELS = (100, 100, 100)
LEARNING_RATE = 1e-3


def run_energyflow_worker(inputs_path: Path, output_path: Path, args: argparse.Namespace) -> None:
    """Time energyflow's EFN and PFN on the saved inputs; write per-model wall and CPU times in s as JSON.

    Runs in the TensorFlow environment and imports nothing from jetgnn or torch.
    """
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import energyflow
    import tf_keras
    from energyflow.archs import EFN, PFN

    with np.load(inputs_path) as archive:
        inputs = {name: archive[name] for name in archive.files}
    labels = np.eye(2, dtype=np.float32)[inputs["labels"]]  # one-hot (N, 2), column 1 quark
    num_jets = len(labels)

    results: dict[str, object] = {
        "versions": {
            "tensorflow": tf.__version__,
            "tf_keras": tf_keras.__version__,
            "energyflow": energyflow.__version__,
        },
        "padded_length": int(inputs["features"].shape[1]),
    }
    for name in args.models:
        tf_keras.utils.set_random_seed(args.seed)
        options = {
            "Phi_sizes": PHI_CHANNELS,
            "F_sizes": F_CHANNELS,
            "optimizer": tf_keras.optimizers.Adam(learning_rate=LEARNING_RATE),
            "summary": False,
        }
        if name == "efn":
            network = EFN(input_dim=2, **options)
            model_inputs = [inputs["z"], inputs["angles"]]
        else:
            network = PFN(input_dim=inputs["features"].shape[2], **options)
            model_inputs = inputs["features"]

        def train_once(network=network, model_inputs=model_inputs) -> None:
            network.fit(model_inputs, labels, batch_size=args.batch_size, epochs=1, verbose=0)

        def predict_once(network=network, model_inputs=model_inputs) -> None:
            network.predict(model_inputs, batch_size=args.batch_size, verbose=0)

        results[name] = {
            "parameters": int(network.model.count_params()),
            "training": vars(common.measure_repeats(train_once, args.repeats)),
            "inference": vars(common.measure_repeats(predict_once, args.repeats)),
            "jets": num_jets,
        }
    output_path.write_text(json.dumps(results))


def measure_jetgnn(
    jets: common.Jets, batches: list[np.ndarray], args: argparse.Namespace
) -> dict[str, dict[str, object]]:
    """Time jetgnn's EFN and PFN on multiplicity-grouped batches; return times like the worker."""
    import torch
    import torch.nn.functional as F

    from jetgnn.models.registry import build_model, count_parameters

    torch.set_num_threads(args.threads)
    tensors = []
    for indices in batches:
        particles, mask, labels = jets.batch(indices)
        tensors.append(
            (torch.from_numpy(particles), torch.from_numpy(mask), torch.from_numpy(labels))
        )
    num_jets = sum(len(indices) for indices in batches)

    results: dict[str, dict[str, object]] = {}
    for name in args.models:
        torch.manual_seed(args.seed)
        model = build_model(name, feature_set=args.feature_set)
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)

        def train_once(model=model, optimizer=optimizer) -> None:
            model.train()
            for particles, mask, labels in tensors:
                optimizer.zero_grad(set_to_none=True)
                F.cross_entropy(model(particles, mask), labels).backward()
                optimizer.step()

        def predict_once(model=model) -> None:
            model.eval()
            with torch.inference_mode():
                for particles, mask, _ in tensors:
                    model(particles, mask)

        results[name] = {
            "parameters": count_parameters(model),
            "training": vars(common.measure_repeats(train_once, args.repeats)),
            "inference": vars(common.measure_repeats(predict_once, args.repeats)),
            "jets": num_jets,
        }
    return results


def energyflow_inputs(
    jets: common.Jets, indices: np.ndarray, feature_set: str
) -> dict[str, np.ndarray]:
    """Return energyflow's inputs of the jets at ``indices``, padded to the file's maximum multiplicity.

    Keys: "z", the pt fractions (N, M). "angles", (Delta eta, Delta phi) of shape (N, M, 2).
    "features", the per-particle features of jetgnn's PFN, (N, M, C). "labels", int64 (N,).
    """
    import torch

    from jetgnn.graphs.features import efn_inputs, particle_features

    particles = torch.from_numpy(jets.particles[indices])
    mask = particles[..., 0] > 0
    z, angles = efn_inputs(particles, mask)
    features = particle_features(particles, mask, feature_set)
    return {
        "z": z.numpy(),
        "angles": angles.numpy(),
        "features": features.numpy(),
        "labels": jets.labels[indices],
    }


def run_worker_process(
    inputs: dict[str, np.ndarray], args: argparse.Namespace
) -> dict[str, object]:
    """Save ``inputs``, run this script in worker mode with the TensorFlow interpreter, return its JSON."""
    with tempfile.TemporaryDirectory(prefix="jetgnn-bench-energyflow-") as directory:
        inputs_path = Path(directory) / "inputs.npz"
        output_path = Path(directory) / "times.json"
        np.savez(inputs_path, **inputs)
        command = [
            str(args.energyflow_python),
            str(Path(__file__).resolve()),
            "--worker",
            str(inputs_path),
            str(output_path),
            "--models",
            *args.models,
            "--batch-size",
            str(args.batch_size),
            "--repeats",
            str(args.repeats),
            "--threads",
            str(args.threads),
            "--seed",
            str(args.seed),
        ]
        environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
        completed = subprocess.run(command, env=environment, capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(
                f"energyflow worker failed with exit status {completed.returncode}:\n"
                f"{completed.stderr[-4000:]}"
            )
        return json.loads(output_path.read_text())


def report_rows(ours: dict, theirs: dict, models: list[str]) -> list[list[object]]:
    """Return table rows of jets/s (wall clock and CPU) and jetgnn's speed-ups."""
    rows = []
    for name in models:
        for task in ("training", "inference"):
            our_timing = common.Timings(**ours[name][task])
            their_timing = common.Timings(**theirs[name][task])
            our_wall = our_timing.wall_rate(ours[name]["jets"])
            their_wall = their_timing.wall_rate(theirs[name]["jets"])
            our_cpu = our_timing.cpu_rate(ours[name]["jets"])
            their_cpu = their_timing.cpu_rate(theirs[name]["jets"])
            rows.append(
                [
                    name,
                    task,
                    f"{our_wall:,.0f}",
                    f"{their_wall:,.0f}",
                    f"{our_wall / their_wall:.2f}",
                    f"{our_cpu:,.0f}",
                    f"{their_cpu:,.0f}",
                    f"{our_cpu / their_cpu:.2f}",
                ]
            )
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--worker", nargs=2, type=Path, metavar=("INPUTS", "OUTPUT"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--energyflow-python",
        type=Path,
        default=Path("/work/tfvenv/bin/python"),
        help="Python of an environment with tensorflow-cpu, tf_keras and energyflow",
    )
    parser.add_argument(
        "--data", type=Path, default=common.DEFAULT_DATA, help="energyflow-format .npz file of jets"
    )
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument(
        "--feature-set",
        default="kin",
        choices=["kin", "kinpid"],
        help="PFN per-particle features (kin: 7, kinpid: 13)",
    )
    parser.add_argument("--batch-size", type=int, default=256, help="jets per batch")
    parser.add_argument(
        "--batches",
        type=int,
        default=32,
        help="batches per timed pass, picked evenly over their mean multiplicity",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="timed passes per model and task; the median is reported",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="intra-op threads of torch and TensorFlow"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, help="also write the markdown report to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    if args.worker:
        run_energyflow_worker(args.worker[0], args.worker[1], args)
        return 0

    from jetgnn.training.sampler import MultiplicityBatchSampler

    if not args.energyflow_python.exists():
        raise SystemExit(
            f"energyflow Python not found: {args.energyflow_python}. Create a separate environment "
            "with tensorflow-cpu, tf_keras and energyflow and pass its python with --energyflow-python"
        )
    jets = common.load_jets(args.data)
    sampler = MultiplicityBatchSampler(jets.multiplicities, args.batch_size, seed=args.seed)
    batches = common.stratified_batches(sampler.batches(0), args.batches, jets.multiplicities)
    indices = np.random.default_rng(args.seed).permutation(np.concatenate(batches))

    load_start = common.machine_summary()
    logger.info("timing jetgnn on %d jets", len(indices))
    started = time.perf_counter()
    ours = measure_jetgnn(jets, batches, args)
    logger.info("timing energyflow on the same jets (%.0f s so far)", time.perf_counter() - started)
    theirs = run_worker_process(energyflow_inputs(jets, indices, args.feature_set), args)
    load_end = common.machine_summary()

    import torch

    versions = theirs["versions"]
    lines = [
        f"command: python benchmarks/bench_energyflow.py {shlex.join(argv if argv is not None else sys.argv[1:])}",
        f"date: {datetime.datetime.now().isoformat(timespec='minutes')}",
        f"machine at start: {load_start}",
        f"machine at end: {load_end}",
        f"torch {torch.__version__}; tensorflow {versions['tensorflow']}, tf_keras {versions['tf_keras']}, "
        f"energyflow {versions['energyflow']}; {args.threads} thread(s)",
        f"data: {args.data}, {len(indices)} jets per pass, mean multiplicity "
        f"{jets.multiplicities[indices].mean():.1f}, energyflow padding {theirs['padded_length']}, "
        f"batch size {args.batch_size}, PFN feature set {args.feature_set}",
        "",
        common.markdown_table(
            ["model", "jetgnn parameters", "energyflow parameters"],
            [
                [name, f"{ours[name]['parameters']:,}", f"{theirs[name]['parameters']:,}"]
                for name in args.models
            ],
        ),
        "",
        f"Throughput: jets per wall-clock second and per CPU second of the process (all its "
        f"threads), median of {args.repeats} passes:",
        "",
        common.markdown_table(
            [
                "model",
                "task",
                "jetgnn jets/s",
                "energyflow jets/s",
                "speed-up (wall)",
                "jetgnn jets/CPU s",
                "energyflow jets/CPU s",
                "speed-up (CPU)",
            ],
            report_rows(ours, theirs, args.models),
        ),
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.output:
        temporary = args.output.with_name(f".{args.output.name}.{os.getpid()}.tmp")
        temporary.write_text(report)
        os.replace(temporary, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
