"""Atomic file writes: a temporary file in the target's directory, fsync, then os.replace.

A reader, or a run killed at any moment, finds either the old file or the complete new one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    """Return the process umask (os.umask can only be read by setting it, so it is set back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write data to path through a temporary file in the same directory and os.replace.

    The file gets the permissions of a newly created file (0o666 minus the umask), not the 0o600
    of the temporary file, so reports stay readable by other users as usual.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
