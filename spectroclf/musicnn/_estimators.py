"""scikit-learn estimators that fine-tune the pretrained musicnn."""

import numbers
import os

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._validation import check_lengths_match, check_spectrograms
from ..nets._accelerate import unwrap_module
from ..nets._base import (
    _RUN_DOC,
    _TRAINING_DOC,
    _SpectrogramNet,
    _store_params,
    resolve_device,
)
from ..nets._data import SpectrogramDataset
from ..nets._targets import _CLASS_WEIGHT, _ClassifierMixin, _RegressorMixin
from ._frontend import MUSICNN_N_MELS, _check_sources, _log_mels
from ._inputs import check_bins, input_kind, patch_features
from ._network import PRETRAINED_MODELS
from ._transfer import FREEZE_OPTIONS, MusicnnTransfer

__all__ = ["MusicnnClassifier", "MusicnnRegressor"]

_MUSICNN_DOC = """
    model : {{"MSD_musicnn", "MTT_musicnn"}}, default="MSD_musicnn"
        Pretrained weights: Million Song Dataset (Last.fm tags: genres, moods, eras) or
        MagnaTagATune (instruments, voice, genres, tempo).
    freeze : {{"backbone", "frontend", "none"}}, default="backbone"
        Pretrained parts kept fixed. ``"backbone"`` (the default, chosen by
        cross-validation, see the Notes): the whole pretrained network; its
        200-unit penultimate features of every 3-s patch are computed once
        (cached with ``memory``) and only the new output layer is trained, on
        one random patch of each clip per epoch -- an epoch costs milliseconds.
        ``"frontend"``: the timbral and temporal convolutions (mid end, back
        end and output layer are fine-tuned; an epoch costs about one forward
        and backward pass of the network per clip, about a minute per 200 clips
        on a CPU core: use ``lr=1e-4, max_epochs=10`` rather than the
        defaults, which are the head's). ``"none"``: nothing (about 3 times
        slower still). Frozen batch normalisation layers keep their pretrained
        statistics.
    dropout : float, default={dropout}
        Dropout before the output layer.
    patch_hop : int, default=187
        Frames (16 ms each) between the starts of the 187-frame patches read
        for the frozen features and for predictions: 187 means consecutive
        patches (musicnn's default), 93 half-overlapping ones (twice the
        cost; no better in cross-validation)."""

_MUSICNN_CONSTRAINTS = {
    "model": [StrOptions(set(PRETRAINED_MODELS))],
    "freeze": [StrOptions(set(FREEZE_OPTIONS))],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "patch_hop": [Interval(numbers.Integral, 1, None, closed="left")],
    "sr": [Interval(numbers.Integral, 1, None, closed="left")],
    "n_jobs": [numbers.Integral, None],
    "memory": [None, str, os.PathLike, HasMethods(["cache"])],
}

_AUDIO_DOC = """
    sr : int, default=22050
        Sample rate of waveform input. Files are decoded straight to musicnn's
        16 kHz.
    n_jobs : int or None, default=None
        Audio clips decoded and turned into log-mels in parallel
        (:class:`joblib.Parallel`; cache misses only). ``None`` means 1 unless
        in a :func:`joblib.parallel_backend` context.
    memory : str, path-like, joblib.Memory or None, default=None
        Cache (:class:`joblib.Memory`) of the log-mels of audio input (shared
        with :class:`MusicnnMelExtractor`'s) and, with ``freeze="backbone"``,
        of the backbone's features of every clip, keyed by the clip (path and
        modification time, or content), ``sr``, ``patch_hop`` and the
        backbone's weights: refitting or predicting on the same clips (as in
        cross-validation or a grid search) then decodes nothing and runs no
        convolution. ``None``: no cache."""

# musicnn's ``freeze`` is documented with the architecture; ``init_from`` takes a
# fitted Musicnn* estimator.
_MUSICNN_RUN_DOC = _RUN_DOC.replace(
    """    freeze : bool, default=False
        With ``init_from``, train only the new output layer.
""", ""
).replace(
    """    init_from : fitted estimator of the same family, default=None
        Start from this estimator's network (all but the output layer), e.g.
        a genre classifier to fine-tune for emotion regression. The
        architecture parameters and the number of bins must match.
""",
    """    init_from : fitted MusicnnClassifier or MusicnnRegressor, default=None
        Start from this estimator's fine-tuned network (all but the output
        layer) instead of the pretrained one, e.g. a genre classifier to
        fine-tune for emotion regression (every weight but the output layer
        comes from it, so ``model`` no longer matters).
""",
)

