"""Measure test AUC and 1/eps_B against the number of training jets, for several models and seeds.

For each model, training size and seed, ``jetgnn.training.trainer.train`` trains on a seeded subset
of the store's training split (``max_train_jets``). For one seed, the smaller subsets are nested in
the larger ones. ``jetgnn.evaluation.evaluate.evaluate_run`` then scores the store's test split,
which is the same for every run. Each run has its own directory under --out, so a rerun skips
finished runs and resumes unfinished ones after their last finished epoch.

After every finished run the script rewrites the table and the plot, so the files always show what
has finished. The table (markdown and JSON) gives the mean and sample standard deviation over seeds
of the test AUC and of 1/eps_B at quark efficiency 50% and 30%, with the per-seed values. It also
gives the Spearman rank correlation of each run's test scores with jet girth and with multiplicity,
which shows when a network has learned little beyond one of them. The plot shows AUC and 1/eps_B
at 50% against training size, with girth and multiplicity alone as grey lines. --report-only
rewrites the table and plot from the finished runs without training.

Example (the table and plot of docs/results.md, after the runs listed there):
    .venv/bin/python benchmarks/data_efficiency.py --data /work/stores/shared100k \
        --out runs/data_efficiency --sizes 10000 30000 80000 --seeds 3 \
        --epochs 10 particlenet-lite=5 --patience 3 --workers 2
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import logging
import math
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_summary, markdown_table  # noqa: E402

from jetgnn.errors import InvalidInputError, JetgnnError  # noqa: E402
from jetgnn.evaluation.files import write_atomic_bytes, write_json_file  # noqa: E402

logger = logging.getLogger(__name__)

DEFAULT_MODELS = ("pfn", "efn", "particlenet-lite")
DEFAULT_SIZES = (10_000, 30_000, 80_000)
DEFAULT_EPOCHS = 20
DEFAULT_SEEDS = 3
# Keys of metrics.json: ROC AUC, and 1/eps_B at quark efficiency eps_S = 50% and 30%.
METRICS = ("auc", "rejection_at_50", "rejection_at_30")
# Observables of compute_test_observables, compared with each run's scores by rank correlation.
OBSERVABLES = ("girth", "multiplicity")
DISPLAY_NAMES = {
    "pfn": "PFN",
    "efn": "EFN",
    "particlenet-lite": "ParticleNet-Lite",
    "particlenet": "ParticleNet",
}


@dataclass(frozen=True)
class RunSpec:
    """One training and evaluation: a model, a number of training jets and a seed."""

    model: str
    size: int
    seed: int
    epochs: int

    @property
    def name(self) -> str:
        """Directory name of the run under --out."""
        return f"{self.model}_n{self.size}_s{self.seed}"


def parse_per_model(
    items: Sequence[str], models: Sequence[str], option: str, default: int
) -> dict[str, int]:
    """Return one positive integer per model from items such as ``20`` and ``particlenet-lite=8``.

    A bare number sets the value of every model, and ``MODEL=N`` overrides it for one model.
    """
    overrides: dict[str, int] = {}
    for item in items:
        name, _, text = item.rpartition("=")
        try:
            value = int(text)
        except ValueError:
            raise InvalidInputError(
                f"invalid {option} item {item!r}; use a number such as 3 or MODEL=N"
            ) from None
        if value < 1:
            raise InvalidInputError(f"invalid {option} item {item!r}; use 1 or more")
        if not name:
            default = value
        elif name not in models:
            raise InvalidInputError(
                f"{option} names model {name!r}, which is not in --models {list(models)}"
            )
        else:
            overrides[name] = value
    return {model: overrides.get(model, default) for model in models}


def plan_runs(args: argparse.Namespace) -> list[RunSpec]:
    """List the runs seed by seed, so that early results cover every model and size once."""
    epochs = parse_per_model(args.epochs, args.models, "--epochs", DEFAULT_EPOCHS)
    seeds = parse_per_model(args.seeds, args.models, "--seeds", DEFAULT_SEEDS)
    return [
        RunSpec(model, size, seed, epochs[model])
        for seed in range(max(seeds.values()))
        for size in args.sizes
        for model in args.models
        if seed < seeds[model]
    ]


def run_one(spec: RunSpec, data: str, out: str, patience: int) -> dict[str, Any]:
    """Train one run (or resume or reuse it), evaluate it on the test split and return its row.

    Runs in a worker process with one torch thread.
    """
    import torch

    from jetgnn.evaluation.evaluate import EvaluationOptions, evaluate_run, find_reusable_metrics
    from jetgnn.training.config import TrainConfig
    from jetgnn.training.trainer import train

    torch.set_num_threads(1)
    run_dir = Path(out) / spec.name
    config = TrainConfig(
        model=spec.model,
        data=data,
        out=str(run_dir),
        epochs=spec.epochs,
        patience=patience,
        max_train_jets=spec.size,
        seed=spec.seed,
        threads=1,
    )
    result = train(config, progress=False)

    options = EvaluationOptions(split="test", threads=1)
    metrics = find_reusable_metrics(run_dir, data, options)
    if metrics is None:
        metrics = evaluate_run(run_dir, data, options)
    return {
        "model": spec.model,
        "size": spec.size,
        "seed": spec.seed,
        "epoch_budget": spec.epochs,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "train_seconds": result.train_seconds,
        "test_jets": metrics["n_jets"],
        **{name: metrics[name] for name in METRICS},
        **{f"{name}_ci": metrics[f"{name}_ci"] for name in METRICS},
    }


def read_finished_row(spec: RunSpec, out: Path) -> dict[str, Any] | None:
    """Return the saved row of a finished and evaluated run, or None."""
    path = out / spec.name / "data_efficiency_row.json"
    if not path.is_file():
        return None
    row = json.loads(path.read_text())
    return row if row.get("epoch_budget") == spec.epochs else None


def compute_test_observables(data: str) -> dict[str, dict[int, float]]:
    """Compute two single-jet observables of every test jet, keyed by jet index.

    Girth is sum_i z_i Delta R_i (z_i the pt fraction, Delta R_i the distance to the jet axis),
    the IRC-safe width of the jet. Multiplicity is the number of particles, which is not IRC safe.
    A classifier whose scores have a rank correlation near +-1 with one of them has learned
    little beyond that observable.
    """
    import torch

    from jetgnn.data import open_jets
    from jetgnn.graphs.features import efn_inputs

    store = open_jets(data)
    indices = np.asarray(store.split("test"), dtype=np.int64)
    particles, mask, _ = store.batch(indices)
    z, angles = efn_inputs(torch.from_numpy(particles), torch.from_numpy(mask))
    girth = (z * angles.norm(dim=2)).sum(dim=1).numpy()  # (N,)
    multiplicity = np.asarray(store.multiplicity)[indices]
    return {
        "girth": dict(zip(indices.tolist(), girth.tolist(), strict=True)),
        "multiplicity": dict(zip(indices.tolist(), multiplicity.tolist(), strict=True)),
    }


def observable_baselines(
    data: str, observables: dict[str, dict[int, float]]
) -> dict[str, dict[str, float]]:
    """Return the test AUC and 1/eps_B of each observable used alone as a quark score.

    Quark jets are narrower and have fewer particles than gluon jets, so the score is minus the
    observable.
    """
    from jetgnn.data import open_jets
    from jetgnn.evaluation.metrics import rejection_at, roc_auc

    store = open_jets(data)
    baselines = {}
    for name, values in observables.items():
        indices = np.array(list(values), dtype=np.int64)
        labels = np.asarray(store.labels[indices], dtype=np.int64)
        scores = -np.array(list(values.values()))
        baselines[name] = {
            "auc": roc_auc(labels, scores),
            "rejection_at_50": rejection_at(labels, scores, 0.5),
            "rejection_at_30": rejection_at(labels, scores, 0.3),
        }
    return baselines


def add_run_settings(rows: list[dict[str, Any]], out: Path) -> None:
    """Add each run's learning rate, parameter count and median training speed to its row.

    The speed is the median over epochs of the trainer's training jets/s, without validation.
    """
    from jetgnn.training.checkpoint import read_history, read_saved_config

    for row in rows:
        run_dir = out / f"{row['model']}_n{row['size']}_s{row['seed']}"
        config = read_saved_config(run_dir)
        row["lr"] = config["lr"]
        row["parameter_count"] = config["parameter_count"]
        speeds = [record["train_jets_per_second"] for record in read_history(run_dir)]
        row["train_jets_per_second_median"] = statistics.median(speeds)


def add_rank_correlations(
    rows: list[dict[str, Any]], out: Path, observables: dict[str, dict[int, float]]
) -> None:
    """Add the Spearman correlation of each run's test scores with each observable to its row."""
    from scipy.stats import spearmanr

    from jetgnn.evaluation.files import read_predictions

    for row in rows:
        spec_name = f"{row['model']}_n{row['size']}_s{row['seed']}"
        jet_indices, _, p_quark = read_predictions(out / spec_name / "predictions.csv")
        for name, values in observables.items():
            observable = np.array([values[index] for index in jet_indices.tolist()])
            row[f"spearman_{name}"] = float(spearmanr(p_quark, observable).statistic)


