"""scikit-learn estimators that train the LSTM and CNN of :mod:`spectroclf.models`.

Each estimator is a plain scikit-learn estimator with flat, searchable
hyperparameters. ``fit`` validates the input, builds a skorch network and
stores it as ``net_``; training, validation splits, early stopping and
callbacks are skorch's. This composition (rather than subclassing skorch's
nets) keeps the estimators clonable, picklable and compliant with
scikit-learn's estimator checks.
"""

import copy
import numbers
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import Callback, EarlyStopping, EpochScoring, ProgressBar
from skorch.dataset import ValidSplit

from ._data import SpectrogramDataset, pad_collate
from ._io import atomic_write
from ._validation import check_lengths_match, check_spectrograms
from .metrics import spearman_score
from .models import CNN, LSTM

__all__ = ["LSTMClassifier", "LSTMRegressor", "CNNClassifier", "CNNRegressor"]

_OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
}

CHECKPOINT_FILE = "checkpoint.pt"


def resolve_device(device):
    """Turn ``"auto"`` into ``"cuda"`` or ``"cpu"``; refuse CUDA without a GPU."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but CUDA is not available on this machine "
            "(torch.cuda.is_available() is False); use device='auto' to run on "
            "the GPU when there is one and on the CPU otherwise, or device='cpu'"
        )
    return str(device)


def _frame_statistics(specs):
    """Per-bin mean and standard deviation over all frames, float64-accurate."""
    n = sum(len(s) for s in specs)
    mean = sum(s.sum(0, dtype=np.float64) for s in specs) / n
    var = sum(((s - mean) ** 2).sum(0) for s in specs) / n
    scale = np.sqrt(var)
    scale[scale < 1e-6] = 1.0
    return mean.astype(np.float32), scale.astype(np.float32)


def _plain_python(obj):
    """Numpy scalars (anywhere in lists/dicts) as Python numbers."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {k: _plain_python(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain_python(v) for v in obj)
    return obj


class _Checkpoint(Callback):
    """Save the whole training state after every epoch, atomically.

    The state goes to a temporary file that is then renamed over
    ``checkpoint.pt``, so an interrupted write never leaves a partial file
    behind under the real name.
    """

    def __init__(self, path, meta):
        self.path = Path(path)
        self.meta = meta

    def on_epoch_end(self, net, **kwargs):
        state = {
            "meta": self.meta,
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            # skorch records numpy floats; weights_only loads refuse them
            "history": _plain_python(net.history.to_list()),
        }
        atomic_write(self.path, lambda f: torch.save(state, f))


