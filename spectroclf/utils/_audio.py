"""The one validator of audio input: file paths and mono waveforms."""

from pathlib import Path

import numpy as np

from .._io import is_path

__all__ = ["check_audio"]


def check_audio(X, *, sr):
    """Audio input as a list of paths (str) and 1-D float32 waveforms, naming a bad clip.

    The one audio validator of every estimator and transformer that reads
    audio (:class:`~spectroclf.SpectrogramExtractor`, the musicnn ones).

    Parameters
    ----------
    X : list of (str, path-like or array-like of shape (n_samples,)), or ndarray \
of shape (n_clips, n_samples)
        Audio files or mono waveforms.
    sr : int
        Sample rate of the waveforms, for messages.

    Returns
    -------
    sources : list of str or ndarray of shape (n_samples,), float32

    Raises
    ------
    FileNotFoundError
        For a path that is not a file.
    TypeError, ValueError
        For anything else that is not audio; the message names the clip.
    """
    if is_path(X):
        raise ValueError(
            f"X is a single path {str(X)!r}; pass a list of paths: [path]"
        )
    if hasattr(X, "toarray"):
        raise TypeError(
            "X is a sparse matrix; sparse input is not supported, pass a list "
            "of waveforms or a dense (n_clips, n_samples) array"
        )
    if hasattr(X, "__array__") and not isinstance(X, (list, tuple)):
        X = np.asarray(X)
    if isinstance(X, np.ndarray) and X.dtype.kind in "fiuc":
        if X.ndim == 1:
            raise ValueError(
                f"X is a single 1-D waveform of shape {X.shape}; pass a list "
                "of waveforms, [y], or reshape your data with y.reshape(1, -1) "
                "(Reshape your data to (n_clips, n_samples))"
            )
        if X.ndim == 2 and X.shape[1] == 0:
            raise ValueError(
                f"X has 0 feature(s) (shape={X.shape}) while a minimum of 1 "
                "is required: each waveform needs at least one sample"
            )
        if X.ndim != 2:
            raise ValueError(
                f"X is an array of shape {X.shape}; expected a list of paths "
                "or waveforms, or a 2-D array (n_clips, n_samples) of "
                "equal-length waveforms"
            )
    try:
        sources = list(X)
    except TypeError:
        raise TypeError(
            f"X must be a list of audio paths or 1-D waveforms, got "
            f"{type(X).__name__}"
        ) from None
    if len(sources) == 0:
        raise ValueError("X is empty: expected at least one audio path or waveform")
    out = []
    for i, x in enumerate(sources):
        if is_path(x):
            if not Path(x).is_file():
                raise FileNotFoundError(
                    f"clip {i}: audio file '{x}' does not exist"
                )
            out.append(str(x))
            continue
        if hasattr(x, "toarray"):
            raise TypeError(f"clip {i} is a sparse matrix; expected a waveform")
        arr = np.asarray(x)
        if arr.dtype.kind == "c":
            raise ValueError(f"clip {i}: Complex data not supported")
        if arr.dtype.kind == "O" and arr.ndim >= 1:
            try:
                arr = arr.astype(np.float32)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"clip {i} could not be read as a float waveform: {exc}"
                ) from None
        if arr.dtype.kind not in "fiub":
            raise TypeError(
                f"clip {i} is {type(x).__name__} (dtype {arr.dtype}); "
                "expected an audio path or a 1-D waveform"
            )
        if arr.ndim != 1:
            raise ValueError(
                f"clip {i} is an array of shape {arr.shape}; expected a non-empty "
                f"1-D mono waveform at sr={sr}. Mix multichannel audio down "
                "first (librosa.to_mono) or pass the file path"
            )
        if arr.size == 0:
            raise ValueError(
                f"clip {i} is an empty waveform (0 samples); expected a non-empty "
                "1-D mono waveform"
            )
        arr = arr.astype(np.float32, copy=False)
        if not np.isfinite(arr).all():
            raise ValueError(f"clip {i}: waveform contains NaN or inf")
        out.append(arr)
    return out
