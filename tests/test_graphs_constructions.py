"""Rules that every graph construction must follow, and the specifics of each one."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from jetgnn.cli.graph_commands import GRAPH_NAMES
from jetgnn.errors import InvalidInputError
from jetgnn.graphs.constructions import delta_r_graph, dynamic_knn_graph, full_graph, knn_graph
from jetgnn.graphs.features import pairwise_features, relative_coordinates
from jetgnn.graphs.registry import GRAPH_CONSTRUCTIONS, build_graph, graph_parameters

torch.set_num_threads(1)

# Small parameters, so that the test jets (up to 12 particles) have more than K particles.
CASES = [
    ("knn", {"k": 4}),
    ("dynamic-knn", {"k": 4}),
    ("delta-r", {"radius": 0.15, "max_neighbours": 4}),
    ("full", {}),
    ("none", {}),
]
CASE_IDS = [name for name, _ in CASES]
# The same constructions with every pair in reach, so each particle can get all n - 1 others.
REACH_ALL = {
    "knn": {"k": 4},
    "dynamic-knn": {"k": 4},
    "delta-r": {"radius": 10.0, "max_neighbours": 4},
    "full": {},
}


def make_jet(num_particles: int, seed: int, phi_axis: float = 1.0) -> torch.Tensor:
    """Return a jet-like float32 ``(n, 4)``: soft particles spread by about 0.1 around an axis."""
    generator = torch.Generator().manual_seed(seed)
    pt = torch.sort(torch.rand(num_particles, generator=generator) * 50 + 0.5, descending=True)
    y = 0.3 + 0.1 * torch.randn(num_particles, generator=generator)
    phi = phi_axis + 0.1 * torch.randn(num_particles, generator=generator)
    pid_choices = torch.tensor([211.0, -211.0, 22.0, 130.0, 11.0, -13.0])
    pid = pid_choices[torch.randint(len(pid_choices), (num_particles,), generator=generator)]
    return torch.stack([pt.values, y, phi, pid], dim=1)


def pad(jets: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the padded batch ``(B, P, 4)`` and mask ``(B, P)`` of a list of ``(n_i, 4)`` jets."""
    num_slots = max(len(jet) for jet in jets)
    particles = torch.zeros(len(jets), num_slots, 4)
    mask = torch.zeros(len(jets), num_slots, dtype=torch.bool)
    for row, jet in enumerate(jets):
        particles[row, : len(jet)] = jet
        mask[row, : len(jet)] = True
    return particles, mask


@pytest.fixture(scope="module")
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    jets = [make_jet(12, seed=1), make_jet(7, seed=2), make_jet(1, seed=3), make_jet(3, seed=4)]
    return pad(jets)


def receivers_like(index: torch.Tensor) -> torch.Tensor:
    return torch.arange(index.shape[1])[None, :, None].expand_as(index)


# Rules for every construction.


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_no_self_edges(batch, name, params):
    graph = build_graph(name, *batch, **params)
    self_edges = graph.valid & (graph.index == receivers_like(graph.index))
    assert not self_edges.any()


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_no_padded_neighbours(batch, name, params):
    particles, mask = batch
    graph = build_graph(name, particles, mask, **params)
    neighbour_is_real = torch.gather(mask, 1, graph.index.flatten(1)).view_as(graph.index)
    assert neighbour_is_real[graph.valid].all()


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_padded_particles_have_no_edges(batch, name, params):
    particles, mask = batch
    graph = build_graph(name, particles, mask, **params)
    assert not graph.valid[~mask].any()


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_invalid_slots_point_at_self(batch, name, params):
    graph = build_graph(name, *batch, **params)
    receivers = receivers_like(graph.index)
    assert torch.equal(graph.index[~graph.valid], receivers[~graph.valid])


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_output_shapes_and_types(batch, name, params):
    particles, mask = batch
    graph = build_graph(name, particles, mask, **params)
    assert graph.index.dtype == torch.long
    assert graph.valid.dtype == torch.bool
    assert graph.index.shape == graph.valid.shape
    assert graph.index.shape[:2] == mask.shape
    if graph.edge_features is not None:
        assert graph.edge_features.shape[:3] == graph.index.shape


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_batch_equals_single_jets(batch, name, params):
    """Padding and the other jets of a batch change nothing, so no edge can cross two jets."""
    particles, mask = batch
    batched = build_graph(name, particles, mask, **params)
    for row in range(len(mask)):
        count = int(mask[row].sum())
        single = build_graph(
            name, particles[row : row + 1, :count], mask[row : row + 1, :count], **params
        )
        assert torch.equal(batched.edge_list(row), single.edge_list(0)), f"jet {row}"
        if single.edge_features is not None:
            torch.testing.assert_close(
                batched.edge_features[row][batched.valid[row]],
                single.edge_features[0][single.valid[0]],
            )


