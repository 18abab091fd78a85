"""Reading one lab-layout spectrogram file: a ``.npy`` array, or a gzip stream
of one."""

import contextlib
import gzip
import io
import zlib
from collections.abc import Sequence

import numpy as np

from .. import features as _features
from ..features import FEATURE_BINS, N_CHROMA, N_FUSED, N_MELS
from ._storage import open_binary, where

_GZIP_MAGIC = b"\x1f\x8b"
_NPY_MAGIC = b"\x93NUMPY"
_FEATURE_WIDTH = {"mel": N_MELS, "chroma": N_CHROMA, "fused": N_FUSED}


def _check_feature(feature):
    if feature not in FEATURE_BINS:
        raise ValueError(
            f"unknown feature {feature!r}; valid features are "
            f"{sorted(FEATURE_BINS)} (fused = 128 mel + 12 chroma columns)"
        )


def _check_npy_magic(path, head, what):
    """Refuse data that is not a .npy array before np.load misreads it."""
    if head.startswith(b"PK"):  # an .npz (zip) archive: reported below
        return
    if head != _NPY_MAGIC:
        raise ValueError(
            f"spectrogram file '{path}' is not a NumPy .npy file ({what} does not "
            f"start with the .npy header, got {head!r}); expected one array "
            "written with np.save, optionally gzip-compressed"
        )


