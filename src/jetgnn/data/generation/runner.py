"""Run the chunks of a generation (in worker processes), then merge them into a jet store."""

from __future__ import annotations

import importlib.metadata
import logging
import multiprocessing
import queue
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

import jetgnn
from jetgnn.data.generation.chunks import (
    CHUNK_DIRECTORY,
    ChunkSpec,
    chunk_identity,
    is_chunk_done,
    plan_chunks,
    read_chunk,
    write_chunk,
)
from jetgnn.data.generation.settings import (
    JET_KINDS,
    LABELS,
    JetSelection,
    pythia_settings,
)
from jetgnn.data.writer import StoreWriter
from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_JETS = 250
PROGRESS_POLL_SECONDS = 0.5
# SlowJet clusters with the FastJet core that Pythia bundles; Pythia 8.317 prints this release.
FASTJET_DESCRIPTION = (
    "fjcore from FastJet 3.5.1, bundled with Pythia 8.317, through Pythia's SlowJet"
)


@dataclass(frozen=True)
class GenerationRequest:
    """A generation request: ``n_jets`` jets, half quark and half gluon, from run seed ``seed``."""

    n_jets: int
    seed: int
    selection: JetSelection = JetSelection()
    with_bc: bool = False
    chunk_jets: int = DEFAULT_CHUNK_JETS

    def run_config(self) -> dict:
        return {
            "n_jets": self.n_jets,
            "seed": self.seed,
            "chunk_jets": self.chunk_jets,
            "with_bc": self.with_bc,
            "selection": self.selection.as_dict(),
        }


def generate_chunk(
    spec: ChunkSpec, identity: dict, request: GenerationRequest, directory: Path, progress
) -> Path:
    """Generate chunk ``spec`` and write it to ``directory``; ``progress.put(1)`` per selected jet."""
    from jetgnn.data.generation.event_loop import JetEventLoop

    loop = JetEventLoop(spec.kind, spec.pythia_seed, request.selection, request.with_bc)
    jets = []
    while len(jets) < spec.n_jets:
        jet = loop.next_jet()
        if jet is not None:
            jets.append(jet)
            progress.put(1)
    if loop.n_failed:
        logger.warning("chunk %s: Pythia failed on %d events", spec.file_name, loop.n_failed)
    return write_chunk(directory, spec, identity, jets, loop.n_events)


class _InlineProgress:
    """Progress sink that updates a tqdm bar directly, for generation in this process."""

    def __init__(self, bar: tqdm) -> None:
        self.bar = bar

    def put(self, count: int) -> None:
        self.bar.update(count)


def generate_store(
    out: str | Path,
    request: GenerationRequest,
    workers: int = 1,
    shard: tuple[int, int] = (0, 1),
    command: str = "",
    show_progress: bool = True,
) -> Path | None:
    """Generate the chunks of shard ``shard`` (I, N) of ``request`` and merge them into store ``out``.

    Finished chunks in ``out/.chunks`` are kept and reused, so rerunning an interrupted command
    resumes it. The store is written once every chunk of every shard exists; returns its path, or
    None when chunks of other shards are still missing.
    """
    if workers < 1:
        raise InvalidInputError(f"--workers {workers} must be at least 1")
    shard_index, n_shards = shard
    if not 0 <= shard_index < n_shards:
        raise InvalidInputError(f"--shard {shard_index}/{n_shards} must satisfy 0 <= I < N")

    out = Path(out)
    chunk_directory = out / CHUNK_DIRECTORY
    chunk_directory.mkdir(parents=True, exist_ok=True)
    plan = plan_chunks(request.n_jets, request.seed, request.chunk_jets)
    identities = {spec: chunk_identity(spec, request.run_config()) for spec in plan}
    mine = [spec for position, spec in enumerate(plan) if position % n_shards == shard_index]
    pending = [spec for spec in mine if not is_chunk_done(chunk_directory, spec, identities[spec])]
    logger.info(
        "generating %d of %d chunks (%d jets) into %s with %d workers",
        len(pending),
        len(mine),
        sum(spec.n_jets for spec in pending),
        chunk_directory,
        workers,
    )

    _run_chunks(pending, identities, request, chunk_directory, workers, show_progress)

    missing = [spec for spec in plan if not (chunk_directory / spec.file_name).is_file()]
    if missing:
        logger.info(
            "shard %d/%d finished; %d chunks of other shards are missing, so the store is written "
            "by the run that completes the last chunk",
            shard_index,
            n_shards,
            len(missing),
        )
        return None
    return merge_chunks(out, plan, request, command)