class _SpectrogramNet(BaseEstimator):
    """Shared machinery of the four estimators (not public).

    Subclasses set ``_module`` (a :mod:`spectroclf.models` class), list the
    module's hyperparameters in ``_module_params`` and implement the target
    handling (``_prepare_y``, ``_net_class``, ``_criterion``).
    """

    _module = None
    _module_params = ()

    _parameter_constraints = {
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "checkpoint": [str, os.PathLike, None],
        "init_from": [HasMethods(["fit", "predict"]), None],
        "freeze": ["boolean"],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # -- building ----------------------------------------------------------
    def _module_kwargs(self):
        kwargs = {name: getattr(self, name) for name in self._module_params}
        if "channels" in kwargs:
            kwargs["channels"] = tuple(kwargs["channels"])
        return kwargs

    def _callbacks(self, seed):
        callbacks = [(f"user_{i}", cb) if not isinstance(cb, tuple) else cb
                     for i, cb in enumerate(copy.deepcopy(self.callbacks or []))]
        if self.early_stopping:
            callbacks.append(
                ("early_stopping",
                 EarlyStopping(patience=self.n_iter_no_change, load_best=True))
            )
        if self.verbose >= 2:
            callbacks.append(("progress", ProgressBar()))
        return callbacks

    def _validation_fraction(self):
        if self.validation_fraction is None and self.early_stopping:
            return 0.1
        return self.validation_fraction

    def _build_net(self, y_enc, n_outputs, mean, scale, seed, n_train):
        optimizer, optimizer_kwargs = (
            _OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str)
            else (self.optimizer, {})
        )
        fraction = self._validation_fraction()
        train_split = (
            None if fraction is None
            else ValidSplit(fraction, stratified=self._stratify, random_state=seed)
        )
        kwargs = {f"optimizer__{k}": v for k, v in optimizer_kwargs.items()}
        kwargs.update(self._net_kwargs(y_enc))
        return self._net_class(
            module=self._module,
            module__n_bins=self.n_features_in_,
            module__n_outputs=n_outputs,
            module__mean=mean,
            module__scale=scale,
            **{f"module__{k}": v for k, v in self._module_kwargs().items()},
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=self._callbacks(seed),
            iterator_train__shuffle=True,
            iterator_train__collate_fn=pad_collate,
            iterator_valid__collate_fn=pad_collate,
            # A last training batch of one sample breaks batch normalisation.
            iterator_train__drop_last=self._drop_last(n_train),
            device=self.device_,
            verbose=int(self.verbose > 0),
            **kwargs,
        )

    def _drop_last(self, n_train):
        return False

    def _transfer(self, net):
        """Copy every weight but the head from ``init_from``; freeze if asked."""
        source = self.init_from
        check_is_fitted(source, "net_")
        if type(source.net_.module_) is not type(net.module_):
            raise ValueError(
                f"init_from is a {type(source).__name__}, whose network cannot "
                f"initialise a {type(self).__name__}; use an estimator of the "
                "same family (LSTM* or CNN*)"
            )
        theirs = source.net_.module_.state_dict()
        ours = net.module_.state_dict()
        for key, value in ours.items():
            if key.startswith("head."):
                continue
            if key not in theirs or theirs[key].shape != value.shape:
                raise ValueError(
                    f"init_from's network does not match this one at {key!r} "
                    f"({tuple(theirs[key].shape) if key in theirs else 'missing'} "
                    f"vs {tuple(value.shape)}); use the same architecture "
                    "parameters and the same number of bins "
                    f"(init_from has n_features_in_={source.n_features_in_})"
                )
            ours[key] = theirs[key].to(value.device)
        net.module_.load_state_dict(ours)
        if self.freeze:
            for name, param in net.module_.named_parameters():
                param.requires_grad = name.startswith("head.")
            net.initialize_optimizer()

    # -- fitting ---------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network.

        Parameters
        ----------
        X : list of ndarray of shape (n_frames_i, n_bins), dict, or ndarray
            Spectrograms, time first: a list of arrays of any lengths, the
            dict ``{"X": (n, max_len, n_bins), "lengths": (n,)}`` that
            :class:`~spectroclf.PadTruncate` returns, a 3-D array
            ``(n, n_frames, n_bins)``, or a 2-D array ``(n, n_bins)`` read as
            one frame per sample.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Class labels of any type (classifiers) or real targets
            (regressors).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if self.init_from is not None and self.init_from is self:
            raise ValueError("init_from cannot be the estimator itself")
        specs = check_spectrograms(X, estimator=self, reset=True)
        check_lengths_match(specs, y)
        y_enc, n_outputs = self._prepare_y(y)
        self.device_ = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if self.init_from is not None:
            check_is_fitted(self.init_from, "net_")
            mod = self.init_from.net_.module_.standardize
            mean, scale = mod.mean.cpu().numpy(), mod.scale.cpu().numpy()
        elif getattr(self, "_standardize_input", True):
            mean, scale = _frame_statistics(specs)
        else:  # the module normalises its own input (pretrained musicnn)
            mean, scale = None, None
        dataset = SpectrogramDataset(specs, y_enc)
        fraction = self._validation_fraction()
        n_train = len(specs) if fraction is None else int(len(specs) * (1 - fraction))

        devices = [torch.device(self.device_).index or 0] if self.device_.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            self.net_ = self._build_net(y_enc, n_outputs, mean, scale, seed, n_train)
            self.net_.initialize()
            if self.init_from is not None:
                self._transfer(self.net_)
            epochs = self.max_epochs
            if self.checkpoint is not None:
                epochs = self._resume(n_outputs)
            with warnings.catch_warnings():
                # skorch warns when a 1-sample-per-class split happens; our
                # own checks already raised with a clearer message.
                warnings.filterwarnings("ignore", category=UserWarning, module="skorch")
                if epochs > 0:
                    self.net_.partial_fit(dataset, y_enc, epochs=epochs)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        stopped_early = self.early_stopping and self.n_epochs_ < self.max_epochs
        if self.n_epochs_ < self.max_epochs and not stopped_early:
            hint = (f"fit again with checkpoint={str(self.checkpoint)!r} to continue"
                    if self.checkpoint is not None else
                    "set checkpoint=<folder> to be able to resume")
            warnings.warn(
                f"training was interrupted after epoch {self.n_epochs_} of "
                f"{self.max_epochs}; the estimator holds the weights of that "
                f"epoch. {hint}",
                UserWarning,
                stacklevel=3,  # the caller of fit, above sklearn's _fit_context
            )
        return self

    def __setstate__(self, state):
        # skorch maps a CUDA net to the CPU when unpickled without a GPU
        super().__setstate__(state)
        net = self.__dict__.get("net_")
        if net is not None and "device_" in self.__dict__:
            self.device_ = str(net.device)

    def _checkpoint_meta(self, n_outputs):
        return {
            "estimator": type(self).__name__,
            "n_features_in": int(self.n_features_in_),
            "n_outputs": int(n_outputs),
            "module_params": {k: (list(v) if isinstance(v, tuple) else v)
                              for k, v in self._module_kwargs().items()},
        }

    def _resume(self, n_outputs):
        """Load ``checkpoint/checkpoint.pt`` if present; return epochs left."""
        directory = Path(self.checkpoint)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CHECKPOINT_FILE
        meta = self._checkpoint_meta(n_outputs)
        self.net_.callbacks_.append(("checkpoint", _Checkpoint(path, meta)))
        if not path.exists():
            return self.max_epochs
        try:
            state = torch.load(path, map_location=self.device_, weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable file
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            if "Weights only load failed" in reason:
                reason = "not a checkpoint written by spectroclf, or corrupt"
            raise ValueError(
                f"checkpoint {path} could not be read ({type(exc).__name__}: "
                f"{reason}); delete it to start training afresh"
            ) from None
        if state["meta"] != meta:
            raise ValueError(
                f"checkpoint {path} was written by a different model "
                f"({state['meta']}); this one is {meta}. Use another checkpoint "
                "directory or delete the file to start afresh"
            )
        self.net_.module_.load_state_dict(state["module"])
        self.net_.optimizer_.load_state_dict(state["optimizer"])
        self.net_.history.extend(state["history"])
        return self.max_epochs - len(self.net_.history)

    # -- predicting ------------------------------------------------------------
    def _forward(self, X):
        check_is_fitted(self, "net_")
        specs = check_spectrograms(X, estimator=self, reset=False)
        dataset = SpectrogramDataset(specs)
        return self.net_.predict_proba(dataset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


class _ClassifierMixin(ClassifierMixin):
    _stratify = True
    _net_class = NeuralNetClassifier

    def _prepare_y(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; "
                "ravelling it.",
                DataConversionWarning,
                stacklevel=3,
            )
            y = y.ravel()
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has only one class ({self.classes_[0].item()!r}); a classifier "
                "needs samples of at least two classes"
            )
        fraction = self._validation_fraction()
        if fraction is not None:
            counts = np.bincount(y_enc)
            if counts.min() < 2:
                raise ValueError(
                    f"class {self.classes_[counts.argmin()].item()!r} has only one "
                    f"sample, but validation_fraction={fraction} needs a "
                    "stratified split with at least 2 samples per class; drop "
                    "rare classes first (merge_classes(X, y, min_count=2)) or "
                    "set validation_fraction=None"
                )
        return y_enc.astype(np.int64), len(self.classes_)

    def _net_kwargs(self, y_enc):
        kwargs = {"criterion": torch.nn.CrossEntropyLoss,
                  "classes": list(range(len(self.classes_)))}
        if isinstance(self.class_weight, dict):
            weights = [float(self.class_weight.get(c, 1.0)) for c in self.classes_]
        elif self.class_weight == "balanced":
            weights = compute_class_weight(
                "balanced", classes=np.arange(len(self.classes_)), y=y_enc
            )
        else:
            return kwargs
        kwargs["criterion__weight"] = torch.as_tensor(weights, dtype=torch.float32)
        return kwargs

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Spectrograms in any form ``fit`` accepts, with the same number of
            bins.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``.
        """
        return self._forward(X)

    def predict(self, X):
        """Predicted class labels, of the same type as the ``y`` given to fit.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Spectrograms in any form ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class _RegressorMixin(RegressorMixin):
    _stratify = False
    _net_class = NeuralNetRegressor

    def _prepare_y(self, y):
        try:
            y = check_array(y, ensure_2d=False, dtype=np.float32, input_name="y")
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(
                f"y of {type(self).__name__} must be numbers (real-valued "
                f"targets); {exc}. For class labels use "
                f"{type(self).__name__.replace('Regressor', 'Classifier')}"
            ) from None
        if y.ndim > 2:
            raise ValueError(f"y has shape {y.shape}; expected (n_samples,) or (n_samples, n_targets)")
        self._single_target = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        self.y_mean_ = y2.mean(axis=0)
        scale = y2.std(axis=0)
        scale[scale < 1e-12] = 1.0
        self.y_scale_ = scale
        return ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32), self.n_outputs_

    def _net_kwargs(self, y_enc):
        return {"criterion": torch.nn.MSELoss}

    def _callbacks(self, seed):
        callbacks = super()._callbacks(seed)
        if self._validation_fraction() is not None:
            callbacks.append((
                "valid_spearman",
                EpochScoring(_skorch_spearman, name="valid_spearman",
                             lower_is_better=False, use_caching=True),
            ))
        return callbacks

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Spectrograms in any form ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            The shape of the ``y`` given to fit.
        """
        pred = self._forward(X).astype(np.float64) * self.y_scale_ + self.y_mean_
        return pred.ravel() if self._single_target else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _skorch_spearman(net, X, y):
    """Mean Spearman rho of a skorch net on validation data (for EpochScoring)."""
    return spearman_score(np.asarray(y).reshape(len(y), -1),
                          np.asarray(net.predict(X)).reshape(len(y), -1))


_TRAINING_DOC = """
    lr : float, default={lr}
        Learning rate.
    max_epochs : int, default={max_epochs}
        Passes over the training data.
    batch_size : int, default=32
        Clips per batch; each batch is padded to its longest clip.
    optimizer : {{"adam", "adamw", "sgd"}} or torch optimizer class, default="adam"
        ``"sgd"`` uses momentum 0.9.
    weight_decay : float, default=0.0
        L2 penalty (decoupled for ``"adamw"``)."""

_RUN_DOC = """
    validation_fraction : float in (0, 1), default=None
        Fraction of the training clips held out{stratified} to report
        ``valid_loss`` in ``history_`` each epoch. ``None`` trains on
        everything (0.1 is held out when ``early_stopping``).
    early_stopping : bool, default=False
        Stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs and restore the best weights.
    n_iter_no_change : int, default=5
        Patience of early stopping.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks (e.g. ``skorch.callbacks.LRScheduler``); they
        are copied, never modified.
    checkpoint : str or path-like, default=None
        A directory where the training state is saved after every epoch
        (``checkpoint.pt``, written to a temporary file and then renamed).
        Fitting again with the same directory resumes from the last saved
        epoch and stops at ``max_epochs`` in all.
    init_from : fitted estimator of the same family, default=None
        Start from this estimator's network (all but the output layer), e.g.
        a genre classifier to fine-tune for emotion regression. The
        architecture parameters and the number of bins must match.
    freeze : bool, default=False
        With ``init_from``, train only the new output layer.
    device : {{"auto", "cpu", "cuda"}} or str, default="auto"
        ``"auto"`` uses CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split; the same value gives the same predictions on the CPU.
    verbose : int, default=0
        1 prints one line per epoch, 2 adds a progress bar per epoch.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained skorch network (its ``module_`` is the torch module).
    history_ : skorch.History
        Per-epoch ``train_loss`` (and ``valid_loss``{valid_extra} with a
        validation split); ``history_[:, "train_loss"]`` gives a curve.
    n_epochs_ : int
        Epochs trained.
    n_features_in_ : int
        Number of frequency bins per frame.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when 2-D input with string column names was given.
    device_ : str
        The device used for training."""

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
        last valid hidden state. Padding never changes a valid output."""

