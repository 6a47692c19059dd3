"""Tests of ``jetgnn data import``: conversion, SHA-256 checks, missing files, input safety."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from jetgnn.cli.main import main
from jetgnn.data import JetStore, open_jets
from jetgnn.data.importer import import_npz_files
from jetgnn.data.public_files import PUBLIC_FILES, is_full_release
from jetgnn.errors import InvalidInputError, MissingInputError

SHARED_SAMPLE = "/work/shared/data/pythia_qg_0.npz"


@pytest.fixture(scope="module")
def shared_padded():
    with np.load(SHARED_SAMPLE) as archive:
        return archive["X"][:300], archive["y"][:300]


def write_npz(path, padded, labels):
    np.savez(path, X=padded, y=labels)
    return path


def public_name(position: int) -> str:
    return "QG_jets.npz" if position == 0 else f"QG_jets_{position}.npz"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_preserves_jets(tmp_path, shared_padded):
    padded, labels = shared_padded
    first = write_npz(tmp_path / "a.npz", padded[:100], labels[:100])
    second = write_npz(tmp_path / "b.npz", padded[100:300], labels[100:300])
    store = JetStore.open(
        import_npz_files([first, second], tmp_path / "store", show_progress=False)
    )
    reference = open_jets(SHARED_SAMPLE)
    assert len(store) == 300
    np.testing.assert_array_equal(store.labels, labels.astype(np.int8))
    for index in (0, 99, 100, 299):
        np.testing.assert_array_equal(store.particles(index), reference.particles(index))


def test_import_small_blocks_give_same_store(tmp_path, shared_padded):
    padded, labels = shared_padded
    source = write_npz(tmp_path / "a.npz", padded, labels)
    whole = import_npz_files([source], tmp_path / "whole", show_progress=False)
    blocks = import_npz_files([source], tmp_path / "blocks", block_jets=7, show_progress=False)
    for name in ("particles.npy", "offsets.npy", "labels.npy", "jets.npy", "split_test.npy"):
        assert (whole / name).read_bytes() == (blocks / name).read_bytes()


def test_import_default_split(tmp_path, shared_padded):
    padded, labels = shared_padded
    source = write_npz(tmp_path / "a.npz", padded, labels)
    store = JetStore.open(import_npz_files([source], tmp_path / "store", show_progress=False))
    assert store.split("train").size == 240
    assert store.split("val").size == 30
    assert store.split("test").size == 30


def test_import_leaves_input_untouched(tmp_path, shared_padded):
    padded, labels = shared_padded
    source = write_npz(tmp_path / "a.npz", padded, labels)
    before = (digest(source), os.stat(source).st_mtime_ns)
    import_npz_files([source], tmp_path / "store", show_progress=False)
    assert (digest(source), os.stat(source).st_mtime_ns) == before


def test_import_records_provenance(tmp_path, shared_padded):
    padded, labels = shared_padded
    source = write_npz(tmp_path / "a.npz", padded[:50], labels[:50])
    store = JetStore.open(import_npz_files([source], tmp_path / "store", show_progress=False))
    record = store.provenance["inputs"][0]
    assert record["sha256"] == digest(source)
    assert record["jets"] == 50


def test_public_name_with_wrong_hash_raises(tmp_path, shared_padded):
    padded, labels = shared_padded
    source = write_npz(tmp_path / "QG_jets_5.npz", padded[:20], labels[:20])
    with pytest.raises(InvalidInputError, match="QG_jets_5.npz") as raised:
        import_npz_files([source], tmp_path / "store", show_progress=False)
    assert PUBLIC_FILES["QG_jets_5.npz"].sha256 in str(raised.value)
    assert "--no-verify" in str(raised.value)
    assert not (tmp_path / "store").exists()


def test_no_verify_skips_hash(tmp_path, shared_padded):
    padded, labels = shared_padded
    source = write_npz(tmp_path / "QG_jets_5.npz", padded[:20], labels[:20])
    path = import_npz_files([source], tmp_path / "store", verify=False, show_progress=False)
    assert len(JetStore.open(path)) == 20


def test_missing_public_files_named(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MissingInputError) as raised:
        import_npz_files(["QG_jets_1.npz", "QG_jets_2.npz"], tmp_path / "store")
    message = str(raised.value)
    assert "QG_jets_1.npz" in message
    assert "QG_jets_2.npz" in message
    assert ".energyflow/datasets" in message
    assert "3164691" in message


def test_bare_public_name_found_in_cache(tmp_path, monkeypatch, shared_padded):
    padded, labels = shared_padded
    cache = tmp_path / ".energyflow" / "datasets"
    cache.mkdir(parents=True)
    write_npz(cache / "QG_jets_herwig_3.npz", padded[:10], labels[:10])
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    path = import_npz_files(
        ["QG_jets_herwig_3.npz"], tmp_path / "store", verify=False, show_progress=False
    )
    assert len(JetStore.open(path)) == 10


def test_file_given_twice_raises(tmp_path, shared_padded):
    padded, labels = shared_padded
    source = write_npz(tmp_path / "a.npz", padded[:10], labels[:10])
    with pytest.raises(InvalidInputError, match="given twice"):
        import_npz_files([source, tmp_path / "." / "a.npz"], tmp_path / "store")


def test_full_release_takes_last_two_files_as_test(tmp_path, shared_padded):
    padded, labels = shared_padded
    names = [public_name(position) for position in range(20)]
    assert is_full_release(names)
    paths = [
        write_npz(tmp_path / name, padded[10 * i : 10 * i + 10], labels[10 * i : 10 * i + 10])
        for i, name in enumerate(names)
    ]
    store = JetStore.open(
        import_npz_files(paths, tmp_path / "store", verify=False, show_progress=False)
    )
    np.testing.assert_array_equal(store.split("test"), np.arange(180, 200))
    assert store.split("train").size + store.split("val").size == 180


def test_public_catalogue_has_no_duplicates():
    assert len(PUBLIC_FILES) == 80
    assert len({item.sha256 for item in PUBLIC_FILES.values()}) == 80


def test_cli_import_and_info_json(tmp_path, shared_padded, capsys):
    import json

    padded, labels = shared_padded
    source = write_npz(tmp_path / "a.npz", padded[:100], labels[:100])
    out = tmp_path / "store"
    assert main(["data", "import", str(source), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["data", "info", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_jets"] == 100
    assert summary["n_quark"] + summary["n_gluon"] == 100
    assert summary["n_quark"] == int(labels[:100].sum())
    quark = summary["multiplicity"]["quark"]
    expected = open_jets(out).multiplicity[labels[:100] == 1]
    assert quark["mean"] == pytest.approx(expected.mean())
    assert quark["std"] == pytest.approx(expected.std())


def test_cli_import_missing_exits_2(tmp_path, capsys):
    status = main(["data", "import", str(tmp_path / "none.npz"), "--out", str(tmp_path / "s")])
    assert status == 2
    assert "none.npz" in capsys.readouterr().err
