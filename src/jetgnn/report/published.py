"""Published results on the public quark/gluon dataset, shown beside ours in the report.

All rows were trained on 1.6M jets and tested on 200k jets of the public Pythia 8 sample of
Komiske, Metodiev and Thaler (arXiv:1810.05165), with quark jets as the signal. None means that
the source gives no value. Several rows were taken from summary tables in later papers.
NOTE: confirm each value against the cited paper before quoting it as exact.
"""

from __future__ import annotations

from dataclasses import dataclass

TRAINING_JETS = 1_600_000
TEST_JETS = 200_000


@dataclass(frozen=True)
class PublishedResult:
    """One published row: model, particle-identification inputs, metrics and arXiv ids."""

    model: str
    particle_id: str
    accuracy: float | None
    auc: float | None
    rejection_at_50: float | None
    rejection_at_30: float | None
    arxiv: tuple[str, ...]
    registry_name: str | None = None


PUBLISHED_RESULTS = (
    PublishedResult("EFN", "none", None, 0.8824, None, None, ("1810.05165",), "efn"),
    PublishedResult("PFN", "none", None, 0.8911, 30.8, None, ("1810.05165", "1902.08570"), "pfn"),
    PublishedResult(
        "ParticleNet-Lite", "none", 0.826, 0.8993, 32.8, 84.6, ("1902.08570",), "particlenet-lite"
    ),
    PublishedResult(
        "ParticleNet", "none", 0.828, 0.9014, 33.7, 85.4, ("1902.08570",), "particlenet"
    ),
    PublishedResult(
        "PFN-Ex", "experimental", None, 0.9005, 34.7, None, ("1810.05165", "1902.08570")
    ),
    PublishedResult(
        "ParticleNet-Lite",
        "experimental",
        0.835,
        0.9079,
        37.1,
        94.5,
        ("1902.08570",),
        "particlenet-lite",
    ),
    PublishedResult(
        "ParticleNet", "experimental", 0.840, 0.9116, 39.8, 98.6, ("1902.08570",), "particlenet"
    ),
    PublishedResult("LorentzNet", "full", 0.844, 0.9156, 42.4, 110.2, ("2201.08187",)),
    PublishedResult("ParT", "experimental", 0.849, 0.9203, 47.9, 129.5, ("2202.03772",)),
    PublishedResult(
        "ParT, pre-trained on JetClass", "experimental", 0.852, 0.9230, 50.6, 138.7, ("2202.03772",)
    ),
)
