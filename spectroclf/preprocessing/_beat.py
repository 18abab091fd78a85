"""BeatSync: spectrograms -> beat-synchronous spectrograms."""

import numbers
import os
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .. import features
from .._validation import check_spectrograms
from ..utils import map_cached
from ._base import _check_stateless, _is_tabular, _PassthroughNamesMixin, _sync

_AGGREGATES = {"median": np.median, "mean": np.mean, "max": np.max}

#: a median clip shorter than this looks beat-synchronous already: a 30-s clip
#: has 1292 frames, its beat-synced version 15 to 121 (median 59) in the lab data
_SYNCED_SECONDS = 3.0


def _sync_clip(S, *, aggregate, sr, hop_length, n_mels):
    """One clip's beat-synchronous spectrogram (cached by :class:`BeatSync`)."""
    reduce = _AGGREGATES[aggregate]
    if len(S) < 2:  # nothing to split; onset strength needs two frames
        return reduce(S, axis=0, keepdims=True).astype(np.float32)
    onset_part = S[:, :n_mels] if S.shape[1] >= n_mels else S
    beats = features.beat_frames(S=onset_part, sr=sr, hop_length=hop_length)
    return _sync(S, beats, reduce)


class BeatSync(
    _PassthroughNamesMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Aggregate the frames of each spectrogram between consecutive beats.

    Beats are tracked on the spectrogram itself: ``librosa.beat.beat_track``
    on the onset strength of the mel columns (the first ``n_mels`` columns
    when the input has at least ``n_mels`` bins, otherwise **all** columns,
    e.g. a chroma-only input, where the onsets are much less reliable). Each
    inter-beat segment -- including those before the first and after the
    last beat -- becomes one row (``librosa.util.sync``).

    This works from spectrograms alone; to reproduce the lab's beat-synced
    arrays exactly (beats tracked on the audio's percussive part) use
    ``SpectrogramExtractor(beat_sync=True)``.

    Parameters
    ----------
    aggregate : {"median", "mean", "max"}, default="median"
        Reduction of the frames of a segment.
    sr : int, default=22050
        Sample rate the spectrograms were computed at (for the tempo prior).
    hop_length : int, default=512
        Samples between their frames.
    n_mels : int, default=128
        Number of leading mel columns used for onset detection.
    memory : str, path-like, joblib.Memory or None, default=None
        Cache (:class:`joblib.Memory`) of each clip's beat-synced spectrogram,
        keyed by the clip's values and the parameters above: in a grid
        search or cross-validation every clip is beat-synced once, whatever
        the number of fits (``Pipeline(memory=...)`` would cache per fold).
        ``None``: no cache.
    n_jobs : int or None, default=None
        Clips beat-synced in parallel (:class:`joblib.Parallel`; cache misses
        only). ``None`` means 1 unless in a :func:`joblib.parallel_backend`
        context.

    Attributes
    ----------
    n_features_in_ : int
        Bins of the spectrograms seen in ``fit`` (kept in the output).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, for a DataFrame input.

    Notes
    -----
    A spectrogram too short for beat tracking (fewer than a handful of
    frames), or one where no beat is found (e.g. silence), becomes a single
    segment aggregating all its frames, rather than an error. A sample with
    zero frames is an error naming its index. Output frames never exceed
    input frames. A 2-D input ``(n_samples, n_bins)`` is ``n_samples``
    one-frame spectrograms, so it comes back unchanged (as float32).

    ``transform`` warns (:class:`UserWarning`, naming the median frame
    count) when the spectrograms look beat-synchronous already: a median
    under 3 s of frames (129 at the defaults) -- a 30-s clip has 1292
    frames, its beat-synced version about 60. Syncing beat-synced data again
    merges beats; start from full-length spectrograms (the lab's ``genre``
    folder, not ``genre_beat``). Clips that are simply that short can
    ignore the warning.
    The transformer is stateless; ``fit`` records the bins so that
    ``transform`` can check them.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.preprocessing import BeatSync
    >>> rng = np.random.default_rng(0)
    >>> specs = [rng.normal(-40, 10, (200, 140)).astype("float32")]
    >>> out = BeatSync().fit_transform(specs)
    >>> out[0].shape[1], out[0].shape[0] <= 200
    (140, True)
    """

    _parameter_constraints = {
        "aggregate": [StrOptions(set(_AGGREGATES))],
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_mels": [Interval(numbers.Integral, 1, None, closed="left")],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        *,
        aggregate="median",
        sr=features.SR,
        hop_length=features.HOP_LENGTH,
        n_mels=features.N_MELS,
        memory=None,
        n_jobs=None,
    ):
        self.aggregate = aggregate
        self.sr = sr
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.memory = memory
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and record the number of bins.

        Parameters
        ----------
        X : list of ndarray of shape (n_frames_i, n_bins), ndarray of shape (n_samples, n_frames, n_bins) or (n_samples, n_bins), or dict
            Spectrograms, time first.
        y : ignored
            Accepted for the pipeline API.

        Returns
        -------
        self : BeatSync
            The transformer.
        """
        check_spectrograms(X, estimator=self, reset=True)
        return self

    def _sync_one(self, S):
        return _sync_clip(S, aggregate=self.aggregate, sr=self.sr,
                          hop_length=self.hop_length, n_mels=self.n_mels)

    def _warn_if_synced(self, specs):
        """Warn when the clips look beat-synced already (too few frames)."""
        median = float(np.median([len(S) for S in specs]))
        limit = _SYNCED_SECONDS * self.sr / self.hop_length
        if 2 <= median < limit:
            seconds = median * self.hop_length / self.sr
            warnings.warn(
                f"BeatSync: the spectrograms have a median of {median:g} frames "
                f"({seconds:.1f} s at sr={self.sr}, hop_length={self.hop_length}); "
                "they look beat-synchronous already (one frame per beat, like the "
                "lab's genre_beat folder), and syncing them again merges beats. "
                "Start from full-length spectrograms (the lab's genre folder) or "
                "leave BeatSync out; if your clips are just that short, ignore "
                "this warning",
                UserWarning,
                stacklevel=3,
            )

    def transform(self, X):
        """Beat-synchronise each spectrogram.

        Parameters
        ----------
        X : list of ndarray of shape (n_frames_i, n_bins), ndarray of shape (n_samples, n_frames, n_bins) or (n_samples, n_bins), or dict
            Spectrograms, time first.

        Returns
        -------
        specs : list of ndarray of shape (n_segments_i, n_bins), or ndarray of shape (n_samples, n_bins)
            float32, ``n_segments_i <= n_frames_i``; a 2-D array for 2-D
            input.
        """
        self._validate_params()
        tabular = _is_tabular(X)
        specs = _check_stateless(self, X)
        if not tabular:
            self._warn_if_synced(specs)
        if tabular or (self.memory is None and self.n_jobs is None):
            out = [self._sync_one(S) for S in specs]
        else:
            calls = [dict(S=np.asarray(S), aggregate=self.aggregate, sr=self.sr,
                          hop_length=self.hop_length, n_mels=self.n_mels) for S in specs]
            out = list(map_cached(_sync_clip, calls, memory=self.memory,
                                  n_jobs=self.n_jobs))
        if tabular:
            return np.vstack(out)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.dict = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
