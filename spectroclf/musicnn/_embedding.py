"""Pretrained musicnn embeddings and tags for audio clips.

:class:`MusicnnEmbedding` pools one layer of the pretrained network over the 3-s
patches of each clip (``make_pipeline(MusicnnEmbedding(), LogisticRegression())``);
:func:`predict_tags` gives the most likely tags of each clip.
"""

import numbers
import os
import queue
import sys
import threading
import time

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils import map_cached as _map_cached
from ._frontend import MUSICNN_N_FRAMES, _check_sources, _clip_patches
from ._network import PRECISIONS, PRETRAINED_MODELS, load_musicnn, resolve_precision

__all__ = ["MusicnnEmbedding", "predict_tags"]

_LAYER_SIZES = {
    "taggram": 50,
    "logits": 50,
    "penultimate": 200,
    "mean_pool": 753,
    "max_pool": 753,
}
_POOLINGS = ("mean", "max", "mean+max")
#: clips decoded ahead of the network in a background thread (0: none, the default:
#: on 2 shared cores the thread competed with torch's and did not pay, 6.92 s vs 6.79 s
#: for 8 clips in bfloat16, ``benchmarks/bench_embedding.py``; torch's own threads
#: already take both cores)
_PREFETCH = 0


def _prefetched(iterable, *, depth):
    """The items of ``iterable``, computed in a background thread up to ``depth`` ahead.

    Decoding (soundfile, soxr, numpy's FFT) and torch's kernels release the GIL, so the
    next clips decode while the network runs. An exception in the thread is raised here;
    stopping early (an exception in the caller) stops the thread after its current item.
    """
    items = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(entry):
        while not stop.is_set():
            try:
                items.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work():
        try:
            for item in iterable:
                if not put((item, None)):
                    return
            put((end, None))
        except BaseException as exc:  # raised again in the consumer
            put((end, exc))

    thread = threading.Thread(target=work, name="spectroclf-decode", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = items.get()
            if item is end:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        thread.join()


class MusicnnEmbedding(TransformerMixin, BaseEstimator):
    """Fixed-size embeddings of audio clips from a pretrained musicnn.

    Each clip is turned into musicnn's log-mel patches (3 s each), every patch goes through
    the network, and one layer's activations are pooled over the patches of the clip.

    Parameters
    ----------
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        Pretrained network (see :func:`spectroclf.musicnn.load_musicnn`).
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
        Patches per forward pass; the patches of consecutive clips share batches, and a
        clip's patches are released once pooled (only the clips in flight are held).
    precision : {"auto", "float32", "bfloat16"}, default="auto"
        Arithmetic of the network's convolutions (see
        :meth:`Musicnn.forward_features <spectroclf.musicnn.Musicnn.forward_features>`).
        ``"float32"``: the port as it is, on every CPU. ``"bfloat16"``: block-Toeplitz
        bfloat16 matrix products on the CPU's bfloat16 units, 2-3x faster where the CPU
        has them (``avx512_bf16`` or ``amx_bf16``), features within cosine 0.999 per clip
        of float32's; refused elsewhere. ``"auto"``: ``"bfloat16"`` where native, else
        ``"float32"`` (:func:`~spectroclf.musicnn.resolve_precision`).
    n_jobs : int or None, default=None
        Clips decoded and turned into log-mel patches in parallel (:class:`joblib.Parallel`).
        ``None`` means 1 unless in a :func:`joblib.parallel_backend` context.
    memory : str, path-like, joblib.Memory or None, default=None
        Cache of the log-mel patches, keyed by the clip (path and modification time, or
        waveform content) and the parameters. ``None``: no cache. Cached clips are loaded
        in this process, without starting workers.
    verbose : int, default=0
        Print progress to stderr when > 0.

    Attributes
    ----------
    net_ : spectroclf.musicnn.Musicnn
        The pretrained network, in eval mode.
    tags_ : list of str
        The network's 50 tags.
    precision_ : {"float32", "bfloat16"}
        The arithmetic ``precision`` resolved to on this CPU.
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
    >>> from spectroclf.musicnn import MusicnnEmbedding
    >>> rng = np.random.default_rng(0)
    >>> clips = [rng.standard_normal(22050 * 3).astype("float32") * 0.1 for _ in range(2)]
    >>> emb = MusicnnEmbedding(pooling="mean+max").fit(clips)
    >>> emb.transform(clips).shape
    (2, 400)
    >>> emb.get_feature_names_out()[:2].tolist()
    ['penultimate_mean_0', 'penultimate_mean_1']
    """

    _parameter_constraints = {
        "model": [StrOptions(set(PRETRAINED_MODELS))],
        "layer": [StrOptions(set(_LAYER_SIZES))],
        "pooling": [StrOptions(set(_POOLINGS))],
        "sr": [Interval(numbers.Integral, 1, None, closed="left")],
        "patch_hop": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "precision": [StrOptions(set(PRECISIONS))],
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
        precision="auto",
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
        self.precision = precision
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

        Raises
        ------
        ValueError
            For ``precision="bfloat16"`` on a CPU without native bfloat16.
        """
        self.precision_ = resolve_precision(self.precision)
        if X is not None:
            _check_sources(X, sr=self.sr)
        self.net_ = load_musicnn(self.model)
        self.tags_ = list(self.net_.tags)
        n_pool = 2 if self.pooling == "mean+max" else 1
        self.n_features_out_ = _LAYER_SIZES[self.layer] * n_pool
        return self

    def _patches(self, sources):
        """Each clip's log-mel patches ``(n_patches_i, 187, 96)``, yielded in order."""
        calls = [
            dict(
                source=s,
                mtime=os.path.getmtime(s) if isinstance(s, str) else None,
                sr=self.sr,
                patch_hop=self.patch_hop,
            )
            for s in sources
        ]
        return _map_cached(
            _clip_patches,
            calls,
            memory=self.memory,
            n_jobs=self.n_jobs,
            one_thread=False,  # the log-mels stay bit for bit those of 0.1
        )

    def _layer_per_clip(self, patches):
        """Clips' patches -> each clip's ``(n_patches_i, layer size)`` activations.

        The patches of consecutive clips are batched together, ``batch_size`` per
        forward pass (the batches of the concatenation of all the clips' patches), and
        a clip is yielded as soon as its last patch has been through the network: only
        one batch and the clips in flight are held, never every clip's patches.
        """
        pending = []  # [clip patches, row of the first one not yet batched]
        done = []  # per clip in flight: list of activation blocks
        for P in patches:
            pending.append([P, 0])
            done.append([])
            while sum(len(p) - start for p, start in pending) >= self.batch_size:
                yield from self._forward(pending, done)
        while pending:
            yield from self._forward(pending, done)

    def _forward(self, pending, done):
        """One forward pass over the next ``batch_size`` pending patches."""
        import torch

        parts, owners = [], []
        need = self.batch_size
        for k, (P, start) in enumerate(pending):
            take = P[start : start + need]
            parts.append(take)
            owners.append((k, len(take)))
            pending[k][1] += len(take)
            need -= len(take)
            if need == 0:
                break
        batch = torch.from_numpy(np.concatenate(parts))
        with torch.inference_mode():
            values = self.net_.forward_features(batch, precision=self.precision_)[
                self.layer
            ].numpy()
        offset = 0
        for k, n in owners:
            done[k].append(values[offset : offset + n])
            offset += n
        while pending and pending[0][1] == len(pending[0][0]):
            pending.pop(0)
            blocks = done.pop(0)
            yield blocks[0] if len(blocks) == 1 else np.concatenate(blocks)

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
        sources = _check_sources(X, sr=self.sr)
        start = time.perf_counter()
        pooled, n_patches = [], 0
        patches = self._patches(sources)
        if _PREFETCH:
            patches = _prefetched(patches, depth=_PREFETCH)
        for clip in self._layer_per_clip(patches):
            n_patches += len(clip)
            parts = []
            if self.pooling in ("mean", "mean+max"):
                parts.append(clip.mean(axis=0))
            if self.pooling in ("max", "mean+max"):
                parts.append(clip.max(axis=0))
            pooled.append(np.concatenate(parts))
        if self.verbose:
            print(
                f"[MusicnnEmbedding] {len(sources)} clips, {n_patches} patches in "
                f"{time.perf_counter() - start:.1f} s",
                file=sys.stderr,
            )
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


def predict_tags(
    X,
    *,
    model="MSD_musicnn",
    top_n=3,
    sr=22050,
    batch_size=32,
    precision="auto",
    n_jobs=None,
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
    precision : {"auto", "float32", "bfloat16"}, default="auto"
        Arithmetic of the network (see :class:`MusicnnEmbedding`).
    n_jobs : int or None, default=None
        Clips decoded in parallel.

    Returns
    -------
    tags : list of list of (str, float)
        For each clip, ``(tag, probability)`` pairs by decreasing probability.

    Examples
    --------
    >>> from spectroclf.musicnn import predict_tags
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
        precision=precision,
        n_jobs=n_jobs,
    ).fit()
    probs = emb.transform(X)
    n = len(emb.tags_) if top_n is None else min(top_n, len(emb.tags_))
    out = []
    for row in probs:
        order = np.argsort(-row, kind="stable")[:n]
        out.append([(emb.tags_[j], float(row[j])) for j in order])
    return out
