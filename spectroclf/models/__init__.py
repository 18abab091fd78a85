"""PyTorch modules behind the LSTM and CNN estimators; they know nothing of scikit-learn.

:class:`LSTM` and :class:`CNN` take a batch of time-first spectrograms ``X``
of shape ``(batch, max_len, n_bins)`` and the true ``lengths`` of shape
``(batch,)`` (frames past ``lengths[i]`` are padding and never influence the
output), and return ``(batch, n_outputs)`` scores. Each has a ``head`` (the
last linear layer) and everything before it, so that a trained network can be
reused with a new head (transfer learning). :class:`JointLoss` is the loss of a
network whose outputs are class logits and regression targets side by side
(see :class:`spectroclf.JointCNN`). The pretrained musicnn network,
its weights and its fine-tuning head live in :mod:`spectroclf.musicnn`.
:class:`Standardize`, :func:`frame_mask` and :func:`default_lengths` are the
pieces every module here (and a module of your own) builds on.
"""

from ._cnn import CNN
from ._common import Standardize, default_lengths, frame_mask
from ._joint import JointLoss, head_losses
from ._losses import REGRESSION_LOSSES, TargetWeightedLoss
from ._lstm import LSTM

__all__ = [
    "CNN",
    "LSTM",
    "JointLoss",
    "head_losses",
    "REGRESSION_LOSSES",
    "TargetWeightedLoss",
    "Standardize",
    "default_lengths",
    "frame_mask",
]
