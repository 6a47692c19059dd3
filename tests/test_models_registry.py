"""build_model: names, hyperparameter checks, round trips and the published parameter counts."""

from __future__ import annotations

import json

import pytest
import torch

from jetgnn import build_model
from jetgnn.errors import InvalidInputError
from jetgnn.models.registry import MODELS, count_parameters

# Published sizes: ParticleNet and ParticleNet-Lite from arXiv:1902.08570 (top tagging, 7 input
# features), EFN from arXiv:1810.05165.
PUBLISHED_PARAMETERS = {"particlenet": 366_000, "particlenet-lite": 26_000}
EFN_PARAMETERS = 56_630


@pytest.fixture(autouse=True)
def single_thread() -> None:
    torch.set_num_threads(1)


def test_registry_lists_four_models() -> None:
    assert set(MODELS) == {"particlenet", "particlenet-lite", "efn", "pfn"}


@pytest.mark.parametrize("name", sorted(PUBLISHED_PARAMETERS))
def test_particlenet_published_size(name: str) -> None:
    count = count_parameters(build_model(name, feature_set="kin"))

    assert abs(count - PUBLISHED_PARAMETERS[name]) <= 0.02 * PUBLISHED_PARAMETERS[name]


@pytest.mark.parametrize(
    ("name", "feature_set", "expected"),
    [
        ("particlenet", "kin", 366_160),
        ("particlenet", "kinpid", 367_324),
        ("particlenet-lite", "kin", 26_416),
        ("particlenet-lite", "kinpid", 27_004),
        ("efn", "kin", 56_630),
        ("efn", "kinpid", 56_630),
        ("pfn", "kin", 57_130),
        ("pfn", "kinpid", 57_730),
    ],
)
def test_documented_parameter_counts(name: str, feature_set: str, expected: int) -> None:
    assert count_parameters(build_model(name, feature_set=feature_set)) == expected


def test_efn_exact_published_size() -> None:
    model = build_model("efn", phi_channels=(100, 100, 128), f_channels=(100, 100, 100))

    assert count_parameters(model) == EFN_PARAMETERS


def test_efn_latent_256_option() -> None:
    model = build_model("efn", phi_channels=(100, 100, 256))

    assert count_parameters(model) == EFN_PARAMETERS + 128 * 101 + 128 * 100


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_outputs_two_logits(name: str) -> None:
    model = build_model(name).eval()
    particles = torch.zeros(3, 5, 4)
    particles[..., 0] = torch.tensor([100.0, 50.0, 20.0, 10.0, 5.0])
    particles[..., 1] = torch.linspace(-0.2, 0.2, 5)
    particles[..., 2] = torch.linspace(1.0, 1.3, 5)
    particles[..., 3] = 211.0
    mask = torch.ones(3, 5, dtype=torch.bool)

    logits = model(particles, mask)

    assert logits.shape == (3, 2)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_attributes(name: str) -> None:
    model = build_model(name, feature_set="kin")

    assert model.name == name
    assert model.feature_set == "kin"
    assert set(model.hyperparameters) == set(type(model).DEFAULT_HYPERPARAMETERS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_hyperparameters_round_trip_json(name: str) -> None:
    original = build_model(name, feature_set="kin")
    stored = json.loads(json.dumps(original.hyperparameters))

    rebuilt = build_model(original.name, feature_set=original.feature_set, **stored)

    assert rebuilt.hyperparameters == original.hyperparameters
    rebuilt.load_state_dict(original.state_dict(), strict=True)


def test_custom_hyperparameters_round_trip() -> None:
    original = build_model(
        "particlenet", k=10, conv_channels=[[16, 16], [32, 32]], fc_channels=64, dropout=0.2
    )

    rebuilt = build_model("particlenet", **original.hyperparameters)

    assert rebuilt.hyperparameters == {
        "k": 10,
        "conv_channels": ((16, 16), (32, 32)),
        "fc_channels": 64,
        "dropout": 0.2,
    }
    assert count_parameters(rebuilt) == count_parameters(original)


def test_unknown_model_lists_registered() -> None:
    with pytest.raises(InvalidInputError, match="particlenet-lite") as error:
        build_model("particle-net")

    assert "'particle-net'" in str(error.value)


def test_unknown_hyperparameter_lists_valid() -> None:
    with pytest.raises(InvalidInputError, match="conv_channels") as error:
        build_model("particlenet", kk=16)

    assert "kk" in str(error.value)


def test_unknown_feature_set_rejected() -> None:
    with pytest.raises(InvalidInputError, match="kinpid"):
        build_model("pfn", feature_set="full")


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("particlenet", {"k": 0}),
        ("particlenet", {"k": 2.5}),
        ("particlenet", {"dropout": 1.0}),
        ("particlenet", {"conv_channels": []}),
        ("particlenet", {"conv_channels": [64, 64]}),
        ("particlenet-lite", {"fc_channels": -1}),
        ("efn", {"phi_channels": "100"}),
        ("pfn", {"f_channels": [100, 0]}),
    ],
)
def test_invalid_hyperparameter_value_rejected(name: str, options: dict) -> None:
    with pytest.raises(InvalidInputError, match=next(iter(options))):
        build_model(name, **options)