@pytest.mark.parametrize(("name", "params"), list(REACH_ALL.items()), ids=list(REACH_ALL))
@pytest.mark.parametrize("num_particles", [1, 2, 3, 4, 5])
def test_small_jet_gets_all_others(name, params, num_particles):
    particles, mask = pad([make_jet(num_particles, seed=num_particles)])
    graph = build_graph(name, particles, mask, **params)
    neighbours = graph.valid[0].sum(dim=1)
    expected = min(num_particles - 1, graph.max_neighbours)
    assert neighbours.tolist() == [expected] * num_particles


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_single_particle_jet_has_no_edges(name, params):
    particles, mask = pad([make_jet(1, seed=5)])
    graph = build_graph(name, particles, mask, **params)
    assert graph.num_edges().tolist() == [0]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("knn", {"k": 1}),
        ("dynamic-knn", {"k": 1}),
        ("delta-r", {"radius": 1.0, "max_neighbours": 1}),
    ],
    ids=["knn", "dynamic-knn", "delta-r"],
)
def test_duplicates_break_ties_by_index(name, params):
    """Particles 1, 2 and 3 are identical copies, so every tie must go to the lower index."""
    jet = torch.tensor(
        [
            [100.0, 0.30, 1.00, 211.0],
            [10.0, 0.35, 1.00, 22.0],
            [10.0, 0.35, 1.00, 22.0],
            [10.0, 0.35, 1.00, 22.0],
        ]
    )
    particles, mask = pad([jet])
    graph = build_graph(name, particles, mask, **params)
    assert graph.index[0, :, 0].tolist() == [1, 2, 1, 1]


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_repeated_builds_are_identical(batch, name, params):
    first = build_graph(name, *batch, **params)
    second = build_graph(name, *batch, **params)
    assert torch.equal(first.index, second.index)
    assert torch.equal(first.valid, second.valid)


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_jet_across_phi_zero_matches_rotated_jet(name, params):
    """A jet at phi = 0 with phi in [0, 2 pi) gets the graph of the same jet rotated to phi = pi."""
    rotated = make_jet(10, seed=6, phi_axis=math.pi)
    across = rotated.clone()
    across[:, 2] = torch.remainder(rotated[:, 2] - math.pi, 2 * math.pi)
    # The jet really straddles phi = 0.
    assert (across[:, 2] > 6.0).any()
    assert (across[:, 2] < 0.3).any()

    expected = build_graph(name, *pad([rotated]), **params)
    result = build_graph(name, *pad([across]), **params)
    assert torch.equal(result.edge_list(0), expected.edge_list(0))
    if expected.edge_features is not None:
        torch.testing.assert_close(
            result.edge_features, expected.edge_features, atol=1e-4, rtol=1e-4
        )


# Specifics of each construction.


