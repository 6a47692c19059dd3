"""Validation of model hyperparameters, so a bad value fails at build time with a clear message.

Values may come from JSON (checkpoints, configuration files), where tuples arrive as lists. The
helpers return them as tuples, so `model.hyperparameters` compares equal after a round trip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jetgnn.errors import InvalidInputError


def check_names(
    model_name: str, hyperparameters: Mapping[str, object], valid: Sequence[str]
) -> None:
    """Raise InvalidInputError if `hyperparameters` has a key that is not in `valid`."""
    unknown = sorted(set(hyperparameters) - set(valid))
    if unknown:
        raise InvalidInputError(
            f"unknown hyperparameter(s) {', '.join(unknown)} for model {model_name!r}; "
            f"valid hyperparameters: {', '.join(valid)}"
        )


def positive_int(name: str, value: object) -> int:
    """Return `value` as an int, raising InvalidInputError unless it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"hyperparameter {name} must be an integer >= 1, got {value!r}")
    return value


def probability(name: str, value: object) -> float:
    """Return `value` as a float, raising InvalidInputError unless 0 <= value < 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise InvalidInputError(f"hyperparameter {name} must be a number in [0, 1), got {value!r}")
    return float(value)


def widths(name: str, value: object) -> tuple[int, ...]:
    """Return a non-empty sequence of layer widths as a tuple of ints >= 1."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) == 0:
        raise InvalidInputError(
            f"hyperparameter {name} must be a non-empty list of layer widths, got {value!r}"
        )
    return tuple(positive_int(f"{name}[{i}]", width) for i, width in enumerate(value))


def nested_widths(name: str, value: object) -> tuple[tuple[int, ...], ...]:
    """Return a non-empty sequence of width lists (one per block) as a tuple of tuples."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) == 0:
        raise InvalidInputError(
            f"hyperparameter {name} must be a non-empty list of lists of layer widths, "
            f"one list per block, got {value!r}"
        )
    return tuple(widths(f"{name}[{i}]", block) for i, block in enumerate(value))
