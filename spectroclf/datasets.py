"""Data sets: the lab's on-disk spectrogram layout, a synthetic music generator,
and genre merging.

Lab layout
----------
A data folder holds one folder per split and one labels file per labelled
split::

    data_dir/
        train/<id>.fused.full.npy.gz     one np.save'd (140, n_frames) array each,
        test/<id>.fused.full.npy.gz      optionally in a gzip stream
        train_labels.txt                 labels of train/ (see below)
        test_labels.txt                  optional: without it, target is None

Arrays on disk are librosa's ``(n_bins, n_frames)`` layout (rows 0-127
log-mel, rows 128-139 chroma); :func:`load_spectrogram` returns them time
first, ``(n_frames, n_bins)`` float32, like every spectrogram in spectroclf.

Labels files have a header line and are either TAB-separated
``Id<TAB>Genre`` (genre labels) or comma-separated ``Id,<name>,<name>,...``
with float columns (regression targets); the separator is detected from the
header. Labels are matched to files by the leading ``<id>`` (the file name
up to its first ``.``), so ``12.beatsync.fused.npy.gz`` in a labels file
matches the file ``12.fused.full.npy.gz``, and ``12`` matches it too.

A split folder may also be a *link placeholder*: a small text file holding
a relative path to the real folder, which is what git writes for a symbolic
link when symlinks are disabled (the lab's ``multitask/train`` is a link to
``genre/train``). The loaders follow such placeholders like links.
"""

import contextlib
import gzip
import io
import os
import re
import warnings
import zlib
from pathlib import Path, PurePath

import numpy as np
from sklearn.utils import Bunch, check_random_state

from . import features as _features
from ._io import atomic_write
from .features import FEATURE_BINS, N_CHROMA, N_FUSED, N_MELS

__all__ = [
    "CLASS_MAPPING",
    "load_spectrogram",
    "load_genre_spectrograms",
    "load_multitask_spectrograms",
    "merge_classes",
    "make_music",
    "write_lab_layout",
    "make_lab_data",
    "shared_data_dir",
]

CLASS_MAPPING = {
    "Rock": "Rock",
    "Psych-Rock": "Rock",
    "Post-Rock": "Rock",
    "Psych-Folk": "Folk",
    "Folk": "Folk",
    "Metal": "Metal",
    "Punk": "Metal",
    "Electronic": "Electronic",
    "Chiptune": "Electronic",
    "Trip-Hop": "Trip-Hop",
    "Pop": "Pop",
    "Hip-Hop": "Hip-Hop",
    "Classical": "Classical",
    "Blues": "Blues",
    "Jazz": "Jazz",
    "Indie-Rock": None,
    "Post-Punk": None,
    "Soundtrack": None,
    "International": None,
    "Old-Time": None,
}
"""The lab's merge of its 20 genres into 10 (``None``: the genre is dropped).

Use it as ``class_mapping=CLASS_MAPPING`` in :func:`load_genre_spectrograms`
or as the mapping of :func:`merge_classes`.
"""

_SPECTROGRAM_SUFFIXES = (".npy", ".npy.gz")
_GZIP_MAGIC = b"\x1f\x8b"
_NPY_MAGIC = b"\x93NUMPY"
_FEATURE_WIDTH = {"mel": N_MELS, "chroma": N_CHROMA, "fused": N_FUSED}


# ---------------------------------------------------------------------------
# one file


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
        with open(path, "rb") as f:
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
        raise FileNotFoundError(f"spectrogram file '{path}' does not exist") from None
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
        content, not the name.
    feature : {"fused", "mel", "chroma"}, default="fused"
        Which rows to keep (see :data:`spectroclf.features.FEATURE_BINS`).

    Returns
    -------
    S : np.ndarray [shape=(n_frames, 140 | 128 | 12), dtype=float32]
        The spectrogram, time first (transposed from the file's layout).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
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


# ---------------------------------------------------------------------------
# lab layout: folders and labels


def _follow_placeholder(path):
    """Follow git's text-file stand-ins for symbolic links to directories."""
    path = Path(path)
    for _ in range(8):
        if path.is_dir() or not path.is_file():
            return path
        try:
            if path.stat().st_size > 1024:
                return path
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return path
        if not text or "\n" in text or "\0" in text:
            return path
        target = Path(os.path.normpath(path.parent / text))
        if not (target.is_dir() or target.is_file()):
            return path
        path = target
    return path


def _leading_id(name):
    return PurePath(name).name.split(".", 1)[0]


def _natural_key(sample_id):
    """Numeric ids by value, others by natural (digit-aware) order."""
    if sample_id.isdigit():
        return (0, int(sample_id), sample_id)
    parts = re.split(r"(\d+)", sample_id)
    return (
        1,
        tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p),
        sample_id,
    )


def _is_spectrogram_file(p):
    return (
        not p.name.startswith(".")
        and p.name.endswith(_SPECTROGRAM_SUFFIXES)
        and p.is_file()
    )


def _list_split(data_dir, split):
    """-> (resolved data_dir, split folder, {id: path}) with checks."""
    if not isinstance(split, str) or not split:
        raise ValueError(
            f"split must be a non-empty str such as 'train', got {split!r}"
        )
    given = Path(data_dir)
    data_dir = _follow_placeholder(given)
    if not data_dir.exists():
        raise FileNotFoundError(
            f"data_dir '{given}' does not exist; expected a folder holding "
            "train/, test/ and <split>_labels.txt"
        )
    if not data_dir.is_dir():
        raise NotADirectoryError(f"data_dir '{given}' is not a folder")
    split_dir = _follow_placeholder(data_dir / split)
    if not split_dir.is_dir():
        found = sorted(
            p.name for p in data_dir.iterdir() if _follow_placeholder(p).is_dir()
        )
        raise FileNotFoundError(
            f"split folder '{data_dir / split}' does not exist; "
            f"folders in '{data_dir}': {found}"
        )
    files = {}
    for p in sorted(split_dir.iterdir()):
        if not _is_spectrogram_file(p):
            continue
        sid = _leading_id(p.name)
        if not sid:
            raise ValueError(f"spectrogram file '{p}' has no id before its first '.'")
        if sid in files:
            raise ValueError(
                f"duplicate id {sid!r} in '{split_dir}': files '{files[sid].name}' "
                f"and '{p.name}' (files are matched to labels by the part of the "
                "name before the first '.'; keep one file per id)"
            )
        files[sid] = p
    return data_dir, split_dir, files


