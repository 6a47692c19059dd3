"""Pythia 8 settings and jet selection of the quark/gluon sample of arXiv:1810.05165.

Quark jets come from q g -> Z q and gluon jets from q qbar -> Z g, with Z -> neutrinos, in pp
collisions at 14 TeV with Pythia's default (Monash) tune, hadronization and multiple parton
interactions on. The pTHat window 375-687.5 GeV is 0.75 x 500 and 1.25 x 550 GeV: it keeps the
hardest jets that land in 500-550 GeV after showering while rejecting most events that cannot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from jetgnn.errors import InvalidInputError

QUARK = "quark"
GLUON = "gluon"
JET_KINDS = (QUARK, GLUON)
LABELS = {QUARK: 1, GLUON: 0}

PROCESS_SETTINGS = {
    QUARK: "WeakBosonAndParton:qg2gmZq = on",
    GLUON: "WeakBosonAndParton:qqbar2gmZg = on",
}
MAX_PYTHIA_SEED = 900_000_000  # Pythia accepts Random:seed in 1..900,000,000


@dataclass(frozen=True)
class JetSelection:
    """Jet definition and acceptance window; pt in GeV, R and y dimensionless."""

    radius: float = 0.4
    pt_min: float = 500.0
    pt_max: float = 550.0
    y_max: float = 1.7

    def as_dict(self) -> dict:
        return asdict(self)


def pythia_settings(kind: str, seed: int, with_bc: bool = False) -> list[str]:
    """Return every Pythia setting that differs from the defaults for one chunk of ``kind`` jets."""
    if kind not in PROCESS_SETTINGS:
        raise InvalidInputError(f"unknown jet kind {kind!r}; use one of {JET_KINDS}")
    if not 1 <= seed <= MAX_PYTHIA_SEED:
        raise InvalidInputError(f"Pythia seed {seed} must lie in 1..{MAX_PYTHIA_SEED}")
    return [
        "Beams:eCM = 14000",
        PROCESS_SETTINGS[kind],
        "WeakZ0:gmZmode = 2",
        "23:onMode = off",
        "23:onIfAny = 12 14 16",
        f"PDFinProcess:nQuarkIn = {5 if with_bc else 3}",
        "PhaseSpace:pTHatMin = 375",
        "PhaseSpace:pTHatMax = 687.5",
        "Random:setSeed = on",
        f"Random:seed = {seed}",
        "Next:numberCount = 0",
        "Print:quiet = on",
    ]
