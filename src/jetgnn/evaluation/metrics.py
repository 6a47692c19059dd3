"""Classification metrics for quark/gluon tagging: ROC curve, ROC AUC, accuracy and 1/eps_B.

Quark jets (label 1) are the signal and the score is P(quark). The signal efficiency eps_S is the
fraction of quark jets with a score at or above a threshold, the background efficiency eps_B the
same fraction of gluon jets, and the background rejection is 1/eps_B.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from jetgnn.errors import InvalidInputError

__all__ = [
    "accuracy",
    "interpolate_background_efficiency",
    "rejection_at",
    "roc_auc",
    "roc_curve",
    "validate_labels_and_scores",
]


def validate_labels_and_scores(
    labels: ArrayLike, scores: ArrayLike, *, need_both_classes: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert labels and scores to int64 and float64 arrays of shape (N,).

    Raises InvalidInputError when the shapes differ, a label is not 0 or 1, a score is not finite,
    the arrays are empty, or (with need_both_classes) one class has no jets.
    """
    labels_array = np.asarray(labels)
    scores_array = np.asarray(scores, dtype=np.float64)
    if labels_array.ndim != 1 or scores_array.ndim != 1:
        raise InvalidInputError(
            f"labels and scores must be 1-D arrays, got shapes {labels_array.shape} and "
            f"{scores_array.shape}. Pass one label and one P(quark) per jet"
        )
    if labels_array.shape != scores_array.shape:
        raise InvalidInputError(
            f"labels ({labels_array.shape[0]} jets) and scores ({scores_array.shape[0]} jets) "
            "differ in length. Pass one score per labelled jet"
        )
    if labels_array.size == 0:
        raise InvalidInputError("labels and scores are empty. Pass at least one jet of each class.")
    bad_labels = ~np.isin(labels_array, (0, 1))
    if bad_labels.any():
        bad_value = labels_array[np.argmax(bad_labels)]
        raise InvalidInputError(
            f"label {bad_value!r} is neither 0 (gluon) nor 1 (quark). Relabel the jets."
        )
    if not np.isfinite(scores_array).all():
        bad_index = int(np.argmax(~np.isfinite(scores_array)))
        raise InvalidInputError(
            f"score of jet {bad_index} is {scores_array[bad_index]}, but scores must be finite"
        )
    labels_array = labels_array.astype(np.int64)
    if need_both_classes:
        n_quark = int(labels_array.sum())
        if n_quark == 0 or n_quark == labels_array.size:
            raise InvalidInputError(
                f"all {labels_array.size} jets are {'quark' if n_quark else 'gluon'} jets, but the ROC "
                "curve needs jets of both classes"
            )
    return labels_array, scores_array


def roc_curve(labels: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute the ROC curve of a quark tagger.

    Args:
        labels: (N,) 1 for quark, 0 for gluon.
        scores: (N,) P(quark) or any score that is larger for quark-like jets.

    Returns:
        eps_S, eps_B, thresholds: arrays of shape (M + 1,), where M is the number of distinct
        scores. Point i counts the jets with score >= thresholds[i]. The first point is (0, 0)
        with threshold +inf and the last is (1, 1). Both efficiencies are non-decreasing, and
        jets with equal scores enter together, so ties make a diagonal segment.
    """
    labels_array, scores_array = validate_labels_and_scores(labels, scores)
    order = np.argsort(-scores_array, kind="stable")
    sorted_scores = scores_array[order]
    sorted_labels = labels_array[order]

    # Last position of each run of equal scores in descending order.
    group_ends = np.r_[np.flatnonzero(np.diff(sorted_scores)), sorted_scores.size - 1]
    true_positives = np.cumsum(sorted_labels)[group_ends]
    false_positives = (group_ends + 1) - true_positives

    eps_s = np.r_[0.0, true_positives / true_positives[-1]]
    eps_b = np.r_[0.0, false_positives / false_positives[-1]]
    thresholds = np.r_[np.inf, sorted_scores[group_ends]]
    return eps_s, eps_b, thresholds


def roc_auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Compute the area under the ROC curve, P(score of a quark jet > score of a gluon jet).

    A quark/gluon pair with equal scores counts one half, as in the Mann-Whitney U statistic,
    which equals the trapezoidal area under roc_curve. The sum runs over integer counts, so the
    result is exact up to one rounding in the final division.
    """
    labels_array, scores_array = validate_labels_and_scores(labels, scores)
    order = np.argsort(-scores_array, kind="stable")
    sorted_scores = scores_array[order]
    sorted_labels = labels_array[order]

    group_ids = np.r_[0, np.cumsum(np.diff(sorted_scores) != 0)]
    n_groups = int(group_ids[-1]) + 1
    quark_per_group = np.bincount(group_ids, weights=sorted_labels, minlength=n_groups)
    gluon_per_group = np.bincount(group_ids, weights=1 - sorted_labels, minlength=n_groups)

    # Quark jets scored strictly above each group of equal scores.
    quark_above = np.cumsum(quark_per_group) - quark_per_group
    pairs_won = np.sum(gluon_per_group * (quark_above + 0.5 * quark_per_group))
    n_quark = quark_per_group.sum()
    n_gluon = gluon_per_group.sum()
    return float(pairs_won / (n_quark * n_gluon))


def accuracy(labels: ArrayLike, scores: ArrayLike, threshold: float = 0.5) -> float:
    """Compute the fraction of jets classified correctly when quark means score > threshold.

    A score exactly at the threshold counts as gluon, which matches argmax over the two softmax
    outputs (argmax picks column 0, gluon, on a tie). Jets of one class only are accepted.
    """
    labels_array, scores_array = validate_labels_and_scores(labels, scores, need_both_classes=False)
    predicted_quark = scores_array > threshold
    return float(np.mean(predicted_quark == (labels_array == 1)))


def interpolate_background_efficiency(
    eps_s: np.ndarray, eps_b: np.ndarray, signal_efficiency: float
) -> float:
    """Read eps_B off a ROC curve at exactly eps_S = signal_efficiency.

    Takes the first ROC point with eps_S >= signal_efficiency. If it lies exactly at that
    efficiency its eps_B is returned, which is the lowest eps_B of any point there. Otherwise
    eps_B is interpolated linearly between that point and the one before it.
    """
    index = int(np.argmax(eps_s >= signal_efficiency))
    if eps_s[index] == signal_efficiency:
        return float(eps_b[index])
    previous = index - 1
    fraction = (signal_efficiency - eps_s[previous]) / (eps_s[index] - eps_s[previous])
    return float(eps_b[previous] + fraction * (eps_b[index] - eps_b[previous]))


def rejection_at(labels: ArrayLike, scores: ArrayLike, signal_efficiency: float) -> float:
    """Compute the background rejection 1/eps_B at a quark efficiency eps_S = signal_efficiency.

    eps_B is interpolated linearly on the ROC curve at exactly that eps_S (see
    interpolate_background_efficiency). When no gluon jet passes there (eps_B = 0), the
    rejection is unbounded and this returns float('inf'), because the test sample is too small
    to measure it. JSON writers in jetgnn store it as null.
    """
    if not 0.0 < signal_efficiency <= 1.0:
        raise InvalidInputError(
            f"signal efficiency {signal_efficiency!r} is outside (0, 1]. Pass e.g. 0.3 for 30%."
        )
    eps_s, eps_b, _ = roc_curve(labels, scores)
    background_efficiency = interpolate_background_efficiency(eps_s, eps_b, signal_efficiency)
    if background_efficiency == 0.0:
        return float("inf")
    return 1.0 / background_efficiency
