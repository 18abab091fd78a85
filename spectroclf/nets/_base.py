"""The one fit path of every estimator that owns a skorch net.

An estimator is a thin class over :class:`_SpectrogramNet`: an explicit,
keyword-only ``__init__`` that stores its parameters, and four small objects
made from those parameters, each with one job:

``_target()``
    What ``y`` is: class labels, real targets, or both
    (:mod:`._targets`). It encodes ``y``, names the fitted attributes
    (``classes_``, ``y_mean_``, ...), chooses skorch's net class, the loss,
    the validation split and the validation scores.
``_inputs()``
    What ``X`` is: spectrograms (:class:`SpectrogramInput`, here), or audio
    and musicnn log-mels (:mod:`spectroclf.musicnn`). It validates ``X``
    and turns it into the clips the network reads.
``_network()``
    Which torch module, with which parameters (:class:`Network`).
``_augmentation()``
    Random crops, masks and mixup while fitting, crop-averaged prediction
    (:class:`~._augment.Augmentation`), or ``None``.

``fit`` is: validate ``X`` -> encode ``y`` -> prepare the clips (one pass
over them for lengths and input statistics) -> build the skorch net from one
:class:`NetSpec` -> train. ``predict`` mirrors it. Composition rather than
subclassing skorch's nets keeps the estimators clonable, picklable and
compliant with scikit-learn's estimator checks.

Persistence goes through two methods of the same contract,
:meth:`_SpectrogramNet._export_state` and
:meth:`_SpectrogramNet._from_state`: :mod:`spectroclf.persistence` handles
the file, never an estimator's attributes.
"""

import copy
import numbers
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import ProgressBar

from ..utils import (
    DEVICE_DOC,
    INIT_FROM_DOC,
    VALIDATION_DOC,
    check_lengths_match,
    check_spectrograms,
    plain_python,
    resolve_device,
    warn_user,
)
from ._accelerate import accelerated_net_class, unwrap_module
from ._amp import amp_net_class, resolve_amp
from ._callbacks import _Checkpoint, _Diverged, _EarlyStopping, _stopped_early
from ._data import BucketedDataLoader, SpectrogramDataset, pad_collate
from ._transfer import copy_weights, freeze_body, source_module

_OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
}

CHECKPOINT_FILE = "checkpoint.pt"


# -- the parts an estimator is made of ---------------------------------------------
@dataclass(frozen=True)
class Network:
    """Which torch module an estimator trains, and how it is built.

    Parameters
    ----------
    module : type of torch.nn.Module
        Called as ``module(n_bins=, n_outputs=, mean=, scale=, **params)``;
        its ``forward(X, lengths)`` reads a padded batch ``(batch, n_frames,
        n_bins)`` and the valid frames of each clip, and returns
        ``(batch, n_outputs)``.
    params : dict
        The module's own hyperparameters.
    batch_norm : bool, default=False
        Whether the module has batch normalisation, which cannot train on a
        batch of one clip (the last one of an epoch is then dropped).
    head : str, default="head."
        Prefix of the output layer's parameters: the ones ``init_from`` does
        not copy and the only ones ``freeze`` trains.
    freeze : bool, default=False
        Train only the output layer (with ``init_from``).
    """

    module: type
    params: dict = field(default_factory=dict)
    batch_norm: bool = False
    head: str = "head."
    freeze: bool = False


class SpectrogramInput:
    """``X`` as spectrograms, time first, standardised per bin by the training clips.

    Accepts every form :func:`~spectroclf.utils.check_spectrograms` does,
    lazily read files included.
    """

    #: the training clips' per-bin statistics standardise the input
    standardize = True

    def check(self, estimator, X, *, reset):
        """Validate ``X``; in ``fit`` (``reset``) set ``n_features_in_``."""
        return check_spectrograms(X, estimator=estimator, reset=reset)

    def prepare(self, estimator, clips, *, module=None, reset):
        """The clips the network reads (here: the spectrograms themselves).

        ``module`` is ``init_from``'s network in ``fit`` (``reset``), the
        fitted network in ``predict``; an input that runs a network (musicnn's
        frozen backbone) reads it.
        """
        return clips


@dataclass
class NetSpec:
    """Everything a skorch net is built from, besides the estimator's parameters."""

    network: Network
    target: object
    n_bins: int
    n_outputs: int
    mean: np.ndarray = None
    scale: np.ndarray = None
    seed: int = 0
    drop_last: bool = False
    collates: tuple = (pad_collate, pad_collate)
    y_enc: np.ndarray = None


