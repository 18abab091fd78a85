"""Pretrained musicnn embeddings and tags for audio clips.

musicnn (J. Pons and X. Serra, "musicnn: Pre-trained convolutional neural networks for music
audio tagging", ISMIR LBD 2019; ISC licence) tags 3-second patches of a 96-band log-mel
spectrogram at 16 kHz with 50 tags. This module reproduces its front end
(:func:`musicnn_melspectrogram`, :func:`musicnn_patches`), runs the PyTorch port
(:mod:`spectroclf.models.musicnn`), and pools the patches of each clip into one vector:

- :class:`MusicnnEmbedding`, a scikit-learn transformer: audio -> fixed-size features, for
  transfer learning (``make_pipeline(MusicnnEmbedding(), LogisticRegression())``);
- :func:`predict_tags`: the most likely tags of each clip;
- :class:`MusicnnMelExtractor`: audio -> musicnn's log-mel spectrograms, the input of
  :class:`~spectroclf.MusicnnClassifier` and :class:`~spectroclf.MusicnnRegressor`
  (fine-tuning).
"""

import numbers
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_memory

from ._io import is_path as _is_path

__all__ = [
    "MusicnnEmbedding",
    "MusicnnMelExtractor",
    "predict_tags",
    "musicnn_melspectrogram",
    "musicnn_patches",
]

#: musicnn's front end (``musicnn/configuration.py``)
MUSICNN_SR = 16000
MUSICNN_N_FFT = 512
MUSICNN_HOP_LENGTH = 256
MUSICNN_N_MELS = 96
#: frames per patch: ``librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1``
MUSICNN_N_FRAMES = 187

_MODELS = ("MSD_musicnn", "MTT_musicnn")
_LAYER_SIZES = {
    "taggram": 50,
    "logits": 50,
    "penultimate": 200,
    "mean_pool": 753,
    "max_pool": 753,
}
_POOLINGS = ("mean", "max", "mean+max")


def musicnn_melspectrogram(y, *, sr=22050, exact=False):
    """musicnn's log-mel spectrogram of a waveform.

    Resample to 16 kHz (``librosa.resample``, soxr "hq" as ``librosa.load`` does), power mel
    spectrogram with ``n_fft=512``, ``hop_length=256``, 96 Slaney mel bands, then
    ``log10(1 + 10000 * S)`` -- the librosa calls of ``musicnn.extractor.batch_data``.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono waveform.
    sr : int, default=22050
        Sample rate of ``y`` in Hz.
    exact : bool, default=False
        ``True`` reproduces musicnn 0.1.0 bit for bit: it casts the mel power to float16 and
        computes the log in float16, which **overflows to inf** wherever ``10000 * S >
        65504`` (loud bins; ~0.1-1 % of the bins of typical music), after which musicnn's
        tags for that patch are meaningless. ``False`` (used by :class:`MusicnnEmbedding`)
        computes the same formula in float32: equal to musicnn's values up to float16
        rounding (< 4e-3) where those are finite, and finite everywhere.

    Returns
    -------
    S : np.ndarray [shape=(n_frames, 96), dtype=float32]
        Time-first log-mel spectrogram, ``n_frames = 1 + len(y_16k) // 256``.

    See Also
    --------
    musicnn_patches : cut ``S`` into the network's 187-frame patches.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.embedding import musicnn_melspectrogram
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype("float32")
    >>> musicnn_melspectrogram(y, sr=22050).shape
    (63, 96)
    """
    import librosa

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(
            f"y must be a non-empty 1-D mono waveform; got shape {y.shape}"
        )
    if sr != MUSICNN_SR:
        y = librosa.resample(y, orig_sr=sr, target_sr=MUSICNN_SR, res_type="soxr_hq")
    S = librosa.feature.melspectrogram(
        y=y,
        sr=MUSICNN_SR,
        hop_length=MUSICNN_HOP_LENGTH,
        n_fft=MUSICNN_N_FFT,
        n_mels=MUSICNN_N_MELS,
    ).T
    if exact:
        with np.errstate(over="ignore"):
            return np.log10(10000 * S.astype(np.float16) + 1).astype(np.float32)
    return np.log10(10000 * S.astype(np.float32) + 1)


