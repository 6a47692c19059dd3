"""Compare jetgnn's ParticleNet and ParticleNet-Lite with weaver-core's on one CPU thread.

Both implementations see the same real jets, batch size, optimizer and loss. weaver-core gets its
inputs the way its data loader builds them: points (B, 2, P) = (Delta eta, Delta phi), features
(B, C, P) and mask (B, 1, P), either padded to a fixed length of 128 ("pad128", trim=False) or
with weaver's own trimmer ("trim", its default trim=True), which cuts each batch to its longest
jet in eval mode and to a random 90-100% quantile of the lengths in training. jetgnn gets
(particles (B, P, 4), mask (B, P)) batches, each padded to its own longest jet, in two
batchings: "random", the same random batches weaver-core gets (its trainer's default), and
"grouped" by multiplicity (faster, but BatchNorm then normalizes over batches of mostly one
class, which spoils training).

weaver-core's features are computed once before timing, because its data loader computes them in
worker processes. jetgnn computes its features inside the model, so its timing includes them.

The weaver-core models follow the published architectures (arXiv:1902.08570) with the options of
the public ``example_ParticleNet.py`` network file for weaver: use_fusion=False (no fusion block),
use_fts_bn=True (BatchNorm on the input features) and use_counts=True (pooling by the real
particle count).

Run from the repository root, e.g.:
    python benchmarks/bench_weaver.py --batch-size 256 --repeats 5
    python benchmarks/bench_weaver.py --models particlenet-lite --auc-epochs 2
Requires weaver-core installed next to jetgnn without its dependencies (it imports with torch and
numpy only): ``pip install --no-deps weaver-core``.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

from jetgnn.evaluation.metrics import roc_auc  # noqa: E402
from jetgnn.graphs.features import particle_features, relative_coordinates  # noqa: E402
from jetgnn.models.registry import build_model, count_parameters  # noqa: E402
from jetgnn.training.sampler import MultiplicityBatchSampler  # noqa: E402

logger = logging.getLogger(__name__)

WEAVER_LENGTH = 128
# weaver-core's trimmer leaves the first calls of a model untrimmed as a warm-up. The benchmark
# makes this many small calls before timing, so that every timed call is trimmed.
WEAVER_TRIMMER_WARMUP_CALLS = 5

# Published architectures (arXiv:1902.08570) as weaver-core arguments: (k, channels) per block.
WEAVER_CONFIGS: dict[str, dict[str, object]] = {
    "particlenet": {
        "conv_params": [(16, (64, 64, 64)), (16, (128, 128, 128)), (16, (256, 256, 256))],
        "fc_params": [(256, 0.1)],
    },
    "particlenet-lite": {
        "conv_params": [(7, (32, 32, 32)), (7, (64, 64, 64))],
        "fc_params": [(128, 0.1)],
    },
}
WEAVER_MODES = ("pad128", "trim")

Inputs = tuple[Tensor, ...]


@dataclass
class Implementation:
    """One network with its batches: ``forward(model, inputs)`` returns logits (B, 2)."""

    label: str
    model: nn.Module
    batches: list[tuple[Inputs, Tensor]]
    forward: Callable[[nn.Module, Inputs], Tensor]

    @property
    def num_jets(self) -> int:
        return sum(int(labels.shape[0]) for _, labels in self.batches)


def build_weaver_model(name: str, num_features: int, trim: bool) -> nn.Module:
    """Build weaver-core's ParticleNet with the published ``name`` architecture."""
    from weaver.nn.model.ParticleNet import ParticleNet as WeaverParticleNet

    return WeaverParticleNet(
        input_dims=num_features,
        num_classes=2,
        use_fusion=False,
        use_fts_bn=True,
        use_counts=True,
        trim=trim,
        for_inference=False,
        **WEAVER_CONFIGS[name],
    )


