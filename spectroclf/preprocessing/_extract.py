"""SpectrogramExtractor: audio (paths or waveforms) -> spectrograms."""

import numbers
import os
import sys
import time

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .. import features
from .._io import is_path as _is_path
from ..utils import check_audio
from ..utils import map_cached as _map_cached
from ._base import _feature_names, _n_bins, _sync


def _extract_one(
    source, *, feature, beat_sync, sr, n_fft, hop_length, n_mels, mtime=None
):
    """One clip (path or waveform) -> time-first float32 spectrogram.

    ``mtime`` only feeds the cache key, so a changed file is re-extracted.
    """
    y = features.load_audio(source, sr=sr) if _is_path(source) else source
    if feature == "mel":
        S = features.melspectrogram(
            y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels
        )
    elif feature == "chroma":
        S = features.chromagram(y=y, sr=sr, hop_length=hop_length)
    else:
        S = features.fused_spectrogram(
            y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels
        )
    if beat_sync:
        beats = features.beat_frames(y=y, sr=sr, hop_length=hop_length)
        S = _sync(S, beats, np.median)
    return np.ascontiguousarray(S, dtype=np.float32)


class SpectrogramExtractor(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Compute log-mel, chroma or fused spectrograms from audio.

    The lab's extraction recipe (:mod:`spectroclf.features`), clip by clip,
    in parallel with joblib and optionally cached on disk.

    Parameters
    ----------
    feature : {"fused", "mel", "chroma"}, default="fused"
        ``"mel"``: ``n_mels`` log-mel bands in dB relative to the clip's
        maximum; ``"chroma"``: 12 CQT chroma bins; ``"fused"``: both side
        by side (``n_mels + 12`` columns).
    beat_sync : bool, default=False
        Track the beats on the percussive part of the audio
        (:func:`~spectroclf.features.beat_frames`) and take the median of
        each inter-beat segment, as the lab's beat-synced arrays were made.
        Audio without detectable beats gives one segment.
    sr : int, default=22050
        Sample rate: files are resampled to it; waveforms must already be
        at it.
    n_fft : int, default=2048
        FFT window length of the mel spectrogram.
    hop_length : int, default=512
        Samples between frames.
    n_mels : int, default=128
        Number of mel bands.
    n_jobs : int or None, default=None
        Clips extracted in parallel (:class:`joblib.Parallel`); ``None``
        means 1 unless in a :func:`joblib.parallel_backend` context, ``-1``
        all cores. Each clip is extracted with one BLAS / OpenMP thread, in
        this process as in joblib's workers, so results do not depend on
        ``n_jobs``.
    memory : str, joblib.Memory or None, default=None
        Cache of the extracted spectrograms (a folder or a
        :class:`joblib.Memory`), keyed by the clip (path and modification
        time, or waveform content) and the parameters. ``None``: no cache.
        Cached clips are loaded in this process, without starting workers.
    verbose : int, default=0
        Print a progress line to stderr when > 0.

    Attributes
    ----------
    n_bins_ : int
        Number of columns of each output spectrogram.

    Notes
    -----
    The transformer is stateless: ``fit`` only validates the parameters,
    and ``transform`` works without it.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.preprocessing import SpectrogramExtractor
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype("float32")
    >>> specs = SpectrogramExtractor(feature="mel").fit_transform([tone, tone[:11025]])
    >>> [S.shape for S in specs]
    [(44, 128), (22, 128)]
    """

    _parameter_constraints = {
        "feature": [StrOptions({"fused", "mel", "chroma"})],
        "beat_sync": ["boolean"],
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_fft": [Interval(numbers.Integral, 1, None, closed="left")],
        "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_mels": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        feature="fused",
        beat_sync=False,
        sr=features.SR,
        n_fft=features.N_FFT,
        hop_length=features.HOP_LENGTH,
        n_mels=features.N_MELS,
        n_jobs=None,
        memory=None,
        verbose=0,
    ):
        self.feature = feature
        self.beat_sync = beat_sync
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Validate the parameters and ``X`` (the transformer learns nothing).

        Parameters
        ----------
        X : list of (str, path-like or ndarray of shape (n_samples,)) or ndarray of shape (n_clips, n_samples), default=None
            If given, checked as in ``transform`` (files must exist,
            waveforms must be 1-D and finite); nothing is extracted.
        y : ignored
            Accepted for the pipeline API.

        Returns
        -------
        self : SpectrogramExtractor
            The transformer.
        """
        if X is not None:
            self._check_sources(X)
        self.n_bins_ = _n_bins(self.feature, self.n_mels)
        return self

    def _check_sources(self, X):
        """X -> list of paths (str) and 1-D float32 waveforms."""
        return check_audio(X, sr=self.sr)

    def transform(self, X):
        """Extract one spectrogram per clip.

        Parameters
        ----------
        X : list of (str, path-like or ndarray of shape (n_samples,)) or ndarray of shape (n_clips, n_samples)
            Audio files (any format librosa decodes, resampled to ``sr``)
            or mono waveforms at ``sr``.

        Returns
        -------
        specs : list of ndarray of shape (n_frames_i, n_bins_), float32
            Time-first spectrograms; with ``beat_sync`` one row per
            inter-beat segment.
        """
        self._validate_params()
        sources = self._check_sources(X)
        params = dict(
            feature=self.feature,
            beat_sync=self.beat_sync,
            sr=self.sr,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            n_mels=self.n_mels,
        )
        calls = [
            dict(
                source=s,
                mtime=os.path.getmtime(s) if isinstance(s, str) else None,
                **params,
            )
            for s in sources
        ]
        results = _map_cached(
            _extract_one, calls, memory=self.memory, n_jobs=self.n_jobs
        )
        specs = []
        start = time.perf_counter()
        for i, S in enumerate(results, 1):
            specs.append(S)
            if self.verbose:
                print(
                    f"\r[SpectrogramExtractor] {i}/{len(sources)} clips "
                    f"({time.perf_counter() - start:.1f} s)",
                    end="\n" if i == len(sources) else "",
                    file=sys.stderr,
                    flush=True,
                )
        return specs

    def get_feature_names_out(self, input_features=None):
        """Names of the output bins (columns of each spectrogram).

        Parameters
        ----------
        input_features : ignored
            The input is audio, which has no feature names.

        Returns
        -------
        names : ndarray of str
            ``mel_0``... ``mel_{n_mels-1}`` and/or ``chroma_C``... ``chroma_B``.
        """
        self._validate_params()
        return _feature_names(self.feature, self.n_mels)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
