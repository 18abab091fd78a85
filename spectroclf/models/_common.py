"""Pieces shared by the modules: input standardisation and masking."""

import torch
from torch import nn


class Standardize(nn.Module):
    """Per-bin standardisation ``(x - mean) / scale`` learned outside torch.

    Parameters
    ----------
    n_bins : int
        Number of frequency bins.
    mean, scale : array-like of shape (n_bins,), optional
        Statistics of the training frames; zeros and ones when omitted (they
        are buffers, so a saved state dict restores them).
    """

    def __init__(self, n_bins, mean=None, scale=None):
        super().__init__()
        mean = torch.zeros(n_bins) if mean is None else torch.as_tensor(mean)
        scale = torch.ones(n_bins) if scale is None else torch.as_tensor(scale)
        self.register_buffer("mean", mean.float().reshape(n_bins))
        self.register_buffer("scale", scale.float().reshape(n_bins))

    def forward(self, X):
        return (X - self.mean) / self.scale


def frame_mask(lengths, max_len):
    """Boolean ``(batch, max_len)`` mask, True on valid frames."""
    steps = torch.arange(max_len, device=lengths.device)
    return steps[None, :] < lengths[:, None]


def default_lengths(X, lengths):
    """All frames valid when ``lengths`` is None."""
    if lengths is None:
        return torch.full((X.shape[0],), X.shape[1], dtype=torch.long, device=X.device)
    return lengths.to(X.device).long()


def hidden_layers(n_in, sizes, dropout):
    """``Linear -> ReLU -> Dropout`` for each size (an MLP before the head), and its width.

    Returns
    -------
    layers : nn.Sequential
        Empty (the identity) when ``sizes`` is empty.
    n_out : int
        Features after the last layer (``n_in`` when there is none).
    """
    layers = []
    for size in sizes:
        layers += [nn.Linear(n_in, int(size)), nn.ReLU(), nn.Dropout(dropout)]
        n_in = int(size)
    return nn.Sequential(*layers), n_in