def weaver_inputs(
    particles: np.ndarray, mask: np.ndarray, feature_set: str
) -> tuple[Tensor, Tensor, Tensor]:
    """Return weaver-core's (points (B, 2, P), features (B, C, P), mask (B, 1, P)) of a batch."""
    particles_tensor = torch.from_numpy(particles)
    mask_tensor = torch.from_numpy(mask)
    features = particle_features(particles_tensor, mask_tensor, feature_set)  # (B, P, C)
    points = relative_coordinates(particles_tensor, mask_tensor)  # (B, P, 2)
    return (
        points.transpose(1, 2).contiguous(),
        features.transpose(1, 2).contiguous(),
        mask_tensor.unsqueeze(1).float(),
    )


def forward_weaver(model: nn.Module, inputs: Inputs) -> Tensor:
    points, features, mask = inputs
    return model(points, features, mask)


def forward_jetgnn(model: nn.Module, inputs: Inputs) -> Tensor:
    particles, mask = inputs
    return model(particles, mask)


def jetgnn_batches(jets: common.Jets, batches: list[np.ndarray]) -> list[tuple[Inputs, Tensor]]:
    """Return jetgnn batches, each padded to its own longest jet."""
    result = []
    for indices in batches:
        particles, mask, labels = jets.batch(indices)
        inputs = (torch.from_numpy(particles), torch.from_numpy(mask))
        result.append((inputs, torch.from_numpy(labels)))
    return result


def weaver_batches(
    jets: common.Jets, batches: list[np.ndarray], feature_set: str
) -> list[tuple[Inputs, Tensor]]:
    """Return weaver-core batches padded to 128 particles; its trimmer cuts them where enabled."""
    result = []
    for indices in batches:
        particles, mask, labels = jets.batch(indices, length=WEAVER_LENGTH)
        result.append((weaver_inputs(particles, mask, feature_set), torch.from_numpy(labels)))
    return result


def prime_weaver_trimmer(implementation: Implementation) -> None:
    """Run the small untimed calls after which weaver-core's trimmer starts trimming."""
    (points, features, mask), _ = implementation.batches[0]
    implementation.model.eval()
    with torch.inference_mode():
        for _ in range(WEAVER_TRIMMER_WARMUP_CALLS):
            implementation.model(points[:2], features[:2], mask[:2])


def train_pass(implementation: Implementation, optimizer: torch.optim.Optimizer) -> None:
    """Run one training step (forward, cross entropy, backward, optimizer step) per batch."""
    implementation.model.train()
    for inputs, labels in implementation.batches:
        optimizer.zero_grad(set_to_none=True)
        logits = implementation.forward(implementation.model, inputs)
        F.cross_entropy(logits, labels).backward()
        optimizer.step()


def inference_pass(implementation: Implementation) -> None:
    """Score every batch in eval mode without autograd."""
    implementation.model.eval()
    with torch.inference_mode():
        for inputs, _ in implementation.batches:
            implementation.forward(implementation.model, inputs)


def make_optimizer(model: nn.Module, learning_rate: float) -> torch.optim.Optimizer:
    return torch.optim.AdamW(model.parameters(), lr=learning_rate)


def build_implementations(
    name: str,
    jets: common.Jets,
    timed_batches: list[np.ndarray],
    args: argparse.Namespace,
) -> list[Implementation]:
    """Build jetgnn's and weaver-core's ``name`` network with the same jets in their batching.

    jetgnn runs once per ``--jetgnn-batching`` mode: "grouped" takes ``timed_batches``, which are
    grouped by multiplicity, and "random" the random batches that weaver-core gets.
    """
    # The same jets, shuffled into batches as a sampler without multiplicity grouping makes them.
    all_indices = np.concatenate(timed_batches)
    shuffled = common.random_batches(all_indices, args.batch_size, seed=args.seed)
    jetgnn_batch_lists = {"grouped": timed_batches, "random": shuffled}

    implementations = []
    for batching in args.jetgnn_batching:
        torch.manual_seed(args.seed)
        implementations.append(
            Implementation(
                label=f"jetgnn {batching}",
                model=build_model(name, feature_set=args.feature_set),
                batches=jetgnn_batches(jets, jetgnn_batch_lists[batching]),
                forward=forward_jetgnn,
            )
        )

    feature_count = weaver_inputs(*jets.batch(shuffled[0][:1])[:2], args.feature_set)[1].shape[1]
    padded = weaver_batches(jets, shuffled, args.feature_set)
    for mode in args.weaver_modes:
        torch.manual_seed(args.seed)
        implementation = Implementation(
            label=f"weaver-core {mode}",
            model=build_weaver_model(name, feature_count, trim=mode == "trim"),
            batches=padded,
            forward=forward_weaver,
        )
        if mode == "trim":
            prime_weaver_trimmer(implementation)
        implementations.append(implementation)
    return implementations


