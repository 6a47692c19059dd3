"""Graph constructions by name, for configuration files, the command line and pictures."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import torch

from jetgnn.errors import InvalidInputError
from jetgnn.graphs.constructions import (
    delta_r_graph,
    dynamic_knn_graph,
    empty_graph,
    full_graph,
    knn_graph,
)
from jetgnn.graphs.graph import Graph


def _dynamic_knn_from_particles(
    particles: torch.Tensor,
    mask: torch.Tensor,
    k: int = 16,
    features: torch.Tensor | None = None,
) -> Graph:
    """Build the dynamic kNN graph on ``features``, or on (Delta eta, Delta phi) when None.

    Without features this is the graph of the first EdgeConv block, which equals "knn". Later
    blocks only exist inside a model, which passes its own learned features.
    """
    if features is None:
        return knn_graph(particles, mask, k=k)
    return dynamic_knn_graph(features, mask, k=k)


GRAPH_CONSTRUCTIONS: MappingProxyType[str, Callable[..., Graph]] = MappingProxyType(
    {
        "knn": knn_graph,
        "dynamic-knn": _dynamic_knn_from_particles,
        "delta-r": delta_r_graph,
        "full": full_graph,
        "none": empty_graph,
    }
)


def graph_parameters(name: str) -> dict[str, Any]:
    """Return the parameters of construction ``name`` with their default values."""
    construction = _lookup(name)
    parameters = list(inspect.signature(construction).parameters.values())[2:]
    return {parameter.name: parameter.default for parameter in parameters}


def build_graph(name: str, particles: torch.Tensor, mask: torch.Tensor, **params: Any) -> Graph:
    """Build the graph ``name`` for a padded batch ``particles`` ``(B, P, 4)``, ``mask`` ``(B, P)``.

    ``params`` are the keyword parameters of the construction (see :func:`graph_parameters`), for
    example ``k`` for "knn" or ``radius`` and ``max_neighbours`` for "delta-r". An unknown name or
    parameter raises InvalidInputError that lists the valid ones.
    """
    construction = _lookup(name)
    accepted = graph_parameters(name)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        valid = ", ".join(accepted) or "none"
        raise InvalidInputError(
            f"graph {name!r} does not take the parameter(s) {', '.join(unknown)}; "
            f"its parameters are: {valid}"
        )
    return construction(particles, mask, **params)


def _lookup(name: str) -> Callable[..., Graph]:
    try:
        return GRAPH_CONSTRUCTIONS[name]
    except KeyError:
        valid = ", ".join(GRAPH_CONSTRUCTIONS)
        raise InvalidInputError(f"unknown graph {name!r}; choose one of: {valid}") from None