def summarize(rows: list[dict[str, Any]], specs: list[RunSpec]) -> list[dict[str, Any]]:
    """Group rows by model and size: mean, sample standard deviation and per-seed values."""
    groups = []
    models = list(dict.fromkeys(spec.model for spec in specs))
    keys = sorted(
        {(spec.model, spec.size) for spec in specs},
        key=lambda key: (models.index(key[0]), key[1]),
    )
    for model, size in keys:
        planned = sorted({spec.seed for spec in specs if (spec.model, spec.size) == (model, size)})
        found = sorted(
            (row for row in rows if (row["model"], row["size"]) == (model, size)),
            key=lambda row: row["seed"],
        )
        group: dict[str, Any] = {
            "model": model,
            "size": size,
            "seeds": [row["seed"] for row in found],
            "missing_seeds": [seed for seed in planned if seed not in {r["seed"] for r in found}],
            "epochs_run": [row["epochs_run"] for row in found],
            "best_epoch": [row["best_epoch"] for row in found],
        }
        for name in METRICS:
            values = [row[name] for row in found]
            finite = [value for value in values if value is not None and math.isfinite(value)]
            group[f"{name}_values"] = values
            group[f"{name}_mean"] = statistics.fmean(finite) if finite else None
            group[f"{name}_std"] = statistics.stdev(finite) if len(finite) > 1 else None
        for name in OBSERVABLES:
            correlations = [row[f"spearman_{name}"] for row in found if f"spearman_{name}" in row]
            group[f"spearman_{name}_values"] = correlations
            group[f"spearman_{name}_mean"] = (
                statistics.fmean(correlations) if correlations else None
            )
        group["lr"] = sorted({row["lr"] for row in found})
        speeds = [row["train_jets_per_second_median"] for row in found]
        group["train_jets_per_second_median"] = statistics.median(speeds) if speeds else None
        # Mean half-width of the per-run bootstrap intervals: the test-set part of the spread.
        half_widths = [(row["auc_ci"][1] - row["auc_ci"][0]) / 2 for row in found]
        group["auc_ci_half_width_mean"] = statistics.fmean(half_widths) if half_widths else None
        groups.append(group)
    return groups


