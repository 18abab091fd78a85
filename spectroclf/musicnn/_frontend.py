"""musicnn's front end: audio -> its 96-band log-mel spectrogram and 3-s patches.

:func:`musicnn_melspectrogram` and :func:`musicnn_patches` reproduce musicnn's own
input pipeline; :class:`MusicnnMelExtractor` is the scikit-learn transformer that
turns audio files or waveforms into the input of :class:`MusicnnClassifier` and
:class:`MusicnnRegressor`.
"""

import numbers
import os
import sys
import time

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval

from .._io import is_path as _is_path
from ..features import load_audio
from ..utils import check_audio as _check_sources
from ..utils import map_cached as _map_cached

__all__ = ["MusicnnMelExtractor", "musicnn_melspectrogram", "musicnn_patches"]

#: musicnn's front end (``musicnn/configuration.py``)
MUSICNN_SR = 16000
MUSICNN_N_FFT = 512
MUSICNN_HOP_LENGTH = 256
MUSICNN_N_MELS = 96
#: frames per patch: ``librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1``
MUSICNN_N_FRAMES = 187


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
    >>> from spectroclf.musicnn import musicnn_melspectrogram
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
    >>> from spectroclf.musicnn import musicnn_patches
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
        return musicnn_melspectrogram(load_audio(source, sr=MUSICNN_SR), sr=MUSICNN_SR)
    return musicnn_melspectrogram(source, sr=sr)


def _mtime(source):
    """A file's modification time (part of cache keys), None for a waveform."""
    return os.path.getmtime(source) if isinstance(source, str) else None


def _log_mels(sources, *, sr, memory, n_jobs):
    """Log-mels of checked sources (paths, waveforms), yielded in order, cached in ``memory``.

    The one computation behind :class:`MusicnnMelExtractor` and the musicnn
    estimators' audio input, so both share cache entries.
    """
    calls = [dict(source=s, mtime=_mtime(s), sr=sr) for s in sources]
    # one_thread=False: the log-mels stay bit for bit those of 0.1
    return _map_cached(_clip_mel, calls, memory=memory, n_jobs=n_jobs, one_thread=False)



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
    >>> from spectroclf.musicnn import MusicnnMelExtractor
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
            _check_sources(X, sr=self.sr)
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
        sources = _check_sources(X, sr=self.sr)
        start = time.perf_counter()
        specs = list(_log_mels(sources, sr=self.sr, memory=self.memory, n_jobs=self.n_jobs))
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
