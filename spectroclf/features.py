"""Audio features: log-mel, chroma, fused spectrograms and beat synchronisation.

Pure functions over librosa, following the lab's extraction recipe
(22 050 Hz mono, ``n_fft=2048``, ``hop_length=512``, 128 mel bands in dB
relative to the clip's maximum, 12 CQT chroma bins).

**Layout.** librosa returns ``(n_bins, n_frames)`` arrays (time last). This
module is the one place where spectroclf switches to its own layout: every
spectrogram returned here (and used anywhere else in the library) is a
``(n_frames, n_bins)`` float32 array, **time first**. The private helpers
:func:`_time_first` and :func:`_bins_first` are the only conversions; the
dataset readers and writers use them for the lab's on-disk
``(n_bins, n_frames)`` files.

A *fused* spectrogram has ``N_FUSED = 140`` columns: the 128 log-mel bands
(low to high frequency) followed by the 12 chroma bins (C, C#, ..., B); see
:data:`FEATURE_BINS`.
"""

import functools
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "SR",
    "N_FFT",
    "HOP_LENGTH",
    "N_MELS",
    "N_CHROMA",
    "N_FUSED",
    "FEATURE_BINS",
    "load_audio",
    "melspectrogram",
    "chromagram",
    "fused_spectrogram",
    "beat_frames",
    "beat_sync",
    "select_feature",
]

SR = 22050
"""Sample rate of the lab recipe, in Hz."""
N_FFT = 2048
"""FFT window length of the lab recipe, in samples."""
HOP_LENGTH = 512
"""Hop between frames of the lab recipe, in samples (about 23 ms)."""
N_MELS = 128
"""Number of mel bands of the lab recipe."""
N_CHROMA = 12
"""Number of chroma bins (pitch classes C, C#, ..., B)."""
N_FUSED = N_MELS + N_CHROMA
"""Number of columns of a fused spectrogram: 128 mel + 12 chroma = 140."""

FEATURE_BINS = {
    "mel": slice(0, N_MELS),
    "chroma": slice(N_MELS, N_FUSED),
    "fused": slice(0, N_FUSED),
}
"""Columns of a fused ``(n_frames, 140)`` spectrogram holding each feature."""

_FEATURE_WIDTH = {"mel": N_MELS, "chroma": N_CHROMA, "fused": N_FUSED}


# ---------------------------------------------------------------------------
# layout conversion (the only place time-first <-> librosa layout happens)


def _time_first(S):
    """librosa ``(n_bins, n_frames)`` -> spectroclf ``(n_frames, n_bins)`` float32."""
    return np.ascontiguousarray(np.asarray(S).T, dtype=np.float32)


def _bins_first(S):
    """spectroclf ``(n_frames, n_bins)`` -> librosa ``(n_bins, n_frames)`` view."""
    return np.asarray(S).T


# ---------------------------------------------------------------------------
# audio


def load_audio(path, *, sr=SR):
    """Load an audio file as a mono float32 waveform, resampled to ``sr``.

    Parameters
    ----------
    path : str or path-like
        Any file librosa can decode (OGG, WAV, FLAC, MP3, ...).
    sr : int, default=22050
        Target sample rate in Hz.

    Returns
    -------
    y : np.ndarray [shape=(n_samples,), dtype=float32]
        Mono waveform.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file does not decode as audio, or holds no samples or only
        silence (every sample zero). The message names the file and says
        what it is instead: empty, text, an unknown format, or a known
        header (WAV, OGG, FLAC, MP3, ...) whose data does not decode, with
        the decoders' reasons.

    Examples
    --------
    >>> from spectroclf.features import load_audio
    >>> y = load_audio("song.ogg")  # doctest: +SKIP
    >>> y.dtype, y.ndim  # doctest: +SKIP
    (dtype('float32'), 1)
    """
    import librosa

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"audio file '{path}' does not exist")
    if path.is_dir():
        raise ValueError(f"'{path}' is a directory, not an audio file")
    try:
        with warnings.catch_warnings():
            # librosa's fallback from soundfile to audioread (MP3, corrupt
            # files) warns twice; a failure is reported below instead.
            warnings.filterwarnings("ignore", message="PySoundFile failed")
            warnings.filterwarnings("ignore", category=FutureWarning, module="librosa")
            y, _ = librosa.load(path, sr=sr, mono=True)
    except Exception as exc:  # soundfile / audioread raise many types
        raise ValueError(_decode_error(path, exc)) from exc
    if y.size == 0:
        raise ValueError(f"audio file '{path}' holds no samples")
    if not np.any(y):
        raise ValueError(
            f"audio file '{path}' is silent (all {y.size} samples are zero); "
            "its spectrogram would carry no information"
        )
    return np.ascontiguousarray(y, dtype=np.float32)


