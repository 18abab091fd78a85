"""A recurrent classifier/regressor over variable-length spectrograms."""

import torch
from torch import nn

from ._common import Standardize, default_lengths, frame_mask, hidden_layers


def _gather_time(x, index):
    """``x[b, index[b, t]]`` for a ``(batch, time, features)`` tensor."""
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[2]))


class LSTM(nn.Module):
    """LSTM over frames, pooled to one vector, then a linear head.

    Padding never influences a valid output, without packed sequences (which
    are several times slower on the CPU): the forward direction is causal, so
    padding at the end of a clip comes after everything it could change, and
    the backward direction reads each clip reversed *within its own length*,
    so its padding also comes last. Each layer and direction is an
    ``nn.LSTM`` over the padded batch.

    Parameters
    ----------
    n_bins : int
        Number of frequency bins per frame (the LSTM's input size).
    n_outputs : int
        Number of classes (logits) or regression targets.
    hidden_size : int, default=64
        Units per direction and layer.
    num_layers : int, default=1
        Stacked LSTM layers.
    bidirectional : bool, default=True
        Read the sequence in both directions.
    dropout : float, default=0.0
        Dropout between LSTM layers and before the head.
    pooling : {"mean", "last"}, default="mean"
        ``"last"``: the final valid hidden state of each direction
        (concatenated); ``"mean"``: the mean of the outputs over valid frames.
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
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        dropout=0.0,
        pooling="mean",
        head_hidden=(),
        mean=None,
        scale=None,
    ):
        super().__init__()
        if pooling not in ("mean", "last"):
            raise ValueError(f"pooling must be 'mean' or 'last', got {pooling!r}")
        self.pooling = pooling
        self.hidden_size = hidden_size
        self.standardize = Standardize(n_bins, mean, scale)
        n_dir = 2 if bidirectional else 1
        sizes = [n_bins] + [hidden_size * n_dir] * (num_layers - 1)
        self.forward_layers = nn.ModuleList(
            nn.LSTM(size, hidden_size, batch_first=True) for size in sizes
        )
        self.backward_layers = nn.ModuleList(
            nn.LSTM(size, hidden_size, batch_first=True) for size in sizes[: len(sizes) * (n_dir - 1)]
        )
        self.dropout = nn.Dropout(dropout)
        self.hidden, n_hidden = hidden_layers(hidden_size * n_dir, head_hidden, dropout)
        self.head = nn.Linear(n_hidden, n_outputs)

    def embed(self, X, lengths=None):
        """The pooled ``(batch, hidden_size * n_directions)`` representation."""
        lengths = default_lengths(X, lengths)
        steps = torch.arange(X.shape[1], device=X.device)[None, :]
        valid = steps < lengths[:, None]
        # reverses each clip within its length; padding stays where it is
        reverse = torch.where(valid, lengths[:, None] - 1 - steps, steps)
        x = self.standardize(X)
        for i, forward in enumerate(self.forward_layers):
            if i:
                x = self.dropout(x)
            outputs = [forward(x)[0]]
            if self.backward_layers:
                backward = self.backward_layers[i](_gather_time(x, reverse))[0]
                outputs.append(_gather_time(backward, reverse))
            x = torch.cat(outputs, dim=2)
        if self.pooling == "last":
            batch = torch.arange(X.shape[0], device=X.device)
            last = x[batch, lengths - 1, : self.hidden_size]
            if not self.backward_layers:
                return last
            return torch.cat([last, x[:, 0, self.hidden_size :]], dim=1)
        mask = frame_mask(lengths, X.shape[1]).unsqueeze(-1)
        return (x * mask).sum(1) / lengths.unsqueeze(1)

    def forward(self, X, lengths=None):
        return self.head(self.hidden(self.dropout(self.embed(X, lengths))))
