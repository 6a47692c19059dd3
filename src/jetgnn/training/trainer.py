"""The trainer: train a model on a jet store into a run directory, resuming an unfinished run.

A run resumes at epoch boundaries. After every epoch, ``checkpoints/last.pt`` is replaced
atomically with the model, optimiser, schedule step, early-stopping counters and history. That
file is the commit point, so rerunning ``train`` with the same configuration after a crash (even
SIGKILL) continues after the epoch it records. Each epoch's batches and the torch RNG are seeded
from ``(seed, epoch, rank)``, so a resumed run repeats what an uninterrupted run does.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jetgnn import __version__
from jetgnn.errors import InvalidInputError
from jetgnn.training import checkpoint as files
from jetgnn.training.config import TrainConfig, differing_keys
from jetgnn.training.distributed import (
    ProcessGroupInfo,
    barrier,
    broadcast_from_main,
    choose_device,
    local_rank_from_environment,
    start_process_group,
    stop_process_group,
    sum_over_ranks,
)
from jetgnn.training.epoch import train_one_epoch, validate
from jetgnn.training.jet_arrays import load_jets
from jetgnn.training.optimizers import build_optimizer
from jetgnn.training.sampler import EpochBatchSampler
from jetgnn.training.schedule import WarmupFlatDecaySchedule

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """Outcome of a finished training run; ``summary.json`` stores these fields."""

    run_dir: Path
    best_epoch: int
    best_val_loss: float
    epochs_run: int
    train_seconds: float
    parameter_count: int
    stopped_early: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as JSON-serialisable values."""
        values = dataclasses.asdict(self)
        values["run_dir"] = str(self.run_dir)
        return values


@dataclass
class RunState:
    """Progress of a run; saved in last.pt after every epoch."""

    epoch: int = 0
    step: int = 0
    best_val_loss: float = math.inf
    best_epoch: int = 0
    epochs_since_best: int = 0
    train_seconds: float = 0.0
    stopped_early: bool = False
    history: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def train(config: TrainConfig, progress: bool = True) -> TrainResult:
    """Train ``config.model`` on ``config.data`` into the run directory ``config.out``.

    Resumes if the run directory contains an unfinished run with the same configuration, and
    returns at once if it contains a finished one. Raises InvalidInputError if it contains a run
    with a different configuration (naming the differing keys), or if an option is invalid.
    Under torchrun every process calls this function; rank 0 writes all files.
    """
    config = config.resolved()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    device = choose_device(config.device, local_rank_from_environment())
    group = start_process_group(device)
    try:
        return _train(config, Path(config.out), device, group, progress)
    finally:
        stop_process_group(group)


def _train(
    config: TrainConfig,
    run_dir: Path,
    device: torch.device,
    group: ProcessGroupInfo,
    progress: bool,
) -> TrainResult:
    from jetgnn.data import open_jets
    from jetgnn.models.registry import build_model

    _check_run_directory(config, run_dir)
    # Every process checks the directory before rank 0 starts writing into it.
    barrier(group)
    summary = files.read_summary(run_dir)
    if summary and summary.get("finished"):
        logger.info("run %s has already finished", run_dir)
        return _result_from_summary(summary, run_dir)

    store = open_jets(config.data)
    train_indices = training_indices(store, config)
    torch.manual_seed(config.seed)
    model = build_model(config.model, feature_set=config.feature_set, **config.hyperparameters)
    model = model.to(device)
    parameter_count = sum(param.numel() for param in model.parameters())

    if group.is_main and not (run_dir / files.CONFIG_FILE).is_file():
        _write_config(run_dir, config, parameter_count)
    barrier(group)

    optimizer = build_optimizer(model, config.optimizer, config.lr, config.weight_decay)
    sampler = EpochBatchSampler(
        np.asarray(store.multiplicity)[train_indices],
        config.batch_size,
        seed=config.seed,
        group_by_multiplicity=config.batching == "multiplicity",
        rank=group.rank,
        world_size=group.world_size,
    )
    schedule = WarmupFlatDecaySchedule(
        total_steps=config.epochs * len(sampler),
        warmup_fraction=config.warmup_fraction,
        decay_fraction=config.decay_fraction,
    )
    state = _restore_state(run_dir, model, optimizer, group, device)

    training_jets = load_jets(store, train_indices)
    validation_jets = load_jets(store, _split(store, "val")) if group.is_main else None
    trained_model = model
    if group.is_distributed:
        device_ids = [device.index] if device.type == "cuda" else None
        trained_model = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)

    if group.is_main:
        logger.info(
            "training %s (%d parameters) on %d jets in %d process(es) for %d epochs "
            "from epoch %d, %d steps per epoch",
            config.model,
            parameter_count,
            len(train_indices),
            group.world_size,
            config.epochs,
            state.epoch + 1,
            len(sampler),
        )
    while state.epoch < config.epochs and not state.stopped_early:
        _run_epoch(
            config, run_dir, state, model, trained_model, optimizer, sampler, schedule,
            training_jets, validation_jets, group, device, progress,
        )  # fmt: skip

    result = TrainResult(
        run_dir=run_dir,
        best_epoch=state.best_epoch,
        best_val_loss=state.best_val_loss,
        epochs_run=state.epoch,
        train_seconds=state.train_seconds,
        parameter_count=parameter_count,
        stopped_early=state.stopped_early,
    )
    if group.is_main:
        files.write_json(run_dir / files.SUMMARY_FILE, {**result.to_dict(), "finished": True})
    barrier(group)
    return result


