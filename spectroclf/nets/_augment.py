"""Augmentation while fitting, and crop-level prediction.

:class:`AugmentCollate` replaces :func:`~._data.pad_collate` as the training
batches' collate function when an estimator asks for augmentation: a random
crop of ``crop_frames`` frames per clip (a fresh one every epoch),
SpecAugment-style time and frequency masks, then mixup of the padded batch.
Its random numbers come from torch's global generator, which the estimators
seed from ``random_state`` around training, so a fit is deterministic.
Validation and prediction never see it.

:class:`Augmentation` holds an estimator's parameters ``crop_frames``,
``time_mask``, ``freq_mask`` and ``mixup``: it checks them against the
training clips, gives the training iterator :class:`AugmentCollate` and,
with ``crop_frames``, predicts by averaging over overlapping crops
(:func:`crop_windows`).
"""

import numbers

import numpy as np
import torch
from sklearn.utils._param_validation import Interval
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset

from ._data import pad_collate

__all__ = ["AugmentCollate", "crop_windows"]

AUGMENT_CONSTRAINTS = {
    "crop_frames": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "time_mask": [Interval(numbers.Integral, 0, None, closed="left")],
    "freq_mask": [Interval(numbers.Integral, 0, None, closed="left")],
    "mixup": [Interval(numbers.Real, 0, None, closed="left")],
}

AUGMENT_DOC = """
    crop_frames : int or None, default={crop_frames}
        Train on random crops of this many frames, a fresh crop of every
        clip each epoch (clips no longer than that are used whole), and
        predict by averaging the outputs{averaged} over crops of this length
        overlapping by half, which cover the whole clip. Validation scores
        use each clip's centre crop. Long clips then train and predict at
        the cost of ``crop_frames`` frames per step. ``None`` uses whole
        clips.
    time_mask : int, default={time_mask}
        SpecAugment time masking while fitting: one run of up to this many
        consecutive frames per clip (width drawn uniformly, placed
        uniformly) is set to the training mean, i.e. to zero after
        standardisation. 0 disables it; it must be narrower than the clips
        (than ``crop_frames`` when set).
    freq_mask : int, default={freq_mask}
        SpecAugment frequency masking while fitting: one band of up to this
        many consecutive bins per clip is set to the training mean. 0
        disables it; it must be narrower than the number of bins.
    mixup : float, default={mixup}
        mixup while fitting: each batch is mixed with a shuffled copy of
        itself, ``lam * x_i + (1 - lam) * x_j`` with ``lam ~ Beta(mixup,
        mixup)`` drawn per batch, and so are the targets ({mixed}). 0
        disables it; 0.2-0.4 is usual. Prediction is unchanged."""

#: the parameters' documentation in a classifier and in a regressor
AUGMENT_CLASSIFIER_DOC = AUGMENT_DOC.format(
    crop_frames=None, time_mask=0, freq_mask=0, mixup=0.0,
    averaged=" (class probabilities)", mixed="one-hot classes, for any label type",
)
AUGMENT_REGRESSOR_DOC = AUGMENT_DOC.format(
    crop_frames=None, time_mask=0, freq_mask=0, mixup=0.0, averaged="",
    mixed="the real targets",
)


def _one_mask(x, max_width, axis, fill):
    """Fill one random run of at most ``max_width`` steps along ``axis``, in place."""
    size = x.shape[axis]
    width = int(torch.randint(0, max_width + 1, ()).item())
    width = min(width, size)
    if width == 0:
        return
    start = int(torch.randint(0, size - width + 1, ()).item())
    if axis == 0:
        x[start : start + width] = fill
    else:
        x[:, start : start + width] = fill[start : start + width]


