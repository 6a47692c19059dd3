"""Jet-graph pictures: plot_jet_graph, save_figure and the show-graph command."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.collections import LineCollection

from jetgnn.cli.main import main
from jetgnn.data import write_store
from jetgnn.errors import InvalidInputError
from jetgnn.graphs.plot import particle_types, plot_jet_graph, save_figure

torch.set_num_threads(1)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_jet(num_particles: int, seed: int) -> np.ndarray:
    """Return a jet-like float32 ``(n, 4)`` array (pt, y, phi, pid) sorted by pt."""
    rng = np.random.default_rng(seed)
    pt = np.sort(rng.uniform(0.5, 60.0, num_particles))[::-1]
    y = 0.2 + 0.1 * rng.standard_normal(num_particles)
    phi = 2.0 + 0.1 * rng.standard_normal(num_particles)
    pid = rng.choice([211.0, -321.0, 22.0, 2112.0, -11.0, 13.0], num_particles)
    return np.stack([pt, y, phi, pid], axis=1).astype(np.float32)


@pytest.fixture
def npz_file(tmp_path):
    """An energyflow-format file of three zero-padded jets, labels quark, gluon, quark."""
    jets = [make_jet(6, seed=1), make_jet(9, seed=2), make_jet(1, seed=3)]
    padded = np.zeros((3, 9, 4), dtype=np.float32)
    for row, jet in enumerate(jets):
        padded[row, : len(jet)] = jet
    path = tmp_path / "jets.npz"
    np.savez(path, X=padded, y=np.array([1.0, 0.0, 1.0], dtype=np.float32))
    return path


def drawn_lines(ax) -> int:
    return sum(
        len(item.get_segments()) for item in ax.collections if isinstance(item, LineCollection)
    )


def test_particle_types_follow_pdg_ids():
    pid = np.array([211, -211, 321, 2212, 130, 2112, 22, 11, -11, 13, -13, 0, 310])
    assert particle_types(pid).tolist() == [0, 0, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5]


def test_knn_picture_draws_undirected_edges():
    jet = make_jet(10, seed=4)
    ax = plot_jet_graph(jet, "knn", k=3)
    # Every particle sends 3 edges; a mutual pair shares one line, so 15 to 30 lines.
    assert 15 <= drawn_lines(ax) <= 30


def test_full_picture_draws_every_pair():
    ax = plot_jet_graph(make_jet(10, seed=5), "full")
    assert drawn_lines(ax) == 45


def test_none_picture_draws_no_edges():
    ax = plot_jet_graph(make_jet(10, seed=6), "none")
    assert drawn_lines(ax) == 0


def test_title_names_label_multiplicity_graph():
    ax = plot_jet_graph(make_jet(7, seed=7), "delta-r", label=0, jet_index=12, radius=0.2)
    title = ax.get_title()
    assert "jet 12: gluon" in title
    assert "7 particles" in title
    assert "delta-r (radius=0.2, max_neighbours=16)" in title


def test_axes_have_labels_with_units():
    ax = plot_jet_graph(make_jet(5, seed=8), "knn", k=2)
    assert "Delta eta" in ax.get_xlabel()
    assert "[rad]" in ax.get_ylabel()


def test_padded_rows_are_dropped():
    jet = np.concatenate([make_jet(4, seed=9), np.zeros((3, 4), dtype=np.float32)])
    ax = plot_jet_graph(jet, "full")
    assert "4 particles" in ax.get_title()


def test_single_particle_jet_is_drawn():
    ax = plot_jet_graph(make_jet(1, seed=10), "knn", k=8)
    assert drawn_lines(ax) == 0


def test_jet_without_particles_is_rejected():
    with pytest.raises(InvalidInputError, match="no particle with pt > 0"):
        plot_jet_graph(np.zeros((3, 4), dtype=np.float32), "knn")


def test_wrong_jet_shape_is_rejected():
    with pytest.raises(InvalidInputError, match=r"\(n, 4\)"):
        plot_jet_graph(np.zeros((2, 3, 4), dtype=np.float32), "knn")


def test_save_figure_writes_png(tmp_path):
    ax = plot_jet_graph(make_jet(6, seed=11), "knn", k=3)
    path = save_figure(ax.figure, tmp_path / "jet.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert [item.name for item in tmp_path.iterdir()] == ["jet.png"]


def test_save_figure_rejects_unknown_suffix(tmp_path):
    ax = plot_jet_graph(make_jet(6, seed=12), "none")
    with pytest.raises(InvalidInputError, match="unknown suffix '.pngx'"):
        save_figure(ax.figure, tmp_path / "jet.pngx")


def test_save_figure_rejects_missing_directory(tmp_path):
    ax = plot_jet_graph(make_jet(6, seed=13), "none")
    with pytest.raises(InvalidInputError, match="not found"):
        save_figure(ax.figure, tmp_path / "absent" / "jet.png")


def test_show_graph_writes_picture(npz_file, tmp_path):
    out = tmp_path / "jet1.png"
    status = main(
        [
            "show-graph",
            "--data",
            str(npz_file),
            "--jet",
            "1",
            "--graph",
            "knn",
            "--k",
            "4",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_show_graph_reads_jet_store(tmp_path):
    jets = [make_jet(5, seed=14), make_jet(8, seed=15)]
    store = write_store(tmp_path / "store", jets, np.array([0, 1]), provenance={"source": "test"})
    out = tmp_path / "store_jet.png"
    status = main(
        [
            "show-graph",
            "--data",
            str(store),
            "--jet",
            "1",
            "--graph",
            "delta-r",
            "--radius",
            "0.2",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    assert out.exists()


def test_show_graph_names_valid_index_range(npz_file, tmp_path, capsys):
    status = main(
        ["show-graph", "--data", str(npz_file), "--jet", "3", "--out", str(tmp_path / "x.png")]
    )
    assert status == 2
    assert "index from 0 to 2" in capsys.readouterr().err


def test_show_graph_lists_valid_graphs(npz_file, tmp_path, capsys):
    status = main(
        [
            "show-graph",
            "--data",
            str(npz_file),
            "--jet",
            "0",
            "--graph",
            "ball",
            "--out",
            str(tmp_path / "x.png"),
        ]
    )
    assert status == 2
    assert "choose one of: knn, dynamic-knn, delta-r, full, none" in capsys.readouterr().err


def test_show_graph_rejects_option_of_other_graph(npz_file, tmp_path, capsys):
    argv = [
        "show-graph",
        "--data",
        str(npz_file),
        "--jet",
        "0",
        "--graph",
        "knn",
        "--radius",
        "0.2",
    ]
    status = main([*argv, "--out", str(tmp_path / "x.png")])
    assert status == 2
    assert "--radius does not apply to --graph knn" in capsys.readouterr().err


def test_show_graph_keeps_old_picture_on_error(npz_file, tmp_path):
    out = tmp_path / "old.png"
    out.write_bytes(b"old picture")
    status = main(["show-graph", "--data", str(npz_file), "--jet", "7", "--out", str(out)])
    assert status == 2
    assert out.read_bytes() == b"old picture"
