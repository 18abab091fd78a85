"""Input validation shared by the estimators.

Every estimator accepts four forms of ``X`` and turns them into one: a list
of time-first ``(n_frames, n_bins)`` float32 arrays, each with at least one
frame. Padding happens later, per batch (see :mod:`spectroclf._data`).

- a list of ``(n_frames, n_bins)`` arrays of different lengths;
- :class:`~spectroclf.PadTruncate`'s dict ``{"X": (n, max_len, n_bins),
  "lengths": (n,)}``: only the first ``lengths[i]`` frames of sample ``i``
  are kept;
- a 3-D array ``(n, n_frames, n_bins)``, all frames valid;
- a 2-D array ``(n, n_features)``, read as one frame of ``n_features`` bins
  per sample, so that tabular data (and scikit-learn's own checks) work.
"""

import numbers

import numpy as np
from sklearn.utils.validation import validate_data

__all__ = ["check_spectrograms"]


def _is_spectrogram_list(X):
    """Whether X is a list/tuple of 2-D array-likes (the ragged form), or a 1-D
    object array of them (e.g. a pandas column's ``.values``)."""
    if isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1:
        X = list(X)
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    first = X[0]
    if hasattr(first, "toarray"):  # sparse: len() is ambiguous; reported later
        return True
    return isinstance(first, np.ndarray) and first.ndim == 2 or (
        hasattr(first, "__len__")
        and len(first) > 0
        and hasattr(first[0], "__len__")
        and not isinstance(first[0], str)
    )


def _as_float_frames(x, index):
    """Convert one sample to float32, naming it when that fails."""
    if hasattr(x, "toarray"):
        raise TypeError(
            f"spectrogram {index} is a sparse matrix; sparse input is not "
            "supported, pass a dense array (x.toarray())"
        )
    try:
        arr = np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"spectrogram {index} could not be converted to float: {exc}"
        ) from None
    return arr


def _transposed_hint(arr, rows):
    """The hint for librosa's (n_bins, n_frames) layout: ``arr`` has as many
    rows as the first spectrogram (``rows``) and a different number of columns."""
    if rows is None or arr.shape[0] != rows:
        return ""
    return (
        f". spectroclf is time first, (n_frames, n_bins); this clip has the same "
        f"{rows} rows as spectrogram 0 and looks transposed (librosa's "
        "(n_bins, n_frames) layout): pass S.T"
    )


def _check_sample(arr, index, n_bins, first_rows=None):
    if arr.ndim != 2:
        raise ValueError(
            f"spectrogram {index} has shape {arr.shape}; expected a 2-D "
            "(n_frames, n_bins) array"
        )
    if arr.shape[0] == 0:
        raise ValueError(
            f"spectrogram {index} has 0 frames; every sample needs at least one"
        )
    if n_bins is not None and arr.shape[1] != n_bins:
        raise ValueError(
            f"spectrogram {index} has shape {arr.shape} with {arr.shape[1]} bins; "
            f"expected {n_bins} bins like the other samples"
            + _transposed_hint(arr, first_rows)
        )
    if not np.isfinite(arr).all():
        raise ValueError(
            f"spectrogram {index} contains NaN or infinity; clean or impute "
            "the input first"
        )


def _from_dict(X):
    missing = {"X", "lengths"} - set(X)
    if missing:
        raise ValueError(
            f"dict input needs the keys 'X' and 'lengths' (as PadTruncate "
            f"returns); missing {sorted(missing)}"
        )
    data = np.asarray(X["X"], dtype=np.float32)
    lengths = np.asarray(X["lengths"])
    if data.ndim != 3:
        raise ValueError(
            f"X['X'] has shape {data.shape}; expected (n_samples, max_len, n_bins)"
        )
    if lengths.shape != (data.shape[0],):
        raise ValueError(
            f"X['lengths'] has shape {lengths.shape}; expected ({data.shape[0]},), "
            "one length per sample"
        )
    if not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(f"X['lengths'] must be integers, got dtype {lengths.dtype}")
    bad = np.flatnonzero((lengths < 1) | (lengths > data.shape[1]))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"X['lengths'][{i}] = {lengths[i]} is outside [1, {data.shape[1]}] "
            "(the padded length)"
        )
    return [data[i, : lengths[i]] for i in range(data.shape[0])]