def clip_statistics(clips, *, standardize=True):
    """Frames of each clip and per-bin mean and standard deviation, in one pass.

    Each clip is read once (a lazily loaded file once per call); the
    statistics over all frames are merged clip by clip in float64 (Chan et
    al.'s pairwise update), so they are as accurate as a two-pass
    computation.

    Parameters
    ----------
    clips : sequence of ndarray of shape (n_frames_i, n_bins)
    standardize : bool, default=True
        Compute the statistics; ``False`` reads lengths only.

    Returns
    -------
    lengths : ndarray of shape (n_clips,)
    mean, scale : ndarray of shape (n_bins,), float32, or None
        ``scale`` is 1 where a bin is constant.
    """
    lengths = np.empty(len(clips), dtype=np.int64)
    count, mean, m2 = 0, None, None
    for i in range(len(clips)):
        clip = clips[i]
        lengths[i] = len(clip)
        if not standardize:
            continue
        clip = np.asarray(clip)
        n = len(clip)
        clip_mean = clip.sum(0, dtype=np.float64) / n
        clip_m2 = ((clip - clip_mean) ** 2).sum(0)
        if mean is None:
            count, mean, m2 = n, clip_mean, clip_m2
            continue
        total = count + n
        delta = clip_mean - mean
        mean = mean + delta * (n / total)
        m2 = m2 + clip_m2 + delta**2 * (count * n / total)
        count = total
    if not standardize:
        return lengths, None, None
    scale = np.sqrt(m2 / count)
    scale[scale < 1e-6] = 1.0
    return lengths, mean.astype(np.float32), scale.astype(np.float32)


def final_estimator(estimator):
    """The estimator itself, or the last step of a (fitted) Pipeline."""
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


