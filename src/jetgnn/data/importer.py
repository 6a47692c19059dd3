"""Converting energyflow-format ``.npz`` files into a jet store, file by file and block by block.

Known public file names are checked against their published SHA-256 first. Input files are only
opened for reading. When an error is raised, the partly written store is removed. Only a killed
process can leave a ``.writing-*`` scratch directory inside the output directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from tqdm import tqdm

import jetgnn
from jetgnn.data.npz import DEFAULT_BLOCK_JETS, iter_npz_blocks
from jetgnn.data.public_files import (
    ENERGYFLOW_CACHE,
    PUBLIC_FILES,
    TEST_FILES_OF_RELEASE,
    is_full_release,
)
from jetgnn.data.splits import DEFAULT_SPLIT_SEED
from jetgnn.data.store import STORE_MANIFEST
from jetgnn.data.writer import StoreWriter
from jetgnn.errors import InvalidInputError, MissingInputError

logger = logging.getLogger(__name__)

HASH_BLOCK_BYTES = 1 << 22


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 digest of the file ``path``, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def resolve_inputs(paths: list[str | os.PathLike]) -> list[Path]:
    """Find each input file; a bare public file name is also looked up in the energyflow cache.

    Raises MissingInputError naming every missing file, where to put public files and where they
    are published, and InvalidInputError for a file given twice.
    """
    resolved, missing = [], []
    cache = ENERGYFLOW_CACHE.expanduser()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_file():
            resolved.append(path)
        elif path.name in PUBLIC_FILES and (cache / path.name).is_file() and path.parent == Path():
            resolved.append(cache / path.name)
        else:
            missing.append(path)
    if missing:
        raise MissingInputError(_missing_message(missing, cache))

    seen = {}
    for path in resolved:
        key = path.resolve()
        if key in seen:
            raise InvalidInputError(
                f"{path} is given twice (also as {seen[key]}); importing it twice would duplicate "
                f"its jets, so give each file once"
            )
        seen[key] = path
    return resolved


def _missing_message(missing: list[Path], cache: Path) -> str:
    lines = [f"input files not found: {', '.join(str(path) for path in missing)}."]
    public = [path for path in missing if path.name in PUBLIC_FILES]
    if public:
        records = sorted({PUBLIC_FILES[path.name].zenodo_record for path in public})
        lines.append(
            f"The public files are published in Zenodo record {' and '.join(records)} "
            f"(zenodo.org); download them into {cache} (the energyflow cache) or give their paths."
        )
    else:
        lines.append("Check the paths.")
    return " ".join(lines)


def verify_public_file(path: Path, digest: str) -> None:
    """Raise InvalidInputError if ``path`` has a known public name but another SHA-256."""
    known = PUBLIC_FILES.get(path.name)
    if known is None or digest == known.sha256:
        return
    raise InvalidInputError(
        f"{path} has SHA-256 {digest}, but the published {known.name} (Zenodo record "
        f"{known.zenodo_record}) has {known.sha256}; download it again, or pass --no-verify "
        f"to import it anyway"
    )


def import_npz_files(
    paths: list[str | os.PathLike],
    out: str | os.PathLike,
    verify: bool = True,
    split_seed: int = DEFAULT_SPLIT_SEED,
    command: str = "",
    block_jets: int = DEFAULT_BLOCK_JETS,
    show_progress: bool = True,
) -> Path:
    """Convert energyflow-format files into the jet store ``out`` and return its path.

    The 20 files of one public release, in order, get the published split: the last two files
    (200k jets) are the test set. Any other input gets a seeded 80/10/10 split.
    """
    files = resolve_inputs(paths)
    out = Path(out)
    if out.resolve() in {path.resolve() for path in files}:
        raise InvalidInputError(f"--out {out} is one of the input files; choose a new directory")
    if (out / STORE_MANIFEST).exists():
        raise InvalidInputError(
            f"{out} already contains a jet store; choose another --out directory or remove it"
        )
    records = []
    for path in files:
        digest = sha256_of(path)
        if verify:
            verify_public_file(path, digest)
        records.append({"file": str(path), "bytes": path.stat().st_size, "sha256": digest})
        logger.info("%s: SHA-256 %s", path, digest)

    created_out = not out.exists()
    try:
        with StoreWriter(out) as writer:
            with tqdm(total=len(files), unit="file", disable=not show_progress) as bar:
                for path, record in zip(files, records, strict=True):
                    first_jet = writer.n_jets
                    for particles, counts, labels in iter_npz_blocks(path, block_jets):
                        writer.append(particles, counts, labels)
                    record["jets"] = writer.n_jets - first_jet
                    bar.update(1)
            names = [path.name for path in files]
            test_last = None
            if is_full_release(names):
                # The published convention: the last two files (200k jets) form the test set.
                test_last = sum(record["jets"] for record in records[-TEST_FILES_OF_RELEASE:])
            provenance = {
                "source": "jetgnn data import",
                "jetgnn_version": jetgnn.__version__,
                "inputs": records,
                "public_release": PUBLIC_FILES[names[0]].release if test_last else None,
                "sha256_verified": verify,
                "split_seed": split_seed,
                "command": command,
            }
            return writer.finish(provenance, split_seed=split_seed, test_last=test_last)
    except BaseException:
        if created_out:
            _remove_if_empty(out)
        raise


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:
        logger.warning("left %s in place because it is not empty", directory)
