"""CNN estimators: Conv2d → BatchNorm → ReLU → MaxPool stacks over the spectrogram image."""

import numbers

from sklearn.utils._param_validation import Interval

from ..models import CNN
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

__all__ = ["CNNClassifier", "CNNRegressor"]

_CNN_DOC = """
    channels : sequence of int, default=(16, 32, 64, 64)
        Output channels of each Conv2d → BatchNorm → ReLU → MaxPool block;
        its length is the number of blocks.
    kernel_size : int, default=3
        Square, odd convolution kernel.
    dropout : float, default=0.2
        Dropout before the output layer (and after each hidden layer of the
        head).
    pool_size : int, default=2
        Max-pooling window and stride of each block along time and
        frequency (3 pools harder; 1 does not pool).
    batch_norm : bool, default=True
        Batch normalisation after each convolution.
    head_hidden : sequence of int, default=()
        Hidden layers of an MLP head (Linear → ReLU → Dropout each, e.g.
        ``(128, 64)``) before the output layer; ``()`` is the output layer
        alone. ``init_from`` copies them and ``freeze`` keeps them fixed:
        only the output layer is new."""


_CNN_CONSTRAINTS = {
    "channels": ["array-like"],
    "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "pool_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "batch_norm": ["boolean"],
    "head_hidden": ["array-like"],
}


def _cnn_network(estimator):
    """The CNN of a CNN estimator's parameters."""
    return Network(CNN, dict(
        channels=tuple(estimator.channels), kernel_size=estimator.kernel_size,
        dropout=estimator.dropout, pool_size=estimator.pool_size,
        batch_norm=estimator.batch_norm, head_hidden=tuple(estimator.head_hidden),
    ), batch_norm=estimator.batch_norm, freeze=estimator.freeze)


class CNNClassifier(_NetClassifier):
    __doc__ = f"""Genre (or any label) classifier: a CNN over the spectrogram as an image.

    Stacks of Conv2d → BatchNorm → ReLU → MaxPool over the standardised
    (time × frequency) image, then mean and max pooling over the valid time
    steps, so clips of any length work.

    Parameters
    ----------{_CNN_DOC}{AUGMENT_CLASSIFIER_DOC}
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss.{CLASSIFIER_LOSS_DOC}{_TRAINING_DOC.format(lr=0.001, max_epochs=30)}{_RUN_DOC.format(stratified=" (stratified)", valid_extra=", ``valid_acc``")}
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf import CNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 16, 8)).astype("float32")
    >>> y = np.arange(40) % 2
    >>> X[y == 1, :, :4] += 2.0
    >>> clf = CNNClassifier(channels=(8, 8), max_epochs=10, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints, **_CNN_CONSTRAINTS,
        **AUGMENT_CONSTRAINTS, **_CLASS_WEIGHT, **_CLASSIFIER_LOSS
    }

    def __init__(
        self, *, channels=(16, 32, 64, 64), kernel_size=3, dropout=0.2, pool_size=2,
        batch_norm=True, head_hidden=(),
        crop_frames=None, time_mask=0, freq_mask=0, mixup=0.0, class_weight=None,
        criterion="cross_entropy", lr=1e-3, max_epochs=30, batch_size=32,
        bucket_by_length=False, optimizer="adam", weight_decay=0.0,
        validation_fraction=None, early_stopping=False, n_iter_no_change=5, tol=1e-4,
        callbacks=None, checkpoint=None, init_from=None, freeze=False, device="auto",
        accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        self.channels = channels
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.pool_size = pool_size
        self.batch_norm = batch_norm
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
        return _cnn_network(self)

    def _augmentation(self):
        return Augmentation(crop_frames=self.crop_frames, time_mask=self.time_mask,
                            freq_mask=self.freq_mask, mixup=self.mixup)


class CNNRegressor(_NetRegressor):
    __doc__ = f"""Regressor of one or many targets: a CNN over the spectrogram as an image.

    The network of :class:`CNNClassifier` with one linear output per target,
    trained with the mean squared error on standardised targets. With
    ``init_from`` set to a fitted :class:`CNNClassifier` it fine-tunes a
    genre network for emotion (transfer learning).

    Parameters
    ----------{_CNN_DOC}{AUGMENT_REGRESSOR_DOC}{REGRESSOR_LOSS_DOC}{_TRAINING_DOC.format(lr=0.001, max_epochs=15)}{_RUN_DOC.format(stratified="", valid_extra=", ``valid_spearman``")}
    n_outputs_ : int
        Number of targets.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf import CNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(30, 12, 6)).astype("float32")
    >>> y = X.mean(axis=(1, 2))
    >>> CNNRegressor(channels=(8,), max_epochs=2, random_state=0).fit(X, y).predict(X).shape
    (30,)
    """

    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints, **_CNN_CONSTRAINTS, **AUGMENT_CONSTRAINTS, **_REGRESSOR_LOSS
    }

    def __init__(
        self, *, channels=(16, 32, 64, 64), kernel_size=3, dropout=0.2, pool_size=2,
        batch_norm=True, head_hidden=(),
        crop_frames=None, time_mask=0, freq_mask=0, mixup=0.0, criterion="mse", target_weights=None, lr=1e-3,
        max_epochs=15, batch_size=32, bucket_by_length=False, optimizer="adam",
        weight_decay=0.0, validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, tol=1e-4, callbacks=None, checkpoint=None, init_from=None,
        freeze=False, device="auto", accelerator=None, amp="auto", random_state=None,
        verbose=0,
    ):
        self.channels = channels
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.pool_size = pool_size
        self.batch_norm = batch_norm
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
        return _cnn_network(self)

    def _augmentation(self):
        return Augmentation(crop_frames=self.crop_frames, time_mask=self.time_mask,
                            freq_mask=self.freq_mask, mixup=self.mixup)