def _run_epoch(
    config: TrainConfig,
    run_dir: Path,
    state: RunState,
    model: torch.nn.Module,
    trained_model: torch.nn.Module,
    optimizer,
    sampler: EpochBatchSampler,
    schedule: WarmupFlatDecaySchedule,
    training_jets,
    validation_jets,
    group: ProcessGroupInfo,
    device: torch.device,
    progress: bool,
) -> None:
    """Train and validate one epoch, update ``state`` and, on rank 0, write the run's files."""
    epoch_start = time.perf_counter()
    seed = np.random.SeedSequence([config.seed, state.epoch, group.rank]).generate_state(1)[0]
    torch.manual_seed(int(seed))
    statistics = train_one_epoch(
        trained_model,
        optimizer,
        training_jets,
        sampler.batches(state.epoch),
        schedule,
        base_lr=config.lr,
        first_step=state.step,
        device=device,
        bf16=config.bf16,
        progress=progress and group.is_main,
        description=f"epoch {state.epoch + 1}/{config.epochs}",
    )
    loss_sum, jets = sum_over_ranks([statistics.loss_sum, statistics.jets], group, device)

    record = None
    if group.is_main:
        record = _validation_record(config, model, validation_jets, device)
        record.update(
            epoch=state.epoch + 1,
            train_loss=loss_sum / jets,
            lr=statistics.last_lr,
            train_jets_per_second=jets / statistics.seconds,
            train_seconds=statistics.seconds,
            data_seconds=statistics.data_seconds,
        )
    record = broadcast_from_main(record, group)

    state.epoch += 1
    state.step += statistics.steps
    improved = record["val_loss"] < state.best_val_loss
    if improved:
        state.best_val_loss = record["val_loss"]
        state.best_epoch = state.epoch
        state.epochs_since_best = 0
    else:
        state.epochs_since_best += 1
    if config.patience and state.epochs_since_best >= config.patience:
        state.stopped_early = True
    record["epoch_seconds"] = time.perf_counter() - epoch_start
    state.train_seconds += record["epoch_seconds"]
    state.history.append(record)

    if group.is_main:
        logger.info(
            "epoch %d/%d: train loss %.4f, val loss %.4f, val AUC %.4f, %.0f jets/s",
            state.epoch,
            config.epochs,
            record["train_loss"],
            record["val_loss"],
            record["val_auc"],
            record["train_jets_per_second"],
        )
        if state.stopped_early:
            logger.info("stopping early: no lower validation loss for %d epochs", config.patience)
        # last.pt first: it is the commit point, and _restore_state repairs best.pt from it.
        files.save_checkpoint(
            files.checkpoint_path(run_dir, "last"),
            _last_checkpoint(config, model, optimizer, state),
        )
        if improved:
            files.save_checkpoint(
                files.checkpoint_path(run_dir, "best"), _best_checkpoint(config, model, state)
            )
        files.append_history(run_dir, record)
    barrier(group)


def _validation_record(
    config: TrainConfig, model: torch.nn.Module, validation_jets, device: torch.device
) -> dict[str, Any]:
    from jetgnn.evaluation.metrics import accuracy, roc_auc

    result = validate(model, validation_jets, config.batch_size, device, config.bf16)
    return {
        "val_loss": result.loss,
        "val_accuracy": float(accuracy(result.labels, result.scores)),
        "val_auc": float(roc_auc(result.labels, result.scores)),
    }


def _model_payload(config: TrainConfig, model: torch.nn.Module, state: RunState) -> dict[str, Any]:
    return {
        "model_state": model.state_dict(),
        "model_name": config.model,
        "feature_set": config.feature_set,
        "hyperparameters": dict(getattr(model, "hyperparameters", config.hyperparameters)),
        "epoch": state.epoch,
        "config": config.to_dict(),
    }


def _best_checkpoint(config: TrainConfig, model: torch.nn.Module, state: RunState) -> dict:
    return {**_model_payload(config, model, state), "val_loss": state.best_val_loss}


