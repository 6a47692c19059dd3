"""Tests of the generated discussion and of the report rendering on constructed results."""

from __future__ import annotations

import base64

from jetgnn.report.discussion import (
    discuss_costs,
    discuss_metric,
    discuss_overall,
    write_discussion,
)
from jetgnn.report.render import Image, Section, Table, to_html, to_markdown

METRICS = ("accuracy", "auc", "rejection_at_30", "rejection_at_50")


def metric_entry(mean: float, std: float | None = None) -> dict:
    return {"mean": mean, "std": std, "per_seed": [mean], "ci": [mean - 0.01, mean + 0.01]}


def model_entry(values: dict[str, float], std: float | None = None) -> dict:
    return {
        "parameter_count": 1000,
        "train_seconds": {"mean": 10.0, "std": None, "per_seed": [10.0]},
        "epochs_run": [2],
        "inference_jets_per_second": {"mean": 500.0, "std": None, "per_seed": [500.0]},
        "metrics": {name: metric_entry(value, std) for name, value in values.items()},
    }


def comparison(metric: str, difference: float, low: float, high: float) -> dict:
    return {
        "model_a": "particlenet",
        "model_b": "pfn",
        "metric": metric,
        "value_a": 0.9,
        "value_b": 0.9 - difference,
        "difference": difference,
        "ci_low": low,
        "ci_high": high,
        "p_value": 0.01 if low > 0 or high < 0 else 0.4,
        "confidence": 0.95,
        "method": "paired bootstrap",
        "significant": low > 0 or high < 0,
    }


def constructed_results(auc_interval: tuple[float, float], seeds: int = 1, std=None) -> dict:
    better = {"accuracy": 0.84, "auc": 0.91, "rejection_at_30": 90.0, "rejection_at_50": 35.0}
    worse = {"accuracy": 0.83, "auc": 0.90, "rejection_at_30": 80.0, "rejection_at_50": 30.0}
    comparisons = [
        comparison("accuracy", 0.01, 0.005, 0.015),
        comparison("auc", 0.01, *auc_interval),
        comparison("rejection_at_30", 10.0, 2.0, 18.0),
        comparison("rejection_at_50", 5.0, 1.0, 9.0),
    ]
    return {
        "seeds": seeds,
        "epochs": 3,
        "train_jets": 5000,
        "hardware": "CPU test",
        "models": {"particlenet": model_entry(better, std), "pfn": model_entry(worse, std)},
        "comparisons": comparisons,
        "delong": [],
    }


def test_significant_difference_called_significant():
    text = discuss_metric(constructed_results((0.004, 0.016)), "auc")
    assert "ParticleNet is highest" in text
    assert "which is significant" in text
    assert "not significant" not in text


def test_interval_with_zero_not_significant():
    text = discuss_metric(constructed_results((-0.002, 0.022)), "auc")
    assert "not significant because the interval contains zero" in text


def test_seed_spread_larger_than_difference():
    results = constructed_results((0.004, 0.016), seeds=3, std=0.02)
    text = discuss_metric(results, "auc")
    assert "could reverse it" in text


def test_overall_names_nonsignificant_metric():
    text = discuss_overall(constructed_results((-0.002, 0.022)))
    assert "not significant for ROC AUC" in text


def test_overall_all_significant():
    text = discuss_overall(constructed_results((0.004, 0.016)))
    assert "every lead is significant" in text


def test_overall_mixed_leaders():
    results = constructed_results((0.004, 0.016))
    results["models"]["pfn"]["metrics"]["accuracy"]["mean"] = 0.85
    results["comparisons"][0] = comparison("accuracy", -0.01, -0.02, 0.001)
    text = discuss_overall(results)
    assert text.startswith("No model leads on every metric")
    assert "PFN on accuracy (not significant)" in text


def test_discussion_has_paragraph_per_metric():
    paragraphs = write_discussion(constructed_results((0.004, 0.016)))
    assert len(paragraphs) == len(METRICS) + 2


def test_single_model_makes_no_ranking():
    results = constructed_results((0.004, 0.016))
    del results["models"]["pfn"]
    results["comparisons"] = []
    assert "nothing to compare" in discuss_metric(results, "auc")
    assert "no model ranking" in discuss_overall(results)


def test_html_is_self_contained():
    png = b"\x89PNG\r\n\x1a\nfake"
    sections = [Section("A <b>", ["x & y", Table(["h"], [["1"]]), Image("f.png", "cap", png)])]
    page = to_html("title", sections)
    assert base64.b64encode(png).decode() in page
    assert 'src="http' not in page
    assert "<link" not in page
    assert "A &lt;b&gt;" in page


def test_markdown_links_figures():
    sections = [Section("S", [Image("roc.png", "ROC", b"png")])]
    assert "](figures/roc.png)" in to_markdown("t", sections, "figures")


def test_costs_state_parameter_ratio():
    results = constructed_results((0.004, 0.016))
    results["models"]["particlenet"]["parameter_count"] = 4000
    text = discuss_costs(results)
    assert "ParticleNet has 4.0 times the parameters of PFN" in text


def test_costs_similar_speed():
    text = discuss_costs(constructed_results((0.004, 0.016)))
    assert "nearly the same speed" in text
    assert "nearly the same number of parameters" in text
