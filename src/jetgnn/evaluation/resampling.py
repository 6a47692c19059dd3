"""Vectorised metrics over many bootstrap resamples of the same test jets.

A resample is stored as a count per jet (how often the jet was drawn), so one resample of N jets is
a row of N non-negative integers that sum to N. Jets with equal scores form one group, and every
metric depends only on the number of quark and gluon jets drawn in each group. With the jets sorted
once by score, every metric of every resample is a cumulative sum, with no per-resample sort.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# Upper limit on resamples x jets held in memory at once (a few int64 and float64 copies of the
# counts, about 50 MB at this size). Chunks only bound memory: the random stream is drawn row by row.
MAX_CELLS_PER_CHUNK = 1_000_000

# Metric name -> quark efficiency eps_S at which 1/eps_B is read off.
REJECTION_POINTS = {"rejection_at_30": 0.3, "rejection_at_50": 0.5}
METRIC_NAMES = ("accuracy", "auc", *REJECTION_POINTS)


@dataclass(frozen=True)
class ScoreGroups:
    """Jets of one model in descending score order, split into runs of equal score.

    order: (N,) permutation that sorts the jets by descending score. starts: (G,) position in that
    order where each run starts. group_scores: (G,) the score shared by each run. is_sorted: True
    when the jets already come in descending score order, so order is the identity.
    """

    order: np.ndarray
    starts: np.ndarray
    group_scores: np.ndarray
    is_sorted: bool

    @classmethod
    def from_scores(cls, scores: np.ndarray) -> ScoreGroups:
        """Group (N,) float64 scores into runs of equal value, highest score first."""
        order = np.argsort(-scores, kind="stable")
        sorted_scores = scores[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
        is_sorted = bool(np.array_equal(order, np.arange(scores.size)))
        return cls(order, starts, sorted_scores[starts], is_sorted)


def canonical_order(labels: np.ndarray, *score_columns: np.ndarray) -> np.ndarray:
    """Return the permutation that sorts jets by descending scores, then by label.

    Resampling jets in this order makes every bootstrap result independent of the order in which
    the jets were given, because jets with identical scores and labels are interchangeable.
    """
    keys = (labels, *(-column for column in reversed(score_columns)))
    return np.lexsort(keys)


def iter_resample_counts(
    n_jets: int, n_resamples: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Yield (R_chunk, n_jets) int64 draw counts, n_resamples rows in total.

    Each row draws n_jets jets with replacement. Rows are drawn one after another from rng, so
    the same seed gives the same resamples whatever the chunk size.
    """
    rows_per_chunk = max(1, MAX_CELLS_PER_CHUNK // max(n_jets, 1))
    done = 0
    while done < n_resamples:
        n_rows = min(rows_per_chunk, n_resamples - done)
        counts = np.empty((n_rows, n_jets), dtype=np.int64)
        for row in range(n_rows):
            drawn = rng.integers(0, n_jets, size=n_jets)
            counts[row] = np.bincount(drawn, minlength=n_jets)
        done += n_rows
        yield counts


def grouped_metrics(
    labels: np.ndarray, groups: ScoreGroups, counts: np.ndarray, threshold: float = 0.5
) -> dict[str, np.ndarray]:
    """Compute accuracy, AUC and eps_B at each REJECTION_POINTS efficiency for each resample.

    Args:
        labels: (N,) int64, 1 for quark.
        groups: the model's jets grouped by score.
        counts: (R, N) draw count of each jet in each resample. A row of ones gives the metrics
            of the sample itself, identical to jetgnn.evaluation.metrics.

    Returns:
        {"accuracy", "auc", and "eps_b_at_30"-style keys}: arrays of shape (R,). eps_B is returned
        rather than 1/eps_B, so that quantiles stay finite when eps_B = 0. A resample without a
        jet of one class gives NaN.
    """
    n_resamples = counts.shape[0]

    # (R, G) number of quark and gluon jets drawn in each score group.
    if groups.is_sorted:
        sorted_counts = counts.astype(np.float64)
        sorted_labels = labels
    else:
        sorted_counts = counts[:, groups.order].astype(np.float64)
        sorted_labels = labels[groups.order]
    sorted_quark_counts = sorted_counts * sorted_labels[None, :]
    if groups.starts.size == labels.size:
        quark, total = sorted_quark_counts, sorted_counts
    else:
        quark = np.add.reduceat(sorted_quark_counts, groups.starts, axis=1)
        total = np.add.reduceat(sorted_counts, groups.starts, axis=1)
    gluon = total - quark

    quark_cumulative = np.cumsum(quark, axis=1)
    gluon_cumulative = np.cumsum(gluon, axis=1)
    n_quark = quark_cumulative[:, -1]
    n_gluon = gluon_cumulative[:, -1]

    with np.errstate(divide="ignore", invalid="ignore"):
        results: dict[str, np.ndarray] = {}

        predicted_quark = groups.group_scores > threshold
        correct = quark[:, predicted_quark].sum(axis=1) + gluon[:, ~predicted_quark].sum(axis=1)
        results["accuracy"] = correct / (n_quark + n_gluon)

        quark_above = quark_cumulative - quark
        pairs_won = np.sum(gluon * (quark_above + 0.5 * quark), axis=1)
        results["auc"] = pairs_won / (n_quark * n_gluon)

        # (R, G + 1) ROC points, starting at (0, 0) as in metrics.roc_curve.
        zeros = np.zeros((n_resamples, 1))
        eps_s = np.hstack([zeros, quark_cumulative / n_quark[:, None]])
        eps_b = np.hstack([zeros, gluon_cumulative / n_gluon[:, None]])
        for name, signal_efficiency in REJECTION_POINTS.items():
            eps_b_at = _interpolate_rows(eps_s, eps_b, signal_efficiency)
            eps_b_at[(n_quark == 0) | (n_gluon == 0)] = np.nan
            results[name.replace("rejection", "eps_b")] = eps_b_at
    return results


def _interpolate_rows(eps_s: np.ndarray, eps_b: np.ndarray, signal_efficiency: float) -> np.ndarray:
    """Apply metrics.interpolate_background_efficiency to every row of (R, M) ROC arrays."""
    rows = np.arange(eps_s.shape[0])
    index = np.argmax(eps_s >= signal_efficiency, axis=1)
    previous = np.maximum(index - 1, 0)
    s_at, s_before = eps_s[rows, index], eps_s[rows, previous]
    b_at, b_before = eps_b[rows, index], eps_b[rows, previous]
    fraction = (signal_efficiency - s_before) / (s_at - s_before)
    interpolated = b_before + fraction * (b_at - b_before)
    return np.where(s_at == signal_efficiency, b_at, interpolated)


def rejection_from_efficiency(eps_b: np.ndarray | float) -> np.ndarray:
    """Convert eps_B to 1/eps_B, giving inf where eps_B = 0 and NaN where eps_B is NaN."""
    with np.errstate(divide="ignore"):
        return 1.0 / np.asarray(eps_b, dtype=np.float64)


def resample_model_metrics(
    labels: np.ndarray,
    model_scores: dict[str, np.ndarray],
    n_resamples: int,
    seed: int,
) -> dict[str, dict[str, np.ndarray]]:
    """Bootstrap the seed-averaged metrics of several models on the same resamples of the jets.

    Args:
        labels: (N,) int64, 1 for quark, already validated.
        model_scores: model name -> (K, N) float64 P(quark) of K runs (e.g. training seeds).
        n_resamples: number of resamples R.
        seed: seed of the resampling.

    Returns:
        model name -> {metric name in METRIC_NAMES: (R,) samples}. Each sample is the mean over
        the model's K runs on that resample, with 1/eps_B = inf when eps_B = 0 in a run and NaN
        when a resample lacks one class. Every model sees the same resamples, so differences of
        two models' samples form a paired bootstrap.
    """
    columns = [row for scores in model_scores.values() for row in scores]
    order = canonical_order(labels, *columns)
    sorted_labels = labels[order]
    groups = {
        name: [ScoreGroups.from_scores(row[order]) for row in scores]
        for name, scores in model_scores.items()
    }

    rng = np.random.default_rng(seed)
    chunks: dict[str, dict[str, list[np.ndarray]]] = {name: {} for name in model_scores}
    for counts in iter_resample_counts(labels.size, n_resamples, rng):
        for name, run_groups in groups.items():
            per_run = [grouped_metrics(sorted_labels, group, counts) for group in run_groups]
            for metric in METRIC_NAMES:
                if metric in REJECTION_POINTS:
                    key = metric.replace("rejection", "eps_b")
                    values = [rejection_from_efficiency(run[key]) for run in per_run]
                else:
                    values = [run[metric] for run in per_run]
                chunks[name].setdefault(metric, []).append(np.mean(values, axis=0))
    return {
        name: {metric: np.concatenate(parts) for metric, parts in metrics.items()}
        for name, metrics in chunks.items()
    }
