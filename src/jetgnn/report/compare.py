"""The main job, ``jetgnn compare``: train several models, evaluate them on the same test jets,
and write results.json, report.md (with figures/) and a self-contained report.html.

Runs live in OUT/runs/<model>-seed<k>/. A finished run is reused, an unfinished one is resumed by
the trainer, and an evaluation is reused when its metrics.json matches the checkpoint and
settings, so rerunning the same command only rebuilds the report.
"""

from __future__ import annotations

import logging
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from jetgnn import __version__
from jetgnn.atomic import write_atomic_bytes
from jetgnn.data import JetStore, open_jets
from jetgnn.errors import InvalidInputError, MissingInputError
from jetgnn.evaluation.bootstrap import DEFAULT_CONFIDENCE, DEFAULT_N_RESAMPLES
from jetgnn.evaluation.evaluate import EvaluationOptions, evaluate_run, find_reusable_metrics
from jetgnn.evaluation.files import PREDICTIONS_FILE, read_predictions, write_json_file
from jetgnn.report.dataset import describe_dataset
from jetgnn.report.discussion import write_discussion
from jetgnn.report.document import REPORT_TITLE, build_sections
from jetgnn.report.labels import model_label
from jetgnn.report.plots import (
    plot_architecture_graph,
    plot_roc_curves,
    plot_score_distributions,
    plot_training_curves,
)
from jetgnn.report.render import Image, to_html, to_markdown
from jetgnn.report.results import RunRecord, build_results
from jetgnn.training.checkpoint import read_history, read_summary
from jetgnn.training.config import TrainConfig
from jetgnn.training.trainer import train

logger = logging.getLogger(__name__)

RESULTS_FILE = "results.json"
REPORT_MARKDOWN = "report.md"
REPORT_HTML = "report.html"
FIGURE_DIRECTORY = "figures"
RUNS_DIRECTORY = "runs"


@dataclass(frozen=True)
class CompareOptions:
    """Settings of one comparison. batch_size is the training batch size."""

    models: tuple[str, ...]
    data: str
    out: str
    seeds: int = 1
    epochs: int = 20
    max_train_jets: int | None = None
    threads: int | None = None
    batch_size: int = 256
    device: str = "auto"
    inference_batch_size: int = 1024
    n_resamples: int = DEFAULT_N_RESAMPLES
    bootstrap_seed: int = 0
    command: str = ""


def validate_options(options: CompareOptions) -> None:
    """Raise InvalidInputError or MissingInputError naming the first unusable option."""
    from jetgnn.models.registry import MODELS

    if not options.models:
        raise InvalidInputError("--models is empty. Name at least one model, e.g. pfn.")
    unknown = [name for name in options.models if name not in MODELS]
    if unknown:
        raise InvalidInputError(
            f"unknown model(s) {', '.join(unknown)} in --models. Choose from {', '.join(MODELS)}."
        )
    duplicates = sorted({name for name in options.models if options.models.count(name) > 1})
    if duplicates:
        raise InvalidInputError(f"--models names {', '.join(duplicates)} more than once")
    if options.seeds < 1:
        raise InvalidInputError(f"--seeds {options.seeds} must be at least 1")
    if options.epochs < 1:
        raise InvalidInputError(f"--epochs {options.epochs} must be at least 1")
    data = Path(options.data)
    if not data.exists():
        raise MissingInputError(
            f"jet store {data} does not exist. Create it with 'jetgnn generate'."
        )
    if not data.is_dir():
        raise InvalidInputError(
            f"--data {data} is not a jet store directory. compare needs the train, val and test "
            "splits of a store, so convert .npz files with 'jetgnn data import' first"
        )


def run_directory(out: Path, model: str, seed: int) -> Path:
    """Return OUT/runs/<model>-seed<seed>."""
    return out / RUNS_DIRECTORY / f"{model}-seed{seed}"


def evaluation_device(device: str) -> str:
    """Resolve the training device option to a device for evaluation ('auto' picks cuda if any)."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def describe_hardware(device: str) -> str:
    """Describe where timings were taken: the GPU name, or the CPU model and torch threads."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(torch.device(device))}"
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    threads = torch.get_num_threads()
    return f"CPU {cpu} ({os.cpu_count()} cores, torch using {threads} of them)"


