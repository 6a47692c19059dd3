"""Sub-command ``jetgnn evaluate``: metrics of a trained run on a jet store or an .npz file."""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``evaluate``."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score jets with a trained run and write metrics.json and predictions.csv",
        description=(
            "Score the jets of a jet store (its test split by default) or of an energyflow-format "
            ".npz file (all its jets) with the best checkpoint of a training run. Writes "
            "metrics.json (accuracy, ROC AUC, 1/eps_B at eps_S = 30% and 50%, each with a 95% "
            "bootstrap interval, and the inference speed) and predictions.csv (jet_index, label, "
            "p_quark per jet)."
        ),
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="training run directory")
    parser.add_argument(
        "--data", required=True, metavar="PATH", help="jet store directory or energyflow .npz file"
    )
    parser.add_argument(
        "--split",
        metavar="NAME",
        help="train, val, test or all (default: test for a store, all for an .npz file)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="directory for metrics.json and predictions.csv (default: RUN_DIR)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=1024,
        metavar="B",
        help="jets per forward pass (default: 1024)",
    )
    parser.add_argument(
        "--threads", type=int, metavar="T", help="torch CPU threads (default: torch's choice)"
    )
    parser.add_argument(
        "--device", default="cpu", help="device to run the model on, cpu or cuda (default: cpu)"
    )
    parser.add_argument(
        "--checkpoint",
        default="best",
        choices=("best", "last"),
        help="checkpoint to evaluate (default: best, the epoch with the lowest validation loss)",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples of the jets for the 95%% intervals (default: 1000)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the bootstrap resampling (default: 0)"
    )
    parser.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    """Evaluate ``args.run_dir`` on ``args.data`` and print the metrics."""
    from jetgnn.evaluation.evaluate import EvaluationOptions, evaluate_run
    from jetgnn.evaluation.files import METRICS_FILE, PREDICTIONS_FILE

    options = EvaluationOptions(
        split=args.split,
        batch_size=args.batch_size,
        threads=args.threads,
        device=args.device,
        checkpoint=args.checkpoint,
        n_resamples=args.bootstrap,
        seed=args.seed,
    )
    metrics = evaluate_run(args.run_dir, args.data, options, out=args.out)
    out_dir = args.out or args.run_dir
    print(f"{metrics['model']} on {metrics['n_jets']} jets ({metrics['split']} of {args.data}):")
    for name, label in (
        ("accuracy", "accuracy"),
        ("auc", "ROC AUC"),
        ("rejection_at_30", "1/eps_B at eps_S = 30%"),
        ("rejection_at_50", "1/eps_B at eps_S = 50%"),
    ):
        low, high = metrics[f"{name}_ci"]
        print(f"  {label:<24} {metrics[name]:.4g}  (95% interval {low:.4g} to {high:.4g})")
    print(f"  inference: {metrics['inference_jets_per_second']:.0f} jets/s")
    print(f"wrote {out_dir}/{METRICS_FILE} and {out_dir}/{PREDICTIONS_FILE}")
    return 0