def test_knn_matches_brute_force(batch):
    particles, mask = batch
    k = 4
    graph = knn_graph(particles, mask, k=k)
    coordinates = relative_coordinates(particles, mask).numpy()
    for row in range(len(mask)):
        count = int(mask[row].sum())
        points = coordinates[row, :count]
        distance = np.linalg.norm(points[:, None] - points[None], axis=-1)
        np.fill_diagonal(distance, np.inf)
        for particle in range(count):
            expected = np.argsort(distance[particle], kind="stable")[: min(k, count - 1)]
            found = graph.index[row, particle][graph.valid[row, particle]].numpy()
            assert sorted(found.tolist()) == sorted(expected.tolist()), (
                f"jet {row}, particle {particle}"
            )


def test_knn_orders_neighbours_nearest_first(batch):
    particles, mask = batch
    graph = knn_graph(particles, mask, k=4)
    coordinates = relative_coordinates(particles, mask)
    neighbours = torch.gather(
        coordinates[:, None].expand(-1, mask.shape[1], -1, -1),
        2,
        graph.index[..., None].expand(-1, -1, -1, 2),
    )  # (B, P, K, 2)
    distance = torch.linalg.vector_norm(neighbours - coordinates[:, :, None], dim=-1)
    distance = distance.masked_fill(~graph.valid, math.inf)
    assert (distance[..., 1:] >= distance[..., :-1]).all()


def test_delta_r_edges_lie_within_radius(batch):
    particles, mask = batch
    radius = 0.15
    graph = delta_r_graph(particles, mask, radius=radius, max_neighbours=50)
    coordinates = relative_coordinates(particles, mask)
    for row in range(len(mask)):
        sources, targets = graph.edge_list(row)
        delta_r = torch.linalg.vector_norm(
            coordinates[row, sources] - coordinates[row, targets], dim=-1
        )
        assert (delta_r <= radius).all(), f"jet {row}"


def test_delta_r_keeps_every_pair_within_radius(batch):
    particles, mask = batch
    radius = 0.15
    graph = delta_r_graph(particles, mask, radius=radius, max_neighbours=50)
    coordinates = relative_coordinates(particles, mask)
    distance = torch.cdist(coordinates, coordinates)
    pairs = mask[:, :, None] & mask[:, None, :] & ~torch.eye(mask.shape[1], dtype=torch.bool)
    expected = (pairs & (distance <= radius)).sum(dim=(1, 2))
    assert torch.equal(graph.num_edges(), expected)


def test_delta_r_caps_neighbours_nearest_first(batch):
    particles, mask = batch
    capped = delta_r_graph(particles, mask, radius=0.3, max_neighbours=2)
    uncapped = delta_r_graph(particles, mask, radius=0.3, max_neighbours=50)
    assert torch.equal(capped.index[capped.valid], uncapped.index[..., :2][capped.valid])


def test_delta_r_isolated_particle_has_no_edges():
    jet = torch.tensor([[100.0, 0.0, 1.0, 211.0], [50.0, 0.02, 1.0, 22.0], [5.0, 0.3, 1.3, 22.0]])
    graph = delta_r_graph(*pad([jet]), radius=0.1)
    assert graph.valid[0].sum(dim=1).tolist() == [1, 1, 0]


def test_full_graph_connects_every_pair(batch):
    particles, mask = batch
    graph = full_graph(particles, mask)
    counts = mask.sum(dim=1)
    assert torch.equal(graph.num_edges(), counts * (counts - 1))


def test_full_edge_features_match_pairwise(batch):
    particles, mask = batch
    graph = full_graph(particles, mask)
    pairwise = pairwise_features(particles, mask)  # (B, P, P, 4)
    expected = torch.gather(pairwise, 2, graph.index[..., None].expand(-1, -1, -1, 4))
    torch.testing.assert_close(graph.edge_features[graph.valid], expected[graph.valid])
    assert not graph.edge_features[~graph.valid].any()


def test_empty_graph_has_no_slots(batch):
    particles, mask = batch
    graph = build_graph("none", particles, mask)
    assert graph.index.shape == (*mask.shape, 0)
    assert graph.nbytes() == 0


