"""jetgnn: quark/gluon jet tagging with graph neural networks."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "build_model", "score"]


def __getattr__(name: str):
    # Imported lazily so that `jetgnn --help` and the data commands do not pay for importing torch.
    if name == "build_model":
        from jetgnn.models.registry import build_model

        return build_model
    if name == "score":
        from jetgnn.models.scoring import score

        return score
    raise AttributeError(f"module 'jetgnn' has no attribute {name!r}")
