"""A recurrent classifier/regressor over variable-length spectrograms."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._common import Standardize, default_lengths, frame_mask


class LSTM(nn.Module):
    """LSTM over frames, pooled to one vector, then a linear head.

    Padding never reaches the recurrence: the batch is packed with
    :func:`torch.nn.utils.rnn.pack_padded_sequence`.

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
        ``"last"``: the final valid hidden state (both directions
        concatenated); ``"mean"``: the mean of the outputs over valid frames.
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
        mean=None,
        scale=None,
    ):
        super().__init__()
        if pooling not in ("mean", "last"):
            raise ValueError(f"pooling must be 'mean' or 'last', got {pooling!r}")
        self.pooling = pooling
        self.standardize = Standardize(n_bins, mean, scale)
        self.lstm = nn.LSTM(
            n_bins,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        n_hidden = hidden_size * (2 if bidirectional else 1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(n_hidden, n_outputs)

    def embed(self, X, lengths=None):
        """The pooled ``(batch, n_hidden)`` representation before the head."""
        lengths = default_lengths(X, lengths)
        packed = pack_padded_sequence(
            self.standardize(X), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, (h_n, _) = self.lstm(packed)
        if self.pooling == "last":
            n_dir = 2 if self.lstm.bidirectional else 1
            # h_n: (num_layers * n_dir, batch, hidden); keep the last layer.
            return torch.cat(list(h_n[-n_dir:]), dim=1)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=X.shape[1])
        mask = frame_mask(lengths, X.shape[1]).unsqueeze(-1)
        return (out * mask).sum(1) / lengths.unsqueeze(1)

    def forward(self, X, lengths=None):
        return self.head(self.dropout(self.embed(X, lengths)))