def _run_chunks(
    pending: list[ChunkSpec],
    identities: dict,
    request: GenerationRequest,
    directory: Path,
    workers: int,
    show_progress: bool,
) -> None:
    total = sum(spec.n_jets for spec in pending)
    with tqdm(total=total, unit="jet", disable=not show_progress, desc="generating") as bar:
        if workers == 1 or len(pending) <= 1:
            for spec in pending:
                generate_chunk(spec, identities[spec], request, directory, _InlineProgress(bar))
            return

        # Spawned workers start clean (no inherited Pythia or torch state); a manager queue carries
        # one message per selected jet back to the progress bar.
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, ProcessPoolExecutor(workers, mp_context=context) as pool:
            progress = manager.Queue()
            futures = {
                pool.submit(generate_chunk, spec, identities[spec], request, directory, progress)
                for spec in pending
            }
            while futures:
                done, futures = wait(
                    futures, timeout=PROGRESS_POLL_SECONDS, return_when=FIRST_COMPLETED
                )
                _drain(progress, bar)
                for future in done:
                    future.result()
            _drain(progress, bar)


def _drain(progress, bar: tqdm) -> None:
    while True:
        try:
            bar.update(progress.get_nowait())
        except queue.Empty:
            return


def merge_chunks(
    out: Path, plan: list[ChunkSpec], request: GenerationRequest, command: str
) -> Path:
    """Write the jet store in ``out`` from every chunk of ``plan``, in plan order."""
    chunk_directory = out / CHUNK_DIRECTORY
    chunk_records = []
    start = time.perf_counter()
    with StoreWriter(out, overwrite=True) as writer:
        for spec in plan:
            chunk = read_chunk(chunk_directory / spec.file_name)
            labels = np.full(spec.n_jets, LABELS[spec.kind], dtype=np.int8)
            writer.append(chunk["particles"], chunk["counts"], labels)
            chunk_records.append(
                {
                    "kind": spec.kind,
                    "index": spec.index,
                    "n_jets": spec.n_jets,
                    "pythia_seed": spec.pythia_seed,
                    "n_events": chunk["n_events"],
                }
            )
        path = writer.finish(
            generation_provenance(request, chunk_records, command), split_seed=request.seed
        )
    logger.info("merged %d chunks in %.1f s", len(plan), time.perf_counter() - start)
    return path


def generation_provenance(
    request: GenerationRequest, chunk_records: list[dict], command: str
) -> dict:
    """Describe a generated store: program versions, every changed Pythia setting, seeds, command."""
    settings = {
        kind: [
            line
            if not line.startswith("Random:seed =")
            else "Random:seed = <pythia_seed of each chunk>"
            for line in pythia_settings(kind, 1, request.with_bc)
        ]
        for kind in JET_KINDS
    }
    return {
        "source": "jetgnn generate",
        "jetgnn_version": jetgnn.__version__,
        "pythia_version": _package_version("pythia8mc"),
        "fastjet": FASTJET_DESCRIPTION,
        "tune": "Pythia default (Monash 2013); hadronization and multiple parton interactions on",
        "jet_algorithm": f"anti-kT, R = {request.selection.radius}, visible final-state particles",
        "selection": (
            f"hardest jet with {request.selection.pt_min} <= pt <= {request.selection.pt_max} GeV "
            f"and |y| < {request.selection.y_max}"
        ),
        "labels": {"quark": 1, "gluon": 0},
        "pythia_settings": settings,
        "run": request.run_config(),
        "split_seed": request.seed,
        "chunks": chunk_records,
        "n_events": sum(record["n_events"] for record in chunk_records),
        "command": command,
    }


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
