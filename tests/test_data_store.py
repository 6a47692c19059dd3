"""Tests of the jet store: writing, memory-mapped reading, batches, splits and open errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jetgnn.data import JetStore, NpzJets, StoreWriter, open_jets, write_store
from jetgnn.data.splits import make_splits
from jetgnn.data.store import STORE_FORMAT_VERSION, STORE_MANIFEST
from jetgnn.data.writer import NPY_HEADER_BYTES
from jetgnn.errors import InvalidInputError, MissingInputError

SHARED_SAMPLE = "/work/shared/data/pythia_qg_0.npz"


def make_jets(n_jets: int, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Random jets of 1..30 particles sorted by pt, with pions as pid."""
    rng = np.random.default_rng(seed)
    jets = []
    for _ in range(n_jets):
        n = int(rng.integers(1, 31))
        pt = np.sort(rng.uniform(1.0, 100.0, n))[::-1]
        jet = np.stack([pt, rng.normal(0, 0.2, n), rng.normal(3, 0.2, n), np.full(n, 211.0)], 1)
        jets.append(jet.astype(np.float32))
    labels = rng.integers(0, 2, n_jets).astype(np.int8)
    return jets, labels


@pytest.fixture()
def store_and_jets(tmp_path):
    jets, labels = make_jets(50)
    path = write_store(tmp_path / "store", jets, labels, {"source": "test"}, split_seed=3)
    return JetStore.open(path), jets, labels


def test_store_roundtrip_particles(store_and_jets):
    store, jets, labels = store_and_jets
    assert len(store) == 50
    for index in (0, 17, 49, -1):
        np.testing.assert_array_equal(store.particles(index), jets[index])


def test_store_labels_and_multiplicity(store_and_jets):
    store, jets, labels = store_and_jets
    assert store.labels.dtype == np.int8
    np.testing.assert_array_equal(store.labels, labels)
    assert store.multiplicity.dtype == np.int64
    np.testing.assert_array_equal(store.multiplicity, [len(jet) for jet in jets])


def test_store_arrays_are_memory_mapped(store_and_jets):
    store, _, _ = store_and_jets
    assert isinstance(store.labels, np.memmap)
    assert isinstance(store._particles, np.memmap)


def test_batch_keeps_order_and_pads(store_and_jets):
    store, jets, labels = store_and_jets
    indices = [7, 2, 7, 40]
    particles, mask, batch_labels = store.batch(indices)
    longest = max(len(jets[i]) for i in indices)
    assert particles.shape == (4, longest, 4)
    assert particles.dtype == np.float32
    assert mask.dtype == np.bool_
    assert batch_labels.dtype == np.int64
    for row, index in enumerate(indices):
        n = len(jets[index])
        np.testing.assert_array_equal(particles[row, :n], jets[index])
        assert mask[row, :n].all()
        assert not mask[row, n:].any()
        assert not particles[row, n:].any()
        assert batch_labels[row] == labels[index]


def test_batch_of_numpy_indices(store_and_jets):
    store, jets, _ = store_and_jets
    particles, mask, _ = store.batch(np.array([3], dtype=np.int32))
    assert mask.sum() == len(jets[3])


def test_batch_rejects_out_of_range(store_and_jets):
    store, _, _ = store_and_jets
    with pytest.raises(IndexError):
        store.batch([0, 50])


def test_jet_metadata_columns(store_and_jets):
    store, jets, _ = store_and_jets
    for name in ("pt", "y", "phi", "mass"):
        assert store.jet_metadata[name].dtype == np.float32
        assert store.jet_metadata[name].shape == (50,)
    jet = jets[5].astype(np.float64)
    px = (jet[:, 0] * np.cos(jet[:, 2])).sum()
    py = (jet[:, 0] * np.sin(jet[:, 2])).sum()
    assert store.jet_metadata["pt"][5] == pytest.approx(np.hypot(px, py), rel=1e-5)


def test_jet_metadata_matches_shared_sample():
    jets = open_jets(SHARED_SAMPLE)
    # The shared sample was selected at 500-550 GeV on the jet four-vector with true masses.
    assert jets.jet_metadata["pt"].min() >= 500.0 - 0.01
    assert jets.jet_metadata["pt"].max() <= 550.0 + 0.01
    assert np.abs(jets.jet_metadata["y"]).max() < 1.7 + 1e-4


def test_splits_partition_all_jets(store_and_jets):
    store, _, _ = store_and_jets
    parts = [store.split(name) for name in ("train", "val", "test")]
    assert [part.size for part in parts] == [40, 5, 5]
    joined = np.sort(np.concatenate(parts))
    np.testing.assert_array_equal(joined, np.arange(50))
    np.testing.assert_array_equal(store.split("all"), np.arange(50))
    assert store.split("train").dtype == np.int64


