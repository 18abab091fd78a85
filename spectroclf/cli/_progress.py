"""Epoch progress of ``spectroclf train``: a skorch callback, passed through the
estimators' public ``callbacks`` parameter (imported only when training)."""

import time

from skorch.callbacks import Callback

from ._common import _say

#: scores shown, when the history has them
_KEYS = ("train_loss", "valid_loss", "valid_acc", "valid_spearman")


class EpochProgress(Callback):
    """Say every tenth of ``max_epochs`` (and the last) on stderr.

    Parameters
    ----------
    max_epochs : int
        The epochs training runs for.
    """

    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch % max(1, self.max_epochs // 10) and epoch != self.max_epochs:
            return
        row = net.history[-1]
        scores = ", ".join(
            f"{key.replace('_', ' ')} {row[key]:.3f}" for key in _KEYS if key in row
        )
        _say(
            f"train: epoch {epoch}/{self.max_epochs} "
            f"({time.perf_counter() - self.start_:.0f} s): {scores}"
        )