_MUSICNN_INPUT_DOC = """
    Input is audio -- a list of file paths (any format librosa decodes) or of
    mono 1-D waveforms at ``sr`` -- turned into musicnn's log-mel spectrogram
    as :class:`~spectroclf.MusicnnMelExtractor` does, or that log-mel
    spectrogram itself, ``(n_frames, 96)`` per clip (16 kHz, hop 256,
    ``log10(1 + 10000 S)``, not standardised: musicnn normalises it itself),
    so ``make_pipeline(MusicnnMelExtractor(), ...)`` works too. musicnn reads
    3-s patches of 187 frames: each training step sees one random patch of
    every clip (a clip shorter than that is padded with silence), and a
    prediction averages the outputs over the clip's patches (every
    ``patch_hop`` frames), so clips of any length work and padding never
    matters."""

_CV_NOTES = """
    The defaults were chosen by 5-fold cross-validation on the 240 training
    clips of the Emotify data (4 genres, 9 emotion ratings, 30-s clips;
    ``benchmarks/bench_musicnn.py`` and its ``results/musicnn.json``). No
    fine-tuning schedule beat the frozen backbone there by more than the
    noise. Fine-tuning the mid and back end after training the output
    layer (``bench_finetune.py``: learning rates 3e-5 -- 3e-4 for the
    pretrained layers, 15 -- 20 epochs, with or without cosine decay) ended
    at 0.775 -- 0.800 genre accuracy and 0.578 -- 0.581 mean Spearman rho on
    emotion, against 0.804 and 0.577 for the output layer alone on the same
    folds (fold-to-fold std 0.06 and 0.035); training only the back
    end's dense layer, 10 -- 30 times slower than the head, gained 0.01 rho,
    inside the fold-to-fold spread. So the default is the frozen backbone
    with a trained output layer: {cv_line} Half-overlapping patches
    (``patch_hop=93``), a hidden layer, the mid end's pooled features, the
    MagnaTagATune weights, weight decay and cosine schedules did not do
    better either; averaging this estimator with a second one on
    ``model="MTT_musicnn"`` did (0.82 accuracy, 0.59 rho; see the user
    guide)."""

_CLASSIFIER_CV = _CV_NOTES.format(cv_line="""lr 1e-3, dropout 0.75 and
    200 epochs (the best of lr 3e-4 -- 3e-3, dropout 0.25 -- 0.75 and 25 --
    400 epochs) reach a CV accuracy of 0.80 (std 0.07 over 5 folds x 3
    seeds), against 0.79 -- 0.82 for a logistic regression on the
    clip-averaged embedding: short of the 0.83 this default was meant to
    reach.""")

_REGRESSOR_CV = _CV_NOTES.format(cv_line="""lr 1e-3, dropout 0.25 and
    400 epochs (the best of lr 3e-4 -- 3e-3, dropout 0.25 -- 0.75 and 25 --
    400 epochs) reach a CV mean Spearman rho over the nine emotion ratings
    of 0.578 (std 0.035 over 5 folds x 3 seeds), against 0.573 for a ridge
    regression on the clip-averaged embedding: short of the 0.60 this
    default was meant to reach.""")