_CNN_DOC = """
    channels : sequence of int, default=(16, 32, 64, 64)
        Output channels of each Conv2d → BatchNorm → ReLU → MaxPool block;
        its length is the number of blocks.
    kernel_size : int, default=3
        Square, odd convolution kernel.
    dropout : float, default=0.2
        Dropout before the output layer."""

_LSTM_CONSTRAINTS = {
    "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "num_layers": [Interval(numbers.Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "pooling": [StrOptions({"mean", "last"})],
}
_CNN_CONSTRAINTS = {
    "channels": ["array-like"],
    "kernel_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
}
_CLASS_WEIGHT = {"class_weight": [StrOptions({"balanced"}), dict, None]}


class _CNNMixin:
    _module = CNN
    _module_params = ("channels", "kernel_size", "dropout")

    def _drop_last(self, n_train):
        # Batch normalisation cannot train on a batch of one clip.
        return n_train > self.batch_size and n_train % self.batch_size == 1


class LSTMClassifier(_ClassifierMixin, _SpectrogramNet):
    __doc__ = f"""Genre (or any label) classifier: an LSTM over spectrogram frames.

    Frames are standardised per bin with statistics of the training clips,
    read by a (bidirectional) LSTM that padding never influences, pooled over time
    and mapped to class scores; trained with cross-entropy by skorch.

    Parameters
    ----------{_LSTM_DOC}
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss; ``"balanced"`` uses
        ``n_samples / (n_classes * count)``.{_TRAINING_DOC.format(lr=0.001, max_epochs=30)}{_RUN_DOC.format(stratified=" (stratified)", valid_extra=", ``valid_acc``")}
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

    _module = LSTM
    _module_params = tuple(_LSTM_CONSTRAINTS)
    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints, **_LSTM_CONSTRAINTS, **_CLASS_WEIGHT
    }

    def __init__(
        self, *, hidden_size=64, num_layers=1, bidirectional=True, dropout=0.2,
        pooling="mean", class_weight=None, lr=1e-3, max_epochs=30, batch_size=32,
        optimizer="adam", weight_decay=0.0, validation_fraction=None,
        early_stopping=False, n_iter_no_change=5, callbacks=None, checkpoint=None,
        init_from=None, freeze=False, device="auto", random_state=None, verbose=0,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.class_weight = class_weight
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.freeze = freeze
        self.device = device
        self.random_state = random_state
        self.verbose = verbose


class LSTMRegressor(_RegressorMixin, _SpectrogramNet):
    __doc__ = f"""Regressor of one or many targets (e.g. valence, energy, danceability): an LSTM.

    The network of :class:`LSTMClassifier` with one linear output per target
    (a shared body and one head per target), trained with the mean squared
    error on standardised targets.

    Parameters
    ----------{_LSTM_DOC}{_TRAINING_DOC.format(lr=0.001, max_epochs=15)}{_RUN_DOC.format(stratified="", valid_extra=", ``valid_spearman``")}
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

    _module = LSTM
    _module_params = tuple(_LSTM_CONSTRAINTS)
    _parameter_constraints = {**_SpectrogramNet._parameter_constraints, **_LSTM_CONSTRAINTS}

    def __init__(
        self, *, hidden_size=64, num_layers=1, bidirectional=True, dropout=0.2,
        pooling="mean", lr=1e-3, max_epochs=15, batch_size=32, optimizer="adam",
        weight_decay=0.0, validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, callbacks=None, checkpoint=None, init_from=None,
        freeze=False, device="auto", random_state=None, verbose=0,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.freeze = freeze
        self.device = device
        self.random_state = random_state
        self.verbose = verbose


class CNNClassifier(_CNNMixin, _ClassifierMixin, _SpectrogramNet):
    __doc__ = f"""Genre (or any label) classifier: a CNN over the spectrogram as an image.

    Stacks of Conv2d → BatchNorm → ReLU → MaxPool over the standardised
    (time × frequency) image, then mean and max pooling over the valid time
    steps, so clips of any length work.

    Parameters
    ----------{_CNN_DOC}
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss.{_TRAINING_DOC.format(lr=0.001, max_epochs=30)}{_RUN_DOC.format(stratified=" (stratified)", valid_extra=", ``valid_acc``")}
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
        **_SpectrogramNet._parameter_constraints, **_CNN_CONSTRAINTS, **_CLASS_WEIGHT
    }

    def __init__(
        self, *, channels=(16, 32, 64, 64), kernel_size=3, dropout=0.2,
        class_weight=None, lr=1e-3, max_epochs=30, batch_size=32, optimizer="adam",
        weight_decay=0.0, validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, callbacks=None, checkpoint=None, init_from=None,
        freeze=False, device="auto", random_state=None, verbose=0,
    ):
        self.channels = channels
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.class_weight = class_weight
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.freeze = freeze
        self.device = device
        self.random_state = random_state
        self.verbose = verbose


class CNNRegressor(_CNNMixin, _RegressorMixin, _SpectrogramNet):
    __doc__ = f"""Regressor of one or many targets: a CNN over the spectrogram as an image.

    The network of :class:`CNNClassifier` with one linear output per target,
    trained with the mean squared error on standardised targets. With
    ``init_from`` set to a fitted :class:`CNNClassifier` it fine-tunes a
    genre network for emotion (transfer learning).

    Parameters
    ----------{_CNN_DOC}{_TRAINING_DOC.format(lr=0.001, max_epochs=15)}{_RUN_DOC.format(stratified="", valid_extra=", ``valid_spearman``")}
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

    _parameter_constraints = {**_SpectrogramNet._parameter_constraints, **_CNN_CONSTRAINTS}

    def __init__(
        self, *, channels=(16, 32, 64, 64), kernel_size=3, dropout=0.2, lr=1e-3,
        max_epochs=15, batch_size=32, optimizer="adam", weight_decay=0.0,
        validation_fraction=None, early_stopping=False, n_iter_no_change=5,
        callbacks=None, checkpoint=None, init_from=None, freeze=False,
        device="auto", random_state=None, verbose=0,
    ):
        self.channels = channels
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.freeze = freeze
        self.device = device
        self.random_state = random_state
        self.verbose = verbose


# ---------------------------------------------------------------------------
# Fine-tuning a pretrained musicnn

from .models.musicnn import PRETRAINED_MODELS  # noqa: E402
from .models.musicnn_head import FREEZE_OPTIONS, MusicnnTransfer  # noqa: E402

__all__ += ["MusicnnClassifier", "MusicnnRegressor"]

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

    def _drop_last(self, n_train):
        # Trainable batch normalisation cannot train on a batch of one clip.
        return n_train > self.batch_size and n_train % self.batch_size == 1

    def _transfer(self, net):
        """Copy every weight but the head from ``init_from``; ``freeze`` stays as set."""
        source = self.init_from
        check_is_fitted(source, "net_")
        if not isinstance(source.net_.module_, MusicnnTransfer):
            raise ValueError(
                f"init_from is a {type(source).__name__}, whose network cannot "
                f"initialise a {type(self).__name__}; use a fitted MusicnnClassifier "
                "or MusicnnRegressor"
            )
        theirs = source.net_.module_.state_dict()
        ours = net.module_.state_dict()
        for key, value in ours.items():
            if not key.startswith("head."):
                ours[key] = theirs[key].to(value.device)
        net.module_.load_state_dict(ours)


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
        self, *, model="MSD_musicnn", freeze="frontend", dropout=0.5,
        class_weight=None, lr=1e-4, max_epochs=10, batch_size=32, optimizer="adam",
        weight_decay=0.0, validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, callbacks=None, checkpoint=None, init_from=None,
        device="auto", random_state=None, verbose=0,
    ):
        self.model = model
        self.freeze = freeze
        self.dropout = dropout
        self.class_weight = class_weight
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.device = device
        self.random_state = random_state
        self.verbose = verbose


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
        max_epochs=10, batch_size=32, optimizer="adam", weight_decay=0.0,
        validation_fraction=None, early_stopping=False, n_iter_no_change=5,
        callbacks=None, checkpoint=None, init_from=None, device="auto",
        random_state=None, verbose=0,
    ):
        self.model = model
        self.freeze = freeze
        self.dropout = dropout
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