def musicnn_patches(S, *, patch_hop=MUSICNN_N_FRAMES, n_frames=MUSICNN_N_FRAMES):
    """Cut a log-mel spectrogram into musicnn's input patches.

    As ``musicnn.extractor.batch_data``: patches start every ``patch_hop`` frames, and the
    last incomplete patch is dropped. Unlike musicnn (which fails), a spectrogram shorter than
    one patch is zero-padded at the end (``log10(1 + 0) = 0`` is silence) to one patch.

    Parameters
    ----------
    S : np.ndarray [shape=(n_frames_total, 96)]
        From :func:`musicnn_melspectrogram`.
    patch_hop : int, default=187
        Frames between the starts of consecutive patches (187: no overlap, musicnn's
        default ``input_overlap=False``).
    n_frames : int, default=187
        Frames per patch.

    Returns
    -------
    patches : np.ndarray [shape=(n_patches, n_frames, 96), dtype=float32]
        ``n_patches = 1 + (n_frames_total - n_frames) // patch_hop`` (at least 1).

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.embedding import musicnn_patches
    >>> musicnn_patches(np.zeros((1876, 96))).shape
    (10, 187, 96)
    """
    S = np.asarray(S, dtype=np.float32)
    if S.ndim != 2 or S.shape[0] == 0:
        raise ValueError(
            f"S must be a (n_frames, n_mels) spectrogram; got shape {S.shape}"
        )
    if len(S) < n_frames:
        S = np.pad(S, ((0, n_frames - len(S)), (0, 0)))
    starts = range(0, len(S) - n_frames + 1, patch_hop)
    return np.stack([S[t : t + n_frames] for t in starts])


def _clip_patches(source, *, mtime, sr, patch_hop):
    """One clip (path or waveform) -> its log-mel patches; cached by joblib.Memory."""
    del mtime  # part of the cache key only: a changed file is recomputed
    if _is_path(source):
        from .features import load_audio

        # decode straight to 16 kHz, as musicnn does (librosa.load(path, sr=16000))
        y = load_audio(source, sr=MUSICNN_SR)
        S = musicnn_melspectrogram(y, sr=MUSICNN_SR)
    else:
        S = musicnn_melspectrogram(source, sr=sr)
    return musicnn_patches(S, patch_hop=patch_hop)


def _clip_mel(source, *, mtime, sr):
    """One clip (path or waveform) -> its musicnn log-mel; cached by joblib.Memory."""
    del mtime  # part of the cache key only: a changed file is recomputed
    if _is_path(source):
        from .features import load_audio

        return musicnn_melspectrogram(load_audio(source, sr=MUSICNN_SR), sr=MUSICNN_SR)
    return musicnn_melspectrogram(source, sr=sr)


