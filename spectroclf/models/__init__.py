"""PyTorch modules behind the estimators; they know nothing of scikit-learn.

The estimators' modules (:class:`LSTM`, :class:`CNN`, :class:`MusicnnTransfer`)
take a batch of time-first spectrograms ``X`` of shape
``(batch, max_len, n_bins)`` and the true ``lengths`` of shape ``(batch,)``
(frames past ``lengths[i]`` are padding and never influence the output), and
return ``(batch, n_outputs)`` scores. Each has a ``head`` (the last linear
layer) and everything before it, so that a trained network can be reused
with a new head (transfer learning). :class:`Musicnn` is the pretrained
tagging network itself, on fixed 187-frame patches.
"""

from .cnn import CNN
from .lstm import LSTM
from .musicnn import Musicnn, load_musicnn
from .musicnn_head import MusicnnTransfer

__all__ = ["CNN", "LSTM", "Musicnn", "MusicnnTransfer", "load_musicnn"]