def format_value(mean: float | None, std: float | None, digits: int) -> str:
    """Format 'mean ± std', or 'mean' for one seed, or 'missing' when nothing finished."""
    if mean is None:
        return "missing"
    if std is None:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def markdown_report(groups: list[dict[str, Any]]) -> str:
    """Return the markdown table: one row per model and size."""
    header = [
        "model",
        "training jets",
        "seeds",
        "test AUC",
        "1/eps_B at 50%",
        "1/eps_B at 30%",
        "AUC per seed",
        "epochs run (best epoch)",
        "rank correlation with girth",
        "rank correlation with multiplicity",
    ]
    rows = []
    for group in groups:
        seeds = ", ".join(str(seed) for seed in group["seeds"]) or "none"
        if group["missing_seeds"]:
            seeds += f" (missing {', '.join(str(seed) for seed in group['missing_seeds'])})"
        per_seed = ", ".join(f"{value:.4f}" for value in group["auc_values"]) or "missing"
        epochs = ", ".join(
            f"{run} ({best})"
            for run, best in zip(group["epochs_run"], group["best_epoch"], strict=True)
        )
        rows.append(
            [
                DISPLAY_NAMES.get(group["model"], group["model"]),
                f"{group['size']:,}",
                seeds,
                format_value(group["auc_mean"], group["auc_std"], 4),
                format_value(group["rejection_at_50_mean"], group["rejection_at_50_std"], 1),
                format_value(group["rejection_at_30_mean"], group["rejection_at_30_std"], 1),
                per_seed,
                epochs or "missing",
                format_value(group["spearman_girth_mean"], None, 3),
                format_value(group["spearman_multiplicity_mean"], None, 3),
            ]
        )
    return markdown_table(header, rows)


