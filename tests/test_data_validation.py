"""Tests that bad .npz input raises InvalidInputError naming the file, and writes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from jetgnn.cli.main import main
from jetgnn.data import open_jets
from jetgnn.data.importer import import_npz_files
from jetgnn.errors import InvalidInputError


def good_arrays(n_jets: int = 6, n_slots: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    padded = np.zeros((n_jets, n_slots, 4))
    for jet in range(n_jets):
        n = 1 + jet % n_slots
        padded[jet, :n, 0] = np.sort(rng.uniform(1, 50, n))[::-1]
        padded[jet, :n, 1] = rng.normal(0, 0.3, n)
        padded[jet, :n, 2] = rng.normal(1, 0.3, n)
        padded[jet, :n, 3] = 22
    return padded, (np.arange(n_jets) % 2).astype(np.float64)


def save(tmp_path, name="bad.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def bad_file_cases(tmp_path):
    padded, labels = good_arrays()
    nan = padded.copy()
    nan[2, 0, 1] = np.nan
    inf = padded.copy()
    inf[3, 0, 0] = np.inf
    negative = padded.copy()
    negative[1, 0, 0] = -4.0
    return {
        "X of rank 2": (save(tmp_path, "rank.npz", X=padded[:, :, 0], y=labels), "shape"),
        "X with 3 columns": (save(tmp_path, "cols.npz", X=padded[:, :, :3], y=labels), "shape"),
        "string dtype": (save(tmp_path, "str.npz", X=padded.astype(str), y=labels), "dtype"),
        "NaN": (save(tmp_path, "nan.npz", X=nan, y=labels), "NaN"),
        "inf": (save(tmp_path, "inf.npz", X=inf, y=labels), "inf"),
        "negative pt": (save(tmp_path, "neg.npz", X=negative, y=labels), "negative pt"),
        "label 2": (save(tmp_path, "lab.npz", X=padded, y=labels + 1), "labels must be 0"),
        "length mismatch": (save(tmp_path, "len.npz", X=padded, y=labels[:-1]), "same length"),
        "y of rank 2": (save(tmp_path, "yrank.npz", X=padded, y=labels[:, None]), "y has shape"),
        "no y": (save(tmp_path, "noy.npz", X=padded), "no array y"),
        "no jets": (save(tmp_path, "empty.npz", X=padded[:0], y=labels[:0]), "no jets"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "X of rank 2",
        "X with 3 columns",
        "string dtype",
        "NaN",
        "inf",
        "negative pt",
        "label 2",
        "length mismatch",
        "y of rank 2",
        "no y",
        "no jets",
    ],
)
def test_bad_npz_raises_with_file_name(tmp_path, case):
    path, problem = bad_file_cases(tmp_path)[case]
    with pytest.raises(InvalidInputError) as raised:
        open_jets(path)
    assert str(path) in str(raised.value)
    assert problem in str(raised.value)


def test_empty_file_raises(tmp_path):
    path = tmp_path / "zero.npz"
    path.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="empty"):
        open_jets(path)


def test_truncated_file_raises(tmp_path):
    padded, labels = good_arrays(200, 40)
    whole = save(tmp_path, "whole.npz", X=padded, y=labels)
    path = tmp_path / "cut.npz"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(InvalidInputError, match="cut.npz"):
        open_jets(path)


def test_corrupt_member_raises(tmp_path):
    padded, labels = good_arrays(200, 40)
    path = save(tmp_path, "flip.npz", X=padded, y=labels)
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 3
    raw[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(raw))
    with pytest.raises(InvalidInputError, match="flip.npz"):
        open_jets(path)


def test_not_a_zip_raises(tmp_path):
    path = tmp_path / "text.npz"
    path.write_text("not an archive\n")
    with pytest.raises(InvalidInputError, match="not an .npz archive"):
        open_jets(path)


def test_wrong_array_names_listed(tmp_path):
    padded, labels = good_arrays()
    path = save(tmp_path, "renamed.npz", particles=padded, labels=labels)
    with pytest.raises(InvalidInputError) as raised:
        open_jets(path)
    message = str(raised.value)
    assert "no array X or y" in message
    assert "['labels', 'particles']" in message
    assert "pickle" not in message


def test_object_array_rejected(tmp_path):
    padded, labels = good_arrays()
    ragged = np.empty(len(padded), dtype=object)
    for index in range(len(padded)):
        ragged[index] = padded[index]
    path = save(tmp_path, "objects.npz", X=ragged, y=labels)
    with pytest.raises(InvalidInputError, match="object"):
        open_jets(path)


def test_good_file_opens(tmp_path):
    padded, labels = good_arrays()
    jets = open_jets(save(tmp_path, "good.npz", X=padded, y=labels))
    assert len(jets) == 6
    np.testing.assert_array_equal(jets.multiplicity, [1, 2, 3, 4, 5, 1])


def test_import_of_bad_file_writes_nothing(tmp_path):
    padded, labels = good_arrays()
    good = save(tmp_path, "good.npz", X=padded, y=labels)
    nan = padded.copy()
    nan[-1, 0, 2] = np.nan
    bad = save(tmp_path, "nan.npz", X=nan, y=labels)
    out = tmp_path / "store"
    with pytest.raises(InvalidInputError, match="nan.npz"):
        import_npz_files([good, bad], out, show_progress=False)
    assert not out.exists()


def test_cli_bad_file_exits_2(tmp_path, capsys):
    padded, labels = good_arrays()
    bad = save(tmp_path, "lab.npz", X=padded, y=labels + 3)
    out = tmp_path / "store"
    status = main(["data", "import", str(bad), "--out", str(out), "--no-progress"])
    assert status == 2
    assert "lab.npz" in capsys.readouterr().err
    assert not out.exists()