class MusicnnEmbedding(TransformerMixin, BaseEstimator):
    """Fixed-size embeddings of audio clips from a pretrained musicnn.

    Each clip is turned into musicnn's log-mel patches (3 s each), every patch goes through
    the network, and one layer's activations are pooled over the patches of the clip.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        Pretrained network (see :func:`spectroclf.models.musicnn.load_musicnn`).
    layer : {"penultimate", "taggram", "logits", "mean_pool", "max_pool"}, \
default="penultimate"
        Layer taken per patch: ``"penultimate"`` (200 units, the usual embedding),
        ``"taggram"`` (50 tag probabilities), ``"logits"`` (their logits), ``"mean_pool"`` /
        ``"max_pool"`` (753 mid-end features pooled over the patch's frames).
    pooling : {"mean", "max", "mean+max"}, default="mean"
        Pooling over the patches of a clip; ``"mean+max"`` concatenates both (mean first).
    sr : int, default=22050
        Sample rate of waveform input. Files are decoded straight to musicnn's 16 kHz.
    patch_hop : int, default=187
        Frames (16 ms each) between patch starts; 187 means no overlap, as musicnn's default.
    batch_size : int, default=32
        Patches per forward pass.
    n_jobs : int or None, default=None
        Clips decoded and turned into log-mel patches in parallel (:class:`joblib.Parallel`).
        ``None`` means 1 unless in a :func:`joblib.parallel_backend` context.
    memory : str, path-like, joblib.Memory or None, default=None
        Cache of the log-mel patches, keyed by the clip (path and modification time, or
        waveform content) and the parameters. ``None``: no cache.
    verbose : int, default=0
        Print progress to stderr when > 0.

    Attributes
    ----------
    net_ : spectroclf.models.musicnn.Musicnn
        The pretrained network, in eval mode.
    tags_ : list of str
        The network's 50 tags.
    n_features_out_ : int
        Length of each output vector.

    See Also
    --------
    predict_tags : the most likely tags of each clip.

    Notes
    -----
    ``fit`` learns nothing: it validates the parameters and loads the weights. Input is a list
    of audio paths and/or 1-D waveforms at ``sr``, or a 2-D array ``(n_clips, n_samples)``.
    Clips shorter than 3 s are padded with silence to one patch. The log-mel is computed in
    float32 (see :func:`musicnn_melspectrogram` on musicnn's float16 overflow).

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.embedding import MusicnnEmbedding
    >>> rng = np.random.default_rng(0)
    >>> clips = [rng.standard_normal(22050 * 3).astype("float32") * 0.1 for _ in range(2)]
    >>> emb = MusicnnEmbedding(pooling="mean+max").fit(clips)
    >>> emb.transform(clips).shape
    (2, 400)
    >>> emb.get_feature_names_out()[:2].tolist()
    ['penultimate_mean_0', 'penultimate_mean_1']
    """

    _parameter_constraints = {
        "model": [StrOptions(set(_MODELS))],
        "layer": [StrOptions(set(_LAYER_SIZES))],
        "pooling": [StrOptions(set(_POOLINGS))],
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "patch_hop": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        model="MSD_musicnn",
        layer="penultimate",
        pooling="mean",
        sr=22050,
        patch_hop=MUSICNN_N_FRAMES,
        batch_size=32,
        n_jobs=None,
        memory=None,
        verbose=0,
    ):
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.sr = sr
        self.patch_hop = patch_hop
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Validate the parameters and load the pretrained network.

        Parameters
        ----------
        X : list of (str, path-like or ndarray of shape (n_samples,)), optional
            Audio files or waveforms; only validated (the network is pretrained).
        y : ignored
            Accepted for the pipeline API.

        Returns
        -------
        self : MusicnnEmbedding
            The fitted transformer.
        """
        from .models.musicnn import load_musicnn

        if X is not None:
            self._check_sources(X)
        self.net_ = load_musicnn(self.model)
        self.tags_ = list(self.net_.tags)
        n_pool = 2 if self.pooling == "mean+max" else 1
        self.n_features_out_ = _LAYER_SIZES[self.layer] * n_pool
        return self

    def _check_sources(self, X):
        """X -> list of paths (str) and 1-D float32 waveforms, naming the bad item."""
        if _is_path(X):
            raise ValueError(
                f"X is a single path {str(X)!r}; pass a list of paths: [path]"
            )
        if hasattr(X, "toarray"):
            raise TypeError(
                "X is a sparse matrix; sparse input is not supported: pass audio "
                "paths or dense waveforms"
            )
        if not isinstance(X, (list, tuple, np.ndarray)) and hasattr(X, "__array__"):
            X = np.asarray(X)
        if isinstance(X, np.ndarray) and X.dtype.kind == "c":
            raise ValueError("Complex data not supported: waveforms must be real")
        if isinstance(X, np.ndarray) and X.ndim != 2 and X.dtype.kind in "fiu":
            raise ValueError(
                f"X is an array of shape {X.shape}; expected a list of audio paths or 1-D "
                "waveforms, or a 2-D array (n_clips, n_samples) of equal-length waveforms"
                + (" (for one waveform y, pass [y])" if X.ndim == 1 else "")
            )
        try:
            sources = list(X)
        except TypeError:
            raise TypeError(
                f"X must be a list of audio paths or 1-D waveforms, got {type(X).__name__}"
            ) from None
        if not sources:
            raise ValueError("X is empty: expected at least one audio path or waveform")
        out = []
        for i, x in enumerate(sources):
            if _is_path(x):
                if not Path(x).is_file():
                    raise FileNotFoundError(
                        f"clip {i}: audio file '{x}' does not exist"
                    )
                out.append(str(x))
                continue
            arr = np.asarray(x)
            if arr.dtype.kind not in "fiu":
                raise TypeError(
                    f"clip {i} is {type(x).__name__} (dtype {arr.dtype}); expected an audio "
                    "path or a 1-D waveform"
                )
            if arr.ndim != 1 or arr.size == 0:
                raise ValueError(
                    f"clip {i} is an array of shape {arr.shape}; expected a non-empty 1-D "
                    f"mono waveform at sr={self.sr} (mix down with librosa.to_mono, or pass "
                    "the file path)"
                )
            arr = arr.astype(np.float32, copy=False)
            if not np.isfinite(arr).all():
                raise ValueError(f"clip {i}: waveform contains NaN or inf")
            out.append(arr)
        return out

    def _patches(self, sources):
        from joblib import Parallel, delayed

        memory = self.memory
        func = check_memory(
            str(memory) if isinstance(memory, os.PathLike) else memory
        ).cache(_clip_patches)
        jobs = (
            delayed(func)(
                s,
                mtime=os.path.getmtime(s) if isinstance(s, str) else None,
                sr=self.sr,
                patch_hop=self.patch_hop,
            )
            for s in sources
        )
        return Parallel(n_jobs=self.n_jobs)(jobs)

    def _layer_per_patch(self, patches):
        """(n_patches, 187, 96) -> (n_patches, layer size), batched, without gradients."""
        import torch

        out = []
        with torch.no_grad():
            for start in range(0, len(patches), self.batch_size):
                batch = torch.from_numpy(patches[start : start + self.batch_size])
                out.append(self.net_.forward_features(batch)[self.layer].numpy())
        return np.concatenate(out)

    def transform(self, X):
        """Embed each clip as one vector.

        Parameters
        ----------
        X : list of (str, path-like or ndarray of shape (n_samples,)) or ndarray of shape \
