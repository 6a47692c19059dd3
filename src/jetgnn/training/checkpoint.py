"""Files of a run directory: the configuration, checkpoints, history and summary.

Layout:
    config.json           TrainConfig.to_dict() plus parameter_count, jetgnn_version, torch_version
    history.jsonl         one JSON object per finished epoch
    checkpoints/last.pt   model, optimiser, schedule and RNG state after the last finished epoch
    checkpoints/best.pt   model state of the epoch with the lowest validation loss
    summary.json          written once training has finished; contains "finished": true

Every file except history.jsonl is replaced atomically (temporary file, fsync, os.replace), so a
crash leaves either the old or the new version. ``last.pt`` also stores the history, so a resumed
run rewrites history.jsonl from it.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import torch

from jetgnn.atomic import write_atomic_bytes
from jetgnn.errors import InvalidInputError, MissingInputError
from jetgnn.training.config import TrainConfig

CONFIG_FILE = "config.json"
HISTORY_FILE = "history.jsonl"
SUMMARY_FILE = "summary.json"
CHECKPOINT_DIR = "checkpoints"
CHECKPOINT_NAMES = ("best", "last")


def checkpoint_path(run_dir: str | os.PathLike, which: str) -> Path:
    """Return the path of checkpoint ``which`` ("best" or "last") in ``run_dir``."""
    if which not in CHECKPOINT_NAMES:
        raise InvalidInputError(f"unknown checkpoint {which!r}; use one of {CHECKPOINT_NAMES}")
    return Path(run_dir) / CHECKPOINT_DIR / f"{which}.pt"


def write_json(path: Path, values: dict[str, Any]) -> None:
    """Write ``values`` as indented JSON, atomically."""
    write_atomic_bytes(path, (json.dumps(values, indent=2, sort_keys=True) + "\n").encode())


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Save ``payload`` with torch.save, atomically."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_atomic_bytes(path, buffer.getvalue())


def read_checkpoint(path: Path, device: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by the trainer, with tensors on ``device``."""
    if not path.is_file():
        raise MissingInputError(f"checkpoint {path} not found; train a model into that run first")
    # weights_only=False because last.pt contains optimiser and RNG state, so load only trusted runs.
    return torch.load(path, map_location=device, weights_only=False)


def append_history(run_dir: Path, record: dict[str, Any]) -> None:
    """Append one epoch's record to history.jsonl as a single line, flushed to disk."""
    line = json.dumps(record, sort_keys=True) + "\n"
    with open(run_dir / HISTORY_FILE, "a", encoding="utf-8") as file:
        file.write(line)
        file.flush()
        os.fsync(file.fileno())


def write_history(run_dir: Path, records: list[dict[str, Any]]) -> None:
    """Replace history.jsonl with ``records``, atomically."""
    text = "".join(json.dumps(record, sort_keys=True) + "\n" for record in records)
    write_atomic_bytes(run_dir / HISTORY_FILE, text.encode())


def read_history(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Return the records of history.jsonl, one per finished epoch (empty if there is none)."""
    path = Path(run_dir) / HISTORY_FILE
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def read_run_config(run_dir: str | os.PathLike) -> TrainConfig:
    """Return the TrainConfig saved in ``run_dir/config.json``."""
    values = read_saved_config(run_dir)
    # Keys that are not options (parameter_count, versions) are dropped.
    names = set(TrainConfig.__dataclass_fields__)
    return TrainConfig.from_dict({key: value for key, value in values.items() if key in names})


def read_saved_config(run_dir: str | os.PathLike) -> dict[str, Any]:
    """Return config.json of ``run_dir`` as a dict, including the keys that are not options."""
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise MissingInputError(f"{path} not found; {run_dir} is not a jetgnn training run")
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def read_summary(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """Return summary.json of ``run_dir``, or None if training has not finished."""
    path = Path(run_dir) / SUMMARY_FILE
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def is_finished(run_dir: str | os.PathLike) -> bool:
    """Return whether ``run_dir`` contains a finished training run."""
    summary = read_summary(run_dir)
    return bool(summary and summary.get("finished"))


def load_model(
    run_dir: str | os.PathLike, which: str = "best", device: str | torch.device = "cpu"
) -> torch.nn.Module:
    """Rebuild the model of a run from checkpoint ``which`` ("best" or "last"), in eval mode."""
    from jetgnn.models.registry import build_model

    checkpoint = read_checkpoint(checkpoint_path(run_dir, which), device=device)
    model = build_model(
        checkpoint["model_name"],
        feature_set=checkpoint["feature_set"],
        **checkpoint["hyperparameters"],
    )
    model.load_state_dict(checkpoint["model_state"])
    return model.to(device).eval()
