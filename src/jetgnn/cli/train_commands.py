"""Sub-command ``jetgnn train``: train one model on a jet store into a run directory."""

from __future__ import annotations

import argparse
import json
import os

from jetgnn.errors import InvalidInputError
from jetgnn.training.config import BATCHING_MODES, DEFAULT_LEARNING_RATES, OPTIMIZERS, TrainConfig

# Kept in step with jetgnn.models.registry.MODELS, which is not imported here so that
# ``jetgnn --help`` does not import torch; build_model still checks the name.
MODEL_NAMES = ("particlenet", "particlenet-lite", "efn", "pfn")


def _default(name: str) -> object:
    return TrainConfig.__dataclass_fields__[name].default


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``train``."""
    parser = subparsers.add_parser(
        "train",
        help="train a model on a jet store; rerun the same command to resume",
        description=(
            "Train a model on the train split of a jet store, validating on the val split after "
            "every epoch. The run directory receives config.json, history.jsonl, "
            "checkpoints/last.pt, checkpoints/best.pt (lowest validation loss) and, at the end, "
            "summary.json. Rerunning the same command resumes an interrupted run from its last "
            "finished epoch. Under torchrun the processes train with distributed data parallelism."
        ),
    )
    _add_model_options(parser)
    _add_optimisation_options(parser)
    _add_runtime_options(parser)
    parser.set_defaults(func=run_train)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", required=True, metavar="NAME", help=f"one of: {', '.join(MODEL_NAMES)}"
    )
    parser.add_argument("--data", required=True, metavar="STORE", help="jet store directory")
    parser.add_argument("--out", required=True, metavar="RUN_DIR", help="run directory to write")
    parser.add_argument(
        "--feature-set",
        metavar="NAME",
        help=f"per-particle input features, kin or kinpid (default: {_default('feature_set')})",
    )
    parser.add_argument(
        "--hyperparameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="model hyperparameter, VALUE read as JSON if it parses (e.g. k=16); repeatable",
    )


def _add_optimisation_options(parser: argparse.ArgumentParser) -> None:
    learning_rates = ", ".join(f"{name} {lr:g}" for name, lr in DEFAULT_LEARNING_RATES.items())
    parser.add_argument(
        "--epochs", type=int, help=f"number of epochs (default: {_default('epochs')})"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        help=f"jets per optimiser step (default: {_default('batch_size')})",
    )
    parser.add_argument(
        "--lr",
        type=float,
        help=f"peak learning rate (default per model: {learning_rates}; others 1e-3)",
    )
    parser.add_argument(
        "--weight-decay",
        type=float,
        help=f"decoupled weight decay (default: {_default('weight_decay')})",
    )
    parser.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        help=f"optimiser; radam-lookahead uses Lookahead k=6, alpha=0.5 (default: {_default('optimizer')})",
    )
    parser.add_argument(
        "--warmup-fraction",
        type=float,
        help=f"fraction of all steps with a linear warm-up (default: {_default('warmup_fraction')})",
    )
    parser.add_argument(
        "--decay-fraction",
        type=float,
        help=(
            "fraction of all steps, at the end, over which the learning rate decays to 1%% of its "
            f"peak (default: {_default('decay_fraction')})"
        ),
    )
    parser.add_argument(
        "--patience",
        type=int,
        help=(
            "stop after this many epochs without a lower validation loss, 0 to never stop early "
            f"(default: {_default('patience')})"
        ),
    )


def _add_runtime_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-train-jets",
        type=int,
        metavar="N",
        help="train on a seeded subset of N jets of the train split (default: all)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        help=f"seed of initialisation and batching (default: {_default('seed')})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="CPU threads for torch (torch.set_num_threads); default: torch's own default",
    )
    parser.add_argument(
        "--device",
        help="auto (CUDA if available), cpu, cuda or cuda:N (default: auto)",
    )
    parser.add_argument(
        "--bf16",
        action="store_true",
        default=None,
        help="run the model under bfloat16 autocast (CPU or CUDA)",
    )
    parser.add_argument(
        "--batching",
        choices=BATCHING_MODES,
        help=(
            "random batches, or batches grouped by multiplicity: less padding and faster, but "
            "label-skewed batches that train worse (default: random)"
        ),
    )
    parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")


def config_from_arguments(args: argparse.Namespace) -> TrainConfig:
    """Build a TrainConfig from parsed ``train`` arguments; unset options keep their defaults."""
    options = {
        name: getattr(args, name)
        for name in TrainConfig.__dataclass_fields__
        if name not in ("model", "data", "out", "hyperparameters")
        and getattr(args, name, None) is not None
    }
    return TrainConfig(
        model=args.model,
        data=args.data,
        out=args.out,
        hyperparameters=parse_hyperparameters(args.hyperparameter),
        **options,
    )


def parse_hyperparameters(items: list[str]) -> dict[str, object]:
    """Parse ``KEY=VALUE`` strings into a dict; a VALUE that is valid JSON is decoded."""
    values: dict[str, object] = {}
    for item in items:
        key, separator, text = item.partition("=")
        if not separator or not key:
            raise InvalidInputError(
                f"--hyperparameter {item!r} is not KEY=VALUE; write it like --hyperparameter k=16"
            )
        try:
            values[key] = json.loads(text)
        except json.JSONDecodeError:
            values[key] = text
    return values


def run_train(args: argparse.Namespace) -> int:
    """Train with the parsed options and print the run directory and its best epoch."""
    from jetgnn.training.trainer import train

    result = train(config_from_arguments(args), progress=not args.no_progress)
    # Under torchrun only rank 0 prints.
    if os.environ.get("RANK", "0") == "0":
        print(
            f"{result.run_dir}: {result.epochs_run} epochs, best epoch {result.best_epoch} "
            f"(validation loss {result.best_val_loss:.4f})"
            + (", stopped early" if result.stopped_early else "")
        )
    return 0
