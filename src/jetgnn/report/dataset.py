"""Description of the jet store used by a comparison: provenance, split sizes, multiplicities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from jetgnn.data.store import JetArrays

# Provenance keys shown in the report, in this order, with their labels.
PROVENANCE_FIELDS = (
    ("source", "source"),
    ("pythia_version", "Pythia version"),
    ("tune", "tune"),
    ("jet_algorithm", "jets"),
    ("selection", "selection"),
    ("fastjet", "clustering code"),
    ("n_events", "events generated"),
    ("command", "command"),
)


def describe_dataset(source: JetArrays, test_indices: np.ndarray) -> dict[str, Any]:
    """Summarise a jet store for results.json and the report.

    Returns the path, the provenance fields of PROVENANCE_FIELDS that the store records and the
    Pythia settings per jet kind when present. It adds the number of jets per split and per class,
    and the mean and standard deviation of the multiplicity per class, over all jets and over the
    test split.
    """
    provenance = dict(source.provenance)
    labels = np.asarray(source.labels, dtype=np.int64)
    multiplicity = np.asarray(source.multiplicity, dtype=np.float64)

    splits = {}
    for name in ("train", "val", "test"):
        indices = source.split(name)
        n_quark = int(labels[indices].sum())
        splits[name] = {
            "jets": int(indices.size),
            "quark": n_quark,
            "gluon": int(indices.size) - n_quark,
        }

    multiplicities = {}
    for sample_name, indices in (("all", np.arange(labels.size)), ("test", test_indices)):
        per_class = {}
        for class_name, label in (("quark", 1), ("gluon", 0)):
            values = multiplicity[indices][labels[indices] == label]
            per_class[class_name] = {
                "mean": float(values.mean()) if values.size else None,
                "std": float(values.std()) if values.size else None,
            }
        multiplicities[sample_name] = per_class

    described = {key: provenance[key] for key, _ in PROVENANCE_FIELDS if key in provenance}
    return {
        "path": str(Path(source.path).resolve()),
        "n_jets": int(labels.size),
        "provenance": described,
        "pythia_settings": provenance.get("pythia_settings"),
        "splits": splits,
        "multiplicity": multiplicities,
    }