def test_dynamic_knn_uses_given_features():
    features = torch.tensor([[[0.0], [10.0], [1.0], [10.5]]])
    mask = torch.ones(1, 4, dtype=torch.bool)
    graph = dynamic_knn_graph(features, mask, k=1)
    assert graph.index[0, :, 0].tolist() == [2, 3, 0, 1]


def test_dynamic_knn_without_features_equals_knn(batch):
    static = build_graph("knn", *batch, k=4)
    dynamic = build_graph("dynamic-knn", *batch, k=4)
    assert torch.equal(static.index, dynamic.index)


def test_graph_nbytes_counts_index_and_mask(batch):
    particles, mask = batch
    graph = knn_graph(particles, mask, k=4)
    assert graph.nbytes() == mask.numel() * 4 * (8 + 1)


# Registry and input checks.


def test_registry_names_match_command_line():
    assert tuple(GRAPH_CONSTRUCTIONS) == GRAPH_NAMES


def test_unknown_graph_lists_valid_names(batch):
    with pytest.raises(InvalidInputError, match="knn, dynamic-knn, delta-r, full, none"):
        build_graph("radius", *batch)


def test_unknown_parameter_is_rejected(batch):
    with pytest.raises(InvalidInputError, match="its parameters are: radius, max_neighbours"):
        build_graph("delta-r", *batch, k=3)


def test_graph_parameters_give_defaults():
    assert graph_parameters("knn") == {"k": 16}
    assert graph_parameters("delta-r") == {"radius": 0.1, "max_neighbours": 16}
    assert graph_parameters("full") == {}


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_invalid_k_is_rejected(batch, k):
    with pytest.raises(InvalidInputError, match="k must be a positive integer"):
        build_graph("knn", *batch, k=k)


@pytest.mark.parametrize("radius", [0.0, -0.1, math.nan, math.inf])
def test_invalid_radius_is_rejected(batch, radius):
    with pytest.raises(InvalidInputError, match="radius must be a positive number"):
        build_graph("delta-r", *batch, radius=radius)


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_wrong_particle_shape_is_rejected(name):
    particles = torch.zeros(2, 5, 3)
    mask = torch.ones(2, 5, dtype=torch.bool)
    with pytest.raises(InvalidInputError, match=r"\(B, P"):
        build_graph(name, particles, mask)


def test_float_mask_is_rejected(batch):
    particles, mask = batch
    with pytest.raises(InvalidInputError, match="mask must be a bool tensor"):
        build_graph("full", particles, mask.float())


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_permuted_jet_gives_permuted_graph(name, params):
    """Constructions are permutation equivariant: reordering particles only relabels the edges."""
    jet = make_jet(10, seed=7)
    permutation = torch.randperm(10, generator=torch.Generator().manual_seed(8))
    graph = build_graph(name, *pad([jet]), **params)
    permuted = build_graph(name, *pad([jet[permutation]]), **params)

    sources, targets = permuted.edge_list(0)
    relabelled = {
        (int(permutation[s]), int(permutation[t])) for s, t in zip(sources, targets, strict=True)
    }
    expected = {tuple(edge) for edge in graph.edge_list(0).T.tolist()}
    assert relabelled == expected


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_rules_hold_on_pythia_jets(small_store, name, params):
    """The rules above, on real Pythia jets of very different multiplicities in one batch."""
    from jetgnn.data import open_jets

    jets = open_jets(small_store)
    particles, mask, _ = (torch.from_numpy(array) for array in jets.batch(np.arange(32)))
    graph = build_graph(name, particles, mask, **params)

    receivers = receivers_like(graph.index)
    neighbour_is_real = torch.gather(mask, 1, graph.index.flatten(1)).view_as(graph.index)
    assert not (graph.valid & (graph.index == receivers)).any()
    assert neighbour_is_real[graph.valid].all()
    assert not graph.valid[~mask].any()
    for row in range(4):
        count = int(mask[row].sum())
        single = build_graph(
            name, particles[row : row + 1, :count], mask[row : row + 1, :count], **params
        )
        assert torch.equal(graph.edge_list(row), single.edge_list(0)), f"jet {row}"
