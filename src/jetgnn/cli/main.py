"""Entry point of the ``jetgnn`` command: one sub-command per job, each defined in its own module."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from jetgnn import __version__
from jetgnn.errors import JetgnnError

# Each module defines ``add_parsers(subparsers)``, which registers its sub-commands and sets
# ``func`` on each, a callable that takes the parsed arguments and returns an exit status.
COMMAND_MODULES = (
    "jetgnn.cli.data_commands",
    "jetgnn.cli.graph_commands",
    "jetgnn.cli.train_commands",
    "jetgnn.cli.evaluate_commands",
    "jetgnn.cli.compare_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command that is installed."""
    parser = argparse.ArgumentParser(
        prog="jetgnn",
        description="Quark/gluon jet tagging with graph neural networks.",
    )
    parser.add_argument("--version", action="version", version=f"jetgnn {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue
            raise
        module.add_parsers(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``jetgnn`` command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose + 1, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except JetgnnError as error:
        print(f"jetgnn {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"jetgnn {args.command}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
