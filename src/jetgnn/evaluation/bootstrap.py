"""Point estimates with 95% bootstrap intervals over test jets for accuracy, AUC and 1/eps_B."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from jetgnn.errors import InvalidInputError
from jetgnn.evaluation.metrics import (
    accuracy,
    rejection_at,
    roc_auc,
    validate_labels_and_scores,
)
from jetgnn.evaluation.resampling import (
    METRIC_NAMES,
    REJECTION_POINTS,
    resample_model_metrics,
)

logger = logging.getLogger(__name__)

DEFAULT_N_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class MetricEstimate:
    """A metric on the test jets with the bounds of its percentile bootstrap interval."""

    value: float
    ci_low: float
    ci_high: float


def point_metrics(labels: ArrayLike, scores: ArrayLike) -> dict[str, float]:
    """Compute accuracy, AUC and 1/eps_B at eps_S = 30% and 50%, keyed by METRIC_NAMES."""
    values = {"accuracy": accuracy(labels, scores), "auc": roc_auc(labels, scores)}
    for name, signal_efficiency in REJECTION_POINTS.items():
        values[name] = rejection_at(labels, scores, signal_efficiency)
    return values


def validate_resampling_options(n_resamples: int, confidence: float) -> None:
    """Raise InvalidInputError unless n_resamples >= 1 and 0 < confidence < 1."""
    if n_resamples < 1:
        raise InvalidInputError(f"number of bootstrap resamples {n_resamples} must be at least 1")
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError(f"confidence level {confidence} must lie in (0, 1), e.g. 0.95")


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Return the central percentile interval of samples, ignoring NaN.

    Samples may contain inf (1/eps_B with eps_B = 0). Then the bounds are taken as sample values
    (nearest rank below and above) instead of interpolated, since interpolating towards inf is
    undefined.
    """
    tail = 100.0 * (1.0 - confidence) / 2.0
    kept = samples[~np.isnan(samples)]
    if kept.size == 0:
        return float("nan"), float("nan")
    if np.isfinite(kept).all():
        low, high = np.percentile(kept, [tail, 100.0 - tail])
    else:
        low = np.percentile(kept, tail, method="lower")
        high = np.percentile(kept, 100.0 - tail, method="higher")
    return float(low), float(high)


def bootstrap_metrics(
    labels: ArrayLike,
    scores: ArrayLike,
    n_resamples: int = DEFAULT_N_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> dict[str, MetricEstimate]:
    """Compute every metric in METRIC_NAMES with a percentile bootstrap interval over the jets.

    Each resample draws N jets with replacement from the N test jets. Resamples with eps_B = 0
    give 1/eps_B = inf, which percentile_interval handles, so the upper bound can be inf on small
    samples. The result does not depend on the order of the jets, and the same seed gives the
    same intervals.
    """
    validate_resampling_options(n_resamples, confidence)
    labels_array, scores_array = validate_labels_and_scores(labels, scores)
    samples = resample_model_metrics(labels_array, {"model": scores_array[None]}, n_resamples, seed)
    samples = samples["model"]

    n_degenerate = int(np.isnan(samples["auc"]).sum())
    if n_degenerate:
        logger.warning(
            "%d of %d bootstrap resamples contained jets of only one class and were skipped",
            n_degenerate,
            n_resamples,
        )

    values = point_metrics(labels_array, scores_array)
    estimates: dict[str, MetricEstimate] = {}
    for name in METRIC_NAMES:
        low, high = percentile_interval(samples[name], confidence)
        estimates[name] = MetricEstimate(value=values[name], ci_low=low, ci_high=high)
    return estimates
