"""The sections of the comparison report, built from results.json and the figures."""

from __future__ import annotations

import json
from typing import Any

from jetgnn.evaluation.resampling import METRIC_NAMES
from jetgnn.report.dataset import PROVENANCE_FIELDS
from jetgnn.report.discussion import write_discussion
from jetgnn.report.labels import (
    METRIC_LABELS,
    format_difference,
    format_metric,
    format_p_value,
    format_seconds,
    model_label,
)
from jetgnn.report.published import PUBLISHED_RESULTS, TEST_JETS, TRAINING_JETS
from jetgnn.report.render import Image, Preformatted, Section, Table

REPORT_TITLE = "jetgnn: quark/gluon tagger comparison"


def _metric_cell(metric: str, entry: dict[str, Any], n_seeds: int) -> str:
    """Format 'mean ± std [low, high]' with the bootstrap interval, without ± for one seed."""
    text = format_metric(metric, entry["mean"])
    if n_seeds > 1 and entry["std"] is not None:
        text += f" ± {format_metric(metric, entry['std'])}"
    low, high = entry["ci"]
    return f"{text} [{format_metric(metric, low)}, {format_metric(metric, high)}]"


def results_section(results: dict[str, Any]) -> Section:
    """Build the table of our models' metrics and costs."""
    n_seeds = int(results["seeds"])
    header = ["model", "parameters", *(METRIC_LABELS[m] for m in METRIC_NAMES)]
    header += ["training time per seed", "inference jets/s"]
    rows = []
    for name, entry in results["models"].items():
        row = [model_label(name), f"{entry['parameter_count']:,}"]
        row += [_metric_cell(m, entry["metrics"][m], n_seeds) for m in METRIC_NAMES]
        row += [
            format_seconds(entry["train_seconds"]["mean"]),
            f"{entry['inference_jets_per_second']['mean']:,.0f}",
        ]
        rows.append(row)
    confidence = round(100 * results["confidence"])
    spread = (
        f"Values are the mean ± standard deviation over {n_seeds} training seeds"
        if n_seeds > 1
        else "Values are from one training seed per model"
    )
    intro = (
        f"Test split: {results['test_jets']:,} jets ({results['test_quark']:,} quark, "
        f"{results['test_gluon']:,} gluon). {spread}, and brackets give the "
        f"{confidence}% bootstrap interval over test jets ({results['bootstrap_resamples']} "
        f"resamples). Training: {results['train_jets']:,} jets, at most {results['epochs']} epochs."
    )
    return Section("Results", [intro, Table(header, rows)])


def comparisons_section(results: dict[str, Any]) -> Section | None:
    """Build the tables of paired differences (and DeLong's test), or None for one model."""
    if not results["comparisons"]:
        return None
    header = ["A", "B", "metric", "A - B", "interval", "p-value", "significant"]

    def rows_of(entries: list[dict[str, Any]]) -> list[list[str]]:
        rows = []
        for entry in entries:
            metric = entry["metric"]
            interval = (
                f"{format_difference(metric, entry['ci_low'])} to "
                f"{format_difference(metric, entry['ci_high'])}"
            )
            rows.append(
                [
                    model_label(entry["model_a"]),
                    model_label(entry["model_b"]),
                    METRIC_LABELS[metric],
                    format_difference(metric, entry["difference"]),
                    interval,
                    format_p_value(entry["p_value"]),
                    "yes" if entry["significant"] else "no",
                ]
            )
        return rows

    confidence = round(100 * results["confidence"])
    blocks: list = [
        f"Paired bootstrap over the same test jets ({results['bootstrap_resamples']} resamples): "
        f"the difference of the seed means of A and B, its {confidence}% interval and a two-sided "
        f"p-value, whose smallest possible value is 2/(resamples + 1) = "
        f"{2 / (results['bootstrap_resamples'] + 1):.4f}. A difference is significant when its "
        "interval excludes zero.",
        Table(header, rows_of(results["comparisons"])),
    ]
    if results["delong"]:
        blocks.append("DeLong's test of the ROC AUC difference (one run per model):")
        blocks.append(Table(header, rows_of(results["delong"])))
    return Section("Significance of the differences", blocks)


