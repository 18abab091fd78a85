"""Reading and writing the lab's on-disk layout (described in the package
docstring, :mod:`spectroclf.datasets`)."""

import gzip
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .. import features as _features
from .._io import atomic_write
from ..features import N_CHROMA, N_FUSED, N_MELS
from ._arrays import _FEATURE_WIDTH, _check_feature, load_spectrogram
from ._folder import (
    _SPECTROGRAM_SUFFIXES,
    _list_split,
    _match_labels,
    _natural_key,
    _parse_genres,
    _parse_targets,
    _read_labels,
)

# ---------------------------------------------------------------------------
# reading the lab layout


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
        ``<file name or id><TAB><genre>``; a 2-column CSV also works). An
        fsspec URL (``"s3://bucket/lab"``, ``"file:///mnt/shared/lab"``) lists
        and reads the folder on shared storage (fsspec must be installed).
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
        or :func:`load_spectrogram`). With a URL ``data_dir`` they are URLs,
        so a pipeline searched on a dask cluster reads each clip on the
        worker that needs it (see :ref:`scaling`).
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
        number of target columns; a TAB-separated file also works), or an
        fsspec URL of such a folder.
    split : str, default="train"
        Sub-folder to load. The lab's ``test`` split has no labels file, so
        its ``target`` is None.
    feature : {"fused", "mel", "chroma"}, default="fused"
        Columns to keep (140, 128 or 12).
    lazy : bool, default=False
        If True, ``data`` holds the file paths (URLs for a URL
        ``data_dir``) and no file is read.
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
