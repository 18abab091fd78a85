"""Tests of augmentation and crop-level prediction (spectroclf.nets._augment)."""

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from spectroclf import CNNClassifier, CNNRegressor, LSTMClassifier, LSTMRegressor
from spectroclf.datasets import SpectrogramFiles
from spectroclf.metrics import spearman_score
from spectroclf.nets._augment import (
    Augmentation,
    AugmentCollate,
    CentreCrop,
    crop_windows,
)
from spectroclf.nets._data import SpectrogramDataset, pad_collate

AUGMENTED = {"crop_frames": 6, "time_mask": 2, "freq_mask": 2, "mixup": 0.4}


def _batch(lengths, n_bins=5):
    return [(torch.arange(n * n_bins, dtype=torch.float32).reshape(n, n_bins), i)
            for i, n in enumerate(lengths)]


class TestAugmentCollate:
    def test_crop_is_a_contiguous_slice_within_the_clip(self):
        torch.manual_seed(0)
        batch = _batch([20, 4])
        Xi, y = AugmentCollate(crop_frames=6)(batch)
        assert Xi["X"].shape == (2, 6, 5)
        assert Xi["lengths"].tolist() == [6, 4]
        start = int(Xi["X"][0, 0, 0]) // 5
        torch.testing.assert_close(Xi["X"][0], batch[0][0][start : start + 6])
        torch.testing.assert_close(Xi["X"][1, :4], batch[1][0])  # shorter: whole
        assert y.tolist() == [0, 1]

    def test_masks_fill_one_run_of_at_most_the_width(self):
        fill = -np.arange(1, 6, dtype=np.float32)
        collate = AugmentCollate(time_mask=3, freq_mask=2, fill=fill)
        seen_time, seen_freq = set(), set()
        for seed in range(30):
            torch.manual_seed(seed)
            clip = torch.ones(10, 5)
            x = collate([(clip, 0)])[0]["X"][0]
            masked = x != 1
            rows = torch.nonzero(masked.all(1)).ravel().tolist()
            cols = torch.nonzero(masked.all(0)).ravel().tolist()
            assert len(rows) <= 3 and len(cols) <= 2
            assert rows == list(range(rows[0], rows[0] + len(rows))) if rows else True
            for c in range(5):  # masked cells hold the bin's fill value
                assert set(x[masked[:, c], c].tolist()) <= {float(fill[c])}
            assert torch.equal(clip, torch.ones(10, 5))  # input untouched
            seen_time.add(len(rows))
            seen_freq.add(len(cols))
        assert seen_time == {0, 1, 2, 3} and seen_freq == {0, 1, 2}

    def test_mixup_mixes_one_hot_classes_and_lengths(self):
        torch.manual_seed(0)
        Xi, y = AugmentCollate(mixup=0.4, n_classes=3)(_batch([4, 7, 5]))
        assert y.shape == (3, 3) and y.dtype == torch.float32
        torch.testing.assert_close(y.sum(1), torch.ones(3))
        assert (y > 0).sum(1).max() <= 2
        assert Xi["lengths"].min() >= 4

    def test_mixup_of_real_targets_is_a_convex_combination(self):
        torch.manual_seed(1)
        batch = [(torch.zeros(3, 2), np.float32(v)) for v in (0.0, 10.0)]
        _, y = AugmentCollate(mixup=1.0)(batch)
        assert 0 <= float(y.min()) and float(y.max()) <= 10
        assert float(y.sum()) == pytest.approx(10.0)

    def test_same_seed_same_batch(self):
        collate = AugmentCollate(**AUGMENTED)
        out = []
        for _ in range(2):
            torch.manual_seed(3)
            out.append(collate(_batch([20, 9, 12]))[0]["X"])
        torch.testing.assert_close(out[0], out[1])