def check_spectrograms(X, *, estimator, reset):
    """Validate ``X`` and return it as a list of spectrograms.

    Parameters
    ----------
    X : list of ndarray, dict, ndarray of shape (n, n_frames, n_bins) or (n, n_bins)
        The input, in any of the forms described in the module docstring.
    estimator : BaseEstimator
        The estimator being fitted or used; ``n_features_in_`` (the number of
        bins) is set on it when ``reset`` and checked against otherwise.
    reset : bool
        True in ``fit``, False in ``predict``.

    Returns
    -------
    specs : list of ndarray of shape (n_frames_i, n_bins), float32
        Views where possible; nothing is padded. A lazy sequence of files
        (:class:`spectroclf.datasets.SpectrogramFiles`) is returned as it is.
    """
    if getattr(X, "_lazy_spectrograms", False):
        # files read when a batch needs them (spectroclf.datasets.SpectrogramFiles):
        # every clip is checked as it is read
        if len(X) == 0:
            raise ValueError("X is empty: expected at least one spectrogram")
        specs, n_bins = X, X.n_bins
    elif isinstance(X, dict) and not hasattr(X, "toarray"):  # dok sparse is a dict
        specs = _from_dict(X)
    elif _is_spectrogram_list(X):
        specs = [_as_float_frames(x, i) for i, x in enumerate(X)]
    elif getattr(X, "ndim", None) == 3:  # scipy's sparse matrices are 2-D
        specs = list(_as_float_frames(X, "array"))
    else:
        # Tabular input: one frame per sample. sklearn's own validation gives
        # the messages its users know (sparse, NaN, feature names, ...).
        if isinstance(X, (list, tuple)) and len(X) == 0:
            raise ValueError("X is empty: expected at least one spectrogram")
        if isinstance(X, (list, tuple)) and all(
            hasattr(r, "__len__") and not isinstance(r, str) for r in X
        ):
            sizes = sorted({len(r) for r in X})
            if len(sizes) > 1:
                raise ValueError(
                    f"the rows of X have different lengths {sizes}; 2-D input "
                    "is one frame of n_bins values per sample, all the same "
                    "length. Pass spectrograms as a list of (n_frames, n_bins) "
                    "arrays instead"
                )
        arr = validate_data(
            estimator,
            X,
            reset=reset,
            dtype=np.float32,
        )
        return [row[None, :] for row in arr]

    if not getattr(X, "_lazy_spectrograms", False):
        if len(specs) == 0:
            raise ValueError("X is empty: expected at least one spectrogram")
        _check_sample(specs[0], 0, None)
        first_rows, n_bins = specs[0].shape
        for i, arr in enumerate(specs[1:], start=1):
            _check_sample(arr, i, n_bins, first_rows)
    if reset:
        estimator.n_features_in_ = n_bins
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif n_bins != estimator.n_features_in_:
        first = specs[0]
        hint = ""
        if first.shape[0] == estimator.n_features_in_:  # a checked 2-D clip
            hint = (
                f" spectroclf is time first, (n_frames, n_bins): spectrogram 0 has "
                f"shape {first.shape}, whose first axis is the {first.shape[0]} bins "
                "expected, so it looks transposed (librosa's (n_bins, n_frames) "
                "layout): pass S.T"
            )
        raise ValueError(
            f"X has {n_bins} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input "
            f"(spectrograms with {estimator.n_features_in_} bins)." + hint
        )
    return specs


def check_lengths_match(specs, y):
    """Raise a clear error when X and y differ in length."""
    if y is None:
        raise ValueError(
            "this estimator requires y to be passed, but the target y is None"
        )
    if isinstance(y, (numbers.Number, str)) or np.asarray(y).ndim == 0:
        raise ValueError("y must be an array-like of targets, one per sample")
    n_y = len(np.asarray(y))
    if len(specs) != n_y:
        raise ValueError(
            f"X has {len(specs)} samples but y has {n_y}; they must match. "
            "Found input variables with inconsistent numbers of samples: "
            f"[{len(specs)}, {n_y}]"
        )
