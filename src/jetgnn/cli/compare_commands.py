"""Sub-command ``jetgnn compare``: train several models, evaluate them and write the report."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys

logger = logging.getLogger(__name__)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``compare``."""
    parser = subparsers.add_parser(
        "compare",
        help="train and evaluate several models on one jet store and write a report",
        description=(
            "Train each model (K seeds each) on a jet store, evaluate every run on the same test "
            "jets and write OUT/results.json, OUT/report.md with OUT/figures/, and a "
            "self-contained OUT/report.html. Finished runs and evaluations are reused and "
            "unfinished runs resumed, so the same command can be rerun after an interruption."
        ),
    )
    parser.add_argument(
        "--models",
        required=True,
        metavar="LIST",
        help="comma-separated registered models, e.g. particlenet-lite,pfn",
    )
    parser.add_argument("--data", required=True, metavar="STORE", help="jet store directory")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--seeds", type=int, default=1, metavar="K", help="training seeds per model (default: 1)"
    )
    parser.add_argument(
        "--epochs", type=int, default=20, metavar="E", help="maximum epochs per run (default: 20)"
    )
    parser.add_argument(
        "--max-train-jets",
        type=int,
        metavar="N",
        help="train on a seeded subset of N jets of the train split (default: all)",
    )
    parser.add_argument(
        "--threads", type=int, metavar="T", help="torch CPU threads (default: torch's choice)"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=256,
        metavar="B",
        help="training batch size (default: 256)",
    )
    parser.add_argument(
        "--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)"
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples of the test jets for intervals and p-values (default: 1000)",
    )
    parser.set_defaults(func=run_compare_command)


def parse_models(text: str) -> tuple[str, ...]:
    """Split a comma-separated model list, dropping blanks around names."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def run_compare_command(args: argparse.Namespace) -> int:
    """Run the comparison and print where the report is."""
    from jetgnn.report.compare import (
        REPORT_HTML,
        REPORT_MARKDOWN,
        RESULTS_FILE,
        CompareOptions,
        run_compare,
    )
    from jetgnn.report.labels import format_metric, model_label

    options = CompareOptions(
        models=parse_models(args.models),
        data=args.data,
        out=args.out,
        seeds=args.seeds,
        epochs=args.epochs,
        max_train_jets=args.max_train_jets,
        threads=args.threads,
        batch_size=args.batch_size,
        device=args.device,
        n_resamples=args.bootstrap,
        command=shlex.join(["jetgnn", *sys.argv[1:]]),
    )
    results = run_compare(options)
    for name, entry in results["models"].items():
        auc = entry["metrics"]["auc"]["mean"]
        rejection = entry["metrics"]["rejection_at_50"]["mean"]
        print(
            f"{model_label(name):<18} AUC {format_metric('auc', auc)}  "
            f"1/eps_B at 50% {format_metric('rejection_at_50', rejection)}"
        )
    print(
        f"wrote {args.out}/{RESULTS_FILE}, {args.out}/{REPORT_MARKDOWN} and {args.out}/{REPORT_HTML}"
    )
    return 0
