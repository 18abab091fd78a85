"""Any torch module as a classifier or a regressor: :class:`NetClassifier`, :class:`NetRegressor`.

The module is the only choice these estimators make; everything else (input
validation and standardisation, padding, label encoding, target scaling,
validation splits, early stopping, checkpoints, devices) is the fit path of
every spectroclf estimator.
"""


from torch import nn

from ..models import Standardize, default_lengths, frame_mask
from ..utils import CLASSIFIER_LOSS_DOC, REGRESSOR_LOSS_DOC, TRAINING_DOC
from ._base import _RUN_DOC, Network, _SpectrogramNet
from ._targets import (
    _CLASS_WEIGHT,
    _CLASSIFIER_LOSS,
    _REGRESSOR_LOSS,
    _NetClassifier,
    _NetRegressor,
)

__all__ = ["NetClassifier", "NetRegressor", "StandardizedModule"]


class StandardizedModule(nn.Module):
    """A user's module behind the per-bin standardisation of the training clips.

    Parameters
    ----------
    n_bins, n_outputs : int
        Bins per frame and outputs (classes or targets).
    mean, scale : array-like of shape (n_bins,), optional
        Statistics of the training frames (buffers; a saved state restores them).
    module : type of torch.nn.Module
        Built as ``module(n_bins=n_bins, n_outputs=n_outputs, **params)``.
    **params
        The module's own hyperparameters.

    Notes
    -----
    ``forward(X, lengths)`` standardises ``X`` (``(batch, max_len, n_bins)``),
    sets padded frames to zero (the training mean) and returns
    ``module(X, lengths)``.
    """

    def __init__(self, n_bins, n_outputs, mean=None, scale=None, *, module, **params):
        super().__init__()
        self.standardize = Standardize(n_bins, mean, scale)
        self.body = module(n_bins=n_bins, n_outputs=n_outputs, **params)

    def forward(self, X, lengths=None):
        lengths = default_lengths(X, lengths)
        X = self.standardize(X) * frame_mask(lengths, X.shape[1]).unsqueeze(-1)
        return self.body(X, lengths)


def _user_network(estimator):
    """The estimator's ``module`` with its ``module_params``, checked."""
    module = estimator.module
    if not (isinstance(module, type) and issubclass(module, nn.Module)):
        raise TypeError(
            f"module must be a torch.nn.Module class (not an instance), got "
            f"{module!r}; it is built in fit as module(n_bins=..., n_outputs=..., "
            "**module_params)"
        )
    return Network(StandardizedModule, {"module": module, **(estimator.module_params or {})},
                   head="body.head.", freeze=estimator.freeze)


_MODULE_DOC = """
    module : type of torch.nn.Module
        The network, built in ``fit`` as ``module(n_bins=n_bins,
        n_outputs=n_outputs, **module_params)``. Its ``forward(X, lengths)``
        receives a batch ``X`` of shape ``(batch, max_len, n_bins)``,
        standardised per bin with the training clips' statistics (padded
        frames are zero), and ``lengths`` of shape ``(batch,)``, the valid
        frames of each clip; it returns ``(batch, n_outputs)``. Name its
        output layer ``head`` for ``init_from`` (which copies everything
        else) and ``freeze`` (which trains only it).
    module_params : dict or None, default=None
        The module's own hyperparameters; searchable as a whole
        (``{{"clf__module_params": [{{"hidden": 16}}, {{"hidden": 32}}]}}``)."""

_MODULE_CONSTRAINTS = {"module": [type], "module_params": [dict, None]}


class NetClassifier(_NetClassifier):
    __doc__ = f"""Classifier that trains any torch module on spectrograms.

    The fit path of :class:`LSTMClassifier` and :class:`CNNClassifier` --
    validation, label encoding, standardisation, padding, cross-entropy,
    validation splits, early stopping, checkpoints, devices -- around a
    network of your own.

    Parameters
    ----------{_MODULE_DOC}
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss.{CLASSIFIER_LOSS_DOC}{TRAINING_DOC.format(lr=0.001, max_epochs=30)}{_RUN_DOC.format(stratified=" (stratified)", valid_extra=", ``valid_acc``")}
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.

    See Also
    --------
    NetRegressor : The same for real-valued targets.

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> from spectroclf import NetClassifier
    >>> class MeanMLP(nn.Module):
    ...     def __init__(self, n_bins, n_outputs, hidden=16):
    ...         super().__init__()
    ...         self.body = nn.Sequential(nn.Linear(n_bins, hidden), nn.ReLU())
    ...         self.head = nn.Linear(hidden, n_outputs)
    ...     def forward(self, X, lengths):
    ...         pooled = X.sum(1) / lengths[:, None]  # padded frames are zero
    ...         return self.head(self.body(pooled))
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(10, 4)) + (i % 2) for i in range(40)]
    >>> y = ["pop" if i % 2 else "rock" for i in range(40)]
    >>> clf = NetClassifier(module=MeanMLP, module_params={{"hidden": 8}},
    ...                     max_epochs=20, random_state=0).fit(X, y)
    >>> clf.predict(X[:2])
    array(['rock', 'pop'], dtype='<U4')
    """

    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints, **_MODULE_CONSTRAINTS, **_CLASS_WEIGHT, **_CLASSIFIER_LOSS
    }

    def __init__(
        self, *, module, module_params=None, class_weight=None, criterion="cross_entropy", lr=1e-3, max_epochs=30,
        batch_size=32, bucket_by_length=False, optimizer="adam", weight_decay=0.0,
        validation_fraction=None, early_stopping=False, n_iter_no_change=5, tol=1e-4,
        callbacks=None, checkpoint=None, init_from=None, freeze=False, device="auto",
        accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        self.module = module
        self.module_params = module_params
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
        return _user_network(self)


class NetRegressor(_NetRegressor):
    __doc__ = f"""Regressor of one or many targets that trains any torch module on spectrograms.

    The fit path of :class:`LSTMRegressor` and :class:`CNNRegressor` --
    validation, target standardisation, padding, the mean squared error,
    validation scores, early stopping, checkpoints, devices -- around a
    network of your own; predictions are in the units of ``y``.

    Parameters
    ----------{_MODULE_DOC}{REGRESSOR_LOSS_DOC}{TRAINING_DOC.format(lr=0.001, max_epochs=15)}{_RUN_DOC.format(stratified="", valid_extra=", ``valid_spearman``")}
    n_outputs_ : int
        Number of targets.

    See Also
    --------
    NetClassifier : The same for class labels, with an example module.
    """

    _parameter_constraints = {**_SpectrogramNet._parameter_constraints, **_MODULE_CONSTRAINTS, **_REGRESSOR_LOSS
    }

    def __init__(
        self, *, module, module_params=None, criterion="mse", target_weights=None, lr=1e-3, max_epochs=15, batch_size=32,
        bucket_by_length=False, optimizer="adam", weight_decay=0.0,
        validation_fraction=None, early_stopping=False, n_iter_no_change=5, tol=1e-4,
        callbacks=None, checkpoint=None, init_from=None, freeze=False, device="auto",
        accelerator=None, amp="auto", random_state=None, verbose=0,
    ):
        self.module = module
        self.module_params = module_params
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
        return _user_network(self)