def measure_speed(
    name: str,
    implementations: list[Implementation],
    args: argparse.Namespace,
    ratio_rows: list[list[object]],
) -> list[list[object]]:
    """Time training and inference passes of every implementation; return table rows.

    Appends the speed-up of each jetgnn run over each weaver-core run to ``ratio_rows``.
    """
    rows: list[list[object]] = []
    for task in ("training", "inference"):
        runs: dict[str, Callable[[], object]] = {}
        for implementation in implementations:
            if task == "training":
                optimizer = make_optimizer(implementation.model, args.learning_rate)
                runs[implementation.label] = lambda imp=implementation, opt=optimizer: train_pass(
                    imp, opt
                )
            else:
                runs[implementation.label] = lambda imp=implementation: inference_pass(imp)
        logger.info("timing %s %s: %d repeats", name, task, args.repeats)
        timings = common.measure_interleaved(runs, repeats=args.repeats, warmup=1)

        for implementation in implementations:
            timing = timings[implementation.label]
            spread = [implementation.num_jets / seconds for seconds in timing.wall]
            rows.append(
                [
                    name,
                    task,
                    implementation.label,
                    f"{timing.wall_rate(implementation.num_jets):,.0f}",
                    f"{min(spread):,.0f}-{max(spread):,.0f}",
                    f"{timing.cpu_rate(implementation.num_jets):,.0f}",
                ]
            )

        ours = [imp for imp in implementations if imp.label.startswith("jetgnn")]
        theirs = [imp for imp in implementations if not imp.label.startswith("jetgnn")]
        for our in ours:
            for their in theirs:
                our_timing, their_timing = timings[our.label], timings[their.label]
                wall_ratio = our_timing.wall_rate(our.num_jets) / their_timing.wall_rate(
                    their.num_jets
                )
                cpu_ratio = our_timing.cpu_rate(our.num_jets) / their_timing.cpu_rate(
                    their.num_jets
                )
                ratio_rows.append(
                    [name, task, our.label, their.label, f"{wall_ratio:.2f}", f"{cpu_ratio:.2f}"]
                )
    return rows


def predict(implementation: Implementation, batches: list[tuple[Inputs, Tensor]]) -> np.ndarray:
    """Return P(quark) of every jet of ``batches``, in batch order."""
    implementation.model.eval()
    scores = []
    with torch.inference_mode():
        for inputs, _ in batches:
            logits = implementation.forward(implementation.model, inputs)
            scores.append(torch.softmax(logits, dim=1)[:, 1].numpy())
    return np.concatenate(scores)


def paired_auc_difference(
    labels: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray, resamples: int, seed: int
) -> tuple[float, float, float]:
    """Return (AUC a, AUC b, bootstrap standard deviation of AUC a - AUC b on the same jets)."""
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(resamples):
        sample = rng.integers(0, len(labels), len(labels))
        differences.append(
            roc_auc(labels[sample], scores_a[sample]) - roc_auc(labels[sample], scores_b[sample])
        )
    return roc_auc(labels, scores_a), roc_auc(labels, scores_b), float(np.std(differences))


