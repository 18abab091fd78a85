"""The torch side of the data: a dataset of ragged spectrograms, padded per batch."""

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset


class SpectrogramDataset(Dataset):
    """Variable-length spectrograms with optional targets.

    Parameters
    ----------
    specs : list of ndarray of shape (n_frames_i, n_bins)
    y : ndarray of shape (n_samples,) or (n_samples, n_targets), optional
        Encoded targets; zeros stand in at prediction time.
    """

    def __init__(self, specs, y=None):
        self.specs = specs
        self.y = np.zeros(len(specs), dtype=np.int64) if y is None else y

    def __len__(self):
        return len(self.specs)

    def __getitem__(self, i):
        return torch.from_numpy(np.ascontiguousarray(self.specs[i])), self.y[i]


def pad_collate(batch):
    """Pad a batch to its longest sample; return skorch's ``(Xi, yi)``.

    ``Xi`` is the dict ``{"X": (batch, max_len, n_bins), "lengths": (batch,)}``
    that skorch passes to ``module.forward(X=..., lengths=...)``.
    """
    xs, ys = zip(*batch, strict=True)
    lengths = torch.tensor([len(x) for x in xs], dtype=torch.long)
    X = pad_sequence(xs, batch_first=True)
    return {"X": X, "lengths": lengths}, torch.as_tensor(np.stack(ys))
