"""scikit-learn transformers from audio files to padded spectrogram batches.

The transformers chain in a :class:`~sklearn.pipeline.Pipeline`::

    audio paths / waveforms --SpectrogramExtractor--> spectrograms
    .npy(.gz) paths         --SpectrogramLoader-----> spectrograms
    spectrograms            --BeatSync--------------> beat-synchronous spectrograms
    spectrograms            --PadTruncate-----------> {"X": (n, max_len, n_bins),
                                                       "lengths": (n,)}

and :class:`LabelTransformer` encodes the targets (outside the pipeline:
pipelines never transform ``y``).

**Input forms.** Every spectrogram transformer accepts

- a list of time-first ``(n_frames, n_bins)`` arrays of any lengths;
- a 3-D array ``(n_samples, n_frames, n_bins)``;
- :class:`PadTruncate`'s dict ``{"X": ..., "lengths": ...}`` (each sample
  cut back to its length);
- a 2-D array ``(n_samples, n_bins)``, read as ``n_samples`` spectrograms of
  **one frame** each -- the reading the estimators use too, so tabular data
  and scikit-learn's common checks run through the whole chain.

**Output forms.** :class:`SpectrogramExtractor` and :class:`BeatSync` return
a list (lengths differ per sample), except that :class:`BeatSync` returns a
2-D array for 2-D input (one frame is one segment). :class:`SpectrogramLoader`
keeps the input's container (list in, list out; 3-D or 2-D array in, array
out). :class:`PadTruncate` always returns the dict, which skorch passes to
the module as keyword arguments and the estimators read ``"lengths"`` from.
All spectrograms are float32.
"""

import numbers
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_memory, column_or_1d

from . import features
from ._io import is_path as _is_path
from ._validation import _is_spectrogram_list, check_spectrograms
from .datasets import _map_labels

__all__ = [
    "LabelTransformer",
    "SpectrogramExtractor",
    "SpectrogramLoader",
    "BeatSync",
    "PadTruncate",
]

_CHROMA_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_AGGREGATES = {"median": np.median, "mean": np.mean, "max": np.max}


# ---------------------------------------------------------------------------
# helpers


def _feature_names(feature, n_mels=features.N_MELS):
    """Column names of a ``feature`` spectrogram: ``mel_0``..., ``chroma_C``..."""
    mel = [f"mel_{i}" for i in range(n_mels)]
    chroma = [f"chroma_{c}" for c in _CHROMA_NAMES]
    names = {"mel": mel, "chroma": chroma, "fused": mel + chroma}[feature]
    return np.asarray(names, dtype=object)