def _read_array(path):
    """np.load one array from a .npy file or a gzip stream of one (sniffed)."""
    try:
        with open_binary(path) as f:
            head = f.read(2)
            f.seek(0)
            if not head:
                raise ValueError(f"spectrogram file '{path}' is empty (0 bytes)")
            if head == _GZIP_MAGIC:
                with gzip.open(f, "rb") as g:
                    raw = g.read()
                if not raw:
                    raise ValueError(
                        f"spectrogram file '{path}' is an empty gzip stream"
                    )
                _check_npy_magic(path, raw[:6], "its gzip stream")
                arr = np.load(io.BytesIO(raw), allow_pickle=False)
            else:
                _check_npy_magic(path, f.read(6), "it")
                f.seek(0)
                arr = np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"spectrogram file '{path}' does not exist{where()}"
        ) from None
    except IsADirectoryError:
        raise ValueError(f"'{path}' is a directory, not a spectrogram file") from None
    except PermissionError:
        raise
    except ValueError as exc:
        if str(path) in str(exc):
            raise
        raise ValueError(
            f"could not read spectrogram file '{path}': {exc} "
            "(expected one array written with np.save, optionally gzip-compressed)"
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile, truncated, bad deflate
        raise ValueError(
            f"could not read spectrogram file '{path}': corrupt or truncated "
            f"({type(exc).__name__}: {exc}); expected one array written with "
            "np.save, optionally gzip-compressed"
        ) from exc
    if not isinstance(arr, np.ndarray):  # an .npz archive
        with contextlib.suppress(Exception):
            arr.close()
        raise ValueError(
            f"spectrogram file '{path}' holds an .npz archive; expected one array "
            "written with np.save"
        )
    return arr


def load_spectrogram(path, *, feature="fused"):
    """Read one lab-layout spectrogram file, time first.

    Parameters
    ----------
    path : str or path-like
        A ``.npy`` file, or a gzip stream of one (``.npy.gz``), holding a
        ``(140, n_frames)`` array (rows 0-127 log-mel, 128-139 chroma). A
        file with exactly 128 rows is accepted for ``feature="mel"`` and one
        with 12 rows for ``feature="chroma"``. Gzip is detected from the
        content, not the name. A ``str`` with a protocol (``"file://..."``,
        ``"s3://bucket/x.npy.gz"``, ``"memory://..."``) is read through
        fsspec, which must then be installed (with the protocol's package,
        e.g. ``s3fs``).
    feature : {"fused", "mel", "chroma"}, default="fused"
        Which rows to keep (see :data:`spectroclf.features.FEATURE_BINS`).

    Returns
    -------
    S : np.ndarray [shape=(n_frames, 140 | 128 | 12), dtype=float32]
        The spectrogram, time first (transposed from the file's layout).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (inside a dask task, the message names
        the worker too).
    ImportError
        If ``path`` is a URL and fsspec is not installed.
    ValueError
        Unknown ``feature``; an empty, truncated or corrupt file; an array
        that is not 2-D, has zero frames, the wrong number of rows, or
        NaN/inf values. The message names the file.

    Examples
    --------
    >>> from spectroclf.datasets import load_spectrogram
    >>> S = load_spectrogram("train/1.fused.full.npy.gz")  # doctest: +SKIP
    >>> S.shape, S.dtype  # doctest: +SKIP
    ((1292, 140), dtype('float32'))
    """
    _check_feature(feature)
    arr = _read_array(path)
    if arr.dtype.kind not in "fiub":
        raise ValueError(
            f"spectrogram file '{path}' holds a {arr.dtype} array; expected "
            "real numbers (float16/32/64)"
        )
    if arr.ndim != 2:
        raise ValueError(
            f"spectrogram file '{path}' holds an array of shape {arr.shape}; "
            "expected 2-D (n_bins, n_frames) = (140, n_frames)"
        )
    n_rows, n_frames = arr.shape
    if n_frames == 0:
        raise ValueError(
            f"spectrogram file '{path}' has zero frames (shape {arr.shape})"
        )
    if n_rows not in (N_FUSED, _FEATURE_WIDTH[feature]):
        expected = f"{N_FUSED} (128 mel + 12 chroma)"
        if feature != "fused":
            expected += f" or {_FEATURE_WIDTH[feature]} ({feature} only)"
        hint = ""
        if n_frames in (N_FUSED, _FEATURE_WIDTH[feature]):
            hint = (
                "; it looks time-first, but files store (n_bins, n_frames): "
                "write them with write_lab_layout"
            )
        raise ValueError(
            f"spectrogram file '{path}' has {n_rows} rows (shape {arr.shape}); "
            f"feature={feature!r} expects {expected}{hint}"
        )
    S = _features._time_first(arr)
    if not np.all(np.isfinite(S)):
        n_bad = int(np.size(S) - np.count_nonzero(np.isfinite(S)))
        raise ValueError(
            f"spectrogram file '{path}' holds {n_bad} NaN or infinite values"
        )
    return np.ascontiguousarray(_features.select_feature(S, feature))


class SpectrogramFiles(Sequence):
    """Spectrogram files that are read one at a time, when indexed.

    A read-only sequence: ``files[i]`` is ``load_spectrogram(paths[i],
    feature=feature)``, read from disk (or an fsspec URL) at that moment and
    not kept. The estimators accept it as ``X`` and read each clip when a
    batch needs it, so fitting on thousands of full-length files holds one
    batch in memory, not the data set. :class:`~spectroclf.SpectrogramLoader`
    returns one with ``lazy=True``.

    Parameters
    ----------
    paths : sequence of str or path-like
        Files in the lab layout (``(140, n_frames)`` arrays, ``.npy`` or
        ``.npy.gz``).
    feature : {"fused", "mel", "chroma"}, default="fused"
        Columns kept.

    Attributes
    ----------
    n_bins : int
        Bins of every spectrogram (140, 128 or 12).

    Examples
    --------
    >>> from spectroclf.datasets import SpectrogramFiles
    >>> files = SpectrogramFiles(["1.fused.full.npy.gz"], feature="mel")
    >>> len(files), files.n_bins
    (1, 128)
    """

    #: read by spectroclf's input validation: clips are checked when read
    _lazy_spectrograms = True

    def __init__(self, paths, *, feature="fused"):
        _check_feature(feature)
        self.paths = list(paths)
        self.feature = feature
        self.n_bins = _FEATURE_WIDTH[feature]

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return SpectrogramFiles(self.paths[i], feature=self.feature)
        return load_spectrogram(self.paths[i], feature=self.feature)

    def __repr__(self):
        return f"SpectrogramFiles({len(self)} files, feature={self.feature!r})"