def test_crop_windows_cover_every_frame():
    owner, starts = crop_windows([1, 8, 9, 30], 8)
    for clip, n in enumerate([1, 8, 9, 30]):
        covered = np.zeros(n, bool)
        for s in starts[owner == clip]:
            assert s + min(8, n) <= n
            covered[s : s + 8] = True
        assert covered.all()
    assert (owner == 1).sum() == 1 and (owner == 0).sum() == 1


@pytest.mark.parametrize("cls", [CNNClassifier, LSTMClassifier])
def test_augmented_classifier_learns_string_labels(cls, make_ragged):
    X, y = make_ragged(n=60)
    X = [np.tile(x, (3, 1)) for x in X]  # 12-45 frames
    small = {"channels": (8, 8)} if cls is CNNClassifier else {"hidden_size": 16}
    clf = cls(**small, **AUGMENTED, max_epochs=15, lr=0.01, random_state=0).fit(X, y)
    assert clf.predict(X).dtype == y.dtype
    assert np.mean(clf.predict(X) == y) > 0.8  # chance: 1/3


@pytest.mark.parametrize("cls", [CNNRegressor, LSTMRegressor])
def test_augmented_regressor_learns(cls, make_regression):
    X, y = make_regression(n=80)
    X = [np.tile(x, (3, 1)) for x in X]
    small = {"channels": (8,)} if cls is CNNRegressor else {"hidden_size": 16}
    reg = cls(**small, crop_frames=6, mixup=0.2, max_epochs=20, lr=0.01,
              random_state=0).fit(X, y)
    assert spearman_score(y, reg.predict(X)) > 0.6


def test_augmentation_happens_only_in_fit(make_ragged):
    X, y = make_ragged()
    copies = [x.copy() for x in X]
    clf = CNNClassifier(channels=(8,), time_mask=2, freq_mask=2, mixup=0.4,
                        max_epochs=3, random_state=0).fit(X, y)
    for x, c in zip(X, copies, strict=True):
        np.testing.assert_array_equal(x, c)  # training data untouched
    plain = clf.net_.predict_proba(SpectrogramDataset(X))  # no augmentation
    np.testing.assert_array_equal(clf.predict_proba(X), plain)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))


def test_crop_prediction_is_the_mean_over_crops(make_ragged):
    X, y = make_ragged()
    X = [np.tile(x, (2, 1)) for x in X]
    clf = LSTMClassifier(hidden_size=8, crop_frames=6, max_epochs=3,
                         random_state=0).fit(X, y)
    owner, starts = crop_windows([len(x) for x in X], 6)
    crops = [X[i][s : s + 6] for i, s in zip(owner, starts, strict=True)]
    per_crop = clf.predict_proba(crops)  # each crop is one window
    manual = np.stack([per_crop[owner == i].mean(0) for i in range(len(X))])
    np.testing.assert_allclose(clf.predict_proba(X), manual, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1, rtol=1e-5)

    reg = LSTMRegressor(hidden_size=8, crop_frames=6, max_epochs=2,
                        random_state=0).fit(X, np.arange(len(X), dtype=float))
    per_crop = reg.predict(crops)
    manual = np.array([per_crop[owner == i].mean() for i in range(len(X))])
    np.testing.assert_allclose(reg.predict(X), manual, rtol=1e-5)


def test_crops_from_files_read_each_file_once_for_all_its_crops(tmp_path, make_ragged, monkeypatch):
    X, y = make_ragged(n=12, n_bins=140)
    X = [np.tile(x, (2, 1)) for x in X]
    paths = []
    for i, x in enumerate(X):
        paths.append(str(tmp_path / f"{i}.npy"))
        np.save(paths[-1], x.T)  # the lab layout: (n_bins, n_frames)
    clf = LSTMClassifier(hidden_size=8, crop_frames=5, max_epochs=2, random_state=0).fit(X, y)
    files = SpectrogramFiles(paths)
    reads = []
    original = SpectrogramFiles.__getitem__
    monkeypatch.setattr(SpectrogramFiles, "__getitem__",
                        lambda self, i: reads.append(i) or original(self, i))
    np.testing.assert_allclose(clf.predict_proba(files), clf.predict_proba(X), rtol=1e-6)
    # once for its length, once for all its crops
    assert sorted(reads) == sorted(list(range(len(X))) * 2)