def compare_auc(name: str, jets: common.Jets, args: argparse.Namespace) -> list[list[object]]:
    """Train jetgnn (each ``--jetgnn-batching`` mode) and weaver-core (trim) on the same jets.

    The first ``--auc-train-jets`` jets of the file train every network for ``--auc-epochs``
    epochs with AdamW at a flat learning rate. The next ``--auc-test-jets`` jets are the test set.
    Returns one row per jetgnn batching mode with both test AUCs and their difference.
    """
    needed = args.auc_train_jets + args.auc_test_jets
    if needed > len(jets.labels):
        raise SystemExit(
            f"invalid AUC split: --auc-train-jets + --auc-test-jets = {needed}, but {args.data} "
            f"contains {len(jets.labels)} jets. Lower one of them"
        )
    train = np.arange(args.auc_train_jets)
    test = np.arange(args.auc_train_jets, needed)
    sampler = MultiplicityBatchSampler(jets.multiplicities[train], args.batch_size, args.seed)

    implementations = []
    for batching in args.jetgnn_batching:
        torch.manual_seed(args.seed)
        model = build_model(name, feature_set=args.feature_set)
        implementations.append(Implementation(f"jetgnn {batching}", model, [], forward_jetgnn))
    feature_count = weaver_inputs(*jets.batch(train[:1])[:2], args.feature_set)[1].shape[1]
    torch.manual_seed(args.seed)
    theirs = Implementation(
        "weaver-core trim", build_weaver_model(name, feature_count, trim=True), [], forward_weaver
    )
    implementations.append(theirs)
    optimizers = {
        imp.label: make_optimizer(imp.model, args.learning_rate) for imp in implementations
    }

    for epoch in range(args.auc_epochs):
        grouped = [train[batch] for batch in sampler.batches(epoch)]
        shuffled = common.random_batches(train, args.batch_size, seed=args.seed + epoch)
        for implementation in implementations:
            if implementation is theirs:
                implementation.batches = weaver_batches(jets, shuffled, args.feature_set)
            elif implementation.label == "jetgnn grouped":
                implementation.batches = jetgnn_batches(jets, grouped)
            else:
                implementation.batches = jetgnn_batches(jets, shuffled)

            implementation.model.train()
            optimizer = optimizers[implementation.label]
            progress = tqdm(
                implementation.batches, desc=f"{name} {implementation.label} epoch {epoch}"
            )
            for inputs, labels in progress:
                optimizer.zero_grad(set_to_none=True)
                loss = F.cross_entropy(implementation.forward(implementation.model, inputs), labels)
                loss.backward()
                optimizer.step()

    test_batches = [
        test[start : start + args.batch_size] for start in range(0, len(test), args.batch_size)
    ]
    labels = jets.labels[test]
    scores_theirs = predict(theirs, weaver_batches(jets, test_batches, args.feature_set))
    rows = []
    for implementation in implementations[:-1]:
        scores_ours = predict(implementation, jetgnn_batches(jets, test_batches))
        auc_ours, auc_theirs, sigma = paired_auc_difference(
            labels, scores_ours, scores_theirs, resamples=args.auc_resamples, seed=args.seed
        )
        rows.append(
            [
                name,
                f"{args.auc_train_jets} / {args.auc_test_jets}",
                args.auc_epochs,
                implementation.label.removeprefix("jetgnn "),
                f"{auc_ours:.4f}",
                f"{auc_theirs:.4f}",
                f"{auc_ours - auc_theirs:+.4f} +- {sigma:.4f}",
            ]
        )
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=common.DEFAULT_DATA, help="energyflow-format .npz file of jets"
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=["particlenet-lite", "particlenet"],
        choices=sorted(WEAVER_CONFIGS),
    )
    parser.add_argument(
        "--feature-set",
        default="kin",
        choices=["kin", "kinpid"],
        help="per-particle input features (kin: 7, kinpid: 13)",
    )
    parser.add_argument("--batch-size", type=int, default=256, help="jets per batch")
    parser.add_argument(
        "--batches",
        type=int,
        default=4,
        help="batches per timed pass, picked evenly over their mean multiplicity",
    )
    parser.add_argument(
        "--particlenet-batches",
        type=int,
        default=2,
        help="batches per timed pass for ParticleNet (slower than ParticleNet-Lite)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="timed passes per implementation; the median is reported",
    )
    parser.add_argument(
        "--jetgnn-batching",
        nargs="+",
        default=["grouped", "random"],
        choices=["grouped", "random"],
        help="jetgnn batches: grouped by multiplicity (its trainer's sampler) or random",
    )
    parser.add_argument(
        "--weaver-modes", nargs="+", default=list(WEAVER_MODES), choices=WEAVER_MODES
    )
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="AdamW learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-speed", action="store_true", help="skip the throughput measurement")
    parser.add_argument(
        "--auc-epochs",
        type=int,
        default=0,
        help="epochs of the optional AUC comparison (0 skips it)",
    )
    parser.add_argument("--auc-train-jets", type=int, default=10000)
    parser.add_argument("--auc-test-jets", type=int, default=5000)
    parser.add_argument(
        "--auc-resamples", type=int, default=200, help="bootstrap resamples for the AUC difference"
    )
    parser.add_argument("--output", type=Path, help="also write the markdown report to this file")
    args = parser.parse_args(argv)
    return args


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    torch.set_num_threads(args.threads)

    jets = common.load_jets(args.data)
    sampler = MultiplicityBatchSampler(jets.multiplicities, args.batch_size, seed=args.seed)
    all_batches = sampler.batches(0)

    lines = [
        f"command: python benchmarks/bench_weaver.py {shlex.join(argv if argv is not None else sys.argv[1:])}",
        f"date: {datetime.datetime.now().isoformat(timespec='minutes')}",
        f"machine at start: {common.machine_summary()}",
        f"torch {torch.__version__}, weaver-core {version('weaver-core')}, {args.threads} thread(s)",
        f"data: {args.data}, batch size {args.batch_size}, feature set {args.feature_set}",
        "",
    ]
    parameter_rows = []
    speed_rows: list[list[object]] = []
    ratio_rows: list[list[object]] = []
    auc_rows = []
    for name in args.models:
        count = args.particlenet_batches if name == "particlenet" else args.batches
        timed = common.stratified_batches(all_batches, count, jets.multiplicities)
        implementations = build_implementations(name, jets, timed, args)
        parameter_rows.append(
            [
                name,
                f"{count_parameters(implementations[0].model):,}",
                f"{count_parameters(implementations[-1].model):,}",
            ]
        )
        mean_multiplicity = jets.multiplicities[np.concatenate(timed)].mean()
        logger.info(
            "%s: %d jets per pass, mean multiplicity %.1f",
            name,
            implementations[0].num_jets,
            mean_multiplicity,
        )
        lines.append(
            f"{name}: {implementations[0].num_jets} jets per pass, mean multiplicity "
            f"{mean_multiplicity:.1f}"
        )
        if not args.skip_speed:
            speed_rows.extend(measure_speed(name, implementations, args, ratio_rows))
        if args.auc_epochs:
            auc_rows.extend(compare_auc(name, jets, args))

    lines += [
        "",
        common.markdown_table(
            ["model", "jetgnn parameters", "weaver-core parameters"], parameter_rows
        ),
    ]
    if speed_rows:
        lines += [
            "",
            f"Throughput: jets per wall-clock second (median of {args.repeats} passes, range over "
            "the passes) and per CPU second of the process:",
            "",
            common.markdown_table(
                ["model", "task", "implementation", "jets/s", "range", "jets/CPU s"], speed_rows
            ),
            "",
            "Speed-up of jetgnn over weaver-core (ratio of the medians above, same run):",
            "",
            common.markdown_table(
                ["model", "task", "jetgnn", "weaver-core", "speed-up (wall)", "speed-up (CPU)"],
                ratio_rows,
            ),
        ]
    if auc_rows:
        lines += [
            "",
            "Test ROC AUC after the same training; the error is the bootstrap standard deviation "
            "of the paired difference on the same test jets:",
            "",
            common.markdown_table(
                [
                    "model",
                    "train / test jets",
                    "epochs",
                    "jetgnn batching",
                    "jetgnn AUC",
                    "weaver-core trim AUC",
                    "difference",
                ],
                auc_rows,
            ),
        ]
    lines += ["", f"machine at end: {common.machine_summary()}"]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.output:
        write_atomically(args.output, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