class AugmentCollate:
    """Collate function of training batches with augmentation.

    Each clip of the batch is cropped (``crop_frames``) and masked
    (``time_mask``, ``freq_mask``), the batch is padded to its longest clip
    and then mixed (``mixup``). Random numbers come from torch's global
    generator.

    Parameters
    ----------
    crop_frames : int or None, default=None
        Frames of a random crop of each clip longer than that.
    time_mask, freq_mask : int, default=0
        Largest width of the one time and the one frequency mask of a clip.
    mixup : float, default=0.0
        Parameter of the Beta distribution of the mixing weight; 0 is off.
    fill : array-like of shape (n_bins,), optional
        Value of masked (and, under mixup, padded) cells of each bin: the
        training mean, which standardisation maps to zero. Zeros by default.
    n_classes : int, optional
        Number of classes when the targets are class indices: mixup then
        mixes one-hot targets (the class probabilities that
        :class:`torch.nn.CrossEntropyLoss` accepts). Targets are mixed as
        they are when omitted (regression).

    Examples
    --------
    >>> import torch
    >>> from spectroclf.nets._augment import AugmentCollate
    >>> collate = AugmentCollate(crop_frames=4)
    >>> batch = [(torch.ones(10, 3), 0), (torch.ones(2, 3), 1)]
    >>> Xi, y = collate(batch)
    >>> Xi["X"].shape, Xi["lengths"].tolist()
    (torch.Size([2, 4, 3]), [4, 2])
    """

    def __init__(self, *, crop_frames=None, time_mask=0, freq_mask=0, mixup=0.0,
                 fill=None, n_classes=None):
        self.crop_frames = crop_frames
        self.time_mask = time_mask
        self.freq_mask = freq_mask
        self.mixup = mixup
        self.fill = None if fill is None else torch.as_tensor(fill, dtype=torch.float32)
        self.n_classes = n_classes

    def _augment_clip(self, x):
        if self.crop_frames is not None and x.shape[0] > self.crop_frames:
            start = int(torch.randint(0, x.shape[0] - self.crop_frames + 1, ()).item())
            x = x[start : start + self.crop_frames]
        if self.time_mask or self.freq_mask:
            fill = (torch.zeros(x.shape[1], dtype=x.dtype) if self.fill is None
                    else self.fill.to(x.dtype))
            x = x.clone()  # never write into the training data
            if self.time_mask:
                _one_mask(x, self.time_mask, 0, fill)
            if self.freq_mask:
                _one_mask(x, self.freq_mask, 1, fill)
        return x

    def __call__(self, batch):
        xs, ys = zip(*batch, strict=True)
        xs = [self._augment_clip(x) for x in xs]
        lengths = torch.tensor([x.shape[0] for x in xs], dtype=torch.long)
        X = pad_sequence(xs, batch_first=True)
        y = torch.from_numpy(np.array(ys))
        if self.mixup > 0 and len(xs) > 1:
            X, lengths, y = self._mix(X, lengths, y)
        return {"X": X, "lengths": lengths}, y

    def _mix(self, X, lengths, y):
        lam = float(torch.distributions.Beta(self.mixup, self.mixup).sample())
        perm = torch.randperm(len(X))
        if self.fill is not None:  # padding at the mean, as masked cells
            pad = torch.arange(X.shape[1])[None, :] >= lengths[:, None]
            X = torch.where(pad[..., None], self.fill.to(X.dtype), X)
        X = lam * X + (1 - lam) * X[perm]
        lengths = torch.maximum(lengths, lengths[perm])
        if self.n_classes is not None:
            y = torch.nn.functional.one_hot(y.long(), self.n_classes).float()
        y = lam * y + (1 - lam) * y[perm]
        return X, lengths, y


