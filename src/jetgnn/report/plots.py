"""Figures of the comparison report, each returned as PNG bytes for embedding.

Figures are drawn on matplotlib Figure objects with the Agg canvas, without pyplot, so nothing
depends on a display or on global figure state.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from jetgnn.evaluation.metrics import roc_curve
from jetgnn.report.labels import model_label

logger = logging.getLogger(__name__)

# Graph construction drawn for each architecture: ParticleNet's first EdgeConv block uses a kNN
# graph in (Delta eta, Delta phi) with k = 16 (k = 7 for ParticleNet-Lite), while EFN and PFN
# sum over particles without edges.
ARCHITECTURE_GRAPHS = {
    "particlenet": ("knn", {"k": 16}),
    "particlenet-lite": ("knn", {"k": 7}),
    "efn": ("none", {}),
    "pfn": ("none", {}),
}
DPI = 110


def figure_png(figure: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def plot_roc_curves(labels: np.ndarray, scores: dict[str, np.ndarray]) -> bytes:
    """Plot gluon rejection 1/eps_B against quark efficiency eps_S (log y), one line per model.

    scores maps model name -> (N,) P(quark) of one run on the test jets.
    """
    figure = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = figure.add_subplot()
    for name, model_scores in scores.items():
        eps_s, eps_b, _ = roc_curve(labels, model_scores)
        passing = eps_b > 0  # 1/eps_B is unbounded where no gluon jet passes
        ax.plot(eps_s[passing], 1.0 / eps_b[passing], label=model_label(name))
    ax.set_yscale("log")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("quark efficiency eps_S")
    ax.set_ylabel("gluon rejection 1/eps_B")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return figure_png(figure)


def plot_score_distributions(labels: np.ndarray, scores: dict[str, np.ndarray]) -> bytes:
    """Plot histograms of P(quark) for quark and gluon test jets, one panel per model."""
    n_models = len(scores)
    figure = Figure(figsize=(4.0 * n_models, 3.6), layout="constrained")
    axes = figure.subplots(1, n_models, squeeze=False)[0]
    bins = np.linspace(0.0, 1.0, 41)
    for ax, (name, model_scores) in zip(axes, scores.items(), strict=True):
        ax.hist(model_scores[labels == 1], bins=bins, histtype="step", density=True, label="quark")
        ax.hist(model_scores[labels == 0], bins=bins, histtype="step", density=True, label="gluon")
        ax.set_title(model_label(name))
        ax.set_xlabel("P(quark)")
        ax.set_ylabel("jets (normalised)")
        ax.legend()
    return figure_png(figure)


def plot_training_curves(histories: dict[str, list[list[dict[str, Any]]]]) -> bytes:
    """Plot training and validation loss and validation AUC per epoch for every run.

    histories maps model name -> one history.jsonl record list per seed.
    """
    figure = Figure(figsize=(11.0, 4.2), layout="constrained")
    loss_ax, auc_ax = figure.subplots(1, 2)
    colours = [f"C{index}" for index in range(10)]
    for colour_index, (name, runs) in enumerate(histories.items()):
        colour = colours[colour_index % len(colours)]
        for seed_index, history in enumerate(runs):
            epochs = [record["epoch"] for record in history]
            label = model_label(name) if seed_index == 0 else None
            loss_ax.plot(
                epochs, [record["val_loss"] for record in history], color=colour, label=label
            )
            loss_ax.plot(
                epochs, [record["train_loss"] for record in history], color=colour, linestyle=":"
            )
            auc_ax.plot(
                epochs, [record["val_auc"] for record in history], color=colour, label=label
            )
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("loss (solid: validation, dotted: training)")
    auc_ax.set_xlabel("epoch")
    auc_ax.set_ylabel("validation ROC AUC")
    for ax in (loss_ax, auc_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend()
    return figure_png(figure)


def plot_architecture_graph(
    model: str, particles: np.ndarray, label: int, jet_index: int
) -> bytes | None:
    """Draw one jet with the graph that the model's first layer uses; None for unknown models."""
    from jetgnn.graphs.plot import plot_jet_graph

    if model not in ARCHITECTURE_GRAPHS:
        logger.info(
            "no graph picture for model %r, which has no entry in ARCHITECTURE_GRAPHS", model
        )
        return None
    graph_name, params = ARCHITECTURE_GRAPHS[model]
    figure = Figure(figsize=(6.8, 5.2), layout="constrained")
    ax = figure.add_subplot()
    plot_jet_graph(particles, graph_name, ax=ax, label=label, jet_index=jet_index, **params)
    ax.set_title(f"{model_label(model)}: {ax.get_title()}", fontsize="small")
    return figure_png(figure)