#: leading bytes of the audio formats librosa's decoders read, and a name
_MAGIC = (
    (b"RIFF", "WAV"),
    (b"RIFX", "WAV"),
    (b"RF64", "WAV"),
    (b"OggS", "OGG"),
    (b"fLaC", "FLAC"),
    (b"ID3", "MP3"),
    (b"FORM", "AIFF"),
)


def _sniff(head):
    """The audio format ``head`` (a file's first bytes) starts like, or None."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[4:8] == b"ftyp":
        return "MP4/M4A"
    # MP3 without an ID3 tag starts with a frame's 11 sync bits, which random
    # bytes match too often to tell: such a file counts as unrecognised
    return None


def _decode_error(path, exc):
    """The message of a file that librosa could not decode: what the file is,
    and why it failed, named (soundfile and audioread give empty reasons)."""
    with open(path, "rb") as f:
        head = f.read(16)
    where = f"could not decode audio file '{path}'"
    if not head:
        return f"{where}: the file is empty (0 bytes)"
    fmt = _sniff(head)
    if fmt is None:
        # text: valid UTF-8, allowing a character cut at the end of the 16
        # bytes read (undecodable bytes elsewhere mean binary, not text)
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            cut = exc.end == len(head) and exc.reason == "unexpected end of data"
            text = head[: exc.start].decode("utf-8") if cut else ""
        if text and all(c.isprintable() or c in "\t\r\n" for c in text):
            return f"{where}: it is a text file, not audio (it starts with {text!r})"
        return (
            f"{where}: not an audio file, or in a format no installed decoder "
            f"reads (it starts with {head!r}); is it a valid audio file "
            "(OGG, WAV, FLAC, MP3)?"
        )
    reasons, seen = [], set()
    cause = exc
    # librosa raises audioread's error while handling soundfile's
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        name = type(cause).__name__
        if name == "LibsndfileError":
            if getattr(cause, "error_string", ""):
                reasons.append(f"soundfile: {cause.error_string.rstrip('.')}")
        elif name == "NoBackendError":
            reasons.append("audioread: none of its backends reads it")
        elif str(cause).strip():
            reasons.append(f"{name}: {str(cause).strip().splitlines()[0]}")
        cause = cause.__cause__ or cause.__context__
    # the chain runs from the last decoder tried back to the first
    reason = "; ".join(dict.fromkeys(reversed(reasons))) or type(exc).__name__
    return (
        f"{where}: its header says {fmt}, but it does not decode ({reason}); "
        "it may be truncated or corrupt, or in an encoding no installed decoder reads"
    )


def _check_y(y):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"y must be a 1-D mono waveform, got an array of shape {y.shape}; "
            "mix to mono first (e.g. librosa.to_mono)"
        )
    if y.size == 0:
        raise ValueError("y is empty (0 samples)")
    if y.dtype not in (np.float32, np.float64):  # integers, float16: what librosa takes
        y = y.astype(np.float32)
    return y


# ---------------------------------------------------------------------------
# spectrograms


def _hz_to_mel(f):
    """Slaney's mel scale (``librosa.hz_to_mel(f, htk=False)``) of an array of Hz."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    mels = f / f_sp
    log_t = f >= min_log_hz
    mels[log_t] = min_log_hz / f_sp + np.log(f[log_t] / min_log_hz) / (np.log(6.4) / 27.0)
    return mels


