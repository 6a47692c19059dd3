"""Pictures of one jet as a graph in the (Delta eta, Delta phi) plane."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from jetgnn.errors import InvalidInputError
from jetgnn.graphs.features import (
    CHARGED_HADRONS,
    ELECTRON,
    MUON,
    NEUTRAL_HADRONS,
    PHOTON,
    relative_coordinates,
)
from jetgnn.graphs.graph import Graph
from jetgnn.graphs.registry import build_graph, graph_parameters

# Particle types in legend order with their colours (Okabe-Ito palette, readable with colour
# blindness). "other" only appears when a jet has a pid outside the five types, or no pid at all.
PARTICLE_TYPES = (
    ("charged hadron", "#0072B2"),
    ("neutral hadron", "#009E73"),
    ("photon", "#E69F00"),
    ("electron", "#CC79A7"),
    ("muon", "#D55E00"),
    ("other", "#7F7F7F"),
)
LABEL_NAMES = {1: "quark", 0: "gluon"}
JET_RADIUS = 0.4  # anti-kT R of the quark/gluon samples; drawn as a dashed circle
MAX_MARKER_AREA = 400.0  # points^2 of the hardest particle; marker area is proportional to pt
MIN_MARKER_AREA = 6.0  # points^2, so that the softest particles stay visible


def particle_types(pid: np.ndarray) -> np.ndarray:
    """Return the index into :data:`PARTICLE_TYPES` of each PDG id, int ``(n,)``."""
    abs_pid = np.abs(np.rint(pid)).astype(np.int64)
    types = np.full(abs_pid.shape, len(PARTICLE_TYPES) - 1, dtype=np.int64)
    types[np.isin(abs_pid, CHARGED_HADRONS)] = 0
    types[np.isin(abs_pid, NEUTRAL_HADRONS)] = 1
    types[abs_pid == PHOTON] = 2
    types[abs_pid == ELECTRON] = 3
    types[abs_pid == MUON] = 4
    return types


def plot_jet_graph(
    particles: np.ndarray | torch.Tensor,
    graph_name: str,
    ax: Axes | None = None,
    *,
    label: int | None = None,
    jet_index: int | None = None,
    **params: Any,
) -> Axes:
    """Draw one jet in the (Delta eta, Delta phi) plane with the edges of graph ``graph_name``.

    Particles are markers with area proportional to pt, coloured by type. Edges are drawn as
    undirected lines, so a pair that is connected in both directions shows one line. Edges of the
    "full" graph are coloured by their ln kT. "dynamic-knn" is drawn on (Delta eta, Delta phi),
    where it equals "knn", the graph of ParticleNet's first EdgeConv block.

    Args:
        particles: ``(n, 4)`` with columns ``(pt [GeV], y, phi [rad], pid)``; rows with pt <= 0
            are padding and are dropped.
        graph_name: a name of :data:`jetgnn.graphs.registry.GRAPH_CONSTRUCTIONS`.
        ax: axes to draw into; a new figure of 8.5 x 6.5 inches is made when None.
        label: the jet's label (quark = 1, gluon = 0) for the title, or None.
        jet_index: the jet's index in its file for the title, or None.
        params: parameters of the construction, for example ``k=8`` or ``radius=0.1``.

    Returns:
        The axes drawn into; ``ax.figure`` is the figure to save.
    """
    jet = _as_jet(particles)
    batch = torch.from_numpy(jet)[None]  # (1, n, 4)
    mask = torch.ones(batch.shape[:2], dtype=torch.bool)
    graph = build_graph(graph_name, batch, mask, **params)
    coordinates = relative_coordinates(batch, mask)[0].numpy()  # (n, 2)

    if ax is None:
        ax = Figure(figsize=(8.5, 6.5), layout="constrained").add_subplot()

    pairs, pair_values = _undirected_edges(graph)  # (E, 2), (E,) or None
    _draw_edges(ax, coordinates, pairs, pair_values)
    handles = _draw_particles(ax, coordinates, jet)
    title = _title(jet, graph_name, params, graph, len(pairs), label, jet_index)
    if pair_values is None:
        handles.append(Line2D([], [], color="0.35", linewidth=0.8, label="edge"))
    _decorate(ax, coordinates, handles, title)
    return ax


def check_picture_path(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a Path, or raise InvalidInputError if a picture cannot be written there."""
    path = Path(path)
    supported = FigureCanvasBase.get_supported_filetypes()
    if path.suffix.lstrip(".").lower() not in supported:
        raise InvalidInputError(
            f"invalid picture path {str(path)!r}: unknown suffix {path.suffix!r}; "
            f"use one of: {', '.join('.' + name for name in sorted(supported))}"
        )
    if not path.parent.is_dir():
        raise InvalidInputError(
            f"invalid picture path {str(path)!r}: directory {str(path.parent)!r} not found; "
            "create it first"
        )
    return path


