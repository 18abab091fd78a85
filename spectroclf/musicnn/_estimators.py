"""scikit-learn estimators that fine-tune the pretrained musicnn."""

import numbers

from sklearn.utils._param_validation import Interval, StrOptions

from ..nets._base import _RUN_DOC, _TRAINING_DOC, _SpectrogramNet, _store_params
from ..nets._targets import _CLASS_WEIGHT, _ClassifierMixin, _RegressorMixin
from ._network import PRETRAINED_MODELS
from ._transfer import FREEZE_OPTIONS, MusicnnTransfer

__all__ = ["MusicnnClassifier", "MusicnnRegressor"]

_MUSICNN_DOC = """
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        Pretrained weights: Million Song Dataset (Last.fm tags: genres, moods, eras) or
        MagnaTagATune (instruments, voice, genres, tempo).
    freeze : {"frontend", "backbone", "none"}, default="frontend"
        Pretrained parts kept fixed: ``"frontend"`` the timbral and temporal
        convolutions (mid end, back end and head are fine-tuned; training costs
        about one forward pass of the network per clip); ``"backbone"`` everything
        but the new output layer; ``"none"`` nothing (about 3 times slower).
        Frozen batch normalisation layers keep their pretrained statistics.
    dropout : float, default=0.5
        Dropout before the output layer."""

_MUSICNN_CONSTRAINTS = {
    "model": [StrOptions(set(PRETRAINED_MODELS))],
    "freeze": [StrOptions(set(FREEZE_OPTIONS))],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
}

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
    Input is musicnn's own log-mel spectrogram, ``(n_frames, 96)`` per clip (16 kHz,
    hop 256, ``log10(1 + 10000 S)``), as :class:`~spectroclf.MusicnnMelExtractor`
    computes from audio; it is not standardised (musicnn normalises it itself).
    musicnn reads 3-s patches of 187 frames: each training step sees one random
    187-frame crop of every clip (a clip shorter than that is padded with silence),
    and a prediction averages the outputs of the clip's consecutive 187-frame
    patches, so clips of any length work and padding never matters."""


class _MusicnnMixin:
    _module = MusicnnTransfer
    _module_params = ("model", "freeze", "dropout")
    _standardize_input = False  # read by _SpectrogramNet.fit
    _batch_norm = True

    _init_from_hint = "a fitted MusicnnClassifier or MusicnnRegressor"

    def _freeze_body(self, net):
        """``freeze`` is the module's own setting, applied when it is built."""


class MusicnnClassifier(_MusicnnMixin, _ClassifierMixin, _SpectrogramNet):
    __doc__ = f"""Genre (or any label) classifier: a pretrained musicnn, fine-tuned.

    The musicnn tagging network (Pons & Serra, 2019) pretrained on a large
    collection, its 50-tag output replaced by a new linear layer on its
    200-unit penultimate layer, then trained with cross-entropy by skorch.
    Fine-tuning usually needs far fewer labelled clips than
    :class:`CNNClassifier` trained from scratch.
{_MUSICNN_INPUT_DOC}

    Parameters
    ----------{_MUSICNN_DOC}
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss.{_TRAINING_DOC.format(lr=0.0001, max_epochs=10)}{_MUSICNN_RUN_DOC.format(stratified=" (stratified)", valid_extra=", ``valid_acc``")}
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.

    See Also
    --------
    MusicnnMelExtractor : Audio files or waveforms to this estimator's input.
    MusicnnEmbedding : Fixed musicnn features for any scikit-learn model.
    MusicnnRegressor : The same network for real-valued targets.

    Notes
    -----
    ``init_from`` accepts a fitted :class:`MusicnnClassifier` or
    :class:`MusicnnRegressor` (all weights but the output layer are copied);
    ``freeze`` is this estimator's own setting, with or without it. On a CPU,
    one training epoch costs about one musicnn forward pass per clip and a
    prediction one per 3 s of audio.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from spectroclf import MusicnnClassifier, MusicnnMelExtractor, make_music
    >>> music = make_music(8, genres=2, duration=3.0, random_state=0)
    >>> clf = make_pipeline(MusicnnMelExtractor(),
    ...                     MusicnnClassifier(max_epochs=1, random_state=0))
    >>> clf.fit(music.data, music.target).predict_proba(music.data[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints, **_MUSICNN_CONSTRAINTS, **_CLASS_WEIGHT
    }

    def __init__(
        self, *, model="MSD_musicnn", freeze="frontend", dropout=0.5, class_weight=None,
        lr=1e-4, max_epochs=10, batch_size=32, bucket_by_length=False, optimizer="adam",
        weight_decay=0.0, validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, callbacks=None, checkpoint=None, init_from=None,
        device="auto", accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        _store_params(self, locals())


class MusicnnRegressor(_MusicnnMixin, _RegressorMixin, _SpectrogramNet):
    __doc__ = f"""Regressor of one or many targets (e.g. emotions): a pretrained musicnn, fine-tuned.

    The network of :class:`MusicnnClassifier` with one linear output per
    target, trained with the mean squared error on standardised targets.
{_MUSICNN_INPUT_DOC}

    Parameters
    ----------{_MUSICNN_DOC}{_TRAINING_DOC.format(lr=0.0001, max_epochs=10)}{_MUSICNN_RUN_DOC.format(stratified="", valid_extra=", ``valid_spearman``")}
    n_outputs_ : int
        Number of targets.

    See Also
    --------
    MusicnnMelExtractor : Audio files or waveforms to this estimator's input.
    spectroclf.spearman_score : The lab's metric for emotion targets.

    Examples
    --------
    >>> from spectroclf import MusicnnMelExtractor, MusicnnRegressor, make_music
    >>> music = make_music(8, genres=2, duration=3.0, random_state=0)
    >>> X = MusicnnMelExtractor().fit_transform(music.data)
    >>> reg = MusicnnRegressor(max_epochs=1, random_state=0).fit(X, music.emotion)
    >>> reg.predict(X).shape
    (8, 3)
    """

    _parameter_constraints = {**_SpectrogramNet._parameter_constraints, **_MUSICNN_CONSTRAINTS}

    def __init__(
        self, *, model="MSD_musicnn", freeze="frontend", dropout=0.5, lr=1e-4,
        max_epochs=10, batch_size=32, bucket_by_length=False, optimizer="adam",
        weight_decay=0.0, validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, callbacks=None, checkpoint=None, init_from=None,
        device="auto", accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        _store_params(self, locals())
