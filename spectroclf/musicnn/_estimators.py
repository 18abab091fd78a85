"""scikit-learn estimators that fine-tune the pretrained musicnn."""

import numbers
import os

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..nets import NetClassifier, NetRegressor, Network
from ..utils import (
    CLASSIFIER_LOSS_DOC,
    DEVICE_DOC,
    REGRESSOR_LOSS_DOC,
    TRAINING_DOC,
    VALIDATION_DOC,
    check_spectrograms,
)
from ._frontend import MUSICNN_N_MELS, _check_sources, _log_mels
from ._inputs import check_bins, input_kind, patch_features
from ._network import PRECISIONS, PRETRAINED_MODELS
from ._transfer import FREEZE_OPTIONS, MusicnnTransfer

__all__ = ["MusicnnClassifier", "MusicnnRegressor"]

_MUSICNN_DOC = """
    model : {{"MSD_musicnn", "MTT_musicnn"}}, default="MSD_musicnn"
        Pretrained weights: Million Song Dataset (Last.fm tags: genres, moods, eras) or
        MagnaTagATune (instruments, voice, genres, tempo).
    freeze : {{"backbone", "frontend", "none"}} or bool, default="backbone"
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
        statistics. As for every estimator, ``freeze=True`` trains only the
        output layer (``"backbone"``) and ``False`` nothing frozen (``"none"``).
    dropout : float, default={dropout}
        Dropout before the output layer.
    patch_hop : int, default=187
        Frames (16 ms each) between the starts of the 187-frame patches read
        for the frozen features and for predictions: 187 means consecutive
        patches (musicnn's default), 93 half-overlapping ones (twice the
        cost; no better in cross-validation)."""

