"""Build a model by name: the one place that lists the networks jetgnn ships."""

from __future__ import annotations

from types import MappingProxyType

from torch import nn

from jetgnn.errors import InvalidInputError
from jetgnn.graphs.features import FEATURE_SETS
from jetgnn.models.deepsets import EnergyFlowNetwork, ParticleFlowNetwork
from jetgnn.models.hyperparameters import check_names
from jetgnn.models.particlenet import ParticleNet, ParticleNetLite

MODELS = MappingProxyType(
    {
        "particlenet": ParticleNet,
        "particlenet-lite": ParticleNetLite,
        "efn": EnergyFlowNetwork,
        "pfn": ParticleFlowNetwork,
    }
)


def build_model(name: str, feature_set: str = "kinpid", **hyperparameters: object) -> nn.Module:
    """Build an untrained model by its registered name.

    Args:
        name: "particlenet", "particlenet-lite", "efn" or "pfn".
        feature_set: per-particle input features, "kin" (7) or "kinpid" (13).
        **hyperparameters: architecture options of that model; omitted ones take the published
            defaults. `model.hyperparameters` returns all of them, so
            `build_model(model.name, model.feature_set, **model.hyperparameters)` rebuilds the
            same architecture.

    Returns:
        A module mapping (particles (B, P, 4), mask (B, P)) to logits (B, 2), column 1 = quark.

    Raises:
        InvalidInputError: unknown name, feature set or hyperparameter, or an invalid value.
    """
    if name not in MODELS:
        raise InvalidInputError(f"unknown model {name!r}; registered models: {', '.join(MODELS)}")
    if feature_set not in FEATURE_SETS:
        raise InvalidInputError(
            f"unknown feature set {feature_set!r} for model {name!r}; "
            f"choose one of: {', '.join(FEATURE_SETS)}"
        )
    model_class = MODELS[name]
    check_names(name, hyperparameters, tuple(model_class.DEFAULT_HYPERPARAMETERS))
    return model_class(feature_set, **hyperparameters)


def count_parameters(model: nn.Module) -> int:
    """Return the number of trainable parameters of `model`."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
