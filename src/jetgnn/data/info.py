"""Summary of a jet collection: counts, multiplicity per class, pt and y ranges, provenance."""

from __future__ import annotations

import numpy as np

from jetgnn.data.store import SPLIT_NAMES, JetArrays
from jetgnn.errors import InvalidInputError

CLASS_LABELS = {"quark": 1, "gluon": 0}


def summarize(jets: JetArrays) -> dict:
    """Return the summary of ``jets`` as a JSON-ready dict.

    Keys: n_jets, n_quark, n_gluon, multiplicity {quark: {mean, std}, gluon: {mean, std}}
    (std with ddof = 0), pt and y {min, max} of the jets, split sizes and the provenance.
    """
    labels = np.asarray(jets.labels)
    multiplicity = np.asarray(jets.multiplicity)
    summary = {
        "path": str(jets.path),
        "n_jets": len(jets),
        "n_quark": int((labels == CLASS_LABELS["quark"]).sum()),
        "n_gluon": int((labels == CLASS_LABELS["gluon"]).sum()),
        "n_particles": int(multiplicity.sum()),
        "multiplicity": {},
        "pt": _range(jets.jet_metadata["pt"]),
        "y": _range(jets.jet_metadata["y"]),
        "splits": {},
        "provenance": jets.provenance,
    }
    for name, label in CLASS_LABELS.items():
        values = multiplicity[labels == label]
        summary["multiplicity"][name] = {
            "mean": float(values.mean()) if values.size else None,
            "std": float(values.std()) if values.size else None,
        }
    for name in SPLIT_NAMES:
        try:
            summary["splits"][name] = int(jets.split(name).size)
        except InvalidInputError:
            summary["splits"][name] = None
    return summary


def _range(values: np.ndarray) -> dict:
    values = np.asarray(values)
    if not values.size:
        return {"min": None, "max": None}
    return {"min": float(values.min()), "max": float(values.max())}


def format_summary(summary: dict) -> str:
    """Render a summary from ``summarize`` as aligned plain text."""
    lines = [
        f"jets            {summary['n_jets']} ({summary['n_quark']} quark, {summary['n_gluon']} gluon)",
        f"particles       {summary['n_particles']}",
    ]
    for name in CLASS_LABELS:
        stats = summary["multiplicity"][name]
        if stats["mean"] is None:
            lines.append(f"multiplicity    {name}: no jets")
        else:
            lines.append(
                f"multiplicity    {name}: mean {stats['mean']:.2f}, std {stats['std']:.2f}"
            )
    for key in ("pt", "y"):
        bounds = summary[key]
        if bounds["min"] is not None:
            lines.append(f"{key:<16}{bounds['min']:.4g} to {bounds['max']:.4g}")
    splits = ", ".join(
        f"{name} {size}" for name, size in summary["splits"].items() if size is not None
    )
    lines.append(f"splits          {splits}")
    provenance = summary["provenance"]
    for key in ("source", "command", "jetgnn_version", "pythia_version", "fastjet"):
        if provenance.get(key):
            lines.append(f"{key:<16}{provenance[key]}")
    return "\n".join(lines)