_MUSICNN_CONSTRAINTS = {
    "model": [StrOptions(set(PRETRAINED_MODELS))],
    "freeze": [StrOptions(set(FREEZE_OPTIONS)), "boolean"],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "patch_hop": [Interval(numbers.Integral, 1, None, closed="left")],
    "sr": [Interval(numbers.Integral, 1, None, closed="left")],
    "n_jobs": [numbers.Integral, None],
    "memory": [None, str, os.PathLike, HasMethods(["cache"])],
    "precision": [StrOptions(set(PRECISIONS))],
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
        convolution. ``None``: no cache.
    precision : {"float32", "bfloat16", "auto"}, default="float32"
        Arithmetic of the pretrained network when it is not trained: the
        frozen features and prediction. ``"bfloat16"`` runs the front end as
        bfloat16 matrix products on CPUs that have them natively (AVX-512
        BF16 or AMX; refused elsewhere), ``"auto"`` where that is the case
        (see :func:`~spectroclf.musicnn.resolve_precision`). On the 240
        Emotify clips the bfloat16 features gave the same cross-validated
        genre accuracy in every fold and a mean rho 0.0003 lower (95 %
        interval -0.0007 to +0.0001; ``benchmarks/bench_precision_quality.py``);
        float32, the default, gives exactly the results of earlier versions.
        Training is float32 either way."""

# musicnn's ``freeze`` is documented with the architecture; ``init_from`` takes a
# fitted Musicnn* estimator.
_MUSICNN_INIT_FROM_DOC = """
    init_from : fitted MusicnnClassifier or MusicnnRegressor, or a Pipeline ending in one, default=None
        Start from this estimator's fine-tuned network (all but the output
        layer) instead of the pretrained one, e.g. a genre classifier to
        fine-tune for emotion regression (every weight but the output layer
        comes from it, so ``model`` no longer matters)."""

_MUSICNN_RUN_DOC = VALIDATION_DOC + _MUSICNN_INIT_FROM_DOC + DEVICE_DOC

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


class _Checked:
    """Checked musicnn input: its kind, the clips, and ``X`` as given."""

    def __init__(self, kind, clips, X):
        self.kind, self.clips, self.X = kind, clips, X

    def __len__(self):
        return len(self.clips)


class MusicnnInput:
    """What the musicnn estimators read: audio, musicnn log-mels, or backbone features.

    ``check`` validates the input (audio sources, or 96-band log-mel
    spectrograms); ``prepare`` turns it into what the network reads: the
    log-mels, or with ``freeze="backbone"`` the frozen backbone's features
    of every 3-s patch (:func:`patch_features`, cached in ``memory``).

    Parameters
    ----------
    model, freeze, patch_hop, sr, n_jobs, memory, precision
        As the estimators document them.
    """

    #: musicnn normalises its own input
    standardize = False

    def __init__(self, *, model, freeze, patch_hop, sr, n_jobs, memory, precision):
        self.model = model
        self.freeze = freeze
        self.patch_hop = patch_hop
        self.sr = sr
        self.n_jobs = n_jobs
        self.memory = memory
        self.precision = precision

    def check(self, estimator, X, *, reset):
        """Checked audio sources or spectrograms (a ``_Checked``).

        In ``fit`` (``reset``) the bins are checked in :meth:`prepare`, after
        the targets, so that their errors come before any about the bins.
        """
        kind = input_kind(X)
        if kind == "audio":
            clips = _check_sources(X, sr=self.sr)
        elif reset:
            clips = check_spectrograms(X, estimator=estimator, reset=True)
        else:  # predict: the bins first, with the message that says what to pass
            check_bins(X)
            clips = check_spectrograms(X, estimator=estimator, reset=False)
        return _Checked(kind, clips, X)

    def prepare(self, estimator, checked, *, module=None, reset):
        """Log-mels, or backbone features with ``freeze="backbone"``.

        ``module`` is the fitted network in ``predict``; in ``fit`` it is
        ``init_from``'s network (or None), whose backbone is copied.
        """
        kind, clips, X = checked.kind, checked.clips, checked.X
        if reset:
            if kind != "audio":
                check_bins(X)
            estimator.n_features_in_ = MUSICNN_N_MELS
        if self.freeze != "backbone":
            if kind == "audio":
                return list(_log_mels(clips, sr=self.sr, memory=self.memory,
                                      n_jobs=self.n_jobs))
            return clips
        if reset:
            module = self._frozen_backbone(module, estimator.device_)
        was_training = module.training
        module.eval()
        try:
            return patch_features(
                clips, kind=kind, module=module, patch_hop=self.patch_hop,
                sr=self.sr, memory=self.memory, n_jobs=self.n_jobs,
            )
        finally:
            module.train(was_training)

    def _frozen_backbone(self, source, device):
        """A MusicnnTransfer holding the pretrained backbone, or ``source``'s."""
        module = MusicnnTransfer(MUSICNN_N_MELS, 1, model=self.model, freeze="backbone",
                                 precision=self.precision)
        if source is not None:
            module.backbone.load_state_dict(source.backbone.state_dict())
            module.standardize.load_state_dict(source.standardize.state_dict())
        return module.to(device).eval()


def _freeze_option(freeze):
    """``freeze`` as musicnn's option: ``True`` is ``"backbone"`` (train only the
    output layer, as ``freeze=True`` means for every estimator), ``False`` is
    ``"none"``."""
    if isinstance(freeze, str):
        return freeze
    return "backbone" if freeze else "none"


def _musicnn_network(estimator, average):
    """The pretrained musicnn with a new head, of a Musicnn* estimator's parameters."""
    return Network(MusicnnTransfer, dict(
        model=estimator.model, freeze=_freeze_option(estimator.freeze),
        dropout=estimator.dropout, precision=estimator.precision,
        patch_hop=estimator.patch_hop, average=average,
    ), batch_norm=True)


def _musicnn_input(estimator):
    return MusicnnInput(model=estimator.model, freeze=_freeze_option(estimator.freeze),
                        precision=estimator.precision,
                        patch_hop=estimator.patch_hop, sr=estimator.sr,
                        n_jobs=estimator.n_jobs, memory=estimator.memory)


