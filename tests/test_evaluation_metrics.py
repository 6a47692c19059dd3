"""Tests of ROC curve, ROC AUC, accuracy and 1/eps_B on hand-made scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jetgnn.errors import InvalidInputError
from jetgnn.evaluation.metrics import accuracy, rejection_at, roc_auc, roc_curve


def brute_force_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """P(quark score > gluon score) + 0.5 P(equal), by looping over every pair."""
    quark = scores[labels == 1]
    gluon = scores[labels == 0]
    wins = sum(float(q > g) + 0.5 * float(q == g) for q in quark for g in gluon)
    return wins / (quark.size * gluon.size)


def test_auc_perfect_separation():
    assert roc_auc([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.2]) == 1.0


def test_auc_swapped_column_is_zero():
    scores = np.array([0.9, 0.8, 0.3, 0.2])
    assert roc_auc([1, 1, 0, 0], 1.0 - scores) == 0.0


def test_auc_all_tied_is_half():
    assert roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]) == 0.5


def test_auc_ties_count_half():
    labels = np.array([1, 0, 1, 0, 1, 0])
    scores = np.array([0.7, 0.7, 0.4, 0.2, 0.2, 0.9])
    assert roc_auc(labels, scores) == pytest.approx(brute_force_auc(labels, scores), abs=1e-15)


def test_auc_matches_pair_count_on_random_scores():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.normal(labels * 0.8, 1.0), 1)  # rounding makes many ties
    assert roc_auc(labels, scores) == pytest.approx(brute_force_auc(labels, scores), abs=1e-12)


def test_auc_equals_trapezoid_of_roc():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, 500)
    scores = np.round(rng.normal(labels, 1.0), 2)
    eps_s, eps_b, _ = roc_curve(labels, scores)
    area = float(np.sum(np.diff(eps_b) * (eps_s[1:] + eps_s[:-1]) / 2))
    assert roc_auc(labels, scores) == pytest.approx(area, abs=1e-12)


def test_roc_curve_endpoints_and_thresholds():
    eps_s, eps_b, thresholds = roc_curve([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.2])
    np.testing.assert_array_equal(eps_s, [0.0, 0.5, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(eps_b, [0.0, 0.0, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(thresholds, [np.inf, 0.9, 0.8, 0.3, 0.2])


def test_roc_curve_groups_tied_scores():
    eps_s, eps_b, _ = roc_curve([1, 0, 1, 0], [0.6, 0.6, 0.2, 0.2])
    np.testing.assert_array_equal(eps_s, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(eps_b, [0.0, 0.5, 1.0])


def test_rejection_interpolates_between_roc_points():
    # The tie at 0.5 gives the diagonal ROC segment from (0.5, 0) to (1, 0.5).
    labels = [1, 1, 0, 0]
    scores = [0.9, 0.5, 0.5, 0.1]
    # eps_S = 0.6 is 1/5 of the way along it: eps_B = 0.1.
    assert rejection_at(labels, scores, 0.6) == pytest.approx(10.0)
    # eps_S = 0.75 is half way: eps_B = 0.25.
    assert rejection_at(labels, scores, 0.75) == pytest.approx(4.0)


def test_rejection_takes_lowest_eps_b_at_point():
    # ROC points: (0, 0), (0.25, 0), (0.25, 0.25), (0.5, 0.25), (0.75, 0.25), (0.75, 0.5), ...
    labels = [1, 0, 1, 1, 0, 1, 0, 0]
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    assert rejection_at(labels, scores, 0.3) == pytest.approx(4.0)
    assert rejection_at(labels, scores, 0.75) == pytest.approx(4.0)
    assert math.isinf(rejection_at(labels, scores, 0.25))


def test_rejection_is_inf_when_no_gluon_passes():
    assert math.isinf(rejection_at([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.2], 0.5))


def test_rejection_rejects_efficiency_outside_range():
    with pytest.raises(InvalidInputError, match="outside"):
        rejection_at([1, 0], [0.9, 0.1], 0.0)


def test_accuracy_threshold_tie_is_gluon():
    assert accuracy([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1]) == 0.75


def test_accuracy_accepts_one_class():
    assert accuracy([1, 1], [0.9, 0.2]) == 0.5


def test_metrics_independent_of_jet_order():
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 2, 400)
    scores = np.round(rng.normal(labels, 1.0), 1)
    order = rng.permutation(labels.size)
    for metric in (roc_auc, accuracy):
        assert metric(labels, scores) == metric(labels[order], scores[order])
    assert rejection_at(labels, scores, 0.3) == rejection_at(labels[order], scores[order], 0.3)


@pytest.mark.parametrize(
    ("labels", "scores", "message"),
    [
        ([1, 0, 2], [0.1, 0.2, 0.3], "neither 0"),
        ([1, 0], [0.1, 0.2, 0.3], "differ in length"),
        ([1, 0], [0.1, float("nan")], "finite"),
        ([1, 1], [0.1, 0.2], "both classes"),
        ([], [], "empty"),
    ],
)
def test_invalid_inputs_raise(labels, scores, message):
    with pytest.raises(InvalidInputError, match=message):
        roc_auc(labels, scores)