def _read_labels(path):
    """Parse a labels file -> (header, [(lineno, fields)]); separator sniffed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"labels file '{path}' is not UTF-8 text ({exc})") from exc
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ValueError(
            f"labels file '{path}' is empty; expected a header line "
            "('Id<TAB>Genre' or 'Id,<target>,...') and one line per file"
        )
    header_line = lines[start]
    if "\t" in header_line:
        sep, sep_name = "\t", "TAB"
    elif "," in header_line:
        sep, sep_name = ",", "comma"
    else:
        raise ValueError(
            f"labels file '{path}' line {start + 1}: header {header_line!r} has "
            "neither a TAB nor a comma; expected 'Id<TAB>Genre' or 'Id,<target>,...'"
        )
    header = [h.strip() for h in header_line.split(sep)]
    if any(not h for h in header):
        raise ValueError(
            f"labels file '{path}' line {start + 1}: empty column name in header "
            f"{header_line!r}"
        )
    first = header[0]
    if ".npy" in first or re.fullmatch(r"[+-]?\d+(\.\d*)?", first):
        raise ValueError(
            f"labels file '{path}' has no header line: line {start + 1} "
            f"{header_line!r} looks like data; add a header such as "
            "'Id<TAB>Genre' or 'Id,<target>,...'"
        )
    rows = []
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(sep)]
        if len(fields) != len(header):
            raise ValueError(
                f"labels file '{path}' line {i + 1}: expected {len(header)} "
                f"{sep_name}-separated fields ({', '.join(header)}), got "
                f"{len(fields)}: {line!r}"
            )
        if not fields[0] or not _leading_id(fields[0]):
            raise ValueError(f"labels file '{path}' line {i + 1}: empty Id in {line!r}")
        rows.append((i + 1, fields))
    return header, rows


def _match_labels(labels_path, rows, files, split_dir):
    """Match label rows to files by leading id -> {id: (lineno, fields)}."""
    by_id = {}
    for row in rows:
        lineno, fields = row[0], row[1]
        sid = _leading_id(fields[0])
        if sid in by_id:
            raise ValueError(
                f"labels file '{labels_path}' line {lineno}: duplicate id {sid!r} "
                f"({fields[0]!r}; first seen on line {by_id[sid][0]})"
            )
        by_id[sid] = row
    missing = [(by_id[s][0], by_id[s][1][0]) for s in by_id if s not in files]
    if missing:
        shown = ", ".join(f"{name!r} (line {ln})" for ln, name in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise FileNotFoundError(
            f"labels file '{labels_path}' lists {len(missing)} file(s) absent from "
            f"'{split_dir}': {shown}{more}; every labelled id needs a "
            "'<id>.npy' or '<id>.*.npy.gz' file"
        )
    unlabelled = sorted((s for s in files if s not in by_id), key=_natural_key)
    if unlabelled:
        shown = ", ".join(files[s].name for s in unlabelled[:5])
        more = f" and {len(unlabelled) - 5} more" if len(unlabelled) > 5 else ""
        warnings.warn(
            f"{len(unlabelled)} file(s) in '{split_dir}' have no entry in "
            f"'{labels_path}' and are skipped: {shown}{more}",
            UserWarning,
            stacklevel=4,
        )
    return by_id


def _parse_genres(labels_path, header, rows):
    if len(header) != 2:
        raise ValueError(
            f"labels file '{labels_path}' has {len(header)} columns "
            f"({', '.join(header)}); genre labels need 2 (Id, Genre). "
            "For float regression targets use load_multitask_spectrograms"
        )
    for lineno, fields in rows:
        if not fields[1]:
            raise ValueError(
                f"labels file '{labels_path}' line {lineno}: empty genre for "
                f"{fields[0]!r}"
            )
    return [fields[1] for _, fields in rows]


def _parse_targets(labels_path, header, rows):
    names = header[1:]
    values = []
    for lineno, fields in rows:
        row = []
        for name, value in zip(names, fields[1:], strict=True):
            try:
                v = float(value)
            except ValueError:
                raise ValueError(
                    f"labels file '{labels_path}' line {lineno}: column "
                    f"{name!r} value {value!r} is not a number; multitask targets "
                    "must be floats (for genre labels use load_genre_spectrograms)"
                ) from None
            if not np.isfinite(v):
                raise ValueError(
                    f"labels file '{labels_path}' line {lineno}: column "
                    f"{name!r} value {value!r} is not finite"
                )
            row.append(v)
        values.append(row)
    return values


def _load_lab(data_dir, split, feature, parse):
    """Shared part of the two loaders -> (data_dir, ids, paths, labels).

    ``parse(labels_path, header, rows)`` validates the label rows and returns
    one value per row; ``labels`` is ``(labels_path, header, values in id
    order)`` or None when the split has no labels file.
    """
    _check_feature(feature)
    data_dir, split_dir, files = _list_split(data_dir, split)
    labels_path = data_dir / f"{split}_labels.txt"
    if labels_path.is_file():
        header, rows = _read_labels(labels_path)
        values = parse(labels_path, header, rows)
        rows = [
            (lineno, fields, v)
            for (lineno, fields), v in zip(rows, values, strict=True)
        ]
        by_id = _match_labels(labels_path, rows, files, split_dir)
        ids = sorted(by_id, key=_natural_key)
        labels = (labels_path, header, [by_id[s][2] for s in ids])
    else:
        if not files:
            raise ValueError(
                f"split folder '{split_dir}' holds no .npy or .npy.gz files and "
                f"there is no '{labels_path.name}'"
            )
        ids = sorted(files, key=_natural_key)
        labels = None
    paths = [str(files[s]) for s in ids]
    return data_dir, ids, paths, labels


def _read_data(paths, feature, lazy):
    if lazy:
        return list(paths)
    return [load_spectrogram(p, feature=feature) for p in paths]


def _descr(kind, data_dir, split, feature, n, lazy, extra):
    width = _FEATURE_WIDTH[feature]
    what = "file paths (lazy=True)" if lazy else f"(n_frames, {width}) float32 arrays"
    return (
        f"{kind} spectrograms in the lab layout\n"
        f"folder: {data_dir}, split: {split!r}, {n} samples\n"
        f"data: list of {what}, time first; feature {feature!r}\n{extra}"
    )


def load_genre_spectrograms(
    data_dir,
    *,
    split="train",
    feature="fused",
    class_mapping=None,
    lazy=False,
    return_X_y=False,
):
    """Load a split of a lab-layout genre data set.

    Parameters
    ----------
    data_dir : str or path-like
        Folder holding ``<split>/`` (spectrogram files) and, for a labelled
        split, ``<split>_labels.txt`` (header ``Id<TAB>Genre``, then
        ``<file name or id><TAB><genre>``; a 2-column CSV also works).
    split : str, default="train"
        Sub-folder to load.
    feature : {"fused", "mel", "chroma"}, default="fused"
        Columns to keep (140, 128 or 12).
    class_mapping : dict or None, default=None
        ``{genre: new_genre or None}`` applied to the labels, e.g.
        :data:`CLASS_MAPPING`. Samples whose genre maps to ``None`` are
        dropped. The mapping must cover every genre of the labels file.
        Ignored when the split has no labels file.
    lazy : bool, default=False
        If True, ``data`` holds the file paths and no file is read (the
        paths are meant for :class:`spectroclf.preprocessing.SpectrogramLoader`
        or :func:`load_spectrogram`).
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: list of ``(n_frames, n_bins)`` float32 arrays (or list of
          str paths if ``lazy``);
        - ``target``: np.ndarray of str genre labels [shape=(n_samples,)], or
          None when the split has no labels file;
        - ``target_names``: sorted unique labels (after mapping), or None;
        - ``filenames``: list of str paths; ``ids``: list of str ids;
        - ``feature``; ``DESCR``.

        Samples are sorted by id (numerically when ids are numbers).
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        Missing ``data_dir`` or split folder, or a labels entry whose file
        is absent.
    ValueError
        Malformed labels file (named, with its line number), duplicate ids,
        a genre missing from ``class_mapping``, or a bad spectrogram file.

    Warns
    -----
    UserWarning
        When a labels file exists but some files of the split have no entry
        in it; those files are skipped.

    Examples
    --------
    >>> from spectroclf.datasets import load_genre_spectrograms, shared_data_dir
    >>> data_dir = shared_data_dir() / "emotify-lab" / "genre"  # doctest: +SKIP
    >>> X, y = load_genre_spectrograms(data_dir, return_X_y=True)  # doctest: +SKIP
    >>> len(X), X[0].shape, y[0]  # doctest: +SKIP
    (240, (1292, 140), 'Classical')
    """
    if class_mapping is not None and not isinstance(class_mapping, dict):
        raise TypeError(
            "class_mapping must be a dict {genre: new genre or None}, got "
            f"{type(class_mapping).__name__}"
        )
    data_dir, ids, paths, labels = _load_lab(data_dir, split, feature, _parse_genres)
    target = target_names = None
    if labels is not None:
        labels_path, _, genres = labels
        if class_mapping is not None:
            absent = sorted(set(genres) - set(class_mapping))
            if absent:
                example = ", ".join(f"{g!r}: {g!r}" for g in absent[:3])
                raise ValueError(
                    f"genre(s) {absent} in '{labels_path}' are missing from "
                    "class_mapping; the mapping must cover every genre: add them, "
                    f"e.g. {{{example}}} to keep them or map them to None to drop them"
                )
            keep = [i for i, g in enumerate(genres) if class_mapping[g] is not None]
            genres = [class_mapping[genres[i]] for i in keep]
            ids = [ids[i] for i in keep]
            paths = [paths[i] for i in keep]
        target = np.array(genres, dtype=str)
        target_names = sorted(set(genres))
    data = _read_data(paths, feature, lazy)
    if return_X_y:
        return data, target
    counts = (
        "target: none (no labels file)"
        if target is None
        else "genres: "
        + ", ".join(f"{g} ({int(np.sum(target == g))})" for g in target_names)
    )
    return Bunch(
        data=data,
        target=target,
        target_names=target_names,
        filenames=paths,
        ids=ids,
        feature=feature,
        DESCR=_descr("Genre", data_dir, split, feature, len(ids), lazy, counts),
    )


def load_multitask_spectrograms(
    data_dir, *, split="train", feature="fused", lazy=False, return_X_y=False
):
    """Load a split of a lab-layout multi-target regression data set.

    Parameters
    ----------
    data_dir : str or path-like
        Folder holding ``<split>/`` and, for a labelled split,
        ``<split>_labels.txt``: comma-separated, header
        ``Id,<name>,<name>,...``, then ``<id>,<float>,<float>,...`` (any
        number of target columns; a TAB-separated file also works).
    split : str, default="train"
        Sub-folder to load. The lab's ``test`` split has no labels file, so
        its ``target`` is None.
    feature : {"fused", "mel", "chroma"}, default="fused"
        Columns to keep (140, 128 or 12).
    lazy : bool, default=False
        If True, ``data`` holds the file paths and no file is read.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: list of ``(n_frames, n_bins)`` float32 arrays (or list of
          str paths if ``lazy``);
        - ``target``: float64 np.ndarray [shape=(n_samples, n_targets)], or
          None when the split has no labels file;
        - ``target_names``: list of the target column names, or None;
        - ``filenames``, ``ids``, ``feature``, ``DESCR`` as in
          :func:`load_genre_spectrograms`.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        Missing ``data_dir`` or split folder, or a labels entry whose file
        is absent.
    ValueError
        Malformed labels file (named, with its line number; non-numeric or
        non-finite targets), duplicate ids, or a bad spectrogram file.

    Warns
    -----
    UserWarning
        When a labels file exists but some files of the split have no entry
        in it; those files are skipped.

    Examples
    --------
    >>> from spectroclf.datasets import load_multitask_spectrograms
    >>> bunch = load_multitask_spectrograms("emotify-lab/multitask")  # doctest: +SKIP
    >>> bunch.target.shape, bunch.target_names[:2]  # doctest: +SKIP
    ((240, 9), ['amazement', 'solemnity'])
    """
    data_dir, ids, paths, labels = _load_lab(data_dir, split, feature, _parse_targets)
    target = target_names = None
    if labels is not None:
        _, header, values = labels
        target_names = header[1:]
        target = np.array(values, dtype=np.float64).reshape(
            len(values), len(target_names)
        )
    data = _read_data(paths, feature, lazy)
    if return_X_y:
        return data, target
    extra = (
        "target: none (no labels file)"
        if target is None
        else f"targets ({len(target_names)}): {', '.join(target_names)}"
    )
    return Bunch(
        data=data,
        target=target,
        target_names=target_names,
        filenames=paths,
        ids=ids,
        feature=feature,
        DESCR=_descr("Multitask", data_dir, split, feature, len(ids), lazy, extra),
    )


# ---------------------------------------------------------------------------
# writing the lab layout


def _check_field(value, what):
    value = str(value)
    if not value or any(c in value for c in "\t\n\r,"):
        raise ValueError(
            f"{what} {value!r} must be non-empty and contain no TAB, comma or newline"
        )
    return value


def write_lab_layout(
    out_dir,
    spectrograms,
    ids,
    *,
    split="train",
    genres=None,
    targets=None,
    target_names=None,
    suffix=".fused.full.npy.gz",
):
    """Write spectrograms and labels in the lab's on-disk layout.

    Each time-first ``(n_frames, n_bins)`` spectrogram is stored as a
    float32 ``(n_bins, n_frames)`` array with ``np.save`` at
    ``out_dir/<split>/<id><suffix>`` (in a gzip stream when ``suffix``
    ends with ``.gz``), and the labels at ``out_dir/<split>_labels.txt``.
    Every file is written to a temporary file first and then renamed, so
    readers never see a partial file. Existing files of the same names are
    replaced; other files are left alone.

    Parameters
    ----------
    out_dir : str or path-like
        Data folder (created if needed).
    spectrograms : list of np.ndarray [shape=(n_frames, n_bins)]
        Time-first spectrograms with ``n_bins`` 140 (fused), 128 (mel) or
        12 (chroma).
    ids : list of str [shape=(n_samples,)]
        Unique sample ids; no ``.``, ``/``, TAB, comma or newline (the
        loaders match files to labels by the part before the first ``.``).
    split : str, default="train"
        Sub-folder name.
    genres : array-like of str [shape=(n_samples,)], optional
        Genre labels, written TAB-separated (``Id<TAB>Genre``); read back by
        :func:`load_genre_spectrograms`.
    targets : array-like of float [shape=(n_samples, n_targets)], optional
        Regression targets, written as CSV (``Id,<names>``) at full
        precision; read back by :func:`load_multitask_spectrograms`.
        At most one of ``genres`` and ``targets``; with neither, no labels
        file is written (like the lab's unlabelled test splits).
    target_names : list of str, optional
        Column names of ``targets`` (default ``target_0``, ``target_1``, ...).
    suffix : str, default=".fused.full.npy.gz"
        File name suffix; must end with ``.npy`` or ``.npy.gz``.

    Returns
    -------
    out_dir : pathlib.Path
        The data folder, ready for the loaders.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.datasets import load_genre_spectrograms, write_lab_layout
    >>> specs = [np.zeros((10, 140), np.float32), np.ones((12, 140), np.float32)]
    >>> d = write_lab_layout("lab", specs, ["1", "2"], genres=["Rock", "Pop"])  # doctest: +SKIP
    >>> load_genre_spectrograms(d).target  # doctest: +SKIP
    array(['Rock', 'Pop'], dtype='<U4')
    """
    if not suffix.endswith(_SPECTROGRAM_SUFFIXES) or not suffix.startswith("."):
        raise ValueError(
            f"suffix {suffix!r} must start with '.' and end with '.npy' or '.npy.gz'"
        )
    if not isinstance(split, str) or not split or any(c in split for c in "/\\"):
        raise ValueError(
            f"split must be a plain folder name such as 'train', got {split!r}"
        )
    spectrograms = list(spectrograms)
    ids = [str(i) for i in ids]
    n = len(spectrograms)
    if len(ids) != n:
        raise ValueError(f"got {n} spectrograms but {len(ids)} ids; pass one id each")
    if n == 0:
        raise ValueError("no spectrograms to write")
    for sid in ids:
        _check_field(sid, "id")
        if "." in sid or "/" in sid or "\\" in sid:
            raise ValueError(f"id {sid!r} must not contain '.', '/' or '\\'")
    seen = set()
    for sid in ids:
        if sid in seen:
            raise ValueError(f"duplicate id {sid!r}; ids must be unique")
        seen.add(sid)
    arrays = []
    for sid, S in zip(ids, spectrograms, strict=True):
        S = np.asarray(S)
        if (
            S.ndim != 2
            or S.shape[0] == 0
            or S.shape[1] not in (N_FUSED, N_MELS, N_CHROMA)
        ):
            raise ValueError(
                f"spectrogram of id {sid!r} has shape {S.shape}; expected time-first "
                f"(n_frames > 0, n_bins) with n_bins {N_FUSED}, {N_MELS} or {N_CHROMA}"
            )
        if not np.all(np.isfinite(S)):
            raise ValueError(f"spectrogram of id {sid!r} holds NaN or infinite values")
        arrays.append(np.ascontiguousarray(_features._bins_first(S), dtype=np.float32))

    if genres is not None and targets is not None:
        raise ValueError("pass genres or targets, not both (one labels file per split)")
    lines = None
    if genres is not None:
        genres = [str(g) for g in np.asarray(genres, dtype=object).ravel()]
        if len(genres) != n:
            raise ValueError(f"got {n} spectrograms but {len(genres)} genres")
        for g in genres:
            if not g or any(c in g for c in "\t\n\r"):
                raise ValueError(
                    f"genre {g!r} must be non-empty and contain no TAB or newline"
                )
        lines = ["Id\tGenre"] + [
            f"{sid}{suffix}\t{g}" for sid, g in zip(ids, genres, strict=True)
        ]
    elif targets is not None:
        targets = np.asarray(targets, dtype=np.float64)
        if targets.ndim == 1:
            targets = targets[:, None]
        if targets.ndim != 2 or len(targets) != n:
            raise ValueError(
                f"targets must have shape (n_samples={n}, n_targets), got {targets.shape}"
            )
        if not np.all(np.isfinite(targets)):
            raise ValueError("targets hold NaN or infinite values")
        if target_names is None:
            target_names = [f"target_{j}" for j in range(targets.shape[1])]
        target_names = [_check_field(t, "target name") for t in target_names]
        if len(target_names) != targets.shape[1]:
            raise ValueError(
                f"got {len(target_names)} target_names for {targets.shape[1]} target columns"
            )
        lines = ["Id," + ",".join(target_names)] + [
            sid + "," + ",".join(repr(float(v)) for v in row)
            for sid, row in zip(ids, targets, strict=True)
        ]
    elif target_names is not None:
        raise ValueError("target_names needs targets")

    out_dir = Path(out_dir)
    split_dir = out_dir / split
    split_dir.mkdir(parents=True, exist_ok=True)
    compress = suffix.endswith(".gz")
    for sid, arr in zip(ids, arrays, strict=True):

        def write(f, arr=arr):
            if compress:
                with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as g:
                    np.save(g, arr)
            else:
                np.save(f, arr)

        atomic_write(split_dir / f"{sid}{suffix}", write)
    if lines is not None:
        text = ("\n".join(lines) + "\n").encode("utf-8")
        atomic_write(out_dir / f"{split}_labels.txt", lambda f: f.write(text))
    return out_dir


# ---------------------------------------------------------------------------
# label merging


def _map_labels(y, mapping, *, drop):
    """Apply a ``{label: new_label or None}`` mapping to the 1-D array ``y``.

    ``None`` as ``mapping`` is the identity. Labels mapped to ``None`` are
    left out with ``drop`` and raise otherwise; a label missing from the
    mapping always raises, naming it.
    """
    if mapping is None:
        return y
    out = []
    for label in y.tolist():  # Python scalars: plain reprs in the messages
        try:
            new = mapping[label]
        except KeyError:
            raise ValueError(
                f"label {label!r} is not in `mapping`; the mapping must list "
                "every genre (map a genre to itself to keep it, or to None "
                "to drop it). Known: "
                f"{sorted(map(str, mapping))}"
            ) from None
        except TypeError:  # unhashable
            raise ValueError(f"label {label!r} is not hashable") from None
        if new is None:
            if drop:
                continue
            raise ValueError(
                f"label {label!r} is mapped to None (a dropped class) and "
                "cannot be encoded; remove those samples first, e.g. with "
                "spectroclf.datasets.merge_classes(X, y, mapping)"
            )
        out.append(new)
    return np.asarray(out)


def merge_classes(X, y, mapping=None, *, min_count=None):
    """Merge and drop classes of a labelled data set.

    Labels are mapped through ``mapping``; samples whose label maps to
    ``None`` are dropped; then every class with fewer than ``min_count``
    samples (counted after merging) is dropped.

    Parameters
    ----------
    X : list, np.ndarray or other indexable [shape=(n_samples, ...)]
        Samples, e.g. a list of ``(n_frames, n_bins)`` spectrograms or of
        file paths. The result has the same type (indexed along the first
        axis with :func:`sklearn.utils._safe_indexing`); a dict of arrays
        (such as :class:`~spectroclf.preprocessing.PadTruncate`'s output) is
        indexed value by value.
    y : array-like [shape=(n_samples,)]
        Class labels.
    mapping : dict or None, default=None
        ``{label: new_label or None}``, e.g. :data:`CLASS_MAPPING`. It must
        cover every label of ``y``. None keeps the labels as they are. The same
        mapping as :class:`spectroclf.preprocessing.LabelTransformer` takes.
    min_count : int or None, default=None
        Drop classes with fewer samples than this after merging.

    Returns
    -------
    X_new : same type as X [shape=(n_kept, ...)]
        The kept samples, in their original order.
    y_new : np.ndarray [shape=(n_kept,)]
        Their merged labels.

    Raises
    ------
    ValueError
        Lengths of ``X`` and ``y`` differ, a label is missing from
        ``mapping``, ``min_count`` is not a positive int, or no sample is left.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.datasets import merge_classes
    >>> X = np.arange(6)
    >>> y = ["Punk", "Metal", "Rock", "Post-Rock", "Soundtrack", "Jazz"]
    >>> mapping = {"Punk": "Metal", "Metal": "Metal", "Rock": "Rock",
    ...            "Post-Rock": "Rock", "Soundtrack": None, "Jazz": "Jazz"}
    >>> X_new, y_new = merge_classes(X, y, mapping, min_count=2)
    >>> X_new.tolist(), y_new.tolist()
    ([0, 1, 2, 3], ['Metal', 'Metal', 'Rock', 'Rock'])
    """
    from sklearn.utils import _safe_indexing

    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D class labels, got shape {y.shape}")
    if isinstance(X, dict):
        lengths = {k: len(v) for k, v in X.items()}
        n_x = next(iter(lengths.values())) if lengths else 0
        if len(set(lengths.values())) > 1:
            raise ValueError(f"the arrays of X have different lengths: {lengths}")
    else:
        n_x = len(X)
    if n_x != len(y):
        raise ValueError(
            f"X has {n_x} samples but y has {len(y)} labels; they must match"
        )
    if min_count is not None and (
        isinstance(min_count, bool)
        or not isinstance(min_count, (int, np.integer))
        or min_count < 1
    ):
        raise ValueError(f"min_count must be a positive int or None, got {min_count!r}")

    if y.shape[0] == 0:
        raise ValueError("y is empty: expected at least one label")
    mapped = _map_labels(y, mapping, drop=True)
    if mapped.shape[0] == 0:
        raise ValueError(
            "every label of y is mapped to None (dropped); nothing to encode"
        )
    if mapping is None:
        keep = np.ones(len(y), dtype=bool)
    else:
        keep = np.array([mapping[v] is not None for v in y.tolist()], dtype=bool)
    classes, kept_codes = np.unique(mapped, return_inverse=True)
    codes = np.full(len(y), -1, dtype=np.int64)
    codes[keep] = kept_codes
    if min_count is not None:
        counts = np.bincount(codes[keep], minlength=len(classes))
        keep &= np.isin(codes, np.flatnonzero(counts >= min_count))
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        raise ValueError(
            f"no samples left after dropping classes with fewer than {min_count} "
            f"samples (class counts after merging: "
            f"{dict(zip(classes.tolist(), counts.tolist(), strict=True))})"
        )
    y_new = classes[codes[idx]]
    if isinstance(X, dict):
        X_new = {k: _safe_indexing(v, idx) for k, v in X.items()}
    elif isinstance(X, tuple):
        X_new = tuple(X[i] for i in idx)
    else:
        X_new = _safe_indexing(X, idx)
    return X_new, y_new


# ---------------------------------------------------------------------------
# synthetic music

# 16 steps per 4/4 bar (sixteenth notes); 'x' = hit.
_RECIPES = {
    "rock": dict(
        tempo=(100, 150),
        p_major=0.65,
        gain=(0.7, 1.0),
        jitter=(0.002, 0.008),
        swing=(0.0, 0.0),
        hat_drop=(0.0, 0.3),
        kick="x.......x.x.....",
        snare="....x.......x...",
        hat="x.x.x.x.x.x.x.x.",
        kick_heavy=False,
        chord_wave="saw",
        chord_style="sustain",
        chord_octave=0,
        seventh=False,
        bass_wave="saw",
        bass_pattern="eighths",
        bass_octave=-2,
        drive=3.0,
        cutoff=5000.0,
        levels=(1.0, 0.6, 0.5),
    ),
    "electronic": dict(
        tempo=(118, 132),
        p_major=0.5,
        gain=(0.7, 1.0),
        jitter=(0.0, 0.0),
        swing=(0.0, 0.0),
        hat_drop=(0.0, 0.2),
        kick="x...x...x...x...",
        snare="....x.......x...",
        hat="..x...x...x...x.",
        kick_heavy=False,
        chord_wave="square",
        chord_style="stabs",
        chord_octave=1,
        seventh=False,
        bass_wave="square",
        bass_pattern="offbeat",
        bass_octave=-2,
        drive=1.0,
        cutoff=8000.0,
        levels=(1.0, 0.5, 0.35),
    ),
    "classical": dict(
        tempo=(60, 100),
        p_major=0.6,
        gain=(0.25, 0.6),
        jitter=(0.0, 0.0),
        swing=(0.0, 0.0),
        hat_drop=(0.0, 0.0),
        kick=None,
        snare=None,
        hat=None,
        kick_heavy=False,
        chord_wave="strings",
        chord_style="pad",
        chord_octave=0,
        seventh=False,
        bass_wave="strings",
        bass_pattern="whole",
        bass_octave=-1,
        drive=1.0,
        cutoff=2500.0,
        levels=(0.0, 0.5, 0.8),
    ),
    "hiphop": dict(
        tempo=(80, 96),
        p_major=0.35,
        gain=(0.6, 0.95),
        jitter=(0.0, 0.006),
        swing=(0.05, 0.12),
        hat_drop=(0.0, 0.3),
        kick="x......x..x.....",
        snare="....x.......x...",
        hat="x.x.x.x.x.x.x.x.",
        kick_heavy=True,
        chord_wave="epiano",
        chord_style="sustain",
        chord_octave=0,
        seventh=True,
        bass_wave="sine",
        bass_pattern="whole",
        bass_octave=-3,
        drive=1.5,
        cutoff=3000.0,
        levels=(1.4, 0.45, 0.9),
    ),
    "jazz": dict(
        tempo=(110, 180),
        p_major=0.6,
        gain=(0.4, 0.75),
        jitter=(0.004, 0.012),
        swing=(0.12, 0.167),
        hat_drop=(0.0, 0.2),
        kick="x...............",
        snare="......x.......x.",
        hat="x...x.xxx...x.xx",
        kick_heavy=False,
        chord_wave="triangle",
        chord_style="comp",
        chord_octave=0,
        seventh=True,
        bass_wave="triangle",
        bass_pattern="walking",
        bass_octave=-2,
        drive=1.0,
        cutoff=4000.0,
        levels=(0.4, 0.5, 0.5),
    ),
    "ambient": dict(
        tempo=(60, 80),
        p_major=0.5,
        gain=(0.2, 0.5),
        jitter=(0.0, 0.0),
        swing=(0.0, 0.0),
        hat_drop=(0.0, 0.0),
        kick=None,
        snare=None,
        hat=None,
        kick_heavy=False,
        chord_wave="sine",
        chord_style="pad",
        chord_octave=1,
        seventh=True,
        bass_wave="sine",
        bass_pattern="whole",
        bass_octave=-2,
        drive=1.0,
        cutoff=1500.0,
        levels=(0.0, 0.6, 1.0),
    ),
}
_DEFAULT_GENRES = ("rock", "electronic", "classical", "hiphop")
# chord progressions: (semitones above the key, quality); one chord per bar
_PROGRESSIONS = {
    True: [(0, "M"), (5, "M"), (7, "M"), (0, "M")],  # I IV V I
    False: [(0, "m"), (5, "m"), (7, "m"), (0, "m")],  # i iv v i
}
_TRIADS = {"M": (0, 4, 7), "m": (0, 3, 7)}
_SEVENTHS = {"M": 11, "m": 10}
_EMOTION_NAMES = ["valence", "energy", "danceability"]


def _midi_hz(m):
    return 440.0 * 2.0 ** ((np.asarray(m, dtype=float) - 69.0) / 12.0)


def _frac(ph):
    return ph - np.floor(ph)


def _osc(wave, freq, t, vib=None):
    """Waveform at ``freq`` Hz over times ``t`` (cheap, non-band-limited)."""
    freq = np.float32(freq)
    if wave == "strings":  # two detuned saws with vibrato (``vib``: phase wobble)
        ph = freq * t + vib * freq
        return _frac(ph) + _frac(ph * np.float32(1.004)) - np.float32(1.0)
    ph = freq * t
    if wave == "sine":
        return np.sin(np.float32(2 * np.pi) * ph)
    if wave == "saw":
        return np.float32(2.0) * _frac(ph) - np.float32(1.0)
    if wave == "square":
        return np.where(_frac(ph) < 0.5, np.float32(1.0), np.float32(-1.0))
    if wave == "triangle":
        return np.float32(4.0) * np.abs(_frac(ph) - np.float32(0.5)) - np.float32(1.0)
    if wave == "epiano":
        w = np.float32(2 * np.pi) * ph
        return np.sin(w) + np.float32(0.3) * np.sin(2 * w) * np.exp(
            np.float32(-3.0) * t
        )
    raise ValueError(wave)  # pragma: no cover - recipes are fixed


def _envelope(n, sr, attack, decay=None, release=0.01):
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    env = np.minimum(np.float32(1.0), t / np.float32(max(attack, 1e-4)))
    if decay is not None:
        env *= np.exp(-t / np.float32(decay))
    r = min(n, max(1, int(release * sr)))
    if n > 1:
        env[-r:] *= np.linspace(1.0, 0.0, r, dtype=np.float32)
    return env


def _add(buf, start, sig):
    start = int(start)
    if start >= len(buf) or start + len(sig) <= 0:
        return
    lo = max(0, -start)
    end = min(len(buf), start + len(sig))
    buf[start + lo : end] += sig[lo : end - start]


def _notes(wave, pitches, n, sr, attack, decay=None):
    """Mean of notes at MIDI ``pitches`` sharing one envelope, ``n`` samples."""
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    vib = None
    if wave == "strings":
        vib = np.float32(-0.004 / (2 * np.pi * 5.5)) * np.cos(
            np.float32(2 * np.pi * 5.5) * t
        )
    sig = np.zeros(n, dtype=np.float32)
    for p in pitches:
        sig += _osc(wave, _midi_hz(p), t, vib)
    return sig * (_envelope(n, sr, attack, decay) / np.float32(len(pitches)))


def _lowpass(x, cutoff, sr):
    from scipy.signal import lfilter

    a = np.exp(-2 * np.pi * cutoff / sr)
    return lfilter([1 - a], [1, -a], x)


def _drum_kit(rng, sr, heavy):
    t = np.arange(int((0.6 if heavy else 0.3) * sr)) / sr
    f = 45 + (160 - 45) * np.exp(-t / (0.05 if heavy else 0.03))
    kick = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / (0.3 if heavy else 0.12))
    t = np.arange(int(0.2 * sr)) / sr
    noise = rng.standard_normal(len(t))
    snare = 0.6 * np.diff(noise, prepend=0.0) * np.exp(-t / 0.06) + 0.5 * np.sin(
        2 * np.pi * 190 * t
    ) * np.exp(-t / 0.05)
    t = np.arange(int(0.06 * sr)) / sr
    noise = rng.standard_normal(len(t))
    hat = 0.35 * np.diff(noise, prepend=0.0) * np.exp(-t / 0.015)
    return kick, snare, hat


def _make_clip(recipe, rng, n, sr):
    """One waveform and the parameters it was made from."""
    r = recipe
    tempo = rng.uniform(*r["tempo"])
    major = bool(rng.random_sample() < r["p_major"])
    gain = rng.uniform(*r["gain"])
    jitter = rng.uniform(*r["jitter"])
    swing = rng.uniform(*r["swing"])
    hat_drop = rng.uniform(*r["hat_drop"])
    key = int(rng.randint(48, 60))  # C3..B3
    beat = 60.0 / tempo * sr  # samples per beat
    step = beat / 4.0
    bar = 4 * beat
    n_bars = int(np.ceil(n / bar))
    level_d, level_b, level_c = (v * rng.uniform(0.85, 1.15) for v in r["levels"])

    drums = np.zeros(n, dtype=np.float32)
    n_hits = 0
    if r["kick"] is not None:
        kick, snare, hat = _drum_kit(rng, sr, r["kick_heavy"])
        for b in range(n_bars):
            for k in range(16):
                pos = b * bar + k * step + (swing * beat if k % 4 == 2 else 0.0)
                for pattern, sound, amp in (
                    (r["kick"], kick, 1.0),
                    (r["snare"], snare, 0.8),
                    (r["hat"], hat, 1.0),
                ):
                    if pattern[k] != "x":
                        continue
                    if sound is hat and rng.random_sample() < hat_drop:
                        continue
                    jit = rng.normal(0.0, jitter) * sr if jitter else 0.0
                    if pos + jit < n:
                        _add(drums, pos + jit, amp * sound)
                        n_hits += 1

    chords = np.zeros(n, dtype=np.float32)
    bass = np.zeros(n, dtype=np.float32)
    prog = _PROGRESSIONS[major]
    for b in range(n_bars):
        offset, quality = prog[b % len(prog)]
        root = key + offset + 12 * r["chord_octave"]
        notes = [root + i for i in _TRIADS[quality]]
        if r["seventh"]:
            notes.append(root + _SEVENTHS[quality])
        start = b * bar
        style = r["chord_style"]
        if style in ("sustain", "pad"):
            hits = [(0, 16)]
        elif style == "stabs":
            hits = [(k, 1) for k in (2, 6, 10, 14)]
        else:  # comp
            hits = [(0, 3), (6, 2), (11, 3)]
        attack = 0.25 if style == "pad" else 0.005
        decay = 0.15 if style == "stabs" else (0.6 if style == "comp" else None)
        for k, length in hits:
            m = int(length * step)
            _add(
                chords,
                start + k * step,
                _notes(r["chord_wave"], notes, m, sr, attack, decay),
            )

        broot = key + offset + 12 * r["bass_octave"]
        pattern = r["bass_pattern"]
        if pattern == "eighths":
            bnotes = [(k, 2, 0) for k in range(0, 16, 2)]
        elif pattern == "offbeat":
            bnotes = [(k, 2, 0) for k in (2, 6, 10, 14)]
        elif pattern == "walking":
            third = _TRIADS[quality][1]
            bnotes = [
                (0, 4, 0),
                (4, 4, third),
                (8, 4, 7),
                (12, 4, 10 if quality == "m" else 11),
            ]
        else:  # whole
            bnotes = [(0, 16, 0)]
        battack = 0.1 if r["bass_wave"] == "strings" else 0.005
        for k, length, interval in bnotes:
            m = int(length * step)
            _add(
                bass,
                start + k * step,
                _notes(r["bass_wave"], [broot + interval], m, sr, battack),
            )

    mix = level_c * _lowpass(chords, r["cutoff"], sr) + level_b * _lowpass(
        bass, 800.0, sr
    )
    mix = mix + level_d * drums
    if r["drive"] > 1.0:
        mix = np.tanh(r["drive"] * mix / (np.max(np.abs(mix)) + 1e-12))
    peak = np.max(np.abs(mix))
    mix = mix / peak * gain if peak > 0 else mix

    duration = n / sr
    tempo_norm = float(np.clip((tempo - 60.0) / 120.0, 0.0, 1.0))
    density = min(1.0, n_hits / duration / 16.0)
    loud = (gain - 0.2) / 0.8
    regular = (
        0.0
        if r["kick"] is None
        else (1.0 - 2.0 * swing) * (1.0 - min(1.0, jitter / 0.02))
    )
    valence = 0.2 + 0.45 * major + 0.35 * tempo_norm
    energy = 0.4 * loud + 0.35 * density + 0.25 * tempo_norm
    dance = 0.6 * regular + 0.4 * np.exp(-(((tempo - 120.0) / 25.0) ** 2))
    emotion = np.clip([valence, energy, dance], 0.0, 1.0)
    return mix.astype(np.float32), emotion


def make_music(
    n_samples=100, *, genres=None, duration=4.0, sr=22050, random_state=None
):
    """Generate synthetic music clips with genre labels and emotion targets.

    Each genre is a recipe: a tempo range, a drum pattern (synthesised
    kick, snare and hi-hat bursts, or no drums), a bass line, chords in a
    major or minor key with a genre-specific waveform, timing jitter and
    swing, and a loudness range. The recipes are

    ========== ======= ========================================================
    genre      tempo   sound
    ========== ======= ========================================================
    rock       100-150 driven saw chords, 8th-note saw bass, rock beat
    electronic 118-132 square stabs on the off-beats, four-on-the-floor kick
    classical  60-100  string-like pads and bass, no drums, soft
    hiphop     80-96   slow swung beat, heavy sub-bass kick, e-piano 7th chords
    jazz       110-180 swung ride, triangle 7th-chord comping, walking bass
    ambient    60-80   sine pads, drones, no drums, very soft
    ========== ======= ========================================================

    The emotion targets are computed from how each clip was made, in [0, 1]:

    - ``valence``: ``0.2 + 0.45 * major + 0.35 * tempo_norm``;
    - ``energy``: ``0.4 * loudness + 0.35 * drum_density + 0.25 * tempo_norm``;
    - ``danceability``: ``0.6 * regularity + 0.4 * exp(-((tempo - 120) / 25)**2)``,

    with ``tempo_norm = clip((tempo - 60) / 120, 0, 1)``, ``loudness`` the
    peak level rescaled from [0.2, 1] to [0, 1], ``drum_density`` the drum
    hits per second over 16, and ``regularity`` 0 without drums, else
    ``(1 - 2 * swing) * (1 - jitter / 20 ms)``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of clips. Genres are balanced (counts differ by at most one)
        and shuffled.
    genres : int, list of str or None, default=None
        None: ``["rock", "electronic", "classical", "hiphop"]``; an int
        ``k``: the first ``k`` recipes of the table above (1-6); a list:
        those recipes by name.
    duration : float, default=4.0
        Clip length in seconds.
    sr : int, default=22050
        Sample rate in Hz.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: list of ``n_samples`` float32 waveforms
          [shape=(round(duration * sr),)], within [-1, 1];
        - ``target``: np.ndarray of str genre names [shape=(n_samples,)];
        - ``target_names``: the genres used, in recipe order;
        - ``emotion``: float64 np.ndarray [shape=(n_samples, 3)];
        - ``emotion_names``: ``["valence", "energy", "danceability"]``;
        - ``sr``; ``DESCR``.

    Examples
    --------
    >>> from spectroclf.datasets import make_music
    >>> music = make_music(8, genres=2, duration=1.0, random_state=0)
    >>> len(music.data), music.data[0].shape, music.emotion.shape
    (8, (22050,), (8, 3))
    >>> sorted(set(music.target.tolist()))
    ['electronic', 'rock']
    """
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, (int, np.integer))
        or n_samples < 1
    ):
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    if not np.isscalar(duration) or not duration > 0:
        raise ValueError(
            f"duration must be a positive number of seconds, got {duration!r}"
        )
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr < 1000:
        raise ValueError(f"sr must be an int sample rate >= 1000 Hz, got {sr!r}")
    available = list(_RECIPES)
    if genres is None:
        names = list(_DEFAULT_GENRES)
    elif isinstance(genres, (int, np.integer)) and not isinstance(genres, bool):
        if not 1 <= genres <= len(available):
            raise ValueError(
                f"genres={genres} but there are {len(available)} recipes; "
                f"use 1-{len(available)} or a list of names from {available}"
            )
        names = available[: int(genres)]
    elif isinstance(genres, str):
        raise TypeError(
            f"genres must be an int or a list of names, got the str {genres!r}; "
            f"use [{genres!r}]"
        )
    else:
        names = list(genres)
        unknown = [g for g in names if g not in _RECIPES]
        if unknown:
            raise ValueError(
                f"unknown genre(s) {unknown}; valid genres are {available}"
            )
        if not names:
            raise ValueError(f"genres is empty; choose from {available}")
        if len(set(names)) != len(names):
            raise ValueError(f"genres {names} has duplicates")
    rng = check_random_state(random_state)
    n = max(1, int(round(duration * sr)))
    labels = np.array([names[i % len(names)] for i in range(n_samples)])
    labels = labels[rng.permutation(n_samples)]
    data, emotion = [], np.empty((n_samples, 3))
    for i, g in enumerate(labels):
        y, emotion[i] = _make_clip(_RECIPES[g], rng, n, sr)
        data.append(y)
    return Bunch(
        data=data,
        target=labels,
        target_names=names,
        emotion=emotion,
        emotion_names=list(_EMOTION_NAMES),
        sr=sr,
        DESCR=(
            f"Synthetic music: {n_samples} clips of {n / sr:g} s at {sr} Hz, "
            f"genres {names} (balanced), emotion targets {_EMOTION_NAMES} in "
            "[0, 1] computed from each clip's recipe (see make_music)."
        ),
    )


# ---------------------------------------------------------------------------
# generated music in the lab layout

_LAB_GENRE_NAMES = {
    "rock": "Rock",
    "electronic": "Electronic",
    "classical": "Classical",
    "hiphop": "Hip-Hop",
    "jazz": "Jazz",
    "ambient": "Ambient",
}
_LAB_FOLDERS = ("genre", "genre_beat", "multitask", "multitask_beat")


def _check_count(value, name, minimum):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < minimum
    ):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def make_lab_data(
    out_dir,
    *,
    n_train=60,
    n_test=20,
    duration=4.0,
    genres=None,
    random_state=None,
):
    """Write generated music as spectrograms in the lab's four-folder layout.

    A stand-in for ``emotify-lab`` when the real data is absent: clips of
    :func:`make_music` are turned into fused spectrograms (128 log-mel +
    12 chroma bins) and written with :func:`write_lab_layout` to the same
    four folders as the lab's::

        out_dir/
            genre/{train,test}/<id>.fused.full.npy.gz           full length
                {train,test}_labels.txt                          Id<TAB>Genre
            genre_beat/{train,test}/<id>.fused.full.npy.gz      beat-synced
                {train,test}_labels.txt
            multitask/{train,test}/<id>.fused.full.npy.gz       full length
                train_labels.txt                                 Id,valence,energy,danceability
            multitask_beat/{train,test}/<id>.fused.full.npy.gz  beat-synced
                train_labels.txt

    As in ``emotify-lab``, the ``multitask`` folders hold the same clips
    as the ``genre`` ones (as copies, not links), and their test splits
    have no labels file: the loaders return ``target=None`` for them.
    The recipe is the lab's, from the audio at 22050 Hz with hops of 512
    samples: :func:`~spectroclf.features.fused_spectrogram` for the
    full-length arrays, and the median over each inter-beat segment
    (:func:`~spectroclf.features.beat_sync`) of the beats found by
    :func:`~spectroclf.features.beat_frames` (``beat_track`` on the
    percussive part of the waveform) for the beat-synced ones.

    Genres are balanced within each split (counts differ by at most one)
    and named like the lab's: ``"Rock"``, ``"Electronic"``,
    ``"Classical"``, ``"Hip-Hop"``, ``"Jazz"``, ``"Ambient"``. Ids are
    ``1 .. n_train`` for the training clips and ``n_train + 1 ..
    n_train + n_test`` for the test clips. The emotion targets are those
    of :func:`make_music` (valence, energy, danceability in [0, 1]), not
    the lab's nine GEMS scores.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write to (created if needed). Its ``genre``,
        ``genre_beat``, ``multitask`` and ``multitask_beat`` sub-folders
        must be absent or empty, e.g. ``tempfile.mkdtemp()``.
    n_train : int, default=60
        Number of training clips (at least 1).
    n_test : int, default=20
        Number of test clips; 0 writes no ``test`` split.
    duration : float, default=4.0
        Clip length in seconds (the lab's clips are 30 s: 1292 frames).
        A 4-s clip has 173 frames and about 8 beat-synced frames. Below
        about 3 s librosa's ``chroma_cqt`` warns that ``n_fft`` is too
        large for its lowest octaves (harmless here).
    genres : int, list of str or None, default=None
        The :func:`make_music` recipes to use (lower-case names), e.g.
        ``["classical", "electronic"]``; None: rock, electronic, classical
        and hiphop.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output: the same seed writes the same files.

    Returns
    -------
    out_dir : pathlib.Path
        The folder ``out_dir``; load its parts with
        ``load_genre_spectrograms(out_dir / "genre_beat")`` or
        ``load_multitask_spectrograms(out_dir / "multitask_beat")``.

    Raises
    ------
    ValueError
        Bad ``n_train``, ``n_test``, ``duration`` or ``genres``.
    FileExistsError
        If one of the four sub-folders already holds files.

    See Also
    --------
    make_music : the waveforms, genre labels and emotion targets.
    shared_data_dir : where the real ``emotify-lab`` folder is.

    Examples
    --------
    >>> import tempfile
    >>> from spectroclf.datasets import (
    ...     load_genre_spectrograms, load_multitask_spectrograms, make_lab_data)
    >>> lab = make_lab_data(tempfile.mkdtemp(), n_train=4, n_test=2, duration=3.0,
    ...                     random_state=0)
    >>> sorted(p.name for p in lab.iterdir())
    ['genre', 'genre_beat', 'multitask', 'multitask_beat']
    >>> train = load_genre_spectrograms(lab / "genre", split="train")
    >>> len(train.data), train.data[0].shape, train.target_names
    (4, (130, 140), ['Classical', 'Electronic', 'Hip-Hop', 'Rock'])
    >>> test = load_multitask_spectrograms(lab / "multitask_beat", split="test")
    >>> len(test.data), test.target is None
    (2, True)
    """
    n_train = _check_count(n_train, "n_train", 1)
    n_test = _check_count(n_test, "n_test", 0)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"out_dir '{out_dir}' exists and is not a folder")
    for folder in _LAB_FOLDERS:
        d = out_dir / folder
        if d.is_dir() and any(d.iterdir()):
            raise FileExistsError(
                f"'{d}' is not empty; make_lab_data writes a whole data set and "
                "does not mix it with older files: pass a new or empty folder, "
                "e.g. tempfile.mkdtemp()"
            )
    rng = check_random_state(random_state)
    first_id = 1
    for split, n in (("train", n_train), ("test", n_test)):
        if n == 0:
            continue
        music = make_music(n, genres=genres, duration=duration, random_state=rng)
        ids = [str(first_id + i) for i in range(n)]
        first_id += n
        full, beat = [], []
        for y in music.data:
            S = _features.fused_spectrogram(y=y, sr=music.sr)
            beats = _features.beat_frames(y=y, sr=music.sr)
            full.append(S)
            beat.append(_features.beat_sync(S, beats[beats <= len(S)]))
        genre_names = [_LAB_GENRE_NAMES[g] for g in music.target]
        # the lab withholds the emotion targets of its test clips
        emotion = (
            dict(targets=music.emotion, target_names=music.emotion_names)
            if split == "train"
            else {}
        )
        for kind, specs in (("", full), ("_beat", beat)):
            write_lab_layout(
                out_dir / f"genre{kind}", specs, ids, split=split, genres=genre_names
            )
            write_lab_layout(
                out_dir / f"multitask{kind}", specs, ids, split=split, **emotion
            )
    return out_dir


# ---------------------------------------------------------------------------
# where the real data lives

_DATA_MARKERS = ("emotify-lab", "emotify", "librosa-clips")


def _looks_like_shared_data(p):
    return p.is_dir() and any((p / m).is_dir() for m in _DATA_MARKERS)


def shared_data_dir(path=None):
    """Locate the real music data folder (``../shared/data``).

    Looks, in order, at

    1. ``path``, if given (it must exist);
    2. the environment variable ``SPECTROCLF_DATA``, if set to an existing
       folder (a warning is issued if it is set to a missing one);
    3. ``<d>/../shared/data`` for ``d`` the current working directory and
       each of its parents;
    4. the same, walking up from this package's source folder.

    In steps 3-4 a folder counts only if it holds ``emotify-lab/``,
    ``emotify/`` or ``librosa-clips/``.

    Parameters
    ----------
    path : str or path-like, optional
        Explicit data folder.

    Returns
    -------
    data_dir : pathlib.Path or None
        Absolute path of the data folder, or None if none was found
        (callers typically fall back to :func:`make_lab_data`, generated
        music in the lab layout, or to :func:`make_music`).

    Raises
    ------
    FileNotFoundError
        If ``path`` is given but is not an existing folder.

    Examples
    --------
    >>> from spectroclf.datasets import make_music, shared_data_dir
    >>> data_dir = shared_data_dir()
    >>> if data_dir is None:
    ...     music = make_music(20, random_state=0)
    """
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_dir():
            raise FileNotFoundError(f"data folder '{p}' does not exist")
        return p.resolve()
    env = os.environ.get("SPECTROCLF_DATA")
    if env:
        p = Path(env).expanduser()
        if p.is_dir():
            return p.resolve()
        warnings.warn(
            f"SPECTROCLF_DATA is set to '{env}', which is not a folder; "
            "looking for ../shared/data instead",
            UserWarning,
            stacklevel=2,
        )
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for d in (start, *start.parents):
            cand = d.parent / "shared" / "data"
            if _looks_like_shared_data(cand):
                return cand.resolve()
    return None