(n_clips, n_samples)
            Audio files (any format librosa decodes) or mono waveforms at ``sr``.

        Returns
        -------
        X_new : np.ndarray [shape=(n_clips, n_features_out_), dtype=float32]
            The chosen layer pooled over each clip's patches.

        Raises
        ------
        FileNotFoundError, ValueError
            For a missing or undecodable file or a malformed waveform; the message names it.
        """
        check_is_fitted(self, "net_")
        sources = self._check_sources(X)
        start = time.perf_counter()
        patches = self._patches(sources)
        counts = [len(p) for p in patches]
        values = self._layer_per_patch(np.concatenate(patches))
        if self.verbose:
            print(
                f"[MusicnnEmbedding] {len(sources)} clips, {sum(counts)} patches in "
                f"{time.perf_counter() - start:.1f} s",
                file=sys.stderr,
            )
        pooled = []
        for clip in np.split(values, np.cumsum(counts)[:-1]):
            parts = []
            if self.pooling in ("mean", "mean+max"):
                parts.append(clip.mean(axis=0))
            if self.pooling in ("max", "mean+max"):
                parts.append(clip.max(axis=0))
            pooled.append(np.concatenate(parts))
        return np.stack(pooled).astype(np.float32, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : ignored
            The input is audio, which has no feature names.

        Returns
        -------
        names : np.ndarray of str [shape=(n_features_out_,)]
            ``"<pooling>_<tag>"`` for the taggram (e.g. ``"mean_rock"``), ``"logit_<pooling>_
            <tag>"`` for logits, else ``"<layer>_<pooling>_<i>"``.
        """
        check_is_fitted(self, "net_")
        poolings = ["mean", "max"] if self.pooling == "mean+max" else [self.pooling]
        names = []
        for pool in poolings:
            if self.layer == "taggram":
                names += [f"{pool}_{tag}" for tag in self.tags_]
            elif self.layer == "logits":
                names += [f"logit_{pool}_{tag}" for tag in self.tags_]
            else:
                names += [
                    f"{self.layer}_{pool}_{i}" for i in range(_LAYER_SIZES[self.layer])
                ]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class MusicnnMelExtractor(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """musicnn's log-mel spectrograms of audio clips, for fine-tuning musicnn.

    Each clip becomes the time-first ``(n_frames, 96)`` spectrogram of
    :func:`musicnn_melspectrogram` (16 kHz, hop 256 samples = 16 ms per frame, 96 mel bands,
    ``log10(1 + 10000 S)``), the input of :class:`~spectroclf.MusicnnClassifier` and
    :class:`~spectroclf.MusicnnRegressor`:
    ``make_pipeline(MusicnnMelExtractor(), MusicnnClassifier())`` learns from audio files.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate of waveform input. Files are decoded straight to musicnn's 16 kHz.
    n_jobs : int or None, default=None
        Clips decoded and transformed in parallel (:class:`joblib.Parallel`). ``None``
        means 1 unless in a :func:`joblib.parallel_backend` context.
    memory : str, path-like, joblib.Memory or None, default=None
        Cache of the spectrograms, keyed by the clip (path and modification time, or
        waveform content) and ``sr``. ``None``: no cache.
    verbose : int, default=0
        Print a progress line to stderr when > 0.

    Attributes
    ----------
    n_bins_ : int
        Bins per output frame (96).

    See Also
    --------
    MusicnnEmbedding : Fixed-size musicnn features, for any scikit-learn model.

    Notes
    -----
    Stateless: ``fit`` only validates the parameters. Input is a list of audio paths and/or
    1-D waveforms at ``sr``, or a 2-D array ``(n_clips, n_samples)``; the output is a list
    (clips may differ in length). 30 s of audio gives 1876 frames.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.embedding import MusicnnMelExtractor
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050 * 3) / 22050).astype("float32")
    >>> [S.shape for S in MusicnnMelExtractor().fit_transform([y, y[:22050]])]
    [(188, 96), (63, 96)]
    """

    _parameter_constraints = {
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "verbose": ["verbose"],
    }

    # the same input rules and error messages as MusicnnEmbedding
    _check_sources = MusicnnEmbedding._check_sources

    def __init__(self, *, sr=22050, n_jobs=None, memory=None, verbose=0):
        self.sr = sr
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Validate the parameters (the transformer learns nothing).

        Parameters
        ----------
        X : list of (str, path-like or ndarray of shape (n_samples,)), optional
            Audio files or waveforms; only validated.
        y : ignored
            Accepted for the pipeline API.

        Returns
        -------
        self : MusicnnMelExtractor
            The transformer.
        """
        if X is not None:
            self._check_sources(X)
        self.n_bins_ = MUSICNN_N_MELS
        return self

    def transform(self, X):
        """Compute the log-mel spectrogram of each clip.

        Parameters
        ----------
        X : list of (str, path-like or ndarray of shape (n_samples,)) or ndarray of shape \
(n_clips, n_samples)
            Audio files (any format librosa decodes) or mono waveforms at ``sr``.

        Returns
        -------
        specs : list of np.ndarray [shape=(n_frames_i, 96), dtype=float32]
            One time-first spectrogram per clip.

        Raises
        ------
        FileNotFoundError, ValueError
            For a missing or undecodable file or a malformed waveform; the message names it.
        """
        from joblib import Parallel, delayed

        sources = self._check_sources(X)
        memory = self.memory
        func = check_memory(
            str(memory) if isinstance(memory, os.PathLike) else memory
        ).cache(_clip_mel)
        start = time.perf_counter()
        specs = Parallel(n_jobs=self.n_jobs)(
            delayed(func)(
                s, mtime=os.path.getmtime(s) if isinstance(s, str) else None, sr=self.sr
            )
            for s in sources
        )
        if self.verbose:
            print(
                f"[MusicnnMelExtractor] {len(sources)} clips in "
                f"{time.perf_counter() - start:.1f} s",
                file=sys.stderr,
            )
        return specs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.requires_fit = False
        return tags


def predict_tags(
    X, *, model="MSD_musicnn", top_n=3, sr=22050, batch_size=32, n_jobs=None
):
    """The most likely musicnn tags of each clip.

    Tag probabilities are averaged over the clip's 3-s patches (musicnn's taggram averaged
    over time), then sorted.

    Parameters
    ----------
    X : list of (str, path-like or ndarray of shape (n_samples,)) or ndarray of shape \