def seed_label(points: list[dict[str, Any]]) -> str:
    """Return '3 seeds', or '1 to 3 seeds' when the points of one line have different counts."""
    counts = sorted({len(point["seeds"]) for point in points})
    noun = "seed" if counts[-1] == 1 else "seeds"
    if len(counts) == 1:
        return f"{counts[0]} {noun}"
    return f"{counts[0]} to {counts[-1]} {noun}"


def plot_curves(
    groups: list[dict[str, Any]], baselines: dict[str, dict[str, float]], path: Path
) -> None:
    """Plot test AUC and 1/eps_B at 50% against training size (log x), one line per model.

    Grey horizontal lines mark each single observable of ``baselines`` used alone.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
    panels = (
        ("auc", "test ROC AUC"),
        ("rejection_at_50", r"test $1/\varepsilon_B$ at $\varepsilon_S$ = 50%"),
    )
    models = list(dict.fromkeys(group["model"] for group in groups))
    for axis, (metric, label) in zip(axes, panels, strict=True):
        for model in models:
            points = [g for g in groups if g["model"] == model and g[f"{metric}_mean"] is not None]
            if not points:
                continue
            sizes = [g["size"] for g in points]
            means = [g[f"{metric}_mean"] for g in points]
            errors = [g[f"{metric}_std"] or 0.0 for g in points]
            axis.errorbar(
                sizes,
                means,
                yerr=errors,
                marker="o",
                capsize=3,
                label=f"{DISPLAY_NAMES.get(model, model)} ({seed_label(points)})",
            )
        for (name, values), style in zip(baselines.items(), (":", "--"), strict=False):
            axis.axhline(values[metric], color="grey", linestyle=style, label=f"{name} alone")
        axis.set_xscale("log")
        sizes = sorted({group["size"] for group in groups})
        axis.set_xticks(sizes, [f"{size:,}" for size in sizes])
        axis.minorticks_off()
        axis.set_xlabel("training jets")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=len(labels))
    figure.suptitle("Test split of 10,000 jets; error bars: standard deviation over seeds")

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    plt.close(figure)
    write_atomic_bytes(path, buffer.getvalue())


def write_report(
    rows: list[dict[str, Any]], specs: list[RunSpec], args: argparse.Namespace, command: str
) -> None:
    """Write the markdown table, the JSON table and the plot from the finished rows."""
    rows = [dict(row) for row in rows]
    observables = compute_test_observables(args.data)
    baselines = observable_baselines(args.data, observables)
    if rows:
        add_run_settings(rows, Path(args.out))
        add_rank_correlations(rows, Path(args.out), observables)

    groups = summarize(rows, specs)
    report_dir = Path(args.report_dir)
    stem = args.report_name
    table = markdown_report(groups)
    header = (
        f"Command: `{command}`\n\n"
        f"Date (UTC): {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M}. "
        f"Machine: {machine_summary()}. Finished runs: {len(rows)} of {len(specs)}.\n\n"
    )
    footer = "".join(
        f"\n{name.capitalize()} alone as the quark score on the same test jets: AUC "
        f"{values['auc']:.4f}, 1/eps_B {values['rejection_at_50']:.1f} at 50% and "
        f"{values['rejection_at_30']:.1f} at 30%.\n"
        for name, values in baselines.items()
    )
    text = header + table + "\n" + footer
    write_atomic_bytes(report_dir / f"{stem}.md", text.encode("utf-8"))

    write_json_file(
        report_dir / f"{stem}.json",
        {
            "command": command,
            "data": str(Path(args.data).resolve()),
            "patience": args.patience,
            "epochs": parse_per_model(args.epochs, args.models, "--epochs", DEFAULT_EPOCHS),
            "seeds": parse_per_model(args.seeds, args.models, "--seeds", DEFAULT_SEEDS),
            "finished_runs": len(rows),
            "planned_runs": len(specs),
            "groups": groups,
            "observable_baselines": baselines,
            "runs": sorted(rows, key=lambda row: (row["model"], row["size"], row["seed"])),
        },
    )
    if rows:
        plot_curves(groups, baselines, report_dir / f"{stem}.png")


def check_sizes(sizes: Sequence[int], data: str) -> None:
    """Raise InvalidInputError if a size is below 1 or above the store's training split."""
    from jetgnn.data import open_jets

    available = len(open_jets(data).split("train"))
    for size in sizes:
        if size < 1 or size > available:
            raise InvalidInputError(
                f"training size {size} is outside 1 to {available}, the number of jets in the "
                f"training split of {data}; choose sizes in that range"
            )


