"""The report's discussion, written by code from the numbers in results.json.

Every sentence is chosen by a condition on the numbers: a difference is called significant only
when its paired-bootstrap interval excludes zero, and a model is called the winner of a metric only
when its seed mean is the highest. Nothing here contains a hard-coded result.
"""

from __future__ import annotations

import math
from typing import Any

from jetgnn.evaluation.resampling import METRIC_NAMES
from jetgnn.report.labels import (
    METRIC_LABELS,
    format_difference,
    format_metric,
    format_p_value,
    format_seconds,
    model_label,
)

# Ratios of parameter counts or speeds below this are reported as "nearly the same".
SIMILAR_RATIO = 1.15


def join_words(words: list[str]) -> str:
    """Join words as 'a', 'a and b' or 'a, b and c'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" and {words[-1]}"


def find_comparison(results: dict[str, Any], model_a: str, model_b: str, metric: str) -> dict:
    """Return the comparison of model_a minus model_b on metric, flipping a stored B - A entry."""
    for entry in results["comparisons"]:
        if entry["metric"] != metric:
            continue
        if (entry["model_a"], entry["model_b"]) == (model_a, model_b):
            return entry
        if (entry["model_a"], entry["model_b"]) == (model_b, model_a):
            return {
                **entry,
                "model_a": model_a,
                "model_b": model_b,
                "value_a": entry["value_b"],
                "value_b": entry["value_a"],
                "difference": -entry["difference"],
                "ci_low": -entry["ci_high"],
                "ci_high": -entry["ci_low"],
            }
    raise KeyError(f"no comparison of {model_a} and {model_b} on {metric}")


def _ranked(results: dict[str, Any], metric: str) -> list[str]:
    """Return the model names by decreasing seed mean of metric (NaN last)."""
    models = results["models"]

    def sort_key(name: str) -> tuple[bool, float]:
        value = models[name]["metrics"][metric]["mean"]
        return (math.isnan(value), -value if not math.isnan(value) else 0.0)

    return sorted(models, key=sort_key)


def _difference_sentence(entry: dict[str, Any], metric: str, n_seeds: int, stds: tuple) -> str:
    """Describe one paired difference of the leading model over another."""
    other = model_label(entry["model_b"])
    if math.isnan(entry["difference"]):
        return (
            f"The difference to {other} ({format_metric(metric, entry['value_b'])}) cannot be "
            "estimated, because a model passes no gluon jet at that quark efficiency (eps_B = 0)."
        )
    confidence = round(100 * entry["confidence"])
    interval = (
        f"{confidence}% interval {format_difference(metric, entry['ci_low'])} to "
        f"{format_difference(metric, entry['ci_high'])}"
    )
    head = (
        f"Over {other} ({format_metric(metric, entry['value_b'])}) the difference is "
        f"{format_difference(metric, entry['difference'])} ({interval}, "
        f"{format_p_value(entry['p_value'])}, paired bootstrap over the test jets)"
    )
    if entry["difference"] == 0.0:
        sentence = f"{head}, so the two models give the same value."
    elif entry["significant"]:
        sentence = f"{head}, which is significant because the interval excludes zero."
    else:
        sentence = f"{head}, which is not significant because the interval contains zero."
    std_a, std_b = stds
    if n_seeds > 1 and std_a is not None and std_b is not None:
        seed_spread = math.hypot(std_a, std_b)
        if abs(entry["difference"]) <= seed_spread:
            sentence += (
                " The difference is no larger than the spread between training seeds "
                f"(combined standard deviation {format_metric(metric, seed_spread)}), so another "
                "set of seeds could reverse it."
            )
        else:
            sentence += (
                " It is larger than the spread between training seeds (combined standard "
                f"deviation {format_metric(metric, seed_spread)})."
            )
    return sentence


def discuss_metric(results: dict[str, Any], metric: str) -> str:
    """Write one paragraph on which model leads on metric and whether the lead is significant."""
    models = results["models"]
    n_seeds = int(results["seeds"])
    ranked = _ranked(results, metric)
    label = METRIC_LABELS[metric]
    leader = ranked[0]
    leader_entry = models[leader]["metrics"][metric]
    seed_note = f"mean over {n_seeds} seeds" if n_seeds > 1 else "one training seed"

    if len(ranked) == 1:
        return (
            f"{label}: {model_label(leader)} reaches {format_metric(metric, leader_entry['mean'])} "
            f"({seed_note}). With one model there is nothing to compare."
        )

    values = [models[name]["metrics"][metric]["mean"] for name in ranked]
    if all(value == values[0] for value in values):
        return f"{label}: all models give {format_metric(metric, values[0])} ({seed_note})."

    sentences = [
        f"{label}: {model_label(leader)} is highest with "
        f"{format_metric(metric, leader_entry['mean'])} ({seed_note})."
    ]
    for other in ranked[1:]:
        entry = find_comparison(results, leader, other, metric)
        stds = (leader_entry["std"], models[other]["metrics"][metric]["std"])
        sentences.append(_difference_sentence(entry, metric, n_seeds, stds))
    return " ".join(sentences)


def _epochs_text(epochs_run: list[int]) -> str:
    """Describe the epochs trained, e.g. '2 epochs', '2 epochs each' or '5, 7 and 6 epochs'."""
    if len(set(epochs_run)) == 1:
        plural = "s" if epochs_run[0] != 1 else ""
        each = " each" if len(epochs_run) > 1 else ""
        return f"{epochs_run[0]} epoch{plural}{each}"
    return (
        f"{join_words([str(count) for count in epochs_run])} epochs for the {len(epochs_run)} seeds"
    )


def discuss_costs(results: dict[str, Any]) -> str:
    """Write one paragraph on parameters, training time and inference speed of each model."""
    models = results["models"]
    names = list(models)
    parts = []
    for name in names:
        entry = models[name]
        parts.append(
            f"{model_label(name)} has {entry['parameter_count']:,} parameters, trained in "
            f"{format_seconds(entry['train_seconds']['mean'])} per seed "
            f"({_epochs_text(entry['epochs_run'])}) and scores "
            f"{entry['inference_jets_per_second']['mean']:,.0f} jets/s"
        )
    text = "Cost: " + "; ".join(parts) + "."
    if len(names) > 1:
        smallest = min(names, key=lambda name: models[name]["parameter_count"])
        largest = max(names, key=lambda name: models[name]["parameter_count"])
        fastest = max(names, key=lambda name: models[name]["inference_jets_per_second"]["mean"])
        slowest = min(names, key=lambda name: models[name]["inference_jets_per_second"]["mean"])
        ratio = models[largest]["parameter_count"] / models[smallest]["parameter_count"]
        if ratio >= SIMILAR_RATIO:
            text += (
                f" {model_label(largest)} has {ratio:.1f} times the parameters of "
                f"{model_label(smallest)}."
            )
        else:
            text += " All models have nearly the same number of parameters."
        speed_ratio = (
            models[fastest]["inference_jets_per_second"]["mean"]
            / models[slowest]["inference_jets_per_second"]["mean"]
        )
        if speed_ratio >= SIMILAR_RATIO:
            text += (
                f" {model_label(fastest)} scores jets {speed_ratio:.1f} times as fast as "
                f"{model_label(slowest)}."
            )
        else:
            text += " All models score jets at nearly the same speed."
        text += (
            f" Timings were measured on {results['hardware']} and depend on the machine, the "
            "thread count and the load from other processes."
        )
    return text


def discuss_overall(results: dict[str, Any]) -> str:
    """Write the closing paragraph: whether one model leads significantly on every metric."""
    names = list(results["models"])
    if len(names) == 1:
        return "Only one model was trained, so no model ranking is made."
    leaders = {metric: _ranked(results, metric)[0] for metric in METRIC_NAMES}
    significant_wins = {
        metric: all(
            find_comparison(results, leader, other, metric)["significant"]
            for other in names
            if other != leader
        )
        for metric, leader in leaders.items()
    }
    distinct_leaders = set(leaders.values())
    if len(distinct_leaders) == 1 and all(significant_wins.values()):
        text = (
            f"{model_label(leaders['auc'])} leads on every metric, and every lead is significant "
            "on these test jets."
        )
    elif len(distinct_leaders) == 1:
        not_significant = [METRIC_LABELS[m] for m, won in significant_wins.items() if not won]
        text = (
            f"{model_label(leaders['auc'])} leads on every metric, but the lead is not significant "
            f"for {join_words(not_significant)}."
        )
    else:
        per_metric = join_words(
            [
                f"{model_label(leader)} on {METRIC_LABELS[metric]}"
                + ("" if significant_wins[metric] else " (not significant)")
                for metric, leader in leaders.items()
            ]
        )
        text = f"No model leads on every metric: {per_metric}."
    text += (
        f" These models were trained on {results['train_jets']:,} jets for at most "
        f"{results['epochs']} epochs, so their values are not comparable with the published ones, "
        "which were trained on 1.6M jets of the public sample."
    )
    return text


def write_discussion(results: dict[str, Any]) -> list[str]:
    """Return the discussion paragraphs: one per metric, then costs, then the overall verdict."""
    paragraphs = [discuss_metric(results, metric) for metric in METRIC_NAMES]
    paragraphs.append(discuss_costs(results))
    paragraphs.append(discuss_overall(results))
    return paragraphs
