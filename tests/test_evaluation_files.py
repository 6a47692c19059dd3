"""Tests of metrics.json and predictions.csv writing and reading."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from jetgnn.errors import InvalidInputError
from jetgnn.evaluation.files import (
    read_predictions,
    write_atomic_bytes,
    write_json_file,
    write_predictions,
)


def test_predictions_round_trip_exact(tmp_path):
    rng = np.random.default_rng(0)
    indices = np.arange(10, 60, dtype=np.int64)
    labels = rng.integers(0, 2, indices.size)
    scores = rng.random(indices.size)
    write_predictions(tmp_path / "p.csv", indices, labels, scores)
    read_indices, read_labels, read_scores = read_predictions(tmp_path / "p.csv")
    np.testing.assert_array_equal(read_indices, indices)
    np.testing.assert_array_equal(read_labels, labels)
    np.testing.assert_array_equal(read_scores, scores)


def test_predictions_header_names_quark_column(tmp_path):
    write_predictions(tmp_path / "p.csv", np.array([0]), np.array([1]), np.array([0.25]))
    assert (tmp_path / "p.csv").read_text().splitlines()[0] == "jet_index,label,p_quark"


def test_predictions_wrong_header_rejected(tmp_path):
    (tmp_path / "p.csv").write_text("index,score\n0,0.5\n")
    with pytest.raises(InvalidInputError, match="header"):
        read_predictions(tmp_path / "p.csv")


def test_json_writes_inf_as_null(tmp_path):
    write_json_file(tmp_path / "m.json", {"rejection_at_30": float("inf"), "ci": [1.0, np.inf]})
    saved = json.loads((tmp_path / "m.json").read_text())
    assert saved["rejection_at_30"] is None
    assert saved["ci"] == [1.0, None]


def test_atomic_write_uses_umask_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        write_atomic_bytes(tmp_path / "report.html", b"<html></html>")
    finally:
        os.umask(previous)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644


def test_atomic_write_leaves_no_temporary(tmp_path):
    write_atomic_bytes(tmp_path / "a.txt", b"x")
    assert [path.name for path in tmp_path.iterdir()] == ["a.txt"]