class CentreCrop:
    """Collate function of validation batches: each clip's centre crop, padded.

    Parameters
    ----------
    crop_frames : int
        Frames kept of each clip longer than that.
    """

    def __init__(self, crop_frames):
        self.crop_frames = crop_frames

    def __call__(self, batch):
        crop = self.crop_frames
        batch = [(x[(len(x) - crop) // 2 : (len(x) - crop) // 2 + crop] if len(x) > crop else x, y)
                 for x, y in batch]
        return pad_collate(batch)


def crop_windows(lengths, crop_frames):
    """Starts of the crops that cover each clip, overlapping by half.

    A clip of ``n`` frames gets crops starting at ``0, hop, 2 hop, ...``
    (``hop = max(1, crop_frames // 2)``) and one ending at its last frame; a
    clip no longer than ``crop_frames`` gets one crop, the whole clip.

    Parameters
    ----------
    lengths : array-like of shape (n_clips,)
        Frames of each clip.
    crop_frames : int
        Frames per crop.

    Returns
    -------
    owner : ndarray of shape (n_crops,)
        The clip of each crop.
    starts : ndarray of shape (n_crops,)
        The first frame of each crop.

    Examples
    --------
    >>> from spectroclf.nets._augment import crop_windows
    >>> owner, starts = crop_windows([10, 3], 4)
    >>> owner.tolist(), starts.tolist()
    ([0, 0, 0, 0, 1], [0, 2, 4, 6, 0])
    """
    hop = max(1, crop_frames // 2)
    owner, starts = [], []
    for i, n in enumerate(np.asarray(lengths, dtype=np.int64)):
        last = max(0, int(n) - crop_frames)
        s = list(range(0, last, hop)) + [last]
        owner.extend([i] * len(s))
        starts.extend(s)
    return np.asarray(owner, dtype=np.int64), np.asarray(starts, dtype=np.int64)


class _CropDataset(Dataset):
    """The crops of a :class:`~._data.SpectrogramDataset`, in clip order.

    A clip read from a file is kept while its crops are taken (they are
    consecutive), so each file is read once.
    """

    def __init__(self, dataset, owner, starts, crop_frames):
        self.dataset = dataset
        self.owner, self.starts, self.crop_frames = owner, starts, crop_frames
        self._last = (None, None)

    def __len__(self):
        return len(self.owner)

    def __getitem__(self, k):
        i = int(self.owner[k])
        if self._last[0] != i:
            self._last = (i, self.dataset[i])
        x, y = self._last[1]
        s = int(self.starts[k])
        return x[s : s + self.crop_frames], y


class Augmentation:
    """``crop_frames``, ``time_mask``, ``freq_mask`` and ``mixup`` of an estimator.

    Checked against the training clips, turned into the training and
    validation collate functions (:meth:`collates`), and, with
    ``crop_frames``, into crop-averaged prediction (:meth:`predict`).

    Parameters
    ----------
    crop_frames : int or None
    time_mask, freq_mask : int
    mixup : float
        As the estimators document them.
    """

    def __init__(self, *, crop_frames=None, time_mask=0, freq_mask=0, mixup=0.0):
        self.crop_frames = crop_frames
        self.time_mask = time_mask
        self.freq_mask = freq_mask
        self.mixup = mixup

    def collates(self, lengths, *, n_bins, fill, n_classes):
        """Training and validation collate functions; checks the parameters first.

        Parameters
        ----------
        lengths : ndarray of shape (n_clips,)
            Frames of each training clip.
        n_bins : int
            Bins per frame.
        fill : ndarray of shape (n_bins,) or None
            The training mean (masked and mixed padding cells take it).
        n_classes : int or None
            Classes to one-hot encode for mixup; None for real targets.
        """
        longest = int(max(lengths))
        if self.crop_frames is not None and self.crop_frames > longest:
            raise ValueError(
                f"crop_frames={self.crop_frames} is longer than every training clip "
                f"(the longest has {longest} frames); use crop_frames <= {longest}, "
                "or None to train on whole clips"
            )
        frames = longest if self.crop_frames is None else self.crop_frames
        if self.time_mask and self.time_mask >= frames:
            raise ValueError(
                f"time_mask={self.time_mask} is as wide as the spectrograms it masks "
                f"({frames} frames{' per crop' if self.crop_frames else ''}); use a "
                "mask narrower than that"
            )
        if self.freq_mask and self.freq_mask >= n_bins:
            raise ValueError(
                f"freq_mask={self.freq_mask} is as wide as the spectrogram ({n_bins} "
                f"bins); use a mask narrower than {n_bins} bins"
            )
        if not (self.crop_frames or self.time_mask or self.freq_mask or self.mixup):
            return pad_collate, pad_collate
        train = AugmentCollate(
            crop_frames=self.crop_frames, time_mask=self.time_mask,
            freq_mask=self.freq_mask, mixup=self.mixup, fill=fill, n_classes=n_classes,
        )
        valid = pad_collate if self.crop_frames is None else CentreCrop(self.crop_frames)
        return train, valid

    def predict(self, net, dataset):
        """The net's outputs; with ``crop_frames``, their mean over each clip's crops."""
        if self.crop_frames is None:
            return net.predict_proba(dataset)
        owner, starts = crop_windows(dataset.lengths, self.crop_frames)
        out = net.predict_proba(_CropDataset(dataset, owner, starts, self.crop_frames))
        total = np.zeros((len(dataset), out.shape[1]), dtype=np.float64)
        np.add.at(total, owner, out)
        return (total / np.bincount(owner, minlength=len(dataset))[:, None]).astype(out.dtype)