def save_figure(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``figure`` to ``path`` atomically, in the format of its suffix (png, pdf, svg, ...)."""
    path = check_picture_path(path)
    file_format = path.suffix.lstrip(".").lower()

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            figure.savefig(stream, format=file_format, dpi=150)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; a picture is meant to be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _as_jet(particles: np.ndarray | torch.Tensor) -> np.ndarray:
    """Return the real particles of one jet as float32 ``(n, 4)``, or raise for bad input."""
    if isinstance(particles, torch.Tensor):
        particles = particles.detach().cpu().numpy()
    jet = np.asarray(particles, dtype=np.float32)
    if jet.ndim != 2 or jet.shape[1] != 4:
        raise InvalidInputError(
            f"a jet must be an (n, 4) array of (pt, y, phi, pid); got shape {jet.shape}"
        )
    jet = jet[jet[:, 0] > 0]
    if len(jet) == 0:
        raise InvalidInputError("the jet has no particle with pt > 0; there is nothing to draw")
    return jet


def _undirected_edges(graph: Graph) -> tuple[np.ndarray, np.ndarray | None]:
    """Return unique (i, j) pairs with i < j, ``(E, 2)``, and their ln kT when the graph has it."""
    edges = graph.edge_list(0).numpy()  # (2, E directed)
    pairs = np.sort(edges.T, axis=1)
    pairs, first = np.unique(pairs, axis=0, return_index=True)
    if graph.edge_features is None or len(pairs) == 0:
        return pairs.reshape(-1, 2), None
    log_kt = graph.edge_features[0][graph.valid[0]][:, 1].numpy()  # same order as edge_list
    return pairs, log_kt[first]


def _draw_edges(ax: Axes, coordinates: np.ndarray, pairs: np.ndarray, values) -> None:
    if len(pairs) == 0:
        return
    segments = coordinates[pairs]  # (E, 2 ends, 2 coordinates)
    if values is None:
        lines = LineCollection(segments, colors="0.35", linewidths=0.8, alpha=0.6, zorder=1)
        ax.add_collection(lines)
        return

    # Lowest kT first, so the pairs with the largest kT are drawn on top.
    order = np.argsort(values)
    lines = LineCollection(
        segments[order], array=values[order], cmap="viridis", linewidths=0.5, alpha=0.5, zorder=1
    )
    ax.add_collection(lines)
    colorbar = ax.figure.colorbar(lines, ax=ax, location="bottom", shrink=0.7, pad=0.02)
    colorbar.set_label("edge ln kT  (kT = min(pt_i, pt_j) Delta R, in GeV)")
    colorbar.solids.set_alpha(1.0)


def _draw_particles(ax: Axes, coordinates: np.ndarray, jet: np.ndarray) -> list[Line2D]:
    """Draw the particles and return legend handles for their types and the pt scale."""
    pt = jet[:, 0]
    pt_max = float(pt.max())
    area = np.maximum(MAX_MARKER_AREA * pt / pt_max, MIN_MARKER_AREA)
    types = particle_types(jet[:, 3])
    handles = []
    for type_index, (name, colour) in enumerate(PARTICLE_TYPES):
        selected = types == type_index
        if not selected.any():
            continue
        ax.scatter(
            coordinates[selected, 0],
            coordinates[selected, 1],
            s=area[selected],
            c=colour,
            edgecolors="black",
            linewidths=0.4,
            alpha=0.9,
            zorder=2,
        )
        handles.append(
            _legend_marker(f"{name} ({int(selected.sum())})", 60.0, colour),
        )

    for reference in _reference_pts(pt_max):
        reference_area = max(MAX_MARKER_AREA * reference / pt_max, MIN_MARKER_AREA)
        handles.append(_legend_marker(f"pt = {reference:g} GeV", reference_area, "white"))
    return handles


def _legend_marker(name: str, area: float, colour: str) -> Line2D:
    """Return a legend handle: a circle of ``area`` points^2, as scatter draws it."""
    return Line2D(
        [],
        [],
        linestyle="none",
        marker="o",
        markersize=math.sqrt(area),
        markerfacecolor=colour,
        markeredgecolor="black",
        markeredgewidth=0.5,
        label=name,
    )


def _reference_pts(pt_max: float) -> list[float]:
    """Return up to three round pt values (1, 10, 100 GeV, ...) at or below ``pt_max``."""
    top = 10 ** math.floor(math.log10(pt_max))
    return [value for value in (top / 100, top / 10, top) if value >= 1][-3:] or [top]


def _decorate(ax: Axes, coordinates: np.ndarray, handles: list[Line2D], title: str) -> None:
    ax.add_patch(
        Circle((0, 0), JET_RADIUS, fill=False, linestyle="--", linewidth=0.8, edgecolor="0.5")
    )
    extent = max(JET_RADIUS * 1.1, float(np.abs(coordinates).max()) * 1.05)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("Delta eta to the jet axis (unitless)")
    ax.set_ylabel("Delta phi to the jet axis [rad]")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    ax.set_title(title, fontsize=10)

    handles = [
        *handles,
        Line2D(
            [], [], color="0.5", linestyle="--", linewidth=0.8, label=f"Delta R = {JET_RADIUS:g}"
        ),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, labelspacing=1.2
    )


def _title(
    jet: np.ndarray,
    graph_name: str,
    params: dict[str, Any],
    graph: Graph,
    num_lines: int,
    label: int | None,
    jet_index: int | None,
) -> str:
    jet_name = "jet" if label is None else LABEL_NAMES.get(label, f"label {label}")
    prefix = "" if jet_index is None else f"jet {jet_index}: "
    # Defaults are shown too, so the title states every setting the picture was made with.
    effective = {**graph_parameters(graph_name), **params}
    settings = ", ".join(f"{key}={value}" for key, value in effective.items() if key != "features")
    graph_text = f"{graph_name} ({settings})" if settings else graph_name
    if graph_name == "dynamic-knn":
        graph_text += ", first block = knn"
    return (
        f"{prefix}{jet_name}, {len(jet)} particles, scalar sum pt = {jet[:, 0].sum():.0f} GeV\n"
        f"graph {graph_text}: {int(graph.num_edges()[0])} directed edges, drawn as {num_lines} lines"
    )
