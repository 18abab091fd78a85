"""LSTM estimators: a (bidirectional) LSTM over spectrogram frames."""

import numbers

from sklearn.utils._param_validation import Interval, StrOptions

from ..models import LSTM
from ..utils import CLASSIFIER_LOSS_DOC, REGRESSOR_LOSS_DOC
from ..utils import TRAINING_DOC as _TRAINING_DOC
from ._augment import (
    AUGMENT_CLASSIFIER_DOC,
    AUGMENT_CONSTRAINTS,
    AUGMENT_REGRESSOR_DOC,
    Augmentation,
)
from ._base import _RUN_DOC, Network, _SpectrogramNet
from ._targets import (
    _CLASS_WEIGHT,
    _CLASSIFIER_LOSS,
    _REGRESSOR_LOSS,
    _NetClassifier,
    _NetRegressor,
)

__all__ = ["LSTMClassifier", "LSTMRegressor"]

_LSTM_DOC = """
    hidden_size : int, default=64
        LSTM units per direction and layer.
    num_layers : int, default=1
        Stacked LSTM layers.
    bidirectional : bool, default=True
        Read each sequence forwards and backwards.
    dropout : float, default=0.2
        Dropout between layers and before the output layer.
    pooling : {"mean", "last"}, default="mean"
        Summarise a clip by the mean output over its valid frames or by the
        last valid hidden state. Padding never changes a valid output.
    head_hidden : sequence of int, default=()
        Hidden layers of an MLP head (Linear → ReLU → Dropout each, e.g.
        ``(128, 64)``) before the output layer; ``()`` is the output layer
        alone. ``init_from`` copies them and ``freeze`` keeps them fixed:
        only the output layer is new."""

_LSTM_CONSTRAINTS = {
    "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "num_layers": [Interval(numbers.Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "pooling": [StrOptions({"mean", "last"})],
    "head_hidden": ["array-like"],
}


def _lstm_network(estimator):
    """The LSTM of an LSTM estimator's parameters."""
    return Network(LSTM, dict(
        hidden_size=estimator.hidden_size, num_layers=estimator.num_layers,
        bidirectional=estimator.bidirectional, dropout=estimator.dropout,
        pooling=estimator.pooling, head_hidden=tuple(estimator.head_hidden),
    ), freeze=estimator.freeze)


class LSTMClassifier(_NetClassifier):
    __doc__ = f"""Genre (or any label) classifier: an LSTM over spectrogram frames.

    Frames are standardised per bin with statistics of the training clips,
    read by a (bidirectional) LSTM that padding never influences, pooled over time
    and mapped to class scores; trained with cross-entropy by skorch.

    Parameters
    ----------{_LSTM_DOC}{AUGMENT_CLASSIFIER_DOC}
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss; ``"balanced"`` uses
        ``n_samples / (n_classes * count)``.{CLASSIFIER_LOSS_DOC}{_TRAINING_DOC.format(lr=0.001, max_epochs=30)}{_RUN_DOC.format(stratified=" (stratified)", valid_extra=", ``valid_acc``")}
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``; ``predict`` returns them.

    See Also
    --------
    CNNClassifier : A convolutional network on the same input.
    LSTMRegressor : The same network for real-valued targets.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf import LSTMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(int(rng.integers(5, 20)), 8)) + (i % 2)
    ...      for i in range(40)]
    >>> y = ["pop" if i % 2 else "rock" for i in range(40)]
    >>> clf = LSTMClassifier(hidden_size=16, max_epochs=10, random_state=0).fit(X, y)
    >>> clf.predict(X[:4])
    array(['rock', 'pop', 'rock', 'pop'], dtype='<U4')
    """

    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints, **_LSTM_CONSTRAINTS,
        **AUGMENT_CONSTRAINTS, **_CLASS_WEIGHT, **_CLASSIFIER_LOSS
    }

    def __init__(
        self, *, hidden_size=64, num_layers=1, bidirectional=True, dropout=0.2,
        pooling="mean", head_hidden=(), crop_frames=None, time_mask=0, freq_mask=0, mixup=0.0,
        class_weight=None, criterion="cross_entropy", lr=1e-3, max_epochs=30, batch_size=32,
        bucket_by_length=False, optimizer="adam", weight_decay=0.0,
        validation_fraction=None, early_stopping=False, n_iter_no_change=5, tol=1e-4,
        callbacks=None, checkpoint=None, init_from=None, freeze=False, device="auto",
        accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.head_hidden = head_hidden
        self.crop_frames = crop_frames
        self.time_mask = time_mask
        self.freq_mask = freq_mask
        self.mixup = mixup
        self.class_weight = class_weight
        self.criterion = criterion
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.bucket_by_length = bucket_by_length
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.freeze = freeze
        self.device = device
        self.accelerator = accelerator
        self.amp = amp
        self.random_state = random_state
        self.verbose = verbose

    def _network(self):
        return _lstm_network(self)

    def _augmentation(self):
        return Augmentation(crop_frames=self.crop_frames, time_mask=self.time_mask,
                            freq_mask=self.freq_mask, mixup=self.mixup)


class LSTMRegressor(_NetRegressor):
    __doc__ = f"""Regressor of one or many targets (e.g. valence, energy, danceability): an LSTM.

    The network of :class:`LSTMClassifier` with one linear output per target
    (a shared body and one head per target), trained with the mean squared
    error on standardised targets.

    Parameters
    ----------{_LSTM_DOC}{AUGMENT_REGRESSOR_DOC}{REGRESSOR_LOSS_DOC}{_TRAINING_DOC.format(lr=0.001, max_epochs=15)}{_RUN_DOC.format(stratified="", valid_extra=", ``valid_spearman``")}
    n_outputs_ : int
        Number of targets.

    See Also
    --------
    spectroclf.spearman_score : The lab's metric for these targets.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf import LSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(10, 4)) for _ in range(30)]
    >>> y = np.array([[x.mean(), x.std()] for x in X])
    >>> LSTMRegressor(max_epochs=2, random_state=0).fit(X, y).predict(X).shape
    (30, 2)
    """

    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints, **_LSTM_CONSTRAINTS, **AUGMENT_CONSTRAINTS, **_REGRESSOR_LOSS
    }

    def __init__(
        self, *, hidden_size=64, num_layers=1, bidirectional=True, dropout=0.2,
        pooling="mean", head_hidden=(), crop_frames=None, time_mask=0, freq_mask=0, mixup=0.0,
        criterion="mse", target_weights=None, lr=1e-3, max_epochs=15, batch_size=32, bucket_by_length=False,
        optimizer="adam", weight_decay=0.0, validation_fraction=None,
        early_stopping=False, n_iter_no_change=5, tol=1e-4, callbacks=None, checkpoint=None,
        init_from=None, freeze=False, device="auto", accelerator=None, amp="auto",
        random_state=None, verbose=0,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.head_hidden = head_hidden
        self.crop_frames = crop_frames
        self.time_mask = time_mask
        self.freq_mask = freq_mask
        self.mixup = mixup
        self.criterion = criterion
        self.target_weights = target_weights
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.bucket_by_length = bucket_by_length
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.freeze = freeze
        self.device = device
        self.accelerator = accelerator
        self.amp = amp
        self.random_state = random_state
        self.verbose = verbose

    def _network(self):
        return _lstm_network(self)

    def _augmentation(self):
        return Augmentation(crop_frames=self.crop_frames, time_mask=self.time_mask,
                            freq_mask=self.freq_mask, mixup=self.mixup)