def _last_checkpoint(
    config: TrainConfig, model: torch.nn.Module, optimizer, state: RunState
) -> dict:
    return {
        **_model_payload(config, model, state),
        "optimizer_state": optimizer.state_dict(),
        "schedule_step": state.step,
        "run_state": dataclasses.asdict(state),
        "rng_state": torch.get_rng_state(),
    }


def _restore_state(
    run_dir: Path,
    model: torch.nn.Module,
    optimizer,
    group: ProcessGroupInfo,
    device: torch.device,
) -> RunState:
    """Load last.pt into the model and optimiser if it exists; rewrite history and best.pt."""
    last_path = files.checkpoint_path(run_dir, "last")
    if not last_path.is_file():
        if group.is_main:
            files.write_history(run_dir, [])
        return RunState()

    checkpoint = files.read_checkpoint(last_path, device=device)
    model.load_state_dict(checkpoint["model_state"])
    optimizer.load_state_dict(checkpoint["optimizer_state"])
    state = RunState(**checkpoint["run_state"])
    if group.is_main:
        logger.info("resuming %s after epoch %d", run_dir, state.epoch)
        # A crash can leave history.jsonl without the last epoch's line, or with a line of an epoch
        # that never reached last.pt. The history stored in last.pt matches the checkpoint.
        files.write_history(run_dir, state.history)
        best_path = files.checkpoint_path(run_dir, "best")
        best_epoch_on_disk = (
            files.read_checkpoint(best_path)["epoch"] if best_path.is_file() else None
        )
        if state.best_epoch == state.epoch and best_epoch_on_disk != state.epoch:
            payload = {key: checkpoint[key] for key in _MODEL_KEYS}
            files.save_checkpoint(best_path, {**payload, "val_loss": state.best_val_loss})
    barrier(group)
    return state


_MODEL_KEYS = ("model_state", "model_name", "feature_set", "hyperparameters", "epoch", "config")


def _check_run_directory(config: TrainConfig, run_dir: Path) -> None:
    """Raise InvalidInputError unless ``run_dir`` is new, empty, or a run of the same config."""
    if not run_dir.exists():
        return
    if not run_dir.is_dir():
        raise InvalidInputError(f"run directory {run_dir} is a file; choose a directory path")
    if not (run_dir / files.CONFIG_FILE).is_file():
        # A run killed while writing config.json leaves only a hidden temporary file behind.
        leftovers = [path for path in run_dir.iterdir() if not _is_temporary_file(path)]
        if leftovers:
            raise InvalidInputError(
                f"{run_dir} exists and is not a jetgnn training run; choose a new run directory"
            )
        return

    saved = files.read_saved_config(run_dir)
    saved = {key: value for key, value in saved.items() if key in TrainConfig.__dataclass_fields__}
    # Options added after a run was made take their default, which is what that run used.
    defaults = json.loads(json.dumps(TrainConfig(model="", data="", out="").to_dict()))
    saved = {**defaults, **saved}
    requested = json.loads(json.dumps(config.to_dict()))
    keys = differing_keys(saved, requested)
    if keys:
        changes = ", ".join(f"{key}: {saved.get(key)!r} -> {requested.get(key)!r}" for key in keys)
        raise InvalidInputError(
            f"{run_dir} contains a run with a different configuration ({changes}); "
            f"rerun with the saved options to resume it, or choose a new run directory"
        )


def _is_temporary_file(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


def _write_config(run_dir: Path, config: TrainConfig, parameter_count: int) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    values = {
        **config.to_dict(),
        "parameter_count": parameter_count,
        "jetgnn_version": __version__,
        "torch_version": torch.__version__,
    }
    files.write_json(run_dir / files.CONFIG_FILE, values)


def _split(store, name: str) -> np.ndarray:
    indices = np.asarray(store.split(name), dtype=np.int64)
    if len(indices) == 0:
        raise InvalidInputError(f"the {name} split of the jet store is empty; use a larger store")
    return indices


def training_indices(store, config: TrainConfig) -> np.ndarray:
    """Return the training split, or a seeded subset of ``max_train_jets`` of it.

    Subsets for the same seed are nested: a smaller ``max_train_jets`` gives a subset of a larger
    one, which keeps data-efficiency curves comparable.
    """
    indices = _split(store, "train")
    if config.max_train_jets is None or config.max_train_jets >= len(indices):
        return indices
    rng = np.random.default_rng([config.seed, len(indices)])
    chosen = rng.permutation(len(indices))[: config.max_train_jets]
    return np.sort(indices[chosen])


def _result_from_summary(summary: dict[str, Any], run_dir: Path) -> TrainResult:
    names = {item.name for item in dataclasses.fields(TrainResult)}
    values = {key: value for key, value in summary.items() if key in names}
    values["run_dir"] = run_dir
    return TrainResult(**values)
