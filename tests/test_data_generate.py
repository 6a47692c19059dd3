"""Tests of Pythia jet generation on real Pythia 8 output (small samples shared per session)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from jetgnn.data import JetStore
from jetgnn.data.generation.chunks import CHUNK_DIRECTORY, chunk_seed, plan_chunks
from jetgnn.data.generation.runner import GenerationRequest, generate_store
from jetgnn.data.generation.settings import MAX_PYTHIA_SEED
from jetgnn.data.kinematics import STABLE_MASSES_GEV
from jetgnn.errors import InvalidInputError

# Multiplicity of this recipe measured on 2,500 jets per class: mean (std).
QUARK_MULTIPLICITY = (33.9, 13.7)
GLUON_MULTIPLICITY = (53.5, 15.6)
STORE_FILES = ("particles.npy", "offsets.npy", "labels.npy", "jets.npy", "split_train.npy")
TINY_REQUEST = GenerationRequest(n_jets=24, seed=77, chunk_jets=6)


@pytest.fixture(scope="module")
def tiny_stores(tmp_path_factory):
    """The same 24-jet request (4 chunks) generated with 1 and with 2 workers."""
    root = tmp_path_factory.mktemp("tiny")
    one = generate_store(root / "one", TINY_REQUEST, workers=1, show_progress=False)
    two = generate_store(root / "two", TINY_REQUEST, workers=2, show_progress=False)
    return one, two


@pytest.mark.slow
def test_small_store_is_balanced(small_store):
    store = JetStore.open(small_store)
    assert len(store) == 200
    assert int((store.labels == 1).sum()) == 100
    assert int((store.labels == 0).sum()) == 100


@pytest.mark.slow
@pytest.mark.parametrize(("label", "published"), [(1, QUARK_MULTIPLICITY), (0, GLUON_MULTIPLICITY)])
def test_multiplicity_near_published(small_store, label, published):
    store = JetStore.open(small_store)
    multiplicity = store.multiplicity[store.labels == label]
    mean, std = published
    standard_error = std / np.sqrt(multiplicity.size)
    assert abs(multiplicity.mean() - mean) < 4 * standard_error
    assert 0.7 * std < multiplicity.std() < 1.3 * std


@pytest.mark.slow
def test_jets_inside_pt_window(small_store):
    pt = JetStore.open(small_store).jet_metadata["pt"]
    # Float32 particles shift the summed jet pt by far less than 0.01 GeV.
    assert pt.min() >= 500.0 - 0.01
    assert pt.max() <= 550.0 + 0.01


@pytest.mark.slow
def test_jets_inside_rapidity_window(small_store):
    y = JetStore.open(small_store).jet_metadata["y"]
    assert np.abs(y).max() < 1.7 + 1e-4


@pytest.mark.slow
def test_particles_within_pi_of_jet_phi(small_store):
    store = JetStore.open(small_store)
    particles, mask, _ = store.batch(store.split("all"))
    jet_phi = np.asarray(store.jet_metadata["phi"])
    assert jet_phi.min() >= 0.0
    assert jet_phi.max() < 2 * np.pi
    distance = np.abs(particles[:, :, 2] - jet_phi[:, None])
    assert distance[mask].max() <= np.pi


@pytest.mark.slow
def test_particles_sorted_by_pt(small_store):
    store = JetStore.open(small_store)
    for index in range(0, len(store), 7):
        pt = store.particles(index)[:, 0]
        assert np.all(np.diff(pt) <= 0)


@pytest.mark.slow
def test_pids_are_stable_visible_species(small_store):
    store = JetStore.open(small_store)
    pids = set(np.abs(store.batch(store.split("all"))[0][..., 3]).astype(int).ravel()) - {0}
    assert pids <= set(STABLE_MASSES_GEV)
    assert {22, 211, 321} <= pids


def test_stable_species_match_pythia_defaults():
    pythia8mc = pytest.importorskip("pythia8mc")
    particle_data = pythia8mc.Pythia("", False).particleData

    def decays_by_default(pid: int) -> bool:
        return particle_data.canDecay(pid) and particle_data.mayDecay(pid)

    for pid in STABLE_MASSES_GEV:
        assert not decays_by_default(pid), pid
    # K_S, Lambda, Sigma+-, Xi and Omega have decay lengths of centimetres but decay by default.
    for pid in (310, 3122, 3222, 3112, 3312, 3322, 3334):
        assert decays_by_default(pid), pid


@pytest.mark.slow
def test_provenance_records_settings(small_store):
    provenance = JetStore.open(small_store).provenance
    assert provenance["pythia_version"] == "8.317.2"
    assert "FastJet 3.5.1" in provenance["fastjet"]
    assert "WeakBosonAndParton:qg2gmZq = on" in provenance["pythia_settings"]["quark"]
    assert "WeakBosonAndParton:qqbar2gmZg = on" in provenance["pythia_settings"]["gluon"]
    seeds = [chunk["pythia_seed"] for chunk in provenance["chunks"]]
    assert len(set(seeds)) == len(seeds)
    assert provenance["n_events"] > len(JetStore.open(small_store))


def test_chunk_seeds_distinct_and_in_range():
    plan = plan_chunks(20_000, 20261204, 250)
    seeds = [spec.pythia_seed for spec in plan]
    assert len(plan) == 80
    assert len(set(seeds)) == 80
    assert min(seeds) >= 1
    assert max(seeds) <= MAX_PYTHIA_SEED
    assert chunk_seed(5, "quark", 0) != chunk_seed(5, "gluon", 0)


def test_plan_splits_odd_jet_counts():
    plan = plan_chunks(11, 1, 4)
    assert sum(spec.n_jets for spec in plan if spec.kind == "quark") == 6
    assert sum(spec.n_jets for spec in plan if spec.kind == "gluon") == 5


@pytest.mark.slow
def test_workers_give_identical_jets(tiny_stores):
    one, two = tiny_stores
    for name in STORE_FILES:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


@pytest.mark.slow
def test_resume_regenerates_only_missing_chunk(tiny_stores, tmp_path):
    reference = tiny_stores[0]
    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    chunks = sorted((copy / CHUNK_DIRECTORY).glob("*.npz"))
    removed = chunks[1]
    removed.unlink()
    kept_times = {path.name: path.stat().st_mtime_ns for path in chunks if path != removed}

    generate_store(copy, TINY_REQUEST, workers=1, show_progress=False)

    assert removed.is_file()
    for path in chunks:
        if path != removed:
            assert path.stat().st_mtime_ns == kept_times[path.name], path.name
    for name in STORE_FILES:
        assert (copy / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.mark.slow
def test_shards_cover_all_chunks(tiny_stores, tmp_path):
    reference = tiny_stores[0]
    out = tmp_path / "sharded"
    first = generate_store(out, TINY_REQUEST, shard=(1, 2), show_progress=False)
    assert first is None
    assert not (out / "store.json").exists()
    assert len(list((out / CHUNK_DIRECTORY).glob("*.npz"))) == 2

    second = generate_store(out, TINY_REQUEST, shard=(0, 2), show_progress=False)
    assert second == out
    for name in STORE_FILES:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.mark.slow
def test_resume_with_other_settings_raises(tiny_stores, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_stores[0], copy)
    other = GenerationRequest(n_jets=24, seed=78, chunk_jets=6)
    with pytest.raises(InvalidInputError, match="other settings"):
        generate_store(copy, other, show_progress=False)


def test_generate_rejects_bad_shard(tmp_path):
    with pytest.raises(InvalidInputError, match="shard"):
        generate_store(tmp_path / "x", TINY_REQUEST, shard=(2, 2), show_progress=False)


def test_cli_generate_writes_store(tmp_path, capsys):
    from jetgnn.cli.main import main

    out = tmp_path / "cli"
    status = main(
        ["generate", "--jets", "4", "--out", str(out), "--seed", "3", "--chunk-jets", "2"]
        + ["--no-progress"]
    )
    assert status == 0
    store = JetStore.open(out)
    assert len(store) == 4
    assert store.provenance["command"].startswith(f"jetgnn generate --jets 4 --out {out} --seed 3")


@pytest.mark.parametrize(
    "arguments",
    [["--workers", "0"], ["--shard", "3"], ["--shard", "1/1"], ["--jets", "1"], ["--ymax", "0"]],
)
def test_cli_generate_bad_option_exits_2(tmp_path, arguments):
    from jetgnn.cli.main import main

    base = ["generate", "--jets", "4", "--out", str(tmp_path / "x"), "--no-progress"]
    assert main(base + arguments) == 2