class _MusicnnMixin:
    _module = MusicnnTransfer
    _module_params = ("model", "freeze", "dropout", "patch_hop")
    _standardize_input = False  # read by _SpectrogramNet.fit
    _batch_norm = True
    #: how a clip's patches are combined in prediction (MusicnnTransfer's ``average``)
    _average = "outputs"

    _init_from_hint = "a fitted MusicnnClassifier or MusicnnRegressor"

    def _module_kwargs(self):
        return {**super()._module_kwargs(), "average": self._average}

    def _freeze_body(self, net):
        """``freeze`` is the module's own setting, applied when it is built."""

    def _build_net(self, *args, **kwargs):
        net = super()._build_net(*args, **kwargs)
        # the module reads 96-band log-mels, or (freeze="backbone") its own
        # backbone's features of them, whatever n_features_in_ was during fit
        net.set_params(module__n_bins=MUSICNN_N_MELS)
        return net

    # -- input -------------------------------------------------------------------
    def _read(self, X, *, y=None, reset):
        """``X`` as ``(kind, clips)``: checked audio sources or spectrograms.

        In ``fit`` the targets are checked first (as every estimator does), so
        that their errors come before any decoding or any error about the bins.
        """
        kind = input_kind(X)
        if kind == "audio":
            clips = _check_sources(X, sr=self.sr)
        elif getattr(X, "_lazy_spectrograms", False):
            clips = X
            if not reset:
                check_bins(X)
        elif reset:
            clips = check_spectrograms(X, estimator=self, reset=True)
        else:  # predict: the bins first, with the message that says what to pass
            check_bins(X)
            clips = check_spectrograms(X, estimator=self, reset=False)
        if reset:
            check_lengths_match(clips, y)
            self._prepare_y(y)
            if kind != "audio":
                check_bins(X)
        return kind, clips

    def _audio_to_mels(self, sources):
        """musicnn log-mels of checked audio sources (cached in ``memory``)."""
        return list(_log_mels(sources, sr=self.sr, memory=self.memory, n_jobs=self.n_jobs))

    def _features(self, kind, clips, module):
        """The backbone's features of every patch of every clip (cached)."""
        was_training = module.training
        module.eval()
        try:
            return patch_features(
                clips, kind=kind, module=module, patch_hop=self.patch_hop,
                sr=self.sr, memory=self.memory, n_jobs=self.n_jobs,
            )
        finally:
            module.train(was_training)

    def _frozen_backbone(self):
        """A MusicnnTransfer holding the backbone that ``fit`` will keep."""
        device = (resolve_device(self.device) if self.accelerator is None
                  else str(self.accelerator.device))
        module = MusicnnTransfer(MUSICNN_N_MELS, 1, model=self.model, freeze="backbone")
        if self.init_from is not None:
            check_is_fitted(self.init_from, "net_")
            source = unwrap_module(self.init_from.net_)
            if isinstance(source, MusicnnTransfer):
                module.backbone.load_state_dict(source.backbone.state_dict())
                module.standardize.load_state_dict(source.standardize.state_dict())
            # another family is refused, with its message, by _transfer in fit
        return module.to(device).eval()

    # -- fitting -------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network (with the default ``freeze="backbone"``: its output layer).

        Parameters
        ----------
        X : list of (str, path-like or ndarray of shape (n_samples,)), or list of \
