"""A convolutional network over the spectrogram seen as a one-channel image."""

import torch
import torch.nn.functional as F
from torch import nn

from ._common import Standardize, default_lengths, frame_mask, hidden_layers


class CNN(nn.Module):
    """Stacks of Conv2d → BatchNorm → ReLU → MaxPool, then global pooling.

    The input ``(batch, max_len, n_bins)`` is one image per clip (time ×
    frequency). Each block divides both axes by ``pool_size`` (rounding up;
    an axis already of size one is left alone, so one-frame tabular input
    works). Mean and max pooling over
    the valid time steps then make any input length work while keeping the
    frequency axis, whose layout carries the timbre; padded frames are zeroed
    before each convolution and ignored by the pooling.

    Parameters
    ----------
    n_bins : int
        Number of frequency bins.
    n_outputs : int
        Number of classes (logits) or regression targets.
    channels : sequence of int, default=(16, 32, 64, 64)
        Output channels of each block; its length is the depth.
    kernel_size : int, default=3
        Square convolution kernel (odd, "same" padding).
    dropout : float, default=0.2
        Dropout before the head (and after each hidden layer of it).
    pool_size : int, default=2
        Max-pooling window and stride of each block, along time and frequency.
    batch_norm : bool, default=True
        Batch normalisation after each convolution.
    head_hidden : sequence of int, default=()
        Hidden layers (Linear → ReLU → Dropout) of an MLP between the pooled
        features and the output layer ``head``; empty: ``head`` alone.
    mean, scale : array-like of shape (n_bins,), optional
        Input standardisation (see :class:`Standardize`).
    """

    def __init__(
        self,
        n_bins,
        n_outputs,
        *,
        channels=(16, 32, 64, 64),
        kernel_size=3,
        dropout=0.2,
        pool_size=2,
        batch_norm=True,
        head_hidden=(),
        mean=None,
        scale=None,
    ):
        super().__init__()
        channels = tuple(int(c) for c in channels)
        self.pool_size = int(pool_size)
        if not channels:
            raise ValueError("channels must name at least one block")
        self.standardize = Standardize(n_bins, mean, scale)
        blocks, c_in = [], 1
        for c_out in channels:
            blocks.append(
                nn.Sequential(
                    nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2,
                              bias=not batch_norm),
                    *([nn.BatchNorm2d(c_out)] if batch_norm else []),
                    nn.ReLU(inplace=True),
                )
            )
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        n_freq = n_bins
        for _ in channels:
            n_freq = -(-n_freq // self.pool_size) if n_freq > 1 else 1
        self.dropout = nn.Dropout(dropout)
        self.hidden, n_hidden = hidden_layers(2 * c_in * n_freq, head_hidden, dropout)
        self.head = nn.Linear(n_hidden, n_outputs)

    def feature_maps(self, X, lengths=None):
        """Output of every block (after pooling) and the valid lengths.

        Returns
        -------
        maps : list of Tensor of shape (batch, channels, time, freq)
        lengths : Tensor of shape (batch,)
            Valid time steps of the last map.
        """
        lengths = default_lengths(X, lengths)
        x = self.standardize(X)
        x = x * frame_mask(lengths, X.shape[1]).unsqueeze(-1)
        x = x.unsqueeze(1)
        maps = []
        for block in self.blocks:
            # zero the padding after the ReLU: a zero never wins a max-pool
            # window against a valid (non-negative) value
            x = block(x) * frame_mask(lengths, x.shape[2])[:, None, :, None]
            p = self.pool_size
            kt, kf = (p if x.shape[2] > 1 else 1), (p if x.shape[3] > 1 else 1)
            x = F.max_pool2d(x, (kt, kf), ceil_mode=True)
            if kt > 1:
                lengths = (lengths + kt - 1) // kt
            maps.append(x)
        return maps, lengths

    def embed(self, X, lengths=None):
        """The pooled ``(batch, 2 * channels[-1] * n_freq)`` representation."""
        maps, lengths = self.feature_maps(X, lengths)
        x = maps[-1]  # (batch, channels, time, freq)
        mask = frame_mask(lengths, x.shape[2])[:, None, :, None]
        mean = (x * mask).sum(2) / lengths[:, None, None]
        maxed = x.masked_fill(~mask, float("-inf")).amax(2)
        return torch.cat([mean.flatten(1), maxed.flatten(1)], dim=1)

    def forward(self, X, lengths=None):
        return self.head(self.hidden(self.dropout(self.embed(X, lengths))))
