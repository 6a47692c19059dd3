"""Sub-commands about jets as graphs: ``jetgnn show-graph``."""

from __future__ import annotations

import argparse
import logging

from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)

# Kept in step with jetgnn.graphs.registry.GRAPH_CONSTRUCTIONS, which is not imported here so that
# ``jetgnn --help`` does not import torch. build_graph still checks the name.
GRAPH_NAMES = ("knn", "dynamic-knn", "delta-r", "full", "none")


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``show-graph``."""
    parser = subparsers.add_parser(
        "show-graph",
        help="draw one jet and the edges of a graph construction to a picture",
        description=(
            "Draw one jet in the (Delta eta, Delta phi) plane, particles sized by pt and coloured "
            "by type, with the edges of the chosen graph construction."
        ),
    )
    parser.add_argument(
        "--data", required=True, metavar="PATH", help="jet store directory or energyflow .npz file"
    )
    parser.add_argument(
        "--jet", required=True, type=int, metavar="INDEX", help="index of the jet, from 0"
    )
    parser.add_argument(
        "--graph",
        default="knn",
        metavar="NAME",
        help=f"graph construction, one of: {', '.join(GRAPH_NAMES)} (default: knn)",
    )
    parser.add_argument(
        "--k", type=int, help="neighbours per particle for knn and dynamic-knn (default: 16)"
    )
    parser.add_argument(
        "--radius", type=float, help="Delta R radius of the delta-r graph (default: 0.1)"
    )
    parser.add_argument(
        "--max-neighbours",
        type=int,
        help="maximum neighbours per particle of the delta-r graph, nearest first (default: 16)",
    )
    parser.add_argument(
        "--out", required=True, metavar="FILE", help="picture to write; .png, .pdf or .svg"
    )
    parser.set_defaults(func=run_show_graph)


def run_show_graph(args: argparse.Namespace) -> int:
    """Draw jet ``args.jet`` of ``args.data`` with graph ``args.graph`` and write ``args.out``."""
    from jetgnn.data import open_jets
    from jetgnn.graphs.plot import check_picture_path, plot_jet_graph, save_figure
    from jetgnn.graphs.registry import graph_parameters

    options = {"k": args.k, "radius": args.radius, "max_neighbours": args.max_neighbours}
    params = {name: value for name, value in options.items() if value is not None}
    accepted = graph_parameters(args.graph)  # raises for an unknown graph, listing the valid ones
    for name in params:
        if name not in accepted:
            flags = ", ".join("--" + key.replace("_", "-") for key in accepted if key in options)
            raise InvalidInputError(
                f"--{name.replace('_', '-')} does not apply to --graph {args.graph}; "
                f"its options are: {flags or 'none'}"
            )

    check_picture_path(args.out)
    jets = open_jets(args.data)
    if not 0 <= args.jet < len(jets):
        raise InvalidInputError(
            f"--jet {args.jet} is out of range; {args.data} has {len(jets)} jets, "
            f"so use an index from 0 to {len(jets) - 1}"
        )
    particles = jets.particles(args.jet)
    label = int(jets.labels[args.jet])

    ax = plot_jet_graph(particles, args.graph, label=label, jet_index=args.jet, **params)
    path = save_figure(ax.figure, args.out)
    logger.info(
        "wrote jet %d (%d particles) with graph %s to %s",
        args.jet,
        len(particles),
        args.graph,
        path,
    )
    print(path)
    return 0
