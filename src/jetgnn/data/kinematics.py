"""Jet four-vectors from stored particles (pt, y, phi, pid) and the masses of the stable species."""

from __future__ import annotations

import numpy as np

# Masses [GeV] of the particle species that Pythia 8 leaves stable by default and that reach a
# detector (PDG 2024 values); antiparticles share the mass of |pid|.
STABLE_MASSES_GEV = {
    22: 0.0,
    11: 0.000510999,
    13: 0.105658,
    211: 0.139570,
    321: 0.493677,
    130: 0.497611,
    2212: 0.938272,
    2112: 0.939565,
}


def particle_masses(pid: np.ndarray) -> np.ndarray:
    """Return the mass [GeV] of each particle from its pid; pids not in STABLE_MASSES_GEV get 0."""
    abs_pid = np.abs(np.asarray(pid)).astype(np.int64)
    masses = np.zeros(abs_pid.shape, dtype=np.float64)
    for species, mass in STABLE_MASSES_GEV.items():
        masses[abs_pid == species] = mass
    return masses


def jet_kinematics(particles: np.ndarray, offsets: np.ndarray) -> dict[str, np.ndarray]:
    """Sum the particles of each jet into its four-vector.

    ``particles`` is (n_particles, 4) with columns pt [GeV], y, phi [rad], pid, and jet i owns rows
    ``offsets[i]:offsets[i + 1]``. Each particle gets the mass of its species. Returns float32 (N,)
    arrays 'pt' [GeV], 'y', 'phi' (in [0, 2 pi)) and 'mass' [GeV]; an empty jet gets zeros.
    """
    particles = np.asarray(particles, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.int64)
    pt, y, phi = particles[:, 0], particles[:, 1], particles[:, 2]
    transverse_mass = np.sqrt(pt**2 + particle_masses(particles[:, 3]) ** 2)
    components = np.stack(
        [
            transverse_mass * np.cosh(y),
            pt * np.cos(phi),
            pt * np.sin(phi),
            transverse_mass * np.sinh(y),
        ],
        axis=1,
    )  # (n_particles, 4): E, px, py, pz

    n_jets = offsets.size - 1
    sums = np.zeros((n_jets, 4), dtype=np.float64)
    counts = np.diff(offsets)
    non_empty = counts > 0
    if components.shape[0]:
        # reduceat needs in-range start indices, so only the non-empty jets are reduced.
        sums[non_empty] = np.add.reduceat(components, offsets[:-1][non_empty], axis=0)
    energy, px, py, pz = sums.T

    jet_pt = np.hypot(px, py)
    with np.errstate(divide="ignore", invalid="ignore"):
        jet_y = np.where(energy > np.abs(pz), 0.5 * np.log((energy + pz) / (energy - pz)), 0.0)
    jet_phi = np.mod(np.arctan2(py, px), 2 * np.pi)
    jet_mass = np.sqrt(np.maximum(energy**2 - px**2 - py**2 - pz**2, 0.0))
    return {
        "pt": jet_pt.astype(np.float32),
        "y": jet_y.astype(np.float32),
        "phi": jet_phi.astype(np.float32),
        "mass": jet_mass.astype(np.float32),
    }