def test_same_random_state_same_model(make_ragged):
    X, y = make_ragged()
    fit = [CNNClassifier(channels=(8,), **AUGMENTED, max_epochs=3, random_state=s)
           .fit(X, y).predict_proba(X) for s in (0, 0, 1)]
    np.testing.assert_array_equal(fit[0], fit[1])
    assert not np.allclose(fit[0], fit[2])


def test_grid_search_over_augmentation(make_ragged):
    X, y = make_ragged(n=30)
    search = GridSearchCV(
        LSTMClassifier(hidden_size=4, max_epochs=2, random_state=0),
        {"mixup": [0.0, 0.3], "time_mask": [0, 2]}, cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4


def test_centre_crop_validation(make_ragged):
    X, y = make_ragged()
    clf = CNNClassifier(channels=(8,), crop_frames=4, validation_fraction=0.25,
                        max_epochs=8, lr=0.01, random_state=0).fit(X, y)
    acc = clf.history_[:, "valid_acc"]
    assert len(acc) == 8 and acc[-1] > 0.8  # 12 held-out clips, chance 1/3
    assert clf.history_[-1, "valid_loss"] < clf.history_[0, "valid_loss"]


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_validation_reads_one_centre_crop_per_clip(cls, make_ragged, monkeypatch):
    """Validation costs one crop per held-out clip per epoch, not every crop
    (prediction averages over all of them; scores during fit use the centre)."""
    from spectroclf.models import LSTM

    X, labels = make_ragged(n=40)
    X = [np.tile(x, (6, 1)) for x in X]  # 24-90 frames: several crops each
    y = labels if cls is LSTMClassifier else np.arange(40.0)
    seen, forward = [], LSTM.forward
    monkeypatch.setattr(LSTM, "forward", lambda self, X, lengths=None: (
        seen.append((self.training, X.shape[0], X.shape[1])) or forward(self, X, lengths)))
    est = cls(hidden_size=4, crop_frames=8, validation_fraction=0.25, max_epochs=2,
              batch_size=64, random_state=0).fit(X, y)
    valid = [(n, frames) for training, n, frames in seen if not training]
    assert valid == [(10, 8), (10, 8)]  # 10 held-out clips, 8 frames each, per epoch
    assert ("valid_acc" if cls is LSTMClassifier else "valid_spearman") in est.history_[-1]


class TestBadInput:
    def test_crop_longer_than_every_clip(self, make_ragged):
        X, y = make_ragged()
        with pytest.raises(ValueError, match=r"crop_frames=99 is longer than every "
                                             r"training clip \(the longest has 15 frames\)"):
            LSTMClassifier(crop_frames=99, max_epochs=1).fit(X, y)

    def test_time_mask_as_wide_as_the_clips(self, make_ragged):
        X, y = make_ragged()
        with pytest.raises(ValueError, match="time_mask=15 is as wide as the spectrograms"):
            LSTMClassifier(time_mask=15, max_epochs=1).fit(X, y)
        with pytest.raises(ValueError, match=r"\(4 frames per crop\)"):
            LSTMClassifier(crop_frames=4, time_mask=4, max_epochs=1).fit(X, y)

    def test_freq_mask_as_wide_as_the_spectrogram(self, make_ragged):
        X, y = make_ragged()
        with pytest.raises(ValueError, match=r"freq_mask=6 is as wide as the "
                                             r"spectrogram \(6 bins\)"):
            CNNClassifier(freq_mask=6, max_epochs=1).fit(X, y)

    @pytest.mark.parametrize("param, value", [("mixup", -0.1), ("crop_frames", 0),
                                              ("time_mask", -1), ("freq_mask", 1.5)])
    def test_invalid_values(self, param, value, make_ragged):
        X, y = make_ragged()
        with pytest.raises(ValueError, match=f"'{param}' parameter"):
            CNNClassifier(**{param: value}, max_epochs=1).fit(X, y)


class TestAugmentationDetails:
    """What each parameter does to the batches, at the edges (from mutation testing)."""

    @staticmethod
    def collates(lengths=(20, 12), n_bins=5, fill=None, n_classes=3, **params):
        return Augmentation(**params).collates(np.array(lengths), n_bins=n_bins,
                                               fill=fill, n_classes=n_classes)

    def test_no_augmentation_by_default(self):
        assert self.collates() == (pad_collate, pad_collate)

    @pytest.mark.parametrize("params", [dict(time_mask=2), dict(freq_mask=2),
                                        dict(mixup=0.4), dict(crop_frames=6)])
    def test_each_parameter_alone_augments(self, params):
        train, valid = self.collates(fill=np.full(5, 7.0, np.float32), **params)
        assert isinstance(train, AugmentCollate)
        masked = False
        for seed in range(20):
            torch.manual_seed(seed)
            Xi, y = train([(torch.zeros(20, 5), 0), (torch.ones(12, 5), 1)])
            if "crop_frames" in params:
                assert Xi["X"].shape == (2, 6, 5) and Xi["lengths"].tolist() == [6, 6]
            if "mixup" in params:
                assert y.shape == (2, 3)  # one-hot, mixed
            masked |= bool((Xi["X"] == 7).any())
        if "time_mask" in params or "freq_mask" in params:
            assert masked  # masked cells hold the fill (the training mean)
        assert valid is pad_collate or isinstance(valid, CentreCrop)
        assert isinstance(valid, CentreCrop) == ("crop_frames" in params)

    def test_crop_as_long_as_the_longest_clip_is_allowed(self):
        train, _ = self.collates(crop_frames=20)
        Xi, _ = train([(torch.zeros(20, 5), 0)])
        assert Xi["X"].shape == (1, 20, 5)

    def test_messages(self):
        with pytest.raises(ValueError) as err:
            self.collates(crop_frames=21)
        assert str(err.value) == (
            "crop_frames=21 is longer than every training clip (the longest has 20 "
            "frames); use crop_frames <= 20, or None to train on whole clips")
        with pytest.raises(ValueError) as err:
            self.collates(time_mask=20)
        assert str(err.value) == (
            "time_mask=20 is as wide as the spectrograms it masks (20 frames); use a "
            "mask narrower than that")
        with pytest.raises(ValueError) as err:
            self.collates(crop_frames=4, time_mask=4)
        assert "(4 frames per crop); use a mask narrower than that" in str(err.value)

    def test_crops_and_masks_reach_every_position(self):
        """Crop starts and mask runs are uniform over every position that fits."""
        crop_starts, mask_runs = set(), set()
        for seed in range(300):
            torch.manual_seed(seed)
            x = torch.arange(10, dtype=torch.float32)[:, None].repeat(1, 3)
            Xi, _ = AugmentCollate(crop_frames=7)([(x, 0)])
            assert Xi["X"].shape == (1, 7, 3)
            crop_starts.add(int(Xi["X"][0, 0, 0]))
            torch.manual_seed(seed)
            Xi, _ = AugmentCollate(time_mask=3, fill=np.full(3, -1.0))([(x, 0)])
            rows = torch.nonzero(Xi["X"][0, :, 0] == -1).ravel().tolist()
            if rows:
                assert rows == list(range(rows[0], rows[0] + len(rows)))
                mask_runs.add((rows[0], len(rows)))
        assert crop_starts == set(range(4))  # 0..10-7
        for width in (1, 2, 3):
            assert {s for s, w in mask_runs if w == width} == set(range(11 - width))

    def test_mask_draws(self):
        """A mask's width is uniform in [0, time_mask], its start uniform over the
        starts at which it fits: replayed draw by draw from the same seed."""
        for seed in range(60):
            torch.manual_seed(seed)
            x = torch.zeros(10, 3)
            Xi, _ = AugmentCollate(time_mask=3, fill=np.full(3, -1.0))([(x, 0)])
            rows = torch.nonzero(Xi["X"][0, :, 0] == -1).ravel().tolist()
            torch.manual_seed(seed)
            width = int(torch.randint(0, 4, ()).item())
            start = int(torch.randint(0, 10 - width + 1, ()).item()) if width else 0
            assert rows == list(range(start, start + width))

    def test_mixup_mixes_batches_of_two_not_one(self):
        torch.manual_seed(0)
        _, y = AugmentCollate(mixup=0.4, n_classes=3)([(torch.zeros(3, 2), 2)])
        assert y.tolist() == [2]  # a single clip has nothing to mix with
        _, y = AugmentCollate(mixup=0.4, n_classes=3)(
            [(torch.zeros(3, 2), 0), (torch.zeros(3, 2), 1)])
        assert y.shape == (2, 3)  # one-hot over every class, not only those present
        torch.testing.assert_close(y.sum(1), torch.ones(2))

    def test_mixup_is_the_convex_combination_with_padding_at_the_fill(self):
        fill = np.array([5.0, -5.0], np.float32)
        batch = [(torch.ones(2, 2), np.float32(0)), (torch.full((4, 2), 3.0), np.float32(1))]
        for seed in range(5):
            torch.manual_seed(seed)
            Xi, y = AugmentCollate(mixup=0.5, fill=fill)(batch)
            torch.manual_seed(seed)  # the same draws: lam, then the permutation
            lam = float(torch.distributions.Beta(0.5, 0.5).sample())
            perm = torch.randperm(2)
            X = torch.stack([torch.cat([torch.ones(2, 2), torch.tensor(fill).repeat(2, 1)]),
                             torch.full((4, 2), 3.0)])
            torch.testing.assert_close(Xi["X"], lam * X + (1 - lam) * X[perm])
            torch.testing.assert_close(y, lam * torch.tensor([0.0, 1.0])
                                       + (1 - lam) * torch.tensor([0.0, 1.0])[perm])
            lengths = torch.tensor([2, 4])
            assert Xi["lengths"].tolist() == torch.maximum(lengths, lengths[perm]).tolist()

    def test_centre_crop_keeps_short_clips_whole(self):
        Xi, _ = CentreCrop(6)([(torch.arange(4.0)[:, None], 0), (torch.arange(10.0)[:, None], 1)])
        assert Xi["lengths"].tolist() == [4, 6]
        assert Xi["X"][0, :, 0].tolist() == [0, 1, 2, 3, 0, 0]
        assert Xi["X"][1, :, 0].tolist() == [2, 3, 4, 5, 6, 7]

    def test_crop_windows_exactly(self):
        owner, starts = crop_windows([20, 5], 8)  # hop 4, and a crop ending at the end
        assert owner.tolist() == [0, 0, 0, 0, 1]
        assert starts.tolist() == [0, 4, 8, 12, 0]
        _, starts = crop_windows([5], 2)  # hop 1
        assert starts.tolist() == [0, 1, 2, 3]
        owner, starts = crop_windows([], 4)
        assert owner.dtype == starts.dtype == np.int64 and owner.size == 0

    def test_crop_averaged_probabilities_keep_the_nets_dtype(self, make_ragged):
        X, y = make_ragged()
        X = [np.tile(x, (2, 1)) for x in X]
        clf = LSTMClassifier(hidden_size=8, crop_frames=6, max_epochs=1,
                             random_state=0).fit(X, y)
        assert clf.predict_proba(X).dtype == np.float32
