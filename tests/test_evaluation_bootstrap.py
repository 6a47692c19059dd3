"""Tests of bootstrap intervals, the paired bootstrap and DeLong's test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from jetgnn.evaluation.bootstrap import bootstrap_metrics, point_metrics
from jetgnn.evaluation.paired import bootstrap_p_value, delong_test, midranks, paired_bootstrap
from jetgnn.evaluation.resampling import METRIC_NAMES, ScoreGroups, grouped_metrics


def toy_sample(n_jets: int, seed: int = 0, separation: float = 1.0):
    """Labels and rounded Gaussian scores; the rounding creates ties."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n_jets)
    scores = np.round(rng.normal(labels * separation, 1.0), 2)
    return labels, scores


def test_grouped_metrics_match_point_metrics():
    labels, scores = toy_sample(1000)
    counts = np.ones((1, labels.size), dtype=np.int64)
    grouped = grouped_metrics(labels, ScoreGroups.from_scores(scores), counts)
    points = point_metrics(labels, scores)
    assert grouped["accuracy"][0] == pytest.approx(points["accuracy"], abs=1e-12)
    assert grouped["auc"][0] == pytest.approx(points["auc"], abs=1e-12)
    assert 1.0 / grouped["eps_b_at_30"][0] == pytest.approx(points["rejection_at_30"], rel=1e-12)
    assert 1.0 / grouped["eps_b_at_50"][0] == pytest.approx(points["rejection_at_50"], rel=1e-12)


def test_grouped_metrics_match_duplicated_jets():
    labels, scores = toy_sample(300, seed=1)
    rng = np.random.default_rng(2)
    counts = rng.integers(0, 3, size=(1, labels.size))
    repeated = np.repeat(np.arange(labels.size), counts[0])
    grouped = grouped_metrics(labels, ScoreGroups.from_scores(scores), counts)
    points = point_metrics(labels[repeated], scores[repeated])
    assert grouped["auc"][0] == pytest.approx(points["auc"], abs=1e-12)
    assert 1.0 / grouped["eps_b_at_50"][0] == pytest.approx(points["rejection_at_50"], rel=1e-12)


def test_interval_contains_point_estimate():
    labels, scores = toy_sample(2000)
    for name, estimate in bootstrap_metrics(labels, scores, n_resamples=300).items():
        assert estimate.ci_low <= estimate.value <= estimate.ci_high, name


def test_interval_shrinks_with_more_jets():
    small = bootstrap_metrics(*toy_sample(500), n_resamples=300)
    large = bootstrap_metrics(*toy_sample(8000), n_resamples=300)
    for name in METRIC_NAMES:
        small_width = small[name].ci_high - small[name].ci_low
        large_width = large[name].ci_high - large[name].ci_low
        assert large_width < small_width, name


def test_bootstrap_same_seed_same_interval():
    labels, scores = toy_sample(500)
    first = bootstrap_metrics(labels, scores, n_resamples=200, seed=7)
    second = bootstrap_metrics(labels, scores, n_resamples=200, seed=7)
    assert first == second


def test_bootstrap_independent_of_jet_order():
    labels, scores = toy_sample(500)
    order = np.random.default_rng(9).permutation(labels.size)
    assert bootstrap_metrics(labels, scores, n_resamples=200) == bootstrap_metrics(
        labels[order], scores[order], n_resamples=200
    )


def test_paired_identical_models_not_significant():
    labels, scores = toy_sample(1000)
    result = paired_bootstrap(labels, scores, scores, n_resamples=200)
    for name in METRIC_NAMES:
        assert result[name].difference == 0.0, name
        assert result[name].p_value == 1.0, name
        assert not result[name].significant, name


def test_paired_better_model_is_significant():
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 2, 4000)
    truth = rng.normal(labels * 1.5, 1.0)
    good = truth + rng.normal(0, 0.2, labels.size)
    poor = truth + rng.normal(0, 2.0, labels.size)
    result = paired_bootstrap(labels, good, poor, n_resamples=300)["auc"]
    assert result.difference > 0
    assert result.ci_low > 0
    assert result.significant
    assert result.p_value < 0.01


def test_paired_small_difference_not_significant():
    rng = np.random.default_rng(12)
    labels = rng.integers(0, 2, 300)
    truth = rng.normal(labels, 1.0)
    result = paired_bootstrap(
        labels,
        truth + rng.normal(0, 0.5, labels.size),
        truth + rng.normal(0, 0.5, labels.size),
        n_resamples=300,
    )["auc"]
    assert result.ci_low < 0 < result.ci_high
    assert not result.significant


def test_paired_independent_of_jet_order():
    labels, scores_a = toy_sample(400, seed=3)
    scores_b = np.round(scores_a + np.random.default_rng(4).normal(0, 0.5, labels.size), 2)
    order = np.random.default_rng(5).permutation(labels.size)
    first = paired_bootstrap(labels, scores_a, scores_b, n_resamples=200)
    second = paired_bootstrap(labels[order], scores_a[order], scores_b[order], n_resamples=200)
    assert first == second


def test_bootstrap_p_value_floor_and_symmetry():
    assert bootstrap_p_value(np.full(99, 0.5)) == pytest.approx(2 / 100)
    assert bootstrap_p_value(np.r_[np.full(50, 1.0), np.full(50, -1.0)]) == 1.0


def test_midranks_match_scipy():
    values = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 3.0])
    np.testing.assert_array_equal(midranks(values), rankdata(values))


def test_delong_auc_values_match_point_metrics():
    labels, scores_a = toy_sample(600, seed=6)
    scores_b = np.round(scores_a + np.random.default_rng(7).normal(0, 1.0, labels.size), 2)
    result = delong_test(labels, scores_a, scores_b)
    assert result.value_a == pytest.approx(point_metrics(labels, scores_a)["auc"], abs=1e-12)
    assert result.value_b == pytest.approx(point_metrics(labels, scores_b)["auc"], abs=1e-12)


def test_delong_agrees_with_paired_bootstrap():
    rng = np.random.default_rng(13)
    labels = rng.integers(0, 2, 3000)
    truth = rng.normal(labels, 1.0)
    scores_a = truth + rng.normal(0, 0.3, labels.size)
    scores_b = truth + rng.normal(0, 0.6, labels.size)
    delong = delong_test(labels, scores_a, scores_b)
    bootstrap = paired_bootstrap(labels, scores_a, scores_b, n_resamples=500)["auc"]
    delong_width = delong.ci_high - delong.ci_low
    bootstrap_width = bootstrap.ci_high - bootstrap.ci_low
    assert delong_width == pytest.approx(bootstrap_width, rel=0.25)
    assert delong.significant == bootstrap.significant


def test_delong_identical_models():
    labels, scores = toy_sample(200)
    result = delong_test(labels, scores, scores)
    assert result.difference == 0.0
    assert result.p_value == 1.0
