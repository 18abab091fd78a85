"""PyTorch modules behind the estimators; they know nothing of scikit-learn.

Every module takes a batch of time-first spectrograms ``X`` of shape
``(batch, max_len, n_bins)`` and the true ``lengths`` of shape ``(batch,)``
(frames past ``lengths[i]`` are padding and never influence the output), and
returns ``(batch, n_outputs)`` scores. Each has a ``head`` (the last linear
layer) and everything before it, so that a trained network can be reused
with a new head (transfer learning).
"""

from .cnn import CNN
from .lstm import LSTM

__all__ = ["CNN", "LSTM"]