def test_split_unknown_name_raises(store_and_jets):
    store, _, _ = store_and_jets
    with pytest.raises(InvalidInputError, match="unknown split"):
        store.split("validation")


def test_make_splits_is_seeded():
    first = make_splits(1000, seed=5)
    again = make_splits(1000, seed=5)
    other = make_splits(1000, seed=6)
    np.testing.assert_array_equal(first["train"], again["train"])
    assert not np.array_equal(first["train"], other["train"])


def test_make_splits_test_last():
    splits = make_splits(1000, seed=1, test_last=100)
    np.testing.assert_array_equal(splits["test"], np.arange(900, 1000))
    assert splits["train"].size == 800
    assert splits["val"].size == 100
    assert splits["train"].max() < 900


def test_open_missing_store(tmp_path):
    with pytest.raises(MissingInputError, match="does not exist"):
        JetStore.open(tmp_path / "nothing")


def test_open_incomplete_store(store_and_jets):
    store, _, _ = store_and_jets
    (store.path / STORE_MANIFEST).unlink()
    with pytest.raises(InvalidInputError, match="not a complete jet store"):
        JetStore.open(store.path)


def test_open_newer_format_version(store_and_jets):
    store, _, _ = store_and_jets
    manifest_path = store.path / STORE_MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["version"] = STORE_FORMAT_VERSION + 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(InvalidInputError, match="format version"):
        JetStore.open(store.path)


def test_open_file_as_store(tmp_path):
    path = tmp_path / "jets.npz"
    path.write_bytes(b"x")
    with pytest.raises(InvalidInputError, match="not a jet store directory"):
        JetStore.open(path)


def test_writer_refuses_existing_store(store_and_jets):
    store, jets, labels = store_and_jets
    with pytest.raises(InvalidInputError, match="already contains a jet store"):
        write_store(store.path, jets, labels, {})


def test_writer_error_leaves_no_files(tmp_path):
    path = tmp_path / "store"
    jets, labels = make_jets(5)
    with pytest.raises(RuntimeError), StoreWriter(path) as writer:
        writer.append_jets(jets, labels)
        raise RuntimeError("stop")
    assert list(path.iterdir()) == []


def test_writer_appends_blocks(tmp_path):
    jets, labels = make_jets(30)
    with StoreWriter(tmp_path / "store") as writer:
        writer.append_jets(jets[:10], labels[:10])
        writer.append_jets(jets[10:], labels[10:])
        writer.finish({})
    store = JetStore.open(tmp_path / "store")
    for index in (0, 9, 10, 29):
        np.testing.assert_array_equal(store.particles(index), jets[index])


def test_writer_header_is_valid_npy(tmp_path):
    jets, labels = make_jets(3)
    path = write_store(tmp_path / "store", jets, labels, {})
    raw = (path / "particles.npy").read_bytes()
    assert raw[8:10] == (NPY_HEADER_BYTES - 10).to_bytes(2, "little")
    loaded = np.load(path / "particles.npy")
    assert loaded.shape == (sum(len(jet) for jet in jets), 4)


def test_open_jets_npz_matches_store(tmp_path):
    npz = open_jets(SHARED_SAMPLE)
    assert isinstance(npz, NpzJets)
    subset = [npz.particles(i) for i in range(100)]
    store = open_jets(write_store(tmp_path / "store", subset, npz.labels[:100], {}))
    expected = npz.batch([5, 99, 0])
    found = store.batch([5, 99, 0])
    for left, right in zip(expected, found, strict=True):
        np.testing.assert_array_equal(left, right)


def test_open_jets_npz_splits():
    npz = open_jets(SHARED_SAMPLE)
    np.testing.assert_array_equal(npz.split("test"), np.arange(len(npz)))
    np.testing.assert_array_equal(npz.split("all"), np.arange(len(npz)))
    with pytest.raises(InvalidInputError, match="without a 'train' split"):
        npz.split("train")


def test_open_jets_npz_drops_padding():
    npz = open_jets(SHARED_SAMPLE)
    with np.load(SHARED_SAMPLE) as archive:
        padded = archive["X"][:3]
    for index in range(3):
        real = padded[index][padded[index, :, 0] > 0]
        np.testing.assert_array_equal(npz.particles(index), real)


def test_open_jets_missing_path(tmp_path):
    with pytest.raises(MissingInputError):
        open_jets(tmp_path / "absent.npz")