_FIT_DOC = """Train the network (with the default ``freeze="backbone"``: its output layer).

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


class MusicnnClassifier(NetClassifier):
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
        Weights of the classes in the loss.{CLASSIFIER_LOSS_DOC}{TRAINING_DOC.format(lr=0.001, max_epochs=200)}{_AUDIO_DOC}{_MUSICNN_RUN_DOC.format(stratified=" (stratified)", valid_extra=", ``valid_acc``")}
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

    _parameter_constraints = {**NetClassifier._parameter_constraints, **_MUSICNN_CONSTRAINTS}

    def __init__(
        self, *, model="MSD_musicnn", freeze="backbone", dropout=0.75, patch_hop=187,
        class_weight=None, criterion="cross_entropy", lr=1e-3, max_epochs=200, batch_size=32,
        bucket_by_length=False, optimizer="adam", weight_decay=0.0, sr=22050,
        n_jobs=None, memory=None, precision="float32", validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, tol=1e-4, callbacks=None, checkpoint=None, init_from=None,
        device="auto", accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        self.model = model
        self.freeze = freeze
        self.dropout = dropout
        self.patch_hop = patch_hop
        self.class_weight = class_weight
        self.criterion = criterion
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.bucket_by_length = bucket_by_length
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.sr = sr
        self.n_jobs = n_jobs
        self.memory = memory
        self.precision = precision
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.device = device
        self.accelerator = accelerator
        self.amp = amp
        self.random_state = random_state
        self.verbose = verbose

    def _network(self):
        return _musicnn_network(self, average="probabilities")

    def _inputs(self):
        return _musicnn_input(self)

    def fit(self, X, y):
        return super().fit(X, y)

    fit.__doc__ = _FIT_DOC

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # audio file paths
        return tags


class MusicnnRegressor(NetRegressor):
    __doc__ = f"""Regressor of one or many targets (e.g. emotions) on a pretrained musicnn.

    The network of :class:`MusicnnClassifier` with one linear output per
    target, trained with the mean squared error on standardised targets; by
    default only that output layer is trained, on the frozen network (see the
    Notes).
{_MUSICNN_INPUT_DOC}

    Parameters
    ----------{_MUSICNN_DOC.format(dropout=0.25)}{REGRESSOR_LOSS_DOC}{TRAINING_DOC.format(lr=0.001, max_epochs=400)}{_AUDIO_DOC}{_MUSICNN_RUN_DOC.format(stratified="", valid_extra=", ``valid_spearman``")}
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

    _parameter_constraints = {**NetRegressor._parameter_constraints, **_MUSICNN_CONSTRAINTS}

    def __init__(
        self, *, model="MSD_musicnn", freeze="backbone", dropout=0.25, patch_hop=187,
        criterion="mse", target_weights=None, lr=1e-3, max_epochs=400, batch_size=32, bucket_by_length=False,
        optimizer="adam", weight_decay=0.0, sr=22050, n_jobs=None, memory=None, precision="float32",
        validation_fraction=None, early_stopping=False, n_iter_no_change=5, tol=1e-4,
        callbacks=None, checkpoint=None, init_from=None, device="auto",
        accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        self.model = model
        self.freeze = freeze
        self.dropout = dropout
        self.patch_hop = patch_hop
        self.criterion = criterion
        self.target_weights = target_weights
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.bucket_by_length = bucket_by_length
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.sr = sr
        self.n_jobs = n_jobs
        self.memory = memory
        self.precision = precision
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.device = device
        self.accelerator = accelerator
        self.amp = amp
        self.random_state = random_state
        self.verbose = verbose

    def _network(self):
        return _musicnn_network(self, average="outputs")

    def _inputs(self):
        return _musicnn_input(self)

    def fit(self, X, y):
        return super().fit(X, y)

    fit.__doc__ = _FIT_DOC

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # audio file paths
        return tags