def dataset_section(dataset: dict[str, Any]) -> Section:
    """Build the description of the jet store: provenance, splits, multiplicity per class."""
    blocks: list = [f"Jet store {dataset['path']} with {dataset['n_jets']:,} jets."]
    labels = dict(PROVENANCE_FIELDS)
    provenance_rows = [[labels[key], str(value)] for key, value in dataset["provenance"].items()]
    if provenance_rows:
        blocks.append(Table(["property", "value"], provenance_rows))
    split_rows = [
        [name, f"{entry['jets']:,}", f"{entry['quark']:,}", f"{entry['gluon']:,}"]
        for name, entry in dataset["splits"].items()
    ]
    blocks.append(Table(["split", "jets", "quark", "gluon"], split_rows))

    multiplicity_rows = []
    for sample, per_class in dataset["multiplicity"].items():
        row = [sample]
        for class_name in ("quark", "gluon"):
            entry = per_class[class_name]
            if entry["mean"] is None:
                row.append("n/a")
            else:
                row.append(f"{entry['mean']:.1f} ± {entry['std']:.1f}")
        multiplicity_rows.append(row)
    blocks.append("Particle multiplicity per jet (mean ± standard deviation):")
    blocks.append(Table(["jets", "quark", "gluon"], multiplicity_rows))

    if dataset.get("pythia_settings"):
        blocks.append("Pythia settings per jet kind:")
        blocks.append(Preformatted(json.dumps(dataset["pythia_settings"], indent=2)))
    return Section("Dataset", blocks)


def published_section() -> Section:
    """Build the table of published results on the public quark/gluon sample."""

    def cell(metric: str, value: float | None) -> str:
        return "" if value is None else format_metric(metric, value)

    rows = [
        [
            row.model,
            row.particle_id,
            cell("accuracy", row.accuracy),
            cell("auc", row.auc),
            cell("rejection_at_30", row.rejection_at_30),
            cell("rejection_at_50", row.rejection_at_50),
            ", ".join(f"arXiv:{arxiv}" for arxiv in row.arxiv),
        ]
        for row in PUBLISHED_RESULTS
    ]
    header = [
        "model",
        "particle ID",
        "accuracy",
        "ROC AUC",
        "1/eps_B at eps_S = 30%",
        "1/eps_B at eps_S = 50%",
        "source",
    ]
    intro = (
        f"Published results, trained on {TRAINING_JETS / 1e6:.1f}M jets and tested on "
        f"{TEST_JETS:,} jets of the public Pythia 8 quark/gluon sample (arXiv:1810.05165). They "
        "are not measured on our test jets and our models were trained on far fewer jets, so they "
        "show what the architectures reach with the full sample, not a like-for-like comparison. "
        "Several values were read from summary tables of later papers."
    )
    return Section(
        "Published results (trained on 1.6M jets of the public sample)",
        [intro, Table(header, rows)],
    )


def settings_section(results: dict[str, Any]) -> Section:
    """Build the list of settings and the command that produced the report."""
    lines = [
        f"command: {results['command']}",
        f"models: {', '.join(results['models'])}",
        f"training seeds: {results['seeds']}",
        f"epochs (maximum): {results['epochs']}",
        f"training jets: {results['train_jets']}",
        f"bootstrap resamples: {results['bootstrap_resamples']}, seed {results['bootstrap_seed']}",
        f"hardware: {results['hardware']}",
        f"jetgnn {results['jetgnn_version']}, torch {results['torch_version']}",
    ]
    return Section("Settings", [Preformatted("\n".join(lines))])


def build_sections(results: dict[str, Any], figures: dict[str, Image]) -> list[Section]:
    """Return every section of the report in order. figures maps a figure name to its Image."""
    sections = [results_section(results)]
    sections.append(Section("Discussion", write_discussion(results)))
    comparisons = comparisons_section(results)
    if comparisons is not None:
        sections.append(comparisons)
    curve_names = ("roc", "scores", "training")
    sections.append(Section("Curves", [figures[name] for name in curve_names if name in figures]))
    graph_figures = [image for name, image in figures.items() if name.startswith("graph-")]
    if graph_figures:
        sections.append(Section("Jet graphs of each architecture", graph_figures))
    sections.append(dataset_section(results["dataset"]))
    sections.append(published_section())
    sections.append(settings_section(results))
    return sections
