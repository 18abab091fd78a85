"""Helpers shared by the transformers: bin names and counts, input forms,
stateless checks and beat synchronisation."""

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from .. import features
from .._validation import _is_spectrogram_list, check_spectrograms

_CHROMA_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def _feature_names(feature, n_mels=features.N_MELS):
    """Column names of a ``feature`` spectrogram: ``mel_0``..., ``chroma_C``..."""
    mel = [f"mel_{i}" for i in range(n_mels)]
    chroma = [f"chroma_{c}" for c in _CHROMA_NAMES]
    names = {"mel": mel, "chroma": chroma, "fused": mel + chroma}[feature]
    return np.asarray(names, dtype=object)


def _n_bins(feature, n_mels=features.N_MELS):
    """Number of columns of a ``feature`` spectrogram."""
    return {
        "mel": n_mels,
        "chroma": features.N_CHROMA,
        "fused": n_mels + features.N_CHROMA,
    }[feature]


class _PassthroughNamesMixin:
    """``get_feature_names_out`` of the transformers that keep the bins
    (BeatSync, PadTruncate)."""

    def get_feature_names_out(self, input_features=None):
        """Names of the output bins: the input's (the last axis of ``"X"`` for a
        dict output).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input bin names; ``None`` uses ``feature_names_in_`` or
            ``x0``, ``x1``, ...

        Returns
        -------
        names : ndarray of str of shape (n_features_in_,)
            The input bin names.
        """
        check_is_fitted(self, "n_features_in_")
        n = self.n_features_in_
        if input_features is None:
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                names = [f"x{i}" for i in range(n)]
            return np.asarray(names, dtype=object)
        input_features = np.asarray(input_features, dtype=object)
        if len(input_features) != n:
            raise ValueError(
                f"input_features has {len(input_features)} names but "
                f"{type(self).__name__} was fitted on {n} bins"
            )
        return input_features


def _is_tabular(X):
    """Whether X is a 2-D array-like read as one-frame samples."""
    if isinstance(X, dict) or _is_spectrogram_list(X):
        return False
    if isinstance(X, (list, tuple)) and len(X) == 0:
        return False
    ndim = getattr(X, "ndim", None)
    if ndim is None:  # array-likes without .ndim (nested lists, __array__ objects)
        try:
            ndim = np.asarray(X).ndim
        except (TypeError, ValueError):
            return False
    return ndim == 2


def _check_stateless(estimator, X):
    """check_spectrograms for stateless transformers, unfitted or fitted.

    A fitted transformer checks the bins against ``n_features_in_``; an
    unfitted one validates on a throwaway clone, so ``transform`` never
    changes the estimator.
    """
    if hasattr(estimator, "n_features_in_"):
        return check_spectrograms(X, estimator=estimator, reset=False)
    return check_spectrograms(X, estimator=clone(estimator), reset=True)


def _sync(S, beats, aggregate):
    """Beat-synchronise; no beats (or no frames to split) -> one segment."""
    beats = np.asarray(beats, dtype=int)
    beats = beats[(beats > 0) & (beats < len(S))]
    if beats.size == 0:
        return aggregate(S, axis=0, keepdims=True).astype(np.float32)
    return features.beat_sync(S, beats, aggregate=aggregate)
