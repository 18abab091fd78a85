"""The skorch callbacks the estimators add: checkpoints, early stopping and a
check that training has not diverged."""

import copy
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback, EarlyStopping

from ..utils import atomic_write, plain_python
from ._accelerate import is_main_process, unwrap_module


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
            "history": plain_python(net.history.to_list()),
        }
        atomic_write(self.path, lambda f: torch.save(state, f))


class _EarlyStopping(EarlyStopping):
    """Stop when ``valid_loss`` has not improved by ``tol`` for ``patience`` epochs,
    and restore the weights of the epoch with the lowest ``valid_loss``.

    skorch's :class:`~skorch.callbacks.EarlyStopping` with ``load_best=True``
    restores the last epoch that beat the running threshold: with a
    tolerance, an epoch that lowered the loss by less than that is never
    restored, even when it is the best one. Here the tolerance decides only
    when to stop; the weights are always those of the lowest loss.
    """

    def __init__(self, *, patience, tol):
        super().__init__(monitor="valid_loss", patience=patience, threshold=tol,
                         threshold_mode="abs", load_best=False)
        self.tol = tol

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.lowest_, self.lowest_epoch_, self.lowest_weights_ = np.inf, None, None

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, self.monitor]
        if loss < self.lowest_:
            self.lowest_, self.lowest_epoch_ = loss, net.history[-1, "epoch"]
            self.lowest_weights_ = copy.deepcopy(net.module_.state_dict())
        super().on_epoch_end(net, **kwargs)

    def on_train_end(self, net, **kwargs):
        if (self.lowest_weights_ is not None
                and self.lowest_epoch_ != net.history[-1, "epoch"]):
            net.module_.load_state_dict(self.lowest_weights_)


class _Diverged(Callback):
    """Stop with an error naming the epoch once training has diverged.

    A loss that is not finite (a learning rate too high for the data, or a
    float16 overflow) leaves weights that predict NaN for every clip: fitting
    on would only fail later, inside a score, or return NaN predictions.
    Each batch's loss is already a Python float in the history; the weights
    are checked once per epoch, since the last step of an epoch can overflow
    them while its loss was still finite.

    Parameters
    ----------
    hint : str
        What the user can change, e.g. ``"lower lr (now 0.001)"``.
    """

    def __init__(self, hint):
        self.hint = hint

    def on_batch_end(self, net, training=False, **kwargs):
        prefix = "train" if training else "valid"
        loss = net.history[-1, "batches", -1, f"{prefix}_loss"]
        if not np.isfinite(loss):
            number = sum(f"{prefix}_loss" in batch for batch in net.history[-1, "batches"])
            self._raise(net, f"the {'training' if training else 'validation'} loss "
                             f"of batch {number} is {loss}")

    def on_epoch_end(self, net, **kwargs):
        finite = [torch.isfinite(p).all() for p in net.module_.parameters()]
        if finite and not torch.stack(finite).all():
            self._raise(net, "the weights are no longer finite")

    def _raise(self, net, what):
        raise ValueError(
            f"training diverged in epoch {len(net.history)}: {what}; {self.hint}"
        )


def _stopped_early(net):
    """Whether an early-stopping callback (ours or the user's) ended training."""
    return any(
        isinstance(cb, EarlyStopping) and getattr(cb, "misses_", 0) >= cb.patience
        for _, cb in net.callbacks_
    )