def _mel_to_hz(mels):
    """The inverse of :func:`_hz_to_mel` (``librosa.mel_to_hz(mels, htk=False)``)."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    freqs = f_sp * mels
    log_t = mels >= min_log_hz / f_sp
    freqs[log_t] = min_log_hz * np.exp(
        np.log(6.4) / 27.0 * (mels[log_t] - min_log_hz / f_sp)
    )
    return freqs


@functools.lru_cache(maxsize=16)
def _mel_filters(sr, n_fft, n_mels):
    """``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)``: Slaney-normalised
    triangular filters ``(n_mels, 1 + n_fft // 2)``, float32, from 0 Hz to ``sr / 2``."""
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([sr / 2.0]))[0],
                    n_mels + 2)
    )
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, len(fftfreqs)), dtype=np.float32)
    for i in range(n_mels):
        weights[i] = np.maximum(0, np.minimum(-ramps[i] / fdiff[i], ramps[i + 2] / fdiff[i + 1]))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, np.newaxis]
    weights.flags.writeable = False
    return weights


def _mel_power(y, *, sr, n_fft, hop_length, n_mels):
    """``librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length,
    n_mels=n_mels)`` in numpy alone: bins first ``(n_mels, 1 + len(y) // hop_length)``.

    The same operations in the same order and precision as librosa 0.10-0.11 (centred
    frames padded with zeros, periodic Hann window in float64, ``numpy.fft.rfft``, the
    magnitude in ``y``'s complex dtype, squared, Slaney mel filters in float32 applied
    with the same ``einsum``), without importing ``librosa.core``, whose numba functions
    compile on import: that import was most of a fresh process's first extraction.
    """
    from scipy.signal import get_window

    if not np.isfinite(y).all():
        raise ValueError("y contains NaN or inf; the waveform must be finite everywhere")
    window = get_window("hann", n_fft, fftbins=True)[:, np.newaxis]
    padded = np.pad(y, n_fft // 2)
    n_frames = 1 + (len(padded) - n_fft) // hop_length
    frames = np.lib.stride_tricks.as_strided(
        padded, (n_fft, n_frames), (padded.strides[0], hop_length * padded.strides[0]),
        writeable=False,
    )
    complex_dtype = np.result_type(y.dtype, np.complex64)
    power = np.abs(np.fft.rfft(window * frames, axis=0).astype(complex_dtype)) ** 2.0
    return np.einsum("...ft,mf->...mt", power, _mel_filters(sr, n_fft, n_mels),
                     optimize=True)


def melspectrogram(*, y, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS):
    """Log-mel power spectrogram in dB relative to its maximum, time first.

    ``librosa.power_to_db(librosa.feature.melspectrogram(y=y, ...,
    power=2.0), ref=np.max)``, transposed, computed with numpy alone (the same
    operations; no import of librosa's numba-compiled core, which made a fresh
    process's first call take seconds).

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono waveform.
    sr : int, default=22050
        Sample rate of ``y``.
    n_fft : int, default=2048
        FFT window length.
    hop_length : int, default=512
        Samples between frames.
    n_mels : int, default=128
        Number of mel bands.

    Returns
    -------
    S : np.ndarray [shape=(n_frames, n_mels), dtype=float32]
        Values in [-80, 0] dB, bands from low to high frequency.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.features import melspectrogram
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> melspectrogram(y=y).shape
    (44, 128)
    """
    y = _check_y(y)
    S = _mel_power(y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    return _time_first(_power_to_db(S))


def _power_to_db(S, amin=1e-10, top_db=80.0):
    """``librosa.power_to_db(S, ref=np.max)`` (same defaults and operations)."""
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec -= 10.0 * np.log10(np.maximum(amin, np.max(S)))
    return np.maximum(log_spec, log_spec.max() - top_db)


def chromagram(*, y, sr=SR, hop_length=HOP_LENGTH):
    """Constant-Q chromagram (``librosa.feature.chroma_cqt``), time first.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono waveform.
    sr : int, default=22050
        Sample rate of ``y``.
    hop_length : int, default=512
        Samples between frames.

    Returns
    -------
    C : np.ndarray [shape=(n_frames, 12), dtype=float32]
        Values in [0, 1], columns C, C#, D, ..., B.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.features import chromagram
    >>> y = np.sin(2 * np.pi * 440 * np.arange(6 * 22050) / 22050)
    >>> int(chromagram(y=y).mean(axis=0).argmax())  # 9 = A
    9
    """
    import librosa

    y = _check_y(y)
    C = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop_length)
    return _time_first(C)


def fused_spectrogram(*, y, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS):
    """Log-mel bands then chroma bins, trimmed to the shorter, time first.

    The lab's fused feature: :func:`melspectrogram` and :func:`chromagram`
    of the same waveform, both trimmed to the smaller frame count and
    stacked side by side.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono waveform.
    sr : int, default=22050
        Sample rate of ``y``.
    n_fft : int, default=2048
        FFT window length of the mel spectrogram.
    hop_length : int, default=512
        Samples between frames (both features).
    n_mels : int, default=128
        Number of mel bands.

    Returns
    -------
    S : np.ndarray [shape=(n_frames, n_mels + 12), dtype=float32]
        Columns ``0:n_mels`` log-mel dB, the last 12 chroma
        (``(n_frames, 140)`` with the defaults; see :data:`FEATURE_BINS`).

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.features import fused_spectrogram
    >>> y = np.sin(2 * np.pi * 440 * np.arange(6 * 22050) / 22050)
    >>> fused_spectrogram(y=y).shape
    (259, 140)
    """
    y = _check_y(y)
    mel = melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    chroma = chromagram(y=y, sr=sr, hop_length=hop_length)
    n = min(len(mel), len(chroma))
    return np.ascontiguousarray(np.hstack([mel[:n], chroma[:n]]), dtype=np.float32)


# ---------------------------------------------------------------------------
# beats


def beat_frames(*, y=None, S=None, sr=SR, hop_length=HOP_LENGTH):
    """Frame indices of the beats, from audio or from a log-mel spectrogram.

    Exactly one of ``y`` and ``S`` must be given:

    - ``y``: the lab recipe, ``librosa.beat.beat_track`` on the percussive
      part of the waveform (``librosa.effects.percussive``);
    - ``S``: ``librosa.beat.beat_track`` on the onset strength
      (``librosa.onset.onset_strength(S=...)``) of a time-first **dB mel**
      spectrogram. Pass only the mel columns of a fused spectrogram
      (``select_feature(S, "mel")``).

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)], optional
        Mono waveform.
    S : np.ndarray [shape=(n_frames, n_mels)], optional
        Log-mel spectrogram in dB, time first.
    sr : int, default=22050
        Sample rate.
    hop_length : int, default=512
        Samples between frames.

    Returns
    -------
    beats : np.ndarray [shape=(n_beats,), dtype=int]
        Frame indices of the detected beats (possibly empty).

    Examples
    --------
    >>> from spectroclf.features import beat_frames, load_audio
    >>> beats = beat_frames(y=load_audio("song.ogg"))  # doctest: +SKIP
    """
    import librosa

    if (y is None) == (S is None):
        raise ValueError(
            "beat_frames needs exactly one of y (waveform) or S (time-first dB mel "
            f"spectrogram); got {'both' if y is not None else 'neither'}"
        )
    if y is not None:
        y = _check_y(y)
        y_perc = librosa.effects.percussive(y)
        _, beats = librosa.beat.beat_track(y=y_perc, sr=sr, hop_length=hop_length)
    else:
        S = _check_spectrogram(S, name="S")
        onset_env = librosa.onset.onset_strength(
            S=_bins_first(S), sr=sr, hop_length=hop_length
        )
        _, beats = librosa.beat.beat_track(
            onset_envelope=onset_env, sr=sr, hop_length=hop_length
        )
    return np.asarray(beats, dtype=int)


def beat_sync(S, beats, *, aggregate=np.median):
    """Aggregate the frames of a spectrogram between consecutive beats.

    ``librosa.util.sync(S, beats, aggregate=aggregate)`` along the time
    axis: one row per inter-beat segment, including the segment before the
    first beat and the one after the last. With beats strictly inside
    ``(0, n_frames)`` the result has ``len(beats) + 1`` rows; with no beats
    it has one row (the whole spectrogram aggregated).

    Parameters
    ----------
    S : np.ndarray [shape=(n_frames, n_bins)]
        Spectrogram, time first.
    beats : array-like of int [shape=(n_beats,)]
        Beat frame indices, e.g. from :func:`beat_frames`.
    aggregate : callable, default=np.median
        Reduction applied to the frames of each segment (``axis`` keyword).

    Returns
    -------
    S_sync : np.ndarray [shape=(n_segments, n_bins), dtype=float32]
        Beat-synchronous spectrogram, time first.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.features import beat_sync
    >>> S = np.arange(20, dtype=np.float32).reshape(10, 2)
    >>> beat_sync(S, [3, 7]).shape
    (3, 2)
    """
    import librosa

    S = _check_spectrogram(S, name="S")
    beats = np.asarray(beats)
    if beats.ndim != 1:
        raise ValueError(
            f"beats must be a 1-D array of frame indices, got shape {beats.shape}"
        )
    if beats.size and not np.issubdtype(beats.dtype, np.integer):
        if not np.all(np.mod(beats, 1) == 0):
            raise ValueError("beats must be integer frame indices")
        beats = beats.astype(int)
    beats = beats.astype(int)
    if beats.size and (beats.min() < 0 or beats.max() > len(S)):
        raise ValueError(
            f"beat frames must lie in [0, {len(S)}] for a spectrogram of "
            f"{len(S)} frames; got range [{beats.min()}, {beats.max()}]"
        )
    if beats.size == 0:
        # librosa.util.sync returns zero segments here; one segment (the
        # whole clip) keeps the result a usable spectrogram.
        beats = np.array([0])
    S_sync = librosa.util.sync(S, beats, aggregate=aggregate, axis=0)
    return np.ascontiguousarray(S_sync, dtype=np.float32)


def _check_spectrogram(S, *, name="S"):
    S = np.asarray(S)
    if S.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D (n_frames, n_bins) spectrogram, got shape {S.shape}"
        )
    if S.shape[0] == 0:
        raise ValueError(f"{name} has zero frames (shape {S.shape})")
    return S