class _SpectrogramNet(BaseEstimator):
    """The fit path shared by every estimator that owns a skorch net (not public).

    A subclass stores its parameters in an explicit ``__init__`` and says
    what its target, input, network and augmentation are (``_target``,
    ``_inputs``, ``_network``, ``_augmentation``); see the module docstring.
    """

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
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
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

    # -- the parts (a subclass chooses) ------------------------------------------------
    def _inputs(self):
        return SpectrogramInput()

    def _augmentation(self):
        return None

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
        source = None if self.init_from is None else final_estimator(self.init_from)
        if source is self or self.init_from is self:
            raise ValueError("init_from cannot be the estimator itself")
        if source is not None:
            check_is_fitted(source, "net_")
        target, inputs, network = self._target(), self._inputs(), self._network()
        augmentation = self._augmentation()

        # 1. validate X and y, and encode y
        y = target.as_rows(y)
        clips = inputs.check(self, X, reset=True)
        check_lengths_match(clips, y)
        y_enc, fitted = target.encode(y, validation_fraction=self._validation_fraction())
        for name, value in fitted.items():
            setattr(self, name, value)
        self.device_ = (resolve_device(self.device) if self.accelerator is None
                        else str(self.accelerator.device))

        # 2. the clips the network reads, read once for lengths and statistics
        clips = inputs.prepare(self, clips, module=source_module(self, source, network),
                               reset=True)
        if source is not None and source.n_features_in_ != self.n_features_in_:
            raise ValueError(
                f"init_from was fitted on spectrograms of {source.n_features_in_} "
                f"bins, this data has {self.n_features_in_}; transfer needs the "
                "same bins (e.g. the same feature: mel, chroma or fused)"
            )

        if source is not None:
            lengths, _, _ = clip_statistics(clips, standardize=False)
            mod = unwrap_module(source.net_).standardize
            mean, scale = mod.mean.cpu().numpy(), mod.scale.cpu().numpy()
        else:
            lengths, mean, scale = clip_statistics(clips, standardize=inputs.standardize)
        dataset = SpectrogramDataset(clips, y_enc, lengths=lengths)
        n_outputs = target.n_outputs(self)
        collates = (
            (pad_collate, pad_collate) if augmentation is None
            else augmentation.collates(
                lengths, n_bins=self.n_features_in_, fill=mean,
                n_classes=target.mixup_classes(self),
            )
        )

        # 3. build and train the skorch net
        fraction = self._validation_fraction()
        n_train = len(clips) if fraction is None else int(len(clips) * (1 - fraction))
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        spec = NetSpec(
            network=network, target=target,
            n_bins=self.n_features_in_, n_outputs=n_outputs,
            mean=mean, scale=scale, seed=seed,
            drop_last=(network.batch_norm and n_train > self.batch_size
                       and n_train % self.batch_size == 1),
            collates=collates, y_enc=y_enc,
        )
        devices = ([torch.device(self.device_).index or 0]
                   if self.device_.startswith("cuda") else [])
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            self.net_ = self._build_net(spec)
            self.net_.initialize()
            if source is not None:
                copy_weights(self, source, network)
            if network.freeze:
                freeze_body(self.net_, network)
            epochs = self.max_epochs
            if self.checkpoint is not None:
                epochs = self._resume(network, n_outputs)
            with warnings.catch_warnings():
                # skorch warns when a 1-sample-per-class split happens; our
                # own checks already raised with a clearer message.
                warnings.filterwarnings("ignore", category=UserWarning, module="skorch")
                if epochs > 0:
                    self.net_.partial_fit(dataset, y_enc, epochs=epochs)
        self.history_ = self.net_.history
        self.n_epochs_ = len(self.history_)
        if self.n_epochs_ < self.max_epochs and not _stopped_early(self.net_):
            hint = (f"fit again with checkpoint={str(self.checkpoint)!r} to continue"
                    if self.checkpoint is not None else
                    "set checkpoint=<folder> to be able to resume")
            warn_user(
                f"training was interrupted after epoch {self.n_epochs_} of "
                f"{self.max_epochs}; the estimator holds the weights of that "
                f"epoch. {hint}"
            )
        return self

    def _validation_fraction(self):
        if self.validation_fraction is None and self.early_stopping:
            return 0.1
        return self.validation_fraction

    def _callbacks(self, target, amp_dtype):
        """The divergence check, the target's scores, the user's callbacks, early
        stopping, progress."""
        first, last = target.callbacks(self, validating=self._validation_fraction() is not None)
        hint = f"lower lr (now {self.lr:g})" + (
            f" or train in float32 (amp=False; now {amp_dtype})" if amp_dtype else "")
        first = [("divergence_check", _Diverged(hint)), *first]
        callbacks = [(f"user_{i}", cb) if not isinstance(cb, tuple) else cb
                     for i, cb in enumerate(copy.deepcopy(self.callbacks or []))]
        if self.early_stopping:
            callbacks.append(
                ("early_stopping",
                 _EarlyStopping(patience=self.n_iter_no_change, tol=self.tol))
            )
        if self.verbose >= 2:
            callbacks.append(("progress", ProgressBar()))
        return first + callbacks + last

    def _build_net(self, spec):
        """The skorch net of ``spec`` and of this estimator's parameters."""
        optimizer, optimizer_kwargs = (
            _OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str)
            else (self.optimizer, {})
        )
        fraction = self._validation_fraction()
        kwargs = {f"optimizer__{k}": v for k, v in optimizer_kwargs.items()}
        kwargs.update(spec.target.net_kwargs(self, spec.y_enc))
        net_class, device = spec.target.net_class, self.device_
        amp_dtype = None
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
            amp_dtype = resolve_amp(self.amp, device)  # refuses amp=True on other devices
            kwargs["amp"] = self.amp
        if self.bucket_by_length:
            kwargs["iterator_train"] = BucketedDataLoader
        # pinned batches let the host-to-GPU copies run without blocking
        pin = device is not None and torch.device(device).type == "cuda"
        return net_class(
            module=spec.network.module,
            module__n_bins=spec.n_bins,
            module__n_outputs=spec.n_outputs,
            module__mean=spec.mean,
            module__scale=spec.scale,
            **{f"module__{k}": v for k, v in spec.network.params.items()},
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=(None if fraction is None
                         else spec.target.train_split(fraction, spec.seed)),
            callbacks=self._callbacks(spec.target, amp_dtype),
            iterator_train__shuffle=True,
            iterator_train__collate_fn=spec.collates[0],
            iterator_valid__collate_fn=spec.collates[1],
            iterator_train__pin_memory=pin,
            iterator_valid__pin_memory=pin,
            # A last training batch of one sample breaks batch normalisation.
            iterator_train__drop_last=spec.drop_last,
            device=device,
            verbose=int(self.verbose > 0),
            **kwargs,
        )

    # -- checkpoints --------------------------------------------------------------
    def _checkpoint_meta(self, network, n_outputs):
        return {
            "estimator": type(self).__name__,
            "n_features_in": int(self.n_features_in_),
            "n_outputs": int(n_outputs),
            "module_params": {k: (list(v) if isinstance(v, tuple) else v)
                              for k, v in network.params.items()},
        }

    def _resume(self, network, n_outputs):
        """Load ``checkpoint/checkpoint.pt`` if present; return epochs left."""
        directory = Path(self.checkpoint)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CHECKPOINT_FILE
        meta = self._checkpoint_meta(network, n_outputs)
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
                f"checkpoint {path} could not be read ({type(exc).__name__}"
                f"{': ' + reason if reason else ''}); delete it to start training afresh"
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

    def __setstate__(self, state):
        # skorch maps a CUDA net to the CPU when unpickled without a GPU
        super().__setstate__(state)
        net = self.__dict__.get("net_")
        if net is not None and "device_" in self.__dict__:
            self.device_ = str(net.device)

    # -- predicting ------------------------------------------------------------
    def _forward(self, X):
        """The network's outputs ``(n_samples, n_outputs)`` for input ``X``."""
        check_is_fitted(self, "net_")
        inputs = self._inputs()
        clips = inputs.prepare(self, inputs.check(self, X, reset=False),
                               module=unwrap_module(self.net_), reset=False)
        dataset = SpectrogramDataset(clips)
        augmentation = self._augmentation()
        if augmentation is not None:
            return augmentation.predict(self.net_, dataset)
        return self.net_.predict_proba(dataset)

    # -- persistence contract ------------------------------------------------------
    #: fitted attributes without a trailing-underscore name that persistence keeps
    _private_fitted = ()

    def _export_state(self):
        """The fitted state, for :func:`spectroclf.persistence.save_model`.

        Returns
        -------
        state : dict
            ``"fitted"``: every fitted attribute (trailing underscore, plus
            ``_private_fitted``) but the net and its history, as numpy arrays
            and Python values; ``"drop_last"``; ``"module"``, ``"criterion"``
            and ``"optimizer"``: the state dicts (module and criterion on the
            CPU); ``"history"``: the epochs as plain Python.
        """
        check_is_fitted(self, "net_")
        net = self.net_
        fitted = {
            name: value for name, value in vars(self).items()
            if (name.endswith("_") and not name.startswith("_")
                and name not in ("net_", "history_"))
            or name in self._private_fitted
        }

        def cpu_state(module):
            return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}

        return {
            "fitted": fitted,
            "drop_last": bool(net.get_params().get("iterator_train__drop_last", False)),
            "module": cpu_state(unwrap_module(net)),
            "criterion": cpu_state(net.criterion_),
            "optimizer": net.optimizer_.state_dict(),
            "history": plain_python(net.history.to_list()),
        }

    @classmethod
    def _from_state(cls, params, state, *, device):
        """An estimator with ``params`` and the fitted ``state`` of :meth:`_export_state`.

        ``state`` must be validated already (:func:`spectroclf.persistence`
        does: parameters, types and shapes); the net is rebuilt from the
        parameters and given the saved weights on ``device``. A state dict
        that does not fit raises ``ValueError``.
        """
        from skorch.history import History

        estimator = cls(**params)
        for name, value in state["fitted"].items():
            setattr(estimator, name, value)
        estimator.device_ = device
        n_bins = getattr(estimator, "n_features_in_", None)
        if not isinstance(n_bins, numbers.Integral) or isinstance(n_bins, bool) or n_bins < 1:
            raise ValueError(
                f"fitted['n_features_in_'] must be a positive integer, got {n_bins!r}"
            )
        target, network = estimator._target(), estimator._network()
        target.check_fitted(estimator)
        seed = 0
        if isinstance(estimator.random_state, numbers.Integral):
            seed = int(check_random_state(estimator.random_state)
                       .randint(np.iinfo(np.int32).max))
        spec = NetSpec(
            network=network, target=target,
            n_bins=estimator.n_features_in_,
            n_outputs=target.n_outputs(estimator), seed=seed,
            drop_last=bool(state.get("drop_last", False)),
        )
        net = estimator._build_net(spec)
        with torch.random.fork_rng(devices=[]):
            net.initialize()
        net.module_.load_state_dict(state["module"])  # RuntimeError: the caller's
        if state.get("criterion"):
            net.criterion_.load_state_dict(state["criterion"])
        if state.get("optimizer"):
            try:
                net.optimizer_.load_state_dict(state["optimizer"])
            except (ValueError, KeyError, RuntimeError) as exc:
                warnings.warn(
                    f"the optimizer state could not be restored ({exc}); "
                    "predictions are unaffected, further training starts with a "
                    "fresh optimizer",
                    UserWarning,
                    stacklevel=3,
                )
        net.history = History(state.get("history") or [])
        estimator.net_ = net
        estimator.history_ = net.history
        estimator.n_epochs_ = int(state["fitted"].get("n_epochs_", len(net.history)))
        return estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


#: the parameters every LSTM/CNN estimator shares after its architecture
_RUN_DOC = VALIDATION_DOC + INIT_FROM_DOC + DEVICE_DOC
