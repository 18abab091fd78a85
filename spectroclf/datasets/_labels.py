"""Genre merging: the lab's class mapping, and merging or dropping the classes
of ``(X, y)``."""

import numpy as np

from ..utils import map_labels

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
    mapped = map_labels(y, mapping, drop=True)
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
