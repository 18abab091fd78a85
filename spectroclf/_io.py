"""File helpers shared by every module that reads or writes files."""

import contextlib
import os
from pathlib import Path


def atomic_write(path, write):
    """Write ``path`` through a temporary file in its folder, then rename it.

    ``write(f)`` receives the temporary file opened in binary mode. Readers
    never see a partial file under ``path``: the data is flushed to disk
    before the rename, and the temporary file is removed if writing fails.
    The temporary name is fixed (``.<name>.tmp``), so a leftover of a killed
    process is overwritten by the next write of the same file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def is_path(x):
    """Whether ``x`` names a file (a ``str`` or path-like), not in-memory data."""
    return isinstance(x, (str, os.PathLike))