def select_feature(S, feature):
    """Keep the columns of one feature of a time-first spectrogram.

    Parameters
    ----------
    S : np.ndarray [shape=(n_frames, n_bins)]
        A fused spectrogram (``n_bins=140``), or one that already holds only
        the requested feature (128 columns for ``"mel"``, 12 for
        ``"chroma"``), which is returned unchanged.
    feature : {"fused", "mel", "chroma"}
        Which columns to keep; see :data:`FEATURE_BINS`.

    Returns
    -------
    S_feature : np.ndarray [shape=(n_frames, 140 | 128 | 12)]
        A view of ``S``.

    Raises
    ------
    ValueError
        Unknown ``feature``, ``S`` not 2-D, or a column count that holds
        neither the fused layout nor the feature alone.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.features import select_feature
    >>> select_feature(np.zeros((50, 140)), "chroma").shape
    (50, 12)
    """
    if feature not in FEATURE_BINS:
        raise ValueError(
            f"unknown feature {feature!r}; valid features are "
            f"{sorted(FEATURE_BINS)} (fused = 128 mel + 12 chroma columns)"
        )
    S = np.asarray(S)
    if S.ndim != 2:
        raise ValueError(
            f"spectrogram must be 2-D (n_frames, n_bins), got shape {S.shape}"
        )
    n_bins = S.shape[1]
    if n_bins == N_FUSED:
        return S[:, FEATURE_BINS[feature]]
    if n_bins == _FEATURE_WIDTH[feature]:
        return S
    expected = f"{N_FUSED} (128 mel + 12 chroma)"
    if feature != "fused":
        expected += f" or {_FEATURE_WIDTH[feature]} ({feature} only)"
    raise ValueError(
        f"spectrogram has {n_bins} bins (shape {S.shape}); feature={feature!r} "
        f"expects {expected}"
    )
