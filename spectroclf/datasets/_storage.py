"""Where the files are: local paths, or fsspec URLs on shared storage.

A ``str`` with a protocol (``file://``, ``memory://``, ``s3://``, ``gs://``,
...) is read through `fsspec <https://filesystem-spec.readthedocs.io>`_,
an optional dependency imported only for such strings; everything else is
a local path, read with :func:`open`. :class:`_URLPath` gives a URL the few
:class:`pathlib.Path` methods that listing a lab folder needs, so the same
code lists a local folder and a bucket.

:func:`where` names the dask worker a file was read on, for the errors of
a search that runs on a cluster (a path that one worker cannot reach).
"""

import posixpath
import socket
import sys
from pathlib import Path

_INSTALL_FSSPEC = (
    "pip install fsspec (plus the package of the protocol, e.g. s3fs for "
    "s3:// or gcsfs for gs://)"
)


def is_url(path):
    """Whether ``path`` is a ``str`` with a protocol, such as ``'s3://b/x.npy'``."""
    return isinstance(path, str) and "://" in path


def _url_to_fs(url):
    """-> (fsspec filesystem, path within it); a clear error without fsspec."""
    try:
        import fsspec
    except ImportError:
        raise ImportError(
            f"reading {url!r} needs the optional package fsspec, which is not "
            f"installed: {_INSTALL_FSSPEC}; or pass a local path"
        ) from None
    return fsspec.core.url_to_fs(url)


def open_binary(path):
    """Open a local path or an fsspec URL for reading bytes."""
    if is_url(path):
        fs, inner = _url_to_fs(path)
        return fs.open(inner, "rb")
    return open(path, "rb")


def where():
    """``" (on dask worker tcp://..., host '...')"`` inside a dask task, else ``""``.

    Looks at :mod:`distributed` only when it is already imported, so the
    core library never imports dask.
    """
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return ""
    try:
        worker = distributed.get_worker()
    except ValueError:  # not in a worker task
        return ""
    return f" (on dask worker {worker.address}, host {socket.gethostname()!r})"


def as_path(path):
    """A :class:`pathlib.Path` for a local path, a :class:`_URLPath` for a URL."""
    if isinstance(path, _URLPath):
        return path
    if is_url(path):
        fs, inner = _url_to_fs(path)
        return _URLPath(fs, inner)
    return Path(path)


class _URLPath:
    """The part of :class:`pathlib.Path` that listing a lab folder uses, over fsspec.

    ``str()`` gives the full URL back; ``iterdir`` keeps each entry's type, so
    that listing a folder of many files costs one request, not one per file.
    """

    def __init__(self, fs, path, info=None):
        self.fs = fs
        self.path = path.rstrip("/") or path
        self._info = info

    def __str__(self):
        return self.fs.unstrip_protocol(self.path)

    def __repr__(self):
        return f"_URLPath({str(self)!r})"

    def __eq__(self, other):
        return isinstance(other, _URLPath) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))

    def __lt__(self, other):
        return self.path < other.path

    def __truediv__(self, name):
        return _URLPath(self.fs, f"{self.path}/{name}")

    @property
    def name(self):
        return posixpath.basename(self.path)

    @property
    def parent(self):
        return _URLPath(self.fs, posixpath.dirname(self.path))

    def _type(self):
        if self._info is None:
            try:
                self._info = self.fs.info(self.path)
            except FileNotFoundError:
                self._info = {"type": None}
        return self._info.get("type")

    def exists(self):
        return self._type() is not None

    def is_dir(self):
        return self._type() == "directory"

    def is_file(self):
        return self._type() == "file"

    def iterdir(self):
        for info in self.fs.ls(self.path, detail=True):
            if info["name"].rstrip("/") != self.path:  # some stores list the folder
                yield _URLPath(self.fs, info["name"], info)

    def read_text(self, encoding="utf-8"):
        with self.fs.open(self.path, "rb") as f:
            return f.read().decode(encoding)
