"""Files written by evaluation: metrics.json and the per-jet predictions.csv.

Both are written atomically (temporary file in the same directory, then os.replace). JSON has no
infinity or NaN, so non-finite numbers, e.g. 1/eps_B when eps_B = 0, are written as null.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from jetgnn.atomic import write_atomic_bytes
from jetgnn.errors import InvalidInputError, MissingInputError

METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "predictions.csv"
PREDICTIONS_HEADER = "jet_index,label,p_quark"


def json_safe(value: Any) -> Any:
    """Return a copy of value with NaN and +-inf floats replaced by None and numpy scalars unboxed."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json_file(path: str | os.PathLike, values: dict[str, Any]) -> None:
    """Write values as indented JSON to path, atomically, with non-finite numbers as null."""
    text = json.dumps(json_safe(values), indent=2, allow_nan=False) + "\n"
    write_atomic_bytes(Path(path), text.encode("utf-8"))


def read_json_file(path: str | os.PathLike) -> dict[str, Any]:
    """Read a JSON object from path, raising MissingInputError or InvalidInputError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"{path} not found")
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            f"{path} is not valid JSON ({error}). Delete it and rerun."
        ) from None
    if not isinstance(values, dict):
        raise InvalidInputError(f"{path} must contain a JSON object. Delete it and rerun.")
    return values


def write_predictions(
    path: str | os.PathLike, jet_indices: np.ndarray, labels: np.ndarray, p_quark: np.ndarray
) -> None:
    """Write one row per jet (jet_index, label, p_quark) to a CSV file, atomically.

    p_quark is written with 17 significant digits, so reading the file back gives the same float64
    scores and the same metrics.
    """
    if not (jet_indices.shape == labels.shape == p_quark.shape):
        raise InvalidInputError(
            f"jet indices {jet_indices.shape}, labels {labels.shape} and scores {p_quark.shape} "
            "must have the same shape"
        )
    lines = [PREDICTIONS_HEADER]
    for index, label, score in zip(
        jet_indices.tolist(), labels.tolist(), p_quark.tolist(), strict=True
    ):
        lines.append(f"{index},{label},{score:.17g}")
    write_atomic_bytes(Path(path), ("\n".join(lines) + "\n").encode("ascii"))


def read_predictions(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a predictions CSV file: return jet_index int64 (N,), label int64 (N,), p_quark (N,)."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"predictions file {path} not found. Run 'jetgnn evaluate' first.")
    with open(path, encoding="ascii") as file:
        header = file.readline().strip()
    if header != PREDICTIONS_HEADER:
        raise InvalidInputError(
            f"{path} starts with {header!r}, expected the header {PREDICTIONS_HEADER!r}"
        )
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if table.shape[1] != 3:
        raise InvalidInputError(f"{path} has {table.shape[1]} columns, expected 3")
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2]
