"""The machinery shared by every estimator that owns a skorch net.

:class:`_SpectrogramNet` validates the input, builds the skorch network as
``net_`` in ``fit`` (composition rather than subclassing skorch's nets keeps
the estimators clonable, picklable and compliant with scikit-learn's
estimator checks), resolves the device, writes and resumes checkpoints and
transfers weights from a fitted estimator. Subclasses add the task
(:mod:`._targets`) and the network (:mod:`._lstm`, :mod:`._cnn`,
:mod:`spectroclf.musicnn`).
"""

import copy
import numbers
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback, EarlyStopping, ProgressBar
from skorch.dataset import ValidSplit

from .._io import atomic_write
from .._validation import check_lengths_match, check_spectrograms
from ._accelerate import accelerated_net_class, is_main_process, unwrap_module
from ._amp import amp_net_class, resolve_amp
from ._data import BucketedDataLoader, SpectrogramDataset, pad_collate

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


def _store_params(estimator, params):
    """Store the constructor's arguments as attributes of the same names.

    ``__init__(self, *, a=1, b=2): _store_params(self, locals())`` is
    scikit-learn's contract (the explicit signature is what ``get_params``
    reads; the body only stores) written once for every estimator.
    """
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


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
        if not is_main_process(net):  # one writer under accelerate launch
            return
        state = {
            "meta": self.meta,
            "module": unwrap_module(net).state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            # skorch records numpy floats; weights_only loads refuse them
            "history": _plain_python(net.history.to_list()),
        }
        atomic_write(self.path, lambda f: torch.save(state, f))


class _SpectrogramNet(BaseEstimator):
    """Shared machinery of the four estimators (not public).

    Subclasses set ``_module`` (a torch module class), list the
    module's hyperparameters in ``_module_params`` and implement the target
    handling (``_prepare_y``, ``_net_class``, ``_criterion``).
    """

    _module = None
    _module_params = ()

    _parameter_constraints = {
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "bucket_by_length": ["boolean"],
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
        "accelerator": [HasMethods(["prepare", "unwrap_model"]), None],
        "amp": [StrOptions({"auto"}), "boolean"],
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

    #: skorch's validation split class (``_stratify`` says whether it stratifies)
    _valid_split = ValidSplit

    def _collates(self, lengths, mean, n_outputs):
        """Collate functions of the training and the validation batches.

        ``lengths`` holds the frames of each training clip.
        """
        return pad_collate, pad_collate

    def _build_net(self, y_enc, n_outputs, mean, scale, seed, n_train, collates=None):
        optimizer, optimizer_kwargs = (
            _OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str)
            else (self.optimizer, {})
        )
        collates = collates or (pad_collate, pad_collate)
        fraction = self._validation_fraction()
        train_split = (
            None if fraction is None
            else self._valid_split(fraction, stratified=self._stratify, random_state=seed)
        )
        kwargs = {f"optimizer__{k}": v for k, v in optimizer_kwargs.items()}
        kwargs.update(self._net_kwargs(y_enc))
        net_class, device = self._net_class, self.device_
        if self.accelerator is not None:  # the accelerator places the network
            net_class, device = accelerated_net_class(net_class), None
            kwargs["accelerator"] = self.accelerator
            if not isinstance(self.amp, str) and self.amp:
                raise ValueError(
                    "amp=True with an accelerator: set the accelerator's own "
                    "mixed_precision (Accelerator(mixed_precision='fp16')) instead"
                )
        else:
            net_class = amp_net_class(net_class)
            resolve_amp(self.amp, device)  # refuse amp=True on other devices now
            kwargs["amp"] = self.amp
        if self.bucket_by_length:
            kwargs["iterator_train"] = BucketedDataLoader
        # pinned batches let the host-to-GPU copies run without blocking
        pin = device is not None and torch.device(device).type == "cuda"
        return net_class(
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
            iterator_train__collate_fn=collates[0],
            iterator_valid__collate_fn=collates[1],
            iterator_train__pin_memory=pin,
            iterator_valid__pin_memory=pin,
            # A last training batch of one sample breaks batch normalisation.
            iterator_train__drop_last=self._drop_last(n_train),
            device=device,
            verbose=int(self.verbose > 0),
            **kwargs,
        )

    #: whether the network has batch normalisation, which cannot train on a
    #: batch of one clip
    _batch_norm = False

    def _drop_last(self, n_train):
        return (self._batch_norm and n_train > self.batch_size
                and n_train % self.batch_size == 1)

    #: who may be ``init_from``, for the error message
    _init_from_hint = "an estimator of the same family (LSTM* or CNN*)"

    def _transfer(self, net):
        """Copy every weight but the head from ``init_from``; freeze if asked."""
        source = self.init_from
        check_is_fitted(source, "net_")
        if type(source.net_.module_) is not type(net.module_):
            raise ValueError(
                f"init_from is a {type(source).__name__}, whose network cannot "
                f"initialise a {type(self).__name__}; use {self._init_from_hint}"
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
        self._freeze_body(net)

    def _freeze_body(self, net):
        """With ``freeze``, train only the head."""
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
        self.device_ = (resolve_device(self.device) if self.accelerator is None
                        else str(self.accelerator.device))
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
        collates = self._collates(dataset.lengths, mean, n_outputs)
        fraction = self._validation_fraction()
        n_train = len(specs) if fraction is None else int(len(specs) * (1 - fraction))

        devices = [torch.device(self.device_).index or 0] if self.device_.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            self.net_ = self._build_net(
                y_enc, n_outputs, mean, scale, seed, n_train, collates
            )
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
        return self._predict_dataset(SpectrogramDataset(specs))

    def _predict_dataset(self, dataset):
        """The network's outputs for a :class:`SpectrogramDataset` of clips."""
        return self.net_.predict_proba(dataset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

_TRAINING_DOC = """
    lr : float, default={lr}
        Learning rate.
    max_epochs : int, default={max_epochs}
        Passes over the training data.
    batch_size : int, default=32
        Clips per batch; each batch is padded to its longest clip.
    bucket_by_length : bool, default=False
        Train on batches of clips of similar length (shuffled pools of 16
        batches sorted by length, the batches in a new random order every
        epoch; still deterministic under ``random_state``), so that batches
        carry little padding: faster when clip lengths vary (beat-synced
        clips), no gain when they are all alike (full-length clips).
        Validation and prediction keep the input order.
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
        ``"auto"`` uses CUDA when available, else the CPU. Ignored with an
        ``accelerator``, which places the network itself.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``):
        run the script with ``accelerate launch --multi_gpu --num_processes N``
        for data-parallel training on N GPUs, each process fitting on
        ``batch_size`` clips per step (an effective batch of
        ``batch_size * N``), or use the accelerator's mixed precision. Every
        process returns all the predictions; ``checkpoint`` files are written
        by the main process only. Needs ``pip install "spectroclf[accelerate]"``.
        See :ref:`scaling`.
    amp : {{"auto"}} or bool, default="auto"
        Automatic mixed precision: forward passes under ``torch.autocast``
        in float16 with gradient scaling on CUDA, in bfloat16 on the CPU
        (outputs, losses and probabilities stay float32). ``"auto"`` is on
        for CUDA and off on the CPU, where results are exactly those of
        float32. On CUDA, batches are also pinned and copied to the GPU
        without blocking. With an ``accelerator``, use its own
        ``mixed_precision`` instead.
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
