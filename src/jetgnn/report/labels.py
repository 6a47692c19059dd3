"""Names of models and metrics as the report prints them, and number formatting."""

from __future__ import annotations

import math

MODEL_LABELS = {
    "particlenet": "ParticleNet",
    "particlenet-lite": "ParticleNet-Lite",
    "efn": "EFN",
    "pfn": "PFN",
}

METRIC_LABELS = {
    "accuracy": "accuracy",
    "auc": "ROC AUC",
    "rejection_at_30": "1/eps_B at eps_S = 30%",
    "rejection_at_50": "1/eps_B at eps_S = 50%",
}


def model_label(name: str) -> str:
    """Return the printed name of a registered model, e.g. 'ParticleNet-Lite' for 'particlenet-lite'."""
    return MODEL_LABELS.get(name, name)


def format_metric(metric: str, value: float | None) -> str:
    """Format a metric value: 4 decimals for accuracy and AUC, 1 decimal for 1/eps_B."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "inf"
    if metric.startswith("rejection"):
        return f"{value:.1f}"
    return f"{value:.4f}"


def format_difference(metric: str, value: float) -> str:
    """Format a signed difference of a metric with the precision of format_metric."""
    if math.isnan(value):
        return "n/a"
    if metric.startswith("rejection"):
        return f"{value:+.1f}"
    return f"{value:+.4f}"


def format_p_value(p_value: float) -> str:
    """Format a p-value as 'p = 0.012', or 'p < 0.001' below 0.001."""
    if math.isnan(p_value):
        return "p n/a"
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}"


def format_seconds(seconds: float) -> str:
    """Format a duration in seconds as '42 s', '12.5 min' or '3.2 h'."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
