"""Tests of the data side of the estimators (spectroclf.nets._data): the dataset, the
padding collate, the length-bucketing sampler and loader, and ``bucket_by_length``."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch.utils.data import Subset, TensorDataset

from spectroclf import (
    CNNClassifier,
    LSTMClassifier,
    LSTMRegressor,
    load_model,
    save_model,
)
from spectroclf.nets._data import (
    BucketedDataLoader,
    LengthBucketSampler,
    SpectrogramDataset,
    clip_lengths,
    pad_collate,
)


def _lengths(n=200, seed=0):
    return np.random.default_rng(seed).integers(1, 500, size=n)


def _epoch(sampler):
    return [list(batch) for batch in sampler]


class TestSpectrogramDataset:
    def test_items_share_memory_and_lengths(self):
        specs = [np.ones((3, 2), np.float32), np.zeros((5, 2), np.float32)]
        data = SpectrogramDataset(specs, np.array([1, 0]))
        x, y = data[1]
        assert isinstance(x, torch.Tensor) and x.shape == (5, 2) and y == 0
        assert np.shares_memory(x.numpy(), specs[1])  # no copy per access
        np.testing.assert_array_equal(data.lengths, [3, 5])

    def test_non_contiguous_clip_is_copied_once(self):
        spec = np.arange(12, dtype=np.float32).reshape(2, 6)[:, ::2]
        data = SpectrogramDataset([spec])
        x, y = data[0]
        assert x.is_contiguous() and y == 0
        np.testing.assert_array_equal(x.numpy(), spec)
        assert data[0][0] is x  # wrapped once, not at every access

    def test_integer_lengths_and_placeholder_targets(self):
        data = SpectrogramDataset([np.ones((3, 2), np.float32)] * 2)
        assert data.lengths.dtype == np.int64 and data.y.dtype == np.int64
        assert data.y.tolist() == [0, 0]
        given = SpectrogramDataset([np.ones((3, 2), np.float32)], lengths=[3.0])
        assert given.lengths.dtype == np.int64 and given.lengths.tolist() == [3]
        _, yi = pad_collate([data[0], data[1]])
        assert yi.dtype == torch.int64

    def test_a_lazy_sequence_is_read_per_item(self):
        """Clips that are not a list (files, say) are read when a batch needs one;
        with their lengths given, building the dataset reads none."""
        class Files:
            def __init__(self):
                self.reads = []

            def __len__(self):
                return 3

            def __getitem__(self, i):
                self.reads.append(i)
                return np.full((i + 2, 2), i, dtype=np.float32)

        files = Files()
        data = SpectrogramDataset(files, lengths=[2, 3, 4])
        assert files.reads == [] and data.lengths.tolist() == [2, 3, 4]
        x, _ = data[2]
        assert files.reads == [2]
        np.testing.assert_array_equal(x.numpy(), np.full((4, 2), 2, np.float32))
        # without lengths, each clip is read once for its length
        assert SpectrogramDataset(Files()).lengths.tolist() == [2, 3, 4]

    def test_pad_collate(self):
        data = SpectrogramDataset([np.ones((2, 3), np.float32), np.ones((4, 3), np.float32)],
                                  np.array([0, 1]))
        Xi, yi = pad_collate([data[0], data[1]])
        assert Xi["X"].shape == (2, 4, 3)
        assert Xi["X"][0, 2:].abs().sum() == 0
        assert Xi["lengths"].tolist() == [2, 4] and yi.tolist() == [0, 1]


class TestLengthBucketSampler:
    @pytest.mark.parametrize("n, batch_size", [(200, 32), (64, 32), (7, 3), (33, 32), (1, 4)])
    def test_every_clip_once_per_epoch(self, n, batch_size):
        sampler = LengthBucketSampler(_lengths(n), batch_size, pool_batches=2)
        for _ in range(3):
            batches = _epoch(sampler)
            assert sorted(i for b in batches for i in b) == list(range(n))
            assert len(batches) == len(sampler) == -(-n // batch_size)
            assert sum(len(b) < batch_size for b in batches) <= 1

    def test_drop_last_leaves_out_the_remainder_at_random(self):
        sampler = LengthBucketSampler(_lengths(100), 32, drop_last=True)
        left_out = set()
        for _ in range(5):
            batches = _epoch(sampler)
            assert len(batches) == len(sampler) == 3
            assert all(len(b) == 32 for b in batches)
            seen = [i for b in batches for i in b]
            assert len(set(seen)) == 96
            left_out |= set(range(100)) - set(seen)
        assert len(left_out) > 4  # not always the same (e.g. longest) clips

    def test_batches_hold_clips_of_similar_length(self):
        lengths = _lengths(256)
        batches = _epoch(LengthBucketSampler(lengths, 32))  # one pool of 256
        spans = sorted((lengths[b].min(), lengths[b].max()) for b in batches)
        for (_, high), (low, _) in zip(spans, spans[1:], strict=False):
            assert high <= low  # consecutive length ranges, no overlap
        bucketed = np.mean([lengths[b].max() for b in batches])
        random = np.mean([lengths[b].max() for b in np.split(np.arange(256), 8)])
        assert bucketed < 0.8 * random

    def test_padding_is_small_with_pools(self):
        lengths = _lengths(2000)
        sampler = LengthBucketSampler(lengths, 32, pool_batches=16)
        padded = sum(len(b) * lengths[b].max() for b in _epoch(sampler))
        assert padded < 1.1 * lengths.sum()

    def test_deterministic_per_seed_and_different_across_epochs(self):
        lengths = _lengths(300)
        a = LengthBucketSampler(lengths, 16, generator=torch.Generator().manual_seed(3))
        b = LengthBucketSampler(lengths, 16, generator=torch.Generator().manual_seed(3))
        c = LengthBucketSampler(lengths, 16, generator=torch.Generator().manual_seed(4))
        first, second = _epoch(a), _epoch(a)
        assert first == _epoch(b) and second == _epoch(b)
        assert first != second  # a new order every epoch
        assert first != _epoch(c)

    def test_global_seed_fixes_the_default_generator(self):
        lengths = _lengths(300)
        torch.manual_seed(5)
        a = [_epoch(LengthBucketSampler(lengths, 16)) for _ in range(2)]
        torch.manual_seed(5)
        b = [_epoch(LengthBucketSampler(lengths, 16)) for _ in range(2)]
        assert a == b and a[0] != a[1]

    def test_batch_order_is_shuffled(self):
        lengths = np.arange(320)
        firsts = {tuple(_epoch(LengthBucketSampler(lengths, 32))[0]) for _ in range(5)}
        assert len(firsts) > 1  # not always the shortest batch first

    def test_without_shuffle_sorted_by_length(self):
        lengths = np.array([5, 1, 4, 2, 3])
        assert _epoch(LengthBucketSampler(lengths, 2, shuffle=False)) == [[1], [3, 4], [2, 0]]


class TestTies:
    def test_equal_lengths_keep_their_order(self):
        """The sort by length is stable: clips of one length stay in the (shuffled,
        here unshuffled) order they came in."""
        lengths = np.random.default_rng(0).integers(0, 3, size=64)
        order = sum(_epoch(LengthBucketSampler(lengths, 4, shuffle=False)), [])
        assert order == sorted(range(64), key=lambda i: (lengths[i], i))


class TestDefaultGenerator:
    def test_seeded_from_the_global_rng_as_random_sampler(self):
        """Without a generator each epoch takes its seed from torch's global RNG,
        exactly as torch.utils.data.RandomSampler does."""
        lengths = _lengths(40)
        torch.manual_seed(5)
        default = _epoch(LengthBucketSampler(lengths, 4))
        torch.manual_seed(5)
        seed = int(torch.empty((), dtype=torch.int64).random_().item())
        explicit = LengthBucketSampler(lengths, 4,
                                       generator=torch.Generator().manual_seed(seed))
        assert default == _epoch(explicit)


class TestBucketedDataLoader:
    def test_subset_lengths_and_batches(self):
        specs = [np.ones((int(m), 2), np.float32) for m in _lengths(50)]
        data = SpectrogramDataset(specs, np.arange(50))
        subset = Subset(Subset(data, list(range(10, 50))), list(range(0, 40, 2)))
        np.testing.assert_array_equal(clip_lengths(subset),
                                      data.lengths[np.arange(10, 50)[::2]])
        loader = BucketedDataLoader(subset, batch_size=8, shuffle=True, drop_last=False,
                                    collate_fn=pad_collate)
        seen = []
        for Xi, yi in loader:
            assert Xi["X"].shape[1] == Xi["lengths"].max()
            seen += yi.tolist()
        assert sorted(seen) == list(range(10, 50, 2))

    def test_refuses_other_datasets(self):
        with pytest.raises(TypeError, match="SpectrogramDataset"):
            BucketedDataLoader(TensorDataset(torch.zeros(4, 2)), batch_size=2)
        with pytest.raises(TypeError) as exc:
            clip_lengths([np.ones((2, 2))])
        assert str(exc.value) == (
            "length bucketing needs a SpectrogramDataset (or a Subset of one); got a list")

    def test_an_empty_subset(self):
        data = SpectrogramDataset([np.ones((3, 2), np.float32)])
        lengths = clip_lengths(Subset(data, []))
        assert lengths.shape == (0,) and lengths.dtype == np.int64

    def _data(self, lengths=(5, 1, 4, 2, 3, 7, 6)):
        specs = [np.full((m, 2), m, np.float32) for m in lengths]
        return SpectrogramDataset(specs, np.array(lengths))

    def _batches(self, loader):
        return [yi.tolist() for _, yi in loader]

    def test_defaults_are_dataloaders(self):
        """One clip per batch, in length order, none left out (DataLoader's defaults)."""
        data = self._data()
        assert self._batches(BucketedDataLoader(data, collate_fn=pad_collate)) == [
            [1], [2], [3], [4], [5], [6], [7]]
        # no clip is dropped unless asked
        loader = BucketedDataLoader(data, batch_size=3, collate_fn=pad_collate)
        assert self._batches(loader) == [[1], [2, 3, 4], [5, 6, 7]]

    def test_shuffle_and_generator_reach_the_sampler(self):
        data = self._data(tuple(range(1, 41)))

        def batches(seed, global_seed, **kwargs):
            torch.manual_seed(global_seed)  # must not matter with a generator
            loader = BucketedDataLoader(data, batch_size=4, collate_fn=pad_collate,
                                        generator=torch.Generator().manual_seed(seed),
                                        **kwargs)
            return self._batches(loader)

        shuffled = batches(0, 1, shuffle=True)
        assert shuffled == batches(0, 2, shuffle=True)
        assert shuffled != batches(1, 1, shuffle=True)
        assert sorted(sum(shuffled, [])) == list(range(1, 41))
        assert shuffled != sorted(shuffled)  # the batches come in a random order
        assert batches(0, 1, shuffle=False) == [list(range(i, i + 4))
                                                for i in range(1, 41, 4)]

    def test_a_generator_leaves_the_global_rng_alone(self):
        loader = BucketedDataLoader(self._data(), batch_size=2, shuffle=True,
                                    collate_fn=pad_collate,
                                    generator=torch.Generator().manual_seed(0))
        torch.manual_seed(123)
        expected = torch.rand(1)
        torch.manual_seed(123)
        self._batches(loader)
        assert torch.rand(1) == expected


class TestBucketByLength:
    def test_trains_deterministically_and_uses_the_loader(self, make_ragged):
        X, y = make_ragged()
        kw = dict(hidden_size=8, max_epochs=3, batch_size=8, bucket_by_length=True,
                  random_state=0)
        a = LSTMClassifier(**kw).fit(X, y)
        assert a.net_.iterator_train is BucketedDataLoader
        np.testing.assert_array_equal(a.predict_proba(X),
                                      LSTMClassifier(**kw).fit(X, y).predict_proba(X))
        other = LSTMClassifier(**{**kw, "random_state": 1}).fit(X, y)
        assert not np.array_equal(a.predict_proba(X), other.predict_proba(X))

    def test_only_the_batches_change(self, make_ragged):
        # one batch of every clip per epoch: bucketing only reorders it, so the
        # training is the same up to float rounding
        X, y = make_ragged(n=24)
        kw = dict(hidden_size=8, dropout=0.0, max_epochs=4, batch_size=24, random_state=0)
        plain = LSTMClassifier(**kw).fit(X, y)
        bucketed = LSTMClassifier(**kw, bucket_by_length=True).fit(X, y)
        np.testing.assert_allclose(bucketed.predict_proba(X), plain.predict_proba(X),
                                   atol=1e-5)

    def test_prediction_keeps_the_input_order(self, make_ragged):
        X, y = make_ragged()
        clf = LSTMClassifier(hidden_size=8, max_epochs=2, bucket_by_length=True,
                             random_state=0).fit(X, y)
        one_by_one = np.concatenate([clf.predict_proba([x]) for x in X])
        np.testing.assert_allclose(clf.predict_proba(X), one_by_one, atol=1e-5)

    def test_with_validation_split_and_batch_norm(self, make_ragged, make_regression):
        X, y = make_ragged(n=49)  # 39 training clips: a last batch of one is dropped
        clf = CNNClassifier(channels=(4,), max_epochs=2, batch_size=38,
                            validation_fraction=0.2, bucket_by_length=True,
                            random_state=0).fit(X, y)
        assert clf.net_.get_params()["iterator_train__drop_last"]
        assert len(clf.history_[-1, "batches"]) == 2  # one train batch, one valid batch
        Xr, yr = make_regression()
        reg = LSTMRegressor(hidden_size=4, max_epochs=2, validation_fraction=0.25,
                            bucket_by_length=True, random_state=0).fit(Xr, yr)
        assert np.isfinite(reg.history_[:, "valid_spearman"]).all()

    def test_clone_and_save_model_keep_it(self, make_ragged, tmp_path):
        X, y = make_ragged()
        clf = LSTMClassifier(hidden_size=4, max_epochs=1, bucket_by_length=True,
                             random_state=0).fit(X, y)
        assert clone(clf).bucket_by_length is True
        loaded = load_model(save_model(clf, tmp_path / "m.pt"))
        assert loaded.bucket_by_length is True
        assert loaded.net_.iterator_train is BucketedDataLoader
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))

    def test_rejects_non_boolean(self, make_ragged):
        X, y = make_ragged()
        with pytest.raises(ValueError, match="bucket_by_length"):
            LSTMClassifier(bucket_by_length="yes").fit(X, y)