def run_all(args: argparse.Namespace, command: str) -> None:
    """Train and evaluate every planned run, rewriting the report after each one."""
    specs = plan_runs(args)
    out = Path(args.out)
    check_sizes(args.sizes, args.data)
    rows = [row for spec in specs if (row := read_finished_row(spec, out)) is not None]
    done = {(row["model"], row["size"], row["seed"]) for row in rows}
    pending = [spec for spec in specs if (spec.model, spec.size, spec.seed) not in done]
    logger.info(
        "%d runs planned, %d finished before, %d to run", len(specs), len(rows), len(pending)
    )
    write_report(rows, specs, args, command)
    if args.report_only or not pending:
        return

    # Workers start with "spawn" so that each gets a fresh torch with its own thread setting.
    context = get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=args.workers, mp_context=context, initializer=configure_logging
    ) as pool:
        futures = {
            pool.submit(run_one, spec, args.data, str(out), args.patience): spec for spec in pending
        }
        remaining = set(futures)
        with tqdm(total=len(pending), desc="runs", unit="run") as progress:
            while remaining:
                finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in finished:
                    spec = futures[future]
                    try:
                        row = future.result()
                    except Exception:
                        logger.exception(
                            "run %s failed; cancelling the runs not started", spec.name
                        )
                        pool.shutdown(wait=True, cancel_futures=True)
                        raise
                    write_json_file(out / spec.name / "data_efficiency_row.json", row)
                    rows.append(row)
                    logger.info(
                        "finished %s: AUC %.4f, 1/eps_B at 50%% %.1f, %d epochs in %.0f s",
                        spec.name,
                        row["auc"],
                        row["rejection_at_50"],
                        row["epochs_run"],
                        row["train_seconds"],
                    )
                    write_report(rows, specs, args, command)
                    progress.update(1)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="/work/stores/shared100k", help="jet store directory")
    parser.add_argument("--out", default="runs/data_efficiency", help="directory of the runs")
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS), help="model names")

    parser.add_argument(
        "--sizes",
        nargs="+",
        type=int,
        default=list(DEFAULT_SIZES),
        help="numbers of training jets (default: %(default)s)",
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        default=[str(DEFAULT_SEEDS)],
        help="seeds per point, 0 to N-1: N for every model and MODEL=N for one model (default: 3)",
    )
    parser.add_argument(
        "--epochs",
        nargs="+",
        default=[str(DEFAULT_EPOCHS)],
        help="epoch budget: N for every model and MODEL=N for one model (default: 20)",
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=5,
        help="epochs without a lower validation loss before a run stops (default: 5)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="training processes at once, one torch thread each (default: 1)",
    )

    parser.add_argument("--report-dir", default="docs/img", help="directory of the table and plot")
    parser.add_argument(
        "--report-name", default="data_efficiency", help="file name stem of the table and plot"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="write the table and plot from the finished runs and train nothing",
    )

    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers {args.workers} must be at least 1")
    return args


def configure_logging() -> None:
    """Log INFO and above to stderr with timestamps; also run in each worker process."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    configure_logging()
    command = "benchmarks/data_efficiency.py " + " ".join(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    try:
        run_all(args, command)
    except JetgnnError as error:
        logger.error("%s", error)
        sys.exit(2)
    logger.info("done in %.0f s", time.perf_counter() - start)


if __name__ == "__main__":
    main()
