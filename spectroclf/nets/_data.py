"""The torch side of the data: ragged spectrograms, padded per batch.

:class:`SpectrogramDataset` holds the clips (time first) and their targets,
:func:`pad_collate` pads a batch to its longest clip, and
:class:`LengthBucketSampler` (used through :class:`BucketedDataLoader`, the
training iterator of ``bucket_by_length=True``) groups clips of similar
length into the same batch, so that a batch carries little padding.
"""

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, Sampler, Subset

#: a pool of this many batches is sorted by length before it is cut into
#: batches: large enough that a batch holds clips of nearly one length, small
#: enough that a batch's members change from epoch to epoch on large data
POOL_BATCHES = 16


class SpectrogramDataset(Dataset):
    """Variable-length spectrograms with optional targets.

    The clips are wrapped as tensors once (``torch.from_numpy`` shares their
    memory; a non-contiguous clip is copied once), not at every access.

    Parameters
    ----------
    specs : list of ndarray of shape (n_frames_i, n_bins) or SpectrogramFiles
        Clips in memory, or files read when indexed.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets), optional
        Encoded targets; zeros stand in at prediction time.
    lengths : array-like of shape (n_samples,), optional
        Frames of each clip, when the caller knows them already (so that a
        lazy sequence of files is not read for them once more).

    Attributes
    ----------
    lengths : ndarray of shape (n_samples,)
        Frames of each clip.
    """

    def __init__(self, specs, y=None, lengths=None):
        self.specs = specs
        self.y = np.zeros(len(specs), dtype=np.int64) if y is None else y
        # clips in memory are wrapped once; a lazy sequence of files is read
        # when a batch needs a clip, so only lengths are kept of it
        self._tensors = (
            [torch.from_numpy(np.ascontiguousarray(s)) for s in specs]
            if isinstance(specs, (list, tuple)) else None
        )
        self.lengths = (
            np.fromiter((len(s) for s in specs), dtype=np.int64, count=len(specs))
            if lengths is None else np.asarray(lengths, dtype=np.int64)
        )

    def __len__(self):
        return len(self.specs)

    def __getitem__(self, i):
        if self._tensors is None:
            return torch.from_numpy(np.ascontiguousarray(self.specs[i])), self.y[i]
        return self._tensors[i], self.y[i]


def pad_collate(batch):
    """Pad a batch to its longest sample; return skorch's ``(Xi, yi)``.

    ``Xi`` is the dict ``{"X": (batch, max_len, n_bins), "lengths": (batch,)}``
    that skorch passes to ``module.forward(X=..., lengths=...)``.
    """
    xs, ys = zip(*batch, strict=True)
    lengths = torch.tensor([x.shape[0] for x in xs], dtype=torch.long)
    X = pad_sequence(xs, batch_first=True)
    return {"X": X, "lengths": lengths}, torch.from_numpy(np.array(ys))


def clip_lengths(dataset):
    """Frames of each clip of a :class:`SpectrogramDataset` or a ``Subset`` of one.

    skorch's validation split hands the training loader a
    :class:`torch.utils.data.Subset`; its clips are looked up in the dataset
    underneath.
    """
    if isinstance(dataset, Subset):
        return clip_lengths(dataset.dataset)[np.asarray(dataset.indices, dtype=np.int64)]
    if isinstance(dataset, SpectrogramDataset):
        return dataset.lengths
    raise TypeError(
        f"length bucketing needs a SpectrogramDataset (or a Subset of one); "
        f"got a {type(dataset).__name__}"
    )


class LengthBucketSampler(Sampler):
    """Batches of clips of similar length, in a new random order every epoch.

    Each epoch shuffles the clips, cuts the shuffled order into pools of
    ``pool_batches * batch_size`` clips, sorts each pool by length (equal
    lengths stay in shuffled order), cuts it into batches and shuffles the
    batches. A batch is then padded to little more than its own clips'
    length, while which clips share a batch and where it comes in the epoch
    change from epoch to epoch. Every clip appears exactly once per epoch.

    Parameters
    ----------
    lengths : array-like of shape (n_samples,)
        Frames of each clip.
    batch_size : int
        Clips per batch; only one batch of an epoch may be smaller.
    shuffle : bool, default=True
        Shuffle as above; ``False`` gives the pools in order, sorted by
        length.
    drop_last : bool, default=False
        Leave out the ``n_samples % batch_size`` clips that do not fill a
        batch (drawn at random each epoch).
    pool_batches : int, default=16
        Batches per sorted pool.
    generator : torch.Generator, optional
        Source of the shuffles. By default each epoch draws a seed from
        torch's global generator, as :class:`torch.utils.data.RandomSampler`
        does, so ``torch.manual_seed`` (the estimators' ``random_state``)
        fixes every epoch's batches.

    Examples
    --------
    >>> import torch
    >>> from spectroclf.nets._data import LengthBucketSampler
    >>> sampler = LengthBucketSampler([5, 50, 6, 52, 7, 51], batch_size=3,
    ...                               generator=torch.Generator().manual_seed(0))
    >>> sorted(sorted(batch) for batch in sampler)
    [[0, 2, 4], [1, 3, 5]]
    """

    def __init__(self, lengths, batch_size, *, shuffle=True, drop_last=False,
                 pool_batches=POOL_BATCHES, generator=None):
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.pool_batches = int(pool_batches)
        self.generator = generator

    def __len__(self):
        n = len(self.lengths)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _generator(self):
        if self.generator is not None:
            return self.generator
        seed = int(torch.empty((), dtype=torch.int64).random_().item())
        return torch.Generator().manual_seed(seed)

    def __iter__(self):
        n, size = len(self.lengths), self.batch_size
        if self.shuffle:
            generator = self._generator()
            order = torch.randperm(n, generator=generator).numpy()
        else:
            order = np.arange(n)
        if self.drop_last:  # the clips left out are a random few, not the longest
            order = order[: n - n % size]
        pool = self.pool_batches * size
        batches = []
        for start in range(0, len(order), pool):
            chunk = order[start : start + pool]
            chunk = chunk[np.argsort(self.lengths[chunk], kind="stable")]
            # a short last batch takes the shortest clips of the last pool
            first = len(chunk) % size
            if first:
                batches.append(chunk[:first])
            batches.extend(chunk[i : i + size] for i in range(first, len(chunk), size))
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator)]
        for batch in batches:
            yield batch.tolist()


class BucketedDataLoader(DataLoader):
    """skorch's training iterator with length-bucketed batches.

    skorch builds its ``iterator_train`` from the training dataset it splits
    off inside ``fit``, passing ``batch_size``, ``shuffle`` and
    ``drop_last``; this loader turns them into a :class:`LengthBucketSampler`
    over that dataset's clip lengths (``DataLoader`` itself refuses a
    ``batch_sampler`` together with a ``batch_size``). Every other argument
    goes to :class:`torch.utils.data.DataLoader`.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False,
                 generator=None, **kwargs):
        sampler = LengthBucketSampler(clip_lengths(dataset), batch_size, shuffle=shuffle,
                                      drop_last=drop_last, generator=generator)
        super().__init__(dataset, batch_sampler=sampler, generator=generator, **kwargs)