(n_clips, n_samples)
        Audio files or mono waveforms at ``sr``.
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        Pretrained network.
    top_n : int or None, default=3
        Tags returned per clip; ``None`` returns all 50.
    sr : int, default=22050
        Sample rate of waveform input.
    batch_size : int, default=32
        Patches per forward pass.
    n_jobs : int or None, default=None
        Clips decoded in parallel.

    Returns
    -------
    tags : list of list of (str, float)
        For each clip, ``(tag, probability)`` pairs by decreasing probability.

    Examples
    --------
    >>> from spectroclf.embedding import predict_tags
    >>> predict_tags(["song.ogg"], top_n=2)  # doctest: +SKIP
    [[('rock', 0.61), ('indie', 0.32)]]
    """
    if top_n is not None and (
        not isinstance(top_n, numbers.Integral) or isinstance(top_n, bool) or top_n < 1
    ):
        raise ValueError(f"top_n must be a positive integer or None; got {top_n!r}")
    emb = MusicnnEmbedding(
        model=model,
        layer="taggram",
        pooling="mean",
        sr=sr,
        batch_size=batch_size,
        n_jobs=n_jobs,
    ).fit()
    probs = emb.transform(X)
    n = len(emb.tags_) if top_n is None else min(top_n, len(emb.tags_))
    out = []
    for row in probs:
        order = np.argsort(-row, kind="stable")[:n]
        out.append([(emb.tags_[j], float(row[j])) for j in order])
    return out
