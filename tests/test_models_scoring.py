"""score() over lists of jets and predict() over a real jet store written to a temporary folder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jetgnn import build_model, score
from jetgnn.data.store import JetStore
from jetgnn.data.writer import write_store
from jetgnn.errors import InvalidInputError
from jetgnn.models.scoring import predict

TOLERANCE = 1e-5


@pytest.fixture(autouse=True)
def single_thread() -> None:
    torch.set_num_threads(1)


def toy_jets(count: int, seed: int = 0) -> list[np.ndarray]:
    """Return toy jets of 1 to 60 particles as float32 (n, 4) rows (pt, y, phi, pid)."""
    rng = np.random.default_rng(seed)
    jets = []
    for _ in range(count):
        n = int(rng.integers(1, 61))
        pt = np.sort(rng.dirichlet(np.full(n, 0.7)))[::-1] * 520.0
        y = 0.5 + rng.normal(0.0, 0.1, n)
        phi = 2.0 + rng.normal(0.0, 0.1, n)
        pid = rng.choice([211.0, -211.0, 22.0, 130.0, 2112.0, 11.0], n)
        jets.append(np.stack([pt, y, phi, pid], axis=1).astype(np.float32))
    return jets


@pytest.fixture(scope="module")
def model() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model("particlenet-lite")


def test_score_keeps_input_order(model: torch.nn.Module) -> None:
    jets = toy_jets(9)

    batched = score(model, jets, batch_size=4)
    one_by_one = np.concatenate([score(model, [jet]) for jet in jets])

    np.testing.assert_allclose(batched, one_by_one, atol=TOLERANCE, rtol=0)


def test_score_returns_probabilities(model: torch.nn.Module) -> None:
    scores = score(model, toy_jets(6))

    assert scores.shape == (6,)
    assert scores.dtype == np.float64
    assert ((scores > 0) & (scores < 1)).all()


def test_score_restores_training_mode(model: torch.nn.Module) -> None:
    model.train()

    score(model, toy_jets(2))

    assert model.training
    model.eval()


def test_score_empty_list(model: torch.nn.Module) -> None:
    assert score(model, []).shape == (0,)


@pytest.mark.parametrize(
    ("jet", "message"),
    [
        (np.zeros((3, 3)), "shape"),
        (np.zeros(4), "shape"),
        (np.zeros((0, 4)), "no particles"),
        (np.array([[10.0, 0.1, np.nan, 22.0]]), "NaN"),
        (np.array([[np.inf, 0.1, 0.2, 22.0]]), "infinite"),
        (np.array([[-1.0, 0.1, 0.2, 22.0]]), "negative pt"),
        ([["a", "b", "c", "d"]], "numeric"),
    ],
)
def test_score_rejects_bad_jet(model: torch.nn.Module, jet: object, message: str) -> None:
    jets = [toy_jets(1)[0], jet]

    with pytest.raises(InvalidInputError, match=message) as error:
        score(model, jets)

    assert "jet 1" in str(error.value)


@pytest.mark.parametrize("batch_size", [0, -3, 2.0])
def test_score_rejects_bad_batch_size(model: torch.nn.Module, batch_size: object) -> None:
    with pytest.raises(InvalidInputError, match="batch_size"):
        score(model, toy_jets(2), batch_size=batch_size)


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> JetStore:
    jets = toy_jets(20, seed=1)
    labels = np.arange(20) % 2
    path = write_store(tmp_path_factory.mktemp("store") / "toy", jets, labels, {"source": "toy"})
    return JetStore.open(path)


def test_predict_matches_score(model: torch.nn.Module, toy_store: JetStore) -> None:
    indices = np.array([5, 17, 0, 5, 12, 3, 19, 8])

    predicted = predict(model, toy_store, indices, batch_size=3)
    scored = score(model, [toy_store.particles(i) for i in indices])

    np.testing.assert_allclose(predicted, scored, atol=TOLERANCE, rtol=0)


def test_predict_repeated_index_same_score(model: torch.nn.Module, toy_store: JetStore) -> None:
    predicted = predict(model, toy_store, [4, 9, 4], batch_size=2)

    assert predicted[2] == pytest.approx(predicted[0], abs=TOLERANCE)


def test_predict_rejects_out_of_range(model: torch.nn.Module, toy_store: JetStore) -> None:
    with pytest.raises(InvalidInputError, match=r"\[0, 20\)"):
        predict(model, toy_store, [0, 20])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["particlenet", "particlenet-lite", "efn", "pfn"])
def test_predict_real_jets(name: str, small_store) -> None:
    """Scores of real Pythia jets: in (0, 1), in the requested order, batch independent."""
    store = JetStore.open(small_store)
    torch.manual_seed(0)
    model = build_model(name)
    indices = np.random.default_rng(0).permutation(len(store))[:64]

    predicted = predict(model, store, indices, batch_size=16)
    one_by_one = np.concatenate([score(model, [store.particles(i)]) for i in indices[:8]])

    assert ((predicted > 0) & (predicted < 1)).all()
    np.testing.assert_allclose(predicted[:8], one_by_one, atol=TOLERANCE, rtol=0)
