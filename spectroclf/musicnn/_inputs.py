"""What the musicnn estimators read: audio, musicnn log-mels, or the frozen backbone's features.

:class:`~spectroclf.MusicnnClassifier` and :class:`~spectroclf.MusicnnRegressor` take
audio (file paths or 1-D waveforms), turned into musicnn's log-mel spectrogram by
the very function :class:`~spectroclf.MusicnnMelExtractor` uses (so both share the
``memory`` cache), or those log-mel spectrograms ``(n_frames, 96)`` themselves. With
``freeze="backbone"`` the estimators then read the frozen network once per 3-s patch
(:func:`patch_features`), also cached, and train only the head on those features.
"""

import os

import numpy as np
import torch
from sklearn.utils.validation import check_memory

from .._io import is_path
from ._frontend import (
    MUSICNN_N_MELS,
    _check_sources,
    _log_mels,
    _mtime,
    musicnn_patches,
)
from ._network import resolve_precision
from ._transfer import _EVAL_CHUNK

__all__ = ["input_kind", "check_bins", "patch_features"]

_HOW = (
    "pass audio (a list of file paths or 1-D waveforms) or the output of "
    "MusicnnMelExtractor"
)


def _is_audio_item(x):
    return is_path(x) or (isinstance(x, np.ndarray) and x.ndim == 1)


def input_kind(X):
    """``"audio"`` for a list of paths / 1-D waveforms, else ``"spectrograms"``.

    A single path is refused (as :class:`MusicnnMelExtractor` does), and so is a list that
    mixes audio with spectrograms. Everything else (lists of 2-D arrays, 3-D arrays,
    :class:`PadTruncate`'s dict, lazy spectrogram files, 2-D arrays read as one frame
    per row) is left to :func:`spectroclf._validation.check_spectrograms`.
    """
    if is_path(X):
        _check_sources(X, sr=1)  # raises: "pass a list of paths: [path]"
    is_list = isinstance(X, (list, tuple)) or (
        isinstance(X, np.ndarray) and X.dtype.kind in "OUS" and X.ndim == 1
    )
    if not is_list or len(X) == 0:
        return "spectrograms"
    audio = [_is_audio_item(x) for x in X]
    if not any(audio):
        return "spectrograms"
    if not all(audio):
        i, j = audio.index(True), audio.index(False)
        raise ValueError(
            f"X mixes audio (clip {i}) and other input (clip {j}, "
            f"{type(X[j]).__name__} of shape {np.shape(X[j])}); pass either audio "
            "(file paths or 1-D waveforms) or musicnn log-mel spectrograms "
            f"(n_frames, {MUSICNN_N_MELS}), not both"
        )
    return "audio"


def _shapes(X):
    """Shapes ``(n_frames, n_bins)`` of the spectrograms in ``X``, read without copying."""
    if isinstance(X, dict) and "X" in X:
        shape = np.shape(X["X"])
        return [shape[1:]] * shape[0] if len(shape) == 3 else []
    # an ndarray's own shape; other array-likes (with or without .shape) converted
    shape = np.shape(X) if hasattr(X, "__array__") else None
    if shape is not None and len(shape) == 3:
        return [shape[1:]] * shape[0]
    if shape is not None and len(shape) == 2:
        return [(1, shape[1])] * shape[0]
    if isinstance(X, (list, tuple)):
        # a row of numbers (not audio: input_kind saw no waveform) is one frame
        return [(1, *np.shape(x)) if np.ndim(x) == 1 else np.shape(x) for x in X]
    return []


