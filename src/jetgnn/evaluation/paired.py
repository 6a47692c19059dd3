"""Paired comparison of two taggers on the same test jets: paired bootstrap and DeLong's test.

Both models are scored on the same jets, so their errors are correlated. Resampling the jets once
and computing both models' metrics on each resample keeps that correlation, which makes the
interval of the difference much narrower than two independent intervals would suggest.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

from jetgnn.errors import InvalidInputError
from jetgnn.evaluation.bootstrap import (
    DEFAULT_CONFIDENCE,
    DEFAULT_N_RESAMPLES,
    percentile_interval,
    point_metrics,
    validate_resampling_options,
)
from jetgnn.evaluation.metrics import validate_labels_and_scores
from jetgnn.evaluation.resampling import METRIC_NAMES, resample_model_metrics

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairedDifference:
    """Difference of one metric between model A and model B (A minus B) on the same jets.

    p_value is two-sided for the null hypothesis of no difference. method is "paired bootstrap" or
    "DeLong". The values are NaN when the difference is undefined, e.g. 1/eps_B = inf for a model.
    """

    metric: str
    value_a: float
    value_b: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    confidence: float
    method: str

    @property
    def significant(self) -> bool:
        """True when the interval of the difference excludes zero."""
        return bool(self.ci_low > 0.0 or self.ci_high < 0.0)


def _validate_pair(
    labels: ArrayLike, scores_a: ArrayLike, scores_b: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels_array, a = validate_labels_and_scores(labels, scores_a)
    _, b = validate_labels_and_scores(labels, scores_b)
    return labels_array, a, b


def bootstrap_p_value(differences: np.ndarray) -> float:
    """Two-sided p-value of a zero difference from bootstrap samples of the difference.

    Twice the smaller fraction of samples on either side of zero (zero itself counts on both
    sides), each with the usual +1 correction so that a finite number of resamples never gives 0.
    """
    kept = differences[np.isfinite(differences)]
    if kept.size == 0:
        return float("nan")
    n_at_or_below = int(np.sum(kept <= 0.0))
    n_at_or_above = int(np.sum(kept >= 0.0))
    tail = (min(n_at_or_below, n_at_or_above) + 1) / (kept.size + 1)
    return float(min(1.0, 2.0 * tail))


def paired_bootstrap(
    labels: ArrayLike,
    scores_a: ArrayLike,
    scores_b: ArrayLike,
    n_resamples: int = DEFAULT_N_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> dict[str, PairedDifference]:
    """Compare two models' metrics (METRIC_NAMES) on the same jets with a paired bootstrap.

    Each resample draws N jets with replacement and evaluates both models on the same draw. The
    interval is the percentile interval of the resampled differences A - B. For 1/eps_B, resamples
    in which either model has eps_B = 0 are dropped, because the difference is then undefined.
    The result does not depend on the order of the jets.
    """
    validate_resampling_options(n_resamples, confidence)
    labels_array, a, b = _validate_pair(labels, scores_a, scores_b)
    samples = resample_model_metrics(labels_array, {"a": a[None], "b": b[None]}, n_resamples, seed)
    values_a = point_metrics(labels_array, a)
    values_b = point_metrics(labels_array, b)
    return {
        name: paired_difference(
            name, values_a[name], values_b[name], samples["a"][name], samples["b"][name], confidence
        )
        for name in METRIC_NAMES
    }


def paired_difference(
    metric: str,
    value_a: float,
    value_b: float,
    samples_a: np.ndarray,
    samples_b: np.ndarray,
    confidence: float,
) -> PairedDifference:
    """Build the PairedDifference of two point values from their paired bootstrap samples (R,).

    Resamples where the difference is not finite (1/eps_B = inf for a model, or a resample
    without one class) are dropped with a warning. If the point difference itself is not finite,
    every field but the two values is NaN.
    """
    with np.errstate(invalid="ignore"):
        differences = samples_a - samples_b
    finite = np.isfinite(differences)
    n_dropped = int(np.sum(~finite))
    if n_dropped:
        logger.warning(
            "%s: %d of %d paired resamples had no finite difference and were dropped",
            metric,
            n_dropped,
            differences.size,
        )
    difference = value_a - value_b if math.isfinite(value_a - value_b) else math.nan
    if math.isfinite(difference) and finite.any():
        low, high = percentile_interval(differences[finite], confidence)
        p_value = bootstrap_p_value(differences)
    else:
        low, high, p_value = math.nan, math.nan, math.nan
    return PairedDifference(
        metric=metric,
        value_a=value_a,
        value_b=value_b,
        difference=difference,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        confidence=confidence,
        method="paired bootstrap",
    )


def midranks(values: np.ndarray) -> np.ndarray:
    """Return the 1-based ranks of (N,) values, giving tied values the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    ends = np.r_[starts[1:], values.size]
    mean_ranks = (starts + 1 + ends) / 2.0
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(mean_ranks, ends - starts)
    return ranks