def train_and_evaluate(
    options: CompareOptions, model: str, seed: int, test_indices: np.ndarray, labels: np.ndarray
) -> RunRecord:
    """Train (or reuse) one run and evaluate (or reuse) it on the test split of the store."""
    run_dir = run_directory(Path(options.out), model, seed)
    config = TrainConfig(
        model=model,
        data=str(Path(options.data).resolve()),
        out=str(run_dir),
        epochs=options.epochs,
        batch_size=options.batch_size,
        max_train_jets=options.max_train_jets,
        seed=seed,
        threads=options.threads,
        device=options.device,
    )
    result = train(config)
    logger.info("%s seed %d: trained %d epochs into %s", model, seed, result.epochs_run, run_dir)

    evaluation = EvaluationOptions(
        split="test",
        batch_size=options.inference_batch_size,
        threads=options.threads,
        device=evaluation_device(options.device),
        n_resamples=options.n_resamples,
        seed=options.bootstrap_seed,
    )
    metrics = find_reusable_metrics(run_dir, options.data, evaluation)
    if metrics is None:
        metrics = evaluate_run(run_dir, options.data, evaluation)
    else:
        logger.info("%s seed %d: reusing the evaluation in %s", model, seed, run_dir)

    jet_indices, run_labels, p_quark = read_predictions(run_dir / PREDICTIONS_FILE)
    if not np.array_equal(jet_indices, test_indices) or not np.array_equal(run_labels, labels):
        raise InvalidInputError(
            f"{run_dir / PREDICTIONS_FILE} does not list the test jets of {options.data} in order; "
            "delete it and rerun so the run is evaluated again"
        )
    summary = read_summary(run_dir) or result.to_dict()
    return RunRecord(
        model=model,
        seed=seed,
        run_dir=str(run_dir),
        metrics=metrics,
        summary=summary,
        history=read_history(run_dir),
        p_quark=p_quark,
    )


def make_figures(
    runs: dict[str, list[RunRecord]], labels: np.ndarray, source: JetStore, example_jet: int
) -> dict[str, Image]:
    """Draw the report's figures, whose curves use the first seed of each model."""
    first_scores = {name: records[0].p_quark for name, records in runs.items()}
    figures = {
        "roc": Image(
            "roc.png",
            "Gluon rejection 1/eps_B against quark efficiency eps_S on the test jets (first seed).",
            plot_roc_curves(labels, first_scores),
        ),
        "scores": Image(
            "scores.png",
            "P(quark) of quark and gluon test jets (first seed).",
            plot_score_distributions(labels, first_scores),
        ),
        "training": Image(
            "training.png",
            "Loss and validation ROC AUC per epoch, every seed.",
            plot_training_curves(
                {name: [record.history for record in records] for name, records in runs.items()}
            ),
        ),
    }
    particles = source.particles(example_jet)
    label = int(source.labels[example_jet])
    for name in runs:
        png = plot_architecture_graph(name, particles, label, example_jet)
        if png is not None:
            figures[f"graph-{name}"] = Image(
                f"graph-{name}.png",
                f"Test jet {example_jet} as the input graph of {model_label(name)}.",
                png,
            )
    return figures


def write_report(out: Path, results: dict[str, Any], figures: dict[str, Image]) -> None:
    """Write the figures, report.md, report.html and results.json into out, each atomically."""
    for image in figures.values():
        write_atomic_bytes(out / FIGURE_DIRECTORY / image.file_name, image.png)
    sections = build_sections(results, figures)
    markdown = to_markdown(REPORT_TITLE, sections, FIGURE_DIRECTORY)
    write_atomic_bytes(out / REPORT_MARKDOWN, markdown.encode("utf-8"))
    write_atomic_bytes(out / REPORT_HTML, to_html(REPORT_TITLE, sections).encode("utf-8"))
    write_json_file(out / RESULTS_FILE, results)


def run_compare(options: CompareOptions) -> dict[str, Any]:
    """Train, evaluate and compare options.models on options.data, returning results.json's content."""
    validate_options(options)
    if options.threads is not None:
        torch.set_num_threads(options.threads)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    source = open_jets(options.data)
    test_indices = source.split("test")
    if test_indices.size == 0:
        raise InvalidInputError(f"the test split of {options.data} is empty. Use a larger store.")
    labels = np.asarray(source.labels[test_indices], dtype=np.int64)

    jobs = [(model, seed) for model in options.models for seed in range(options.seeds)]
    runs: dict[str, list[RunRecord]] = {model: [] for model in options.models}
    for model, seed in tqdm(jobs, desc="compare", unit="run"):
        runs[model].append(train_and_evaluate(options, model, seed, test_indices, labels))

    logger.info("bootstrapping %d models on %d test jets", len(runs), labels.size)
    results = build_results(
        runs, labels, options.n_resamples, DEFAULT_CONFIDENCE, options.bootstrap_seed
    )
    n_train = source.split("train").size
    train_jets = n_train if options.max_train_jets is None else min(n_train, options.max_train_jets)
    results = {
        "jetgnn_version": __version__,
        "torch_version": torch.__version__,
        "command": options.command,
        "data": str(Path(options.data).resolve()),
        "seeds": options.seeds,
        "epochs": options.epochs,
        "max_train_jets": options.max_train_jets,
        "train_jets": int(train_jets),
        "test_jets": int(labels.size),
        "test_quark": int(labels.sum()),
        "test_gluon": int(labels.size - labels.sum()),
        "bootstrap_resamples": options.n_resamples,
        "bootstrap_seed": options.bootstrap_seed,
        "confidence": DEFAULT_CONFIDENCE,
        "hardware": describe_hardware(evaluation_device(options.device)),
        "dataset": describe_dataset(source, test_indices),
        **results,
    }
    results["discussion"] = write_discussion(results)

    figures = make_figures(runs, labels, source, int(test_indices[0]))
    write_report(out, results, figures)
    logger.info("wrote %s, %s and %s in %s", RESULTS_FILE, REPORT_MARKDOWN, REPORT_HTML, out)
    return results