def check_bins(X):
    """Refuse spectrograms that are not musicnn's 96-band log-mels, naming the shape."""
    if getattr(X, "_lazy_spectrograms", False):
        n_bins = X.n_bins
        if n_bins != MUSICNN_N_MELS:
            raise ValueError(
                f"the spectrogram files have {n_bins} bins per frame; musicnn reads its "
                f"own {MUSICNN_N_MELS}-band log-mel spectrograms (n_frames, "
                f"{MUSICNN_N_MELS}): {_HOW}"
            )
        return
    for i, shape in enumerate(_shapes(X)):
        if len(shape) == 2 and shape[1] != MUSICNN_N_MELS:
            where = f"spectrogram {i} has shape {tuple(shape)}"
            if isinstance(X, np.ndarray) and X.ndim == 2:
                where = (
                    f"X is a 2-D array of shape {X.shape}, read as {X.shape[0]} "
                    f"spectrograms of one frame of {X.shape[1]} bins (for equal-length "
                    "waveforms pass list(X))"
                )
            raise ValueError(
                f"{where}: {shape[1]} bins per frame, but musicnn reads its own "
                f"{MUSICNN_N_MELS}-band log-mel spectrograms (n_frames, "
                f"{MUSICNN_N_MELS}); {_HOW}"
            )


def _clip_patch_features(
    clip, *, mtime, sr, patch_hop, backbone, device, precision, mel=None,
    module=None,
):
    """Penultimate features ``(n_patches, 200)`` of one clip's 3-s patches.

    Cached by :class:`joblib.Memory`, keyed by the clip (a path and its modification
    time, a waveform and its ``sr``, or a log-mel), ``patch_hop``, a hash of the
    backbone's weights, the device type and the module's resolved ``precision``; ``mel`` (the clip's log-mel, computed by the
    caller) and ``module`` (the network) are not part of the key.
    """
    del mtime, sr, backbone, precision  # part of the cache key only
    patches = torch.from_numpy(musicnn_patches(clip if mel is None else mel,
                                               patch_hop=patch_hop)).to(device)
    with torch.no_grad():
        patches = module.standardize(patches)  # identity for musicnn's own input
        out = torch.cat([module.embed(patches[s : s + _EVAL_CHUNK])
                         for s in range(0, len(patches), _EVAL_CHUNK)])
    return out.float().cpu().numpy()


def _backbone_hash(module):
    from joblib import hash as joblib_hash

    state = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()
             if not k.startswith("head.")}
    return joblib_hash(state)


def patch_features(clips, *, kind, module, patch_hop, sr, memory, n_jobs):
    """Each clip's backbone features ``(n_patches_i, 200)``, one row per 3-s patch.

    Parameters
    ----------
    clips : list of str or ndarray, or sequence of ndarray of shape (n_frames_i, 96)
        Checked audio sources (``kind="audio"``) or log-mel spectrograms.
    kind : {"audio", "spectrograms"}
    module : MusicnnTransfer
        In eval mode; its backbone computes the features.
    patch_hop : int
        Frames between patch starts.
    sr : int
        Sample rate of waveforms.
    memory : str, path-like, joblib.Memory or None
        Cache of the log-mels (audio) and of the features.
    n_jobs : int or None
        Clips decoded in parallel (cache misses only).

    Returns
    -------
    features : list of ndarray of shape (n_patches_i, 200), float32
    """
    memory = check_memory(str(memory) if isinstance(memory, os.PathLike) else memory)
    cached = memory.cache(_clip_patch_features, ignore=["mel", "module"])
    use_cache = memory.location is not None
    device = next(module.parameters()).device
    common = dict(patch_hop=int(patch_hop), device=device.type,
                  backbone=_backbone_hash(module) if use_cache else None,
                  precision=resolve_precision(module.precision))

    if kind != "audio":  # checked log-mels: float32 arrays already
        return [cached(clip=clip, mtime=None, sr=None, **common, module=module)
                for clip in clips]

    keys = [dict(clip=s, mtime=_mtime(s), sr=sr if not isinstance(s, str) else None,
                 **common) for s in clips]
    hits = [use_cache and bool(cached.check_call_in_cache(**k)) for k in keys]
    missing = [k["clip"] for k, hit in zip(keys, hits, strict=True) if not hit]
    # decoded as they are needed (in parallel with n_jobs), never all held at once
    mels = _log_mels(missing, sr=sr, memory=memory, n_jobs=n_jobs) if missing else iter(())
    return [cached(**k) if hit else cached(**k, mel=next(mels), module=module)
            for k, hit in zip(keys, hits, strict=True)]