def delong_test(
    labels: ArrayLike,
    scores_a: ArrayLike,
    scores_b: ArrayLike,
    confidence: float = DEFAULT_CONFIDENCE,
) -> PairedDifference:
    """Test whether two correlated ROC AUCs differ, with DeLong's method.

    DeLong, DeLong and Clarke-Pearson, Biometrics 44 (1988) 837, computed with midranks as in
    Sun and Xu, IEEE Signal Process. Lett. 21 (2014) 1389. The variance of AUC_A - AUC_B comes
    from the per-jet placement values of both models, and the difference divided by its standard
    error is taken as normal. Ties count one half, as in roc_auc.
    """
    validate_resampling_options(1, confidence)
    labels_array, a, b = _validate_pair(labels, scores_a, scores_b)
    is_quark = labels_array == 1
    n_quark = int(is_quark.sum())
    n_gluon = labels_array.size - n_quark
    if n_quark < 2 or n_gluon < 2:
        raise InvalidInputError(
            f"DeLong's test needs at least 2 jets per class, got {n_quark} quark and "
            f"{n_gluon} gluon jets"
        )

    aucs = []
    quark_placements = []
    gluon_placements = []
    for scores in (a, b):
        quark_scores, gluon_scores = scores[is_quark], scores[~is_quark]
        combined_ranks = midranks(np.r_[quark_scores, gluon_scores])
        # Fraction of gluon jets scored below each quark jet, and of quark jets above each gluon jet.
        quark_placement = (combined_ranks[:n_quark] - midranks(quark_scores)) / n_gluon
        gluon_placement = 1.0 - (combined_ranks[n_quark:] - midranks(gluon_scores)) / n_quark
        aucs.append(float(quark_placement.mean()))
        quark_placements.append(quark_placement)
        gluon_placements.append(gluon_placement)

    contrast = np.array([1.0, -1.0])
    quark_covariance = np.cov(np.vstack(quark_placements))
    gluon_covariance = np.cov(np.vstack(gluon_placements))
    variance = (
        contrast @ quark_covariance @ contrast / n_quark
        + contrast @ gluon_covariance @ contrast / n_gluon
    )
    difference = aucs[0] - aucs[1]
    standard_error = math.sqrt(max(float(variance), 0.0))

    if standard_error == 0.0:
        # Identical placements: the two models rank every quark/gluon pair the same way.
        p_value = 1.0 if difference == 0.0 else 0.0
        low = high = difference
    else:
        z = difference / standard_error
        p_value = math.erfc(abs(z) / math.sqrt(2.0))
        half_width = NormalDist().inv_cdf(0.5 + confidence / 2.0) * standard_error
        low, high = difference - half_width, difference + half_width
    return PairedDifference(
        metric="auc",
        value_a=aucs[0],
        value_b=aucs[1],
        difference=difference,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        confidence=confidence,
        method="DeLong",
    )