def _passthrough_names(estimator, input_features):
    """Bin names for transformers that keep the bins (BeatSync, PadTruncate)."""
    check_is_fitted(estimator, "n_features_in_")
    n = estimator.n_features_in_
    if input_features is None:
        names = getattr(estimator, "feature_names_in_", None)
        if names is None:
            names = [f"x{i}" for i in range(n)]
        return np.asarray(names, dtype=object)
    input_features = np.asarray(input_features, dtype=object)
    if len(input_features) != n:
        raise ValueError(
            f"input_features has {len(input_features)} names but "
            f"{type(estimator).__name__} was fitted on {n} bins"
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


# ---------------------------------------------------------------------------
# labels


class LabelTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Encode (optionally merged) class labels as integers 0..n_classes-1.

    Like :class:`~sklearn.preprocessing.LabelEncoder`, for the target ``y``,
    with an optional mapping applied first, e.g. to merge genres or drop
    rare ones (:data:`spectroclf.datasets.CLASS_MAPPING`).

    Parameters
    ----------
    mapping : dict or None, default=None
        ``{old_label: new_label}`` applied before encoding. It must list
        every label that occurs (map a label to itself to keep it);
        labels mapped to ``None`` are dropped classes: ``fit`` ignores
        them and ``transform`` refuses them (remove those samples first,
        e.g. with :func:`spectroclf.datasets.merge_classes`). ``None``
        means the identity.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The (mapped) class labels, sorted; code ``i`` stands for
        ``classes_[i]``.

    See Also
    --------
    sklearn.preprocessing.LabelEncoder : The same without a mapping.

    Examples
    --------
    >>> from spectroclf.preprocessing import LabelTransformer
    >>> lt = LabelTransformer(mapping={"rock": "guitar", "metal": "guitar",
    ...                                "pop": "pop", "noise": None})
    >>> lt.fit_transform(["rock", "pop", "metal"])
    array([0, 1, 0])
    >>> lt.classes_
    array(['guitar', 'pop'], dtype='<U6')
    >>> lt.inverse_transform([1, 0])
    array(['pop', 'guitar'], dtype='<U6')
    """

    _parameter_constraints = {"mapping": [dict, None]}

    def __init__(self, *, mapping=None):
        self.mapping = mapping

    def _map(self, y, *, drop):
        return _map_labels(y, self.mapping, drop=drop)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, y):
        """Learn the classes of ``y`` after the mapping.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Class labels (strings or integers).

        Returns
        -------
        self : LabelTransformer
            The fitted transformer.
        """
        y = column_or_1d(y, warn=True)
        if y.shape[0] == 0:
            raise ValueError("y is empty: expected at least one label")
        mapped = self._map(y, drop=True)
        if mapped.shape[0] == 0:
            raise ValueError(
                "every label of y is mapped to None (dropped); nothing to encode"
            )
        self.classes_ = np.unique(mapped)
        return self

    def transform(self, y):
        """Map and encode labels.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Labels as given to ``fit`` (before the mapping).

        Returns
        -------
        codes : ndarray of shape (n_samples,), dtype int64
            Indices into ``classes_``.
        """
        check_is_fitted(self)
        y = column_or_1d(y, warn=True)
        if y.shape[0] == 0:
            return np.zeros(0, dtype=np.int64)
        mapped = self._map(y, drop=False)
        try:
            unseen = np.setdiff1d(mapped, self.classes_)
        except TypeError:  # mixed, unorderable types
            unseen = [m for m in mapped if m not in set(self.classes_.tolist())]
        if len(unseen):
            raise ValueError(
                f"y contains label(s) unseen in fit: {np.asarray(unseen).tolist()}; known "
                f"classes are {self.classes_.tolist()}"
            )
        return np.searchsorted(self.classes_, mapped).astype(np.int64)

    def fit_transform(self, y):
        """Fit to ``y``, then encode it.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        codes : ndarray of shape (n_samples,), dtype int64
            Indices into ``classes_``.
        """
        return self.fit(y).transform(y)

    def inverse_transform(self, y):
        """Turn codes back into (mapped) class labels.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Integer codes in ``[0, n_classes)``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            ``classes_[y]``.
        """
        check_is_fitted(self)
        codes = column_or_1d(y, warn=True)
        if codes.shape[0] == 0:
            return self.classes_[:0]
        if not np.issubdtype(codes.dtype, np.integer):
            if not np.issubdtype(codes.dtype, np.number) or np.any(codes % 1):
                raise ValueError(f"codes must be integers, got dtype {codes.dtype}")
            codes = codes.astype(np.int64)
        bad = codes[(codes < 0) | (codes >= len(self.classes_))]
        if bad.size:
            raise ValueError(
                f"y contains codes outside [0, {len(self.classes_)}): "
                f"{sorted(set(bad.tolist()))}"
            )
        return self.classes_[codes]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.one_d_labels = True
        return tags


# ---------------------------------------------------------------------------
# audio -> spectrograms


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


def _sync(S, beats, aggregate):
    """Beat-synchronise; no beats (or no frames to split) -> one segment."""
    beats = np.asarray(beats, dtype=int)
    beats = beats[(beats > 0) & (beats < len(S))]
    if beats.size == 0:
        return aggregate(S, axis=0, keepdims=True).astype(np.float32)
    return features.beat_sync(S, beats, aggregate=aggregate)


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
        all cores.
    memory : str, joblib.Memory or None, default=None
        Cache of the extracted spectrograms (a folder or a
        :class:`joblib.Memory`), keyed by the clip (path and modification
        time, or waveform content) and the parameters. ``None``: no cache.
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

    def _n_bins(self):
        return {
            "mel": self.n_mels,
            "chroma": features.N_CHROMA,
            "fused": self.n_mels + features.N_CHROMA,
        }[self.feature]

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
        self.n_bins_ = self._n_bins()
        return self

    def _check_sources(self, X):
        """X -> list of paths (str) and 1-D float32 waveforms."""
        if isinstance(X, (str, os.PathLike)):
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
            if _is_path(x):
                if not Path(x).is_file():
                    raise FileNotFoundError(
                        f"sample {i}: audio file '{x}' does not exist"
                    )
                out.append(str(x))
                continue
            if hasattr(x, "toarray"):
                raise TypeError(f"sample {i} is a sparse matrix; expected a waveform")
            arr = np.asarray(x)
            if arr.dtype.kind == "c":
                raise ValueError(f"sample {i}: Complex data not supported")
            if arr.dtype.kind == "O" and arr.ndim >= 1:
                try:
                    arr = arr.astype(np.float32)
                except (TypeError, ValueError) as exc:
                    raise TypeError(
                        f"sample {i} could not be read as a float waveform: {exc}"
                    ) from None
            if arr.dtype.kind not in "fiub":
                raise TypeError(
                    f"sample {i} is {type(x).__name__} (dtype {arr.dtype}); "
                    "expected an audio path or a 1-D waveform"
                )
            if arr.ndim != 1:
                raise ValueError(
                    f"sample {i} is an array of shape {arr.shape}; expected a 1-D "
                    f"mono waveform at sr={self.sr}. Mix multichannel audio down "
                    "first (librosa.to_mono) or pass the file path"
                )
            if arr.size == 0:
                raise ValueError(f"sample {i} is an empty waveform (0 samples)")
            arr = arr.astype(np.float32, copy=False)
            if not np.isfinite(arr).all():
                raise ValueError(f"sample {i}: waveform contains NaN or inf")
            out.append(arr)
        return out

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
        from joblib import Parallel, delayed

        self._validate_params()
        sources = self._check_sources(X)
        func = check_memory(
            str(self.memory) if isinstance(self.memory, os.PathLike) else self.memory
        ).cache(_extract_one)
        params = dict(
            feature=self.feature,
            beat_sync=self.beat_sync,
            sr=self.sr,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            n_mels=self.n_mels,
        )
        jobs = (
            delayed(func)(
                s, mtime=os.path.getmtime(s) if isinstance(s, str) else None, **params
            )
            for s in sources
        )
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(jobs)
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


# ---------------------------------------------------------------------------
# files -> spectrograms


class SpectrogramLoader(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Load spectrograms from ``.npy``/``.npy.gz`` files and keep one feature.

    Parameters
    ----------
    feature : {"fused", "mel", "chroma"}, default="fused"
        Columns kept: all 140, the 128 mel bands or the 12 chroma bins.

    Attributes
    ----------
    n_bins_ : int
        Number of columns of each output spectrogram (140, 128 or 12).
    n_features_in_ : int
        Bins of the input; only set when ``fit`` is given arrays, and then
        checked by ``transform`` for array input.

    Notes
    -----
    ``X`` may be a list of paths to files in the lab layout (``(140,
    n_frames)`` arrays, read by :func:`spectroclf.datasets.load_spectrogram`),
    a list mixing paths and loaded time-first arrays, or already loaded
    spectrograms in any of the forms of :mod:`spectroclf.preprocessing`;
    arrays must have 140 bins (fused layout) or exactly the feature's bins
    (returned unchanged). The output keeps the input's container: a list
    for lists, an array for a 3-D or 2-D array. The transformer is
    stateless.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.preprocessing import SpectrogramLoader
    >>> X = np.zeros((2, 50, 140), dtype=np.float32)
    >>> SpectrogramLoader(feature="chroma").fit_transform(X).shape
    (2, 50, 12)
    >>> specs = SpectrogramLoader().fit_transform(["1.fused.full.npy.gz"])  # doctest: +SKIP
    """

    _parameter_constraints = {"feature": [StrOptions({"fused", "mel", "chroma"})]}

    def __init__(self, *, feature="fused"):
        self.feature = feature

    @staticmethod
    def _has_paths(X):
        return isinstance(X, (list, tuple, np.ndarray)) and any(_is_path(x) for x in X)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and, for array input, record the bins.

        Parameters
        ----------
        X : list of (path or ndarray of shape (n_frames_i, n_bins)) or ndarray
            Files or spectrograms (see Notes).
        y : ignored
            Accepted for the pipeline API.

        Returns
        -------
        self : SpectrogramLoader
            The transformer.
        """
        if isinstance(X, (str, os.PathLike)):
            raise ValueError(f"X is a single path {str(X)!r}; pass a list: [path]")
        if not self._has_paths(X):
            check_spectrograms(X, estimator=self, reset=True)
        self.n_bins_ = (
            features.N_FUSED
            if self.feature == "fused"
            else (features.N_MELS if self.feature == "mel" else features.N_CHROMA)
        )
        return self

    def transform(self, X):
        """Load (if needed) and select the feature's columns.

        Parameters
        ----------
        X : list of (path or ndarray of shape (n_frames_i, n_bins)) or ndarray of shape (n_samples, n_frames, n_bins) or (n_samples, n_bins)
            Files or spectrograms (see Notes).

        Returns
        -------
        specs : list of ndarray of shape (n_frames_i, n_bins_) or ndarray
            float32, time first; an array for array input.
        """
        self._validate_params()
        if isinstance(X, (str, os.PathLike)):
            raise ValueError(f"X is a single path {str(X)!r}; pass a list: [path]")
        if self._has_paths(X):
            from .datasets import load_spectrogram

            if len(X) == 0:
                raise ValueError("X is empty: expected at least one file")
            out = []
            for i, x in enumerate(X):
                if _is_path(x):
                    S = load_spectrogram(x, feature=self.feature)
                else:
                    S = check_spectrograms([x], estimator=clone(self), reset=True)[0]
                    try:
                        S = features.select_feature(S, self.feature)
                    except ValueError as exc:
                        raise ValueError(f"sample {i}: {exc}") from None
                out.append(np.array(S, dtype=np.float32))
            return out
        tabular = _is_tabular(X)
        specs = _check_stateless(self, X)
        out = []
        for i, S in enumerate(specs):
            try:
                out.append(np.array(features.select_feature(S, self.feature)))
            except ValueError as exc:
                raise ValueError(f"sample {i}: {exc}") from None
        if tabular:
            return np.vstack(out)
        if isinstance(X, np.ndarray) or (
            not isinstance(X, (list, tuple, dict)) and np.ndim(X) == 3
        ):
            return np.stack(out)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output bins.

        Parameters
        ----------
        input_features : ignored
            The bins are fixed by ``feature``.

        Returns
        -------
        names : ndarray of str
            ``mel_0``..``mel_127`` and/or ``chroma_C``..``chroma_B``.
        """
        self._validate_params()
        return _feature_names(self.feature)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.three_d_array = True
        tags.input_tags.dict = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


# ---------------------------------------------------------------------------
# spectrograms -> beat-synchronous spectrograms


class BeatSync(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
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
    }

    def __init__(
        self,
        *,
        aggregate="median",
        sr=features.SR,
        hop_length=features.HOP_LENGTH,
        n_mels=features.N_MELS,
    ):
        self.aggregate = aggregate
        self.sr = sr
        self.hop_length = hop_length
        self.n_mels = n_mels

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
        aggregate = _AGGREGATES[self.aggregate]
        if len(S) < 2:  # nothing to split; onset strength needs two frames
            return aggregate(S, axis=0, keepdims=True).astype(np.float32)
        onset_part = S[:, : self.n_mels] if S.shape[1] >= self.n_mels else S
        beats = features.beat_frames(
            S=onset_part, sr=self.sr, hop_length=self.hop_length
        )
        return _sync(S, beats, aggregate)

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
        out = [self._sync_one(S) for S in specs]
        if tabular:
            return np.vstack(out)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output bins (the input's).

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
        return _passthrough_names(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.dict = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


# ---------------------------------------------------------------------------
# spectrograms -> padded batch


class PadTruncate(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Pad or crop spectrograms to one length and stack them.

    Parameters
    ----------
    max_len : int or None, default=None
        Frames per output sample. ``None``: the longest spectrogram seen in
        ``fit``.
    crop : {"start", "center", "random"}, default="start"
        Which ``max_len`` frames a longer spectrogram keeps: the first, the
        middle ones, or a window at a random offset (drawn from
        ``random_state``).
    pad_value : float, default=0.0
        Value of the frames appended after a shorter spectrogram. The
        estimators ignore them (they read ``"lengths"``); for dB mel input
        ``-80.0`` (silence) is a natural choice.
    random_state : int, RandomState instance or None, default=None
        Seeds the random crops. ``fit`` draws one seed from it, so repeated
        ``transform`` calls on the same data give the same crops; pass an
        int for crops that are reproducible across fits.

    Attributes
    ----------
    max_len_ : int
        Frames per output sample.
    n_features_in_ : int
        Bins per frame.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, for a DataFrame input.

    Notes
    -----
    Output: ``{"X": float32 (n_samples, max_len_, n_bins), "lengths": int64
    (n_samples,)}``, ``lengths[i] = min(n_frames_i, max_len_)``, the frames
    of ``X[i]`` holding data; padding is at the end. skorch passes such a
    dict to the module as keyword arguments, and the estimators of
    :mod:`spectroclf.estimators` accept it directly. A 2-D input
    ``(n_samples, n_bins)`` is read as one-frame spectrograms; a dict input
    (this transformer's own output) is cut back to its lengths first.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.preprocessing import PadTruncate
    >>> specs = [np.ones((5, 3), "float32"), np.ones((2, 3), "float32")]
    >>> out = PadTruncate(max_len=4).fit_transform(specs)
    >>> out["X"].shape, out["lengths"]
    ((2, 4, 3), array([4, 2]))
    """

    _parameter_constraints = {
        "max_len": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "crop": [StrOptions({"start", "center", "random"})],
        "pad_value": [numbers.Real],
        "random_state": ["random_state"],
    }

    def __init__(self, *, max_len=None, crop="start", pad_value=0.0, random_state=None):
        self.max_len = max_len
        self.crop = crop
        self.pad_value = pad_value
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the output length and the number of bins.

        Parameters
        ----------
        X : list of ndarray of shape (n_frames_i, n_bins), ndarray of shape (n_samples, n_frames, n_bins) or (n_samples, n_bins), or dict
            Spectrograms, time first, all with the same ``n_bins``.
        y : ignored
            Accepted for the pipeline API.

        Returns
        -------
        self : PadTruncate
            The fitted transformer.
        """
        specs = check_spectrograms(X, estimator=self, reset=True)
        self.max_len_ = (
            int(self.max_len)
            if self.max_len is not None
            else max(len(S) for S in specs)
        )
        # one seed per fit: repeated transforms crop alike (only drawn when used,
        # so the default crop leaves the global numpy generator alone)
        self._seed = (
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            if self.crop == "random"
            else 0
        )
        return self

    def transform(self, X):
        """Pad or crop each spectrogram to ``max_len_`` frames.

        Parameters
        ----------
        X : list of ndarray of shape (n_frames_i, n_bins), ndarray of shape (n_samples, n_frames, n_bins) or (n_samples, n_bins), or dict
            Spectrograms with the bins seen in ``fit``.

        Returns
        -------
        out : dict
            ``"X"``: ndarray of shape (n_samples, max_len_, n_bins), float32;
            ``"lengths"``: ndarray of shape (n_samples,), int64.
        """
        import librosa

        check_is_fitted(self)
        specs = check_spectrograms(X, estimator=self, reset=False)
        rng = np.random.RandomState(self._seed)
        n, L = len(specs), self.max_len_
        out = np.empty((n, L, self.n_features_in_), dtype=np.float32)
        lengths = np.empty(n, dtype=np.int64)
        for i, S in enumerate(specs):
            n_frames = len(S)
            if n_frames > L:
                if self.crop == "start":
                    offset = 0
                elif self.crop == "center":
                    offset = (n_frames - L) // 2
                else:
                    offset = rng.randint(n_frames - L + 1)
                S = S[offset : offset + L]
            else:
                S = librosa.util.fix_length(
                    S, size=L, axis=0, constant_values=self.pad_value
                )
            out[i] = S
            lengths[i] = min(n_frames, L)
        return {"X": out, "lengths": lengths}

    def get_feature_names_out(self, input_features=None):
        """Names of the bins (last axis of ``"X"``).

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
        return _passthrough_names(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.dict = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
