"""Training through Hugging Face Accelerate: skorch's ``AccelerateMixin``.

An estimator given ``accelerator=accelerate.Accelerator(...)`` builds its
skorch net from :func:`accelerated_net_class`. Under ``accelerate launch``
every process runs the same script and the same ``fit``: the accelerator
places the network on the process's device and wraps it for distributed
data parallel training, and each process trains on its share of every
epoch's batches (``batch_size`` clips per process and step, so the
effective batch is ``batch_size * num_processes``).

Where this differs from skorch's mixin, so that the estimators' own
machinery keeps working:

- the network is prepared at the start of training rather than in
  ``initialize``, so ``fit`` transfers weights (``init_from``), freezes
  layers and resumes checkpoints on the plain module;
- it is unwrapped after the callbacks' ``on_train_end`` (early stopping
  restores its best weights into the wrapped network first), and the
  optimizer too: a fitted estimator holds a plain, picklable network;
- validation and prediction run on every process over all the clips (not
  sharded and gathered): every process records the same ``valid_loss`` and
  scores, so early stopping stops all of them at the same epoch, and
  ``predict`` returns every clip's prediction on every process;
- a module without trainable weights (the loss) is moved to the device,
  not wrapped: DDP refuses it, and accelerate's multi-CPU mode wraps it.

:func:`is_main_process` and :func:`unwrap_module` let the checkpoint
callback write one file, from the main process, with the plain weights.
accelerate itself is imported only by the user who creates an
``Accelerator``.
"""

import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import LRScheduler
from skorch.hf import AccelerateMixin
from skorch.utils import to_device

__all__ = ["accelerated_net_class", "is_main_process", "unwrap_module"]


class _PreparedForTraining(AccelerateMixin):
    """skorch's AccelerateMixin, preparing the net for training only."""

    def __init__(self, *args, unwrap_after_train=False, **kwargs):
        # False: partial_fit unwraps, after the callbacks' on_train_end
        super().__init__(*args, unwrap_after_train=unwrap_after_train, **kwargs)

    def _initialize_callbacks(self):
        # skorch's 'auto' sink (accelerator.print) would print the epoch log
        # even with verbose=0; the plain print is silent then
        if self.callbacks__print_log__sink == "auto" and not self.verbose:
            self.callbacks__print_log__sink = print
        return super()._initialize_callbacks()

    def initialize(self):
        self._defer_prepare = True
        try:
            return super().initialize()
        finally:
            self._defer_prepare = False

    def _initialize_accelerator(self):
        """skorch's, except that a module without trainable weights (the loss)
        is only moved to the device: DDP refuses such a module, and accelerate
        wraps it anyway in its multi-CPU mode."""
        if self._wrapped_with_accelerator or getattr(self, "_defer_prepare", False):
            return self
        prepare = self.accelerator.prepare
        for name in self._criteria + self._modules:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module):
                trainable = any(p.requires_grad for p in module.parameters())
                setattr(self, name + "_", prepare(module) if trainable
                        else module.to(self.accelerator.device))
        for name in self._optimizers:
            optimizer = getattr(self, name + "_")
            if isinstance(optimizer, torch.optim.Optimizer):
                setattr(self, name + "_", prepare(optimizer))
        for _, callback in self.callbacks_:
            if isinstance(callback, LRScheduler):
                callback.policy_ = prepare(callback.policy_)
        self._wrapped_with_accelerator = True
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self._initialize_accelerator()

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        super().partial_fit(X, y, classes=classes, **fit_params)
        self._unwrap_accelerator()
        for name in self._optimizers:
            optimizer = getattr(self, name + "_")
            setattr(self, name + "_", getattr(optimizer, "optimizer", optimizer))
        # where the plain network now is (for pickles and later predictions)
        self.device = str(self.accelerator.device)
        return self

    def get_iterator(self, dataset, training=False):
        if training:  # each process trains on its share of the batches
            return super().get_iterator(dataset, training=True)
        # validation and prediction: every process over all the clips, so that
        # all of them record the same scores (and early stopping stops them
        # together) and return the same predictions
        return super(AccelerateMixin, self).get_iterator(dataset, training=False)

    def validation_step(self, batch, **fit_params):
        batch = to_device(batch, self.accelerator.device)
        return super().validation_step(batch, **fit_params)

    def evaluation_step(self, batch, training=False):
        # skorch's mixin gathers the shards of a sharded loader; ours is whole
        batch = to_device(batch, self.accelerator.device)
        return super(AccelerateMixin, self).evaluation_step(batch, training=training)


class AcceleratedNeuralNetClassifier(_PreparedForTraining, NeuralNetClassifier):
    """:class:`skorch.NeuralNetClassifier` trained through an ``Accelerator``."""


class AcceleratedNeuralNetRegressor(_PreparedForTraining, NeuralNetRegressor):
    """:class:`skorch.NeuralNetRegressor` trained through an ``Accelerator``."""


_ACCELERATED = {
    NeuralNetClassifier: AcceleratedNeuralNetClassifier,
    NeuralNetRegressor: AcceleratedNeuralNetRegressor,
}


def accelerated_net_class(net_class):
    """The skorch net class that trains ``net_class``'s way through an Accelerator."""
    try:
        return _ACCELERATED[net_class]
    except KeyError:
        raise TypeError(
            f"accelerator= is not supported with a {net_class.__name__} net; "
            f"supported: {', '.join(c.__name__ for c in _ACCELERATED)}"
        ) from None


def is_main_process(net):
    """Whether this process writes files: always, unless the net is accelerated."""
    accelerator = getattr(net, "accelerator", None)
    return accelerator is None or accelerator.is_main_process


def unwrap_module(net):
    """The net's torch module without the accelerator's wrappers (e.g. DDP)."""
    accelerator = getattr(net, "accelerator", None)
    if accelerator is None:
        return net.module_
    return accelerator.unwrap_model(net.module_, keep_fp32_wrapper=False)