ndarray of shape (n_frames_i, 96), dict, or ndarray
            Audio files or mono waveforms at ``sr``; or musicnn log-mel
            spectrograms, time first (a list of arrays of any lengths, as
            :class:`MusicnnMelExtractor` returns, the dict of
            :class:`~spectroclf.PadTruncate` or a 3-D array).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Class labels of any type (classifier) or real targets (regressor).

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        FileNotFoundError, ValueError
            For a missing or undecodable file, a malformed waveform or
            spectrograms that are not musicnn's 96-band log-mels; the message
            names the clip.
        """
        if self.init_from is not None and self.init_from is self:
            raise ValueError("init_from cannot be the estimator itself")
        kind, clips = self._read(X, y=y, reset=True)
        if self.freeze != "backbone":
            if kind == "audio":
                clips = self._audio_to_mels(clips)
            return super().fit(clips, y)
        features = self._features(kind, clips, self._frozen_backbone())
        super().fit(features, y)
        self.n_features_in_ = MUSICNN_N_MELS  # bins of the input, not of the features
        return self

    # -- predicting ------------------------------------------------------------------
    def _forward(self, X):
        check_is_fitted(self, "net_")
        kind, clips = self._read(X, reset=False)
        if self.freeze == "backbone":
            clips = self._features(kind, clips, unwrap_module(self.net_))
        elif kind == "audio":
            clips = self._audio_to_mels(clips)
        return self._predict_dataset(SpectrogramDataset(clips))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # audio file paths
        return tags


class MusicnnClassifier(_MusicnnMixin, _ClassifierMixin, _SpectrogramNet):
    __doc__ = f"""Genre (or any label) classifier on a pretrained musicnn, from audio.

    The musicnn tagging network (Pons & Serra, 2019) pretrained on a large
    collection, its 50-tag output replaced by a new linear layer on its
    200-unit penultimate layer, trained with cross-entropy by skorch. By
    default the pretrained network stays frozen and only that layer is
    trained (see the Notes for why); ``freeze="frontend"`` or ``"none"``
    fine-tune it. Either way it needs far fewer labelled clips than
    :class:`CNNClassifier` trained from scratch.
{_MUSICNN_INPUT_DOC} Here the patches' class probabilities are averaged.

    Parameters
    ----------{_MUSICNN_DOC.format(dropout=0.75)}
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss.{_TRAINING_DOC.format(lr=0.001, max_epochs=200)}{_AUDIO_DOC}{_MUSICNN_RUN_DOC.format(stratified=" (stratified)", valid_extra=", ``valid_acc``")}
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.

    See Also
    --------
    MusicnnEmbedding : Fixed musicnn features for any scikit-learn model.
    MusicnnMelExtractor : Audio to musicnn's log-mel, e.g. to cache it apart.
    MusicnnRegressor : The same network for real-valued targets.

    Notes
    -----{_CLASSIFIER_CV}

    ``init_from`` accepts a fitted :class:`MusicnnClassifier` or
    :class:`MusicnnRegressor` (all weights but the output layer are copied);
    ``freeze`` is this estimator's own setting, with or without it. On a CPU
    core the frozen features cost about 0.1 s per 3-s patch, once per clip
    with ``memory``; fine-tuning costs that and a backward pass per clip and
    epoch.

    Examples
    --------
    >>> from spectroclf import MusicnnClassifier, make_music
    >>> music = make_music(8, genres=2, duration=3.0, random_state=0)
    >>> clf = MusicnnClassifier(random_state=0).fit(music.data, music.target)
    >>> clf.predict_proba(music.data[:2]).shape
    (2, 2)
    """

    _average = "probabilities"
    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints, **_MUSICNN_CONSTRAINTS, **_CLASS_WEIGHT
    }

    def __init__(
        self, *, model="MSD_musicnn", freeze="backbone", dropout=0.75, patch_hop=187,
        class_weight=None, lr=1e-3, max_epochs=200, batch_size=32,
        bucket_by_length=False, optimizer="adam", weight_decay=0.0, sr=22050,
        n_jobs=None, memory=None, validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, callbacks=None, checkpoint=None, init_from=None,
        device="auto", accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        _store_params(self, locals())


class MusicnnRegressor(_MusicnnMixin, _RegressorMixin, _SpectrogramNet):
    __doc__ = f"""Regressor of one or many targets (e.g. emotions) on a pretrained musicnn.

    The network of :class:`MusicnnClassifier` with one linear output per
    target, trained with the mean squared error on standardised targets; by
    default only that output layer is trained, on the frozen network (see the
    Notes).
{_MUSICNN_INPUT_DOC}

    Parameters
    ----------{_MUSICNN_DOC.format(dropout=0.25)}{_TRAINING_DOC.format(lr=0.001, max_epochs=400)}{_AUDIO_DOC}{_MUSICNN_RUN_DOC.format(stratified="", valid_extra=", ``valid_spearman``")}
    n_outputs_ : int
        Number of targets.

    See Also
    --------
    MusicnnMelExtractor : Audio to musicnn's log-mel, e.g. to cache it apart.
    spectroclf.spearman_score : The lab's metric for emotion targets.

    Notes
    -----{_REGRESSOR_CV}

    Examples
    --------
    >>> from spectroclf import MusicnnRegressor, make_music
    >>> music = make_music(8, genres=2, duration=3.0, random_state=0)
    >>> reg = MusicnnRegressor(random_state=0).fit(music.data, music.emotion)
    >>> reg.predict(music.data).shape
    (8, 3)
    """

    _parameter_constraints = {**_SpectrogramNet._parameter_constraints, **_MUSICNN_CONSTRAINTS}

    def __init__(
        self, *, model="MSD_musicnn", freeze="backbone", dropout=0.25, patch_hop=187,
        lr=1e-3, max_epochs=400, batch_size=32, bucket_by_length=False,
        optimizer="adam", weight_decay=0.0, sr=22050, n_jobs=None, memory=None,
        validation_fraction=None, early_stopping=False, n_iter_no_change=5,
        callbacks=None, checkpoint=None, init_from=None, device="auto",
        accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        _store_params(self, locals())
