"""Tests of the machinery shared by the estimators (spectroclf.nets._base):
checkpoints, devices, input validation and the state persistence stores."""

import pickle
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from spectroclf import CNNClassifier, LSTMClassifier, LSTMRegressor


def test_checkpoint_resumes_to_max_epochs(tmp_path, make_ragged):
    X, y = make_ragged()
    LSTMClassifier(hidden_size=8, max_epochs=2, random_state=0, checkpoint=tmp_path).fit(X, y)
    assert (tmp_path / "checkpoint.pt").exists()
    assert not list(tmp_path.glob("*.tmp"))
    clf = LSTMClassifier(hidden_size=8, max_epochs=5, random_state=0, checkpoint=tmp_path)
    clf.fit(X, y)
    assert clf.n_epochs_ == 5
    assert [row["epoch"] for row in clf.history_] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="different model"):
        LSTMClassifier(hidden_size=4, max_epochs=5, checkpoint=tmp_path).fit(X, y)


def test_checkpoint_names_the_model_it_belongs_to(tmp_path, make_ragged):
    """The checkpoint's meta is what a resume compares: a CNN's tuple of channels
    is stored as the list torch reads back, so the same CNN resumes."""
    X, y = make_ragged(n=24)
    CNNClassifier(channels=(2, 3), max_epochs=1, random_state=0,
                  checkpoint=tmp_path).fit(X, y)
    meta = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["meta"]
    assert meta == {"estimator": "CNNClassifier", "n_features_in": 6, "n_outputs": 3,
                    "module_params": {**meta["module_params"], "channels": [2, 3]}}
    again = CNNClassifier(channels=(2, 3), max_epochs=2, random_state=0,
                          checkpoint=tmp_path).fit(X, y)
    assert again.n_epochs_ == 2 and len(again.history_) == 2


class _NotAllowed:
    """A class torch's weights-only unpickler refuses."""


class TestCheckpointFile:
    """What ``checkpoint=`` reads and writes, and every file it refuses by name."""

    def test_a_nested_folder_is_created(self, tmp_path, make_ragged):
        X, y = make_ragged(n=12)
        folder = tmp_path / "runs" / "lstm"
        LSTMClassifier(hidden_size=2, max_epochs=1, checkpoint=folder).fit(X, y)
        assert (folder / "checkpoint.pt").is_file()

    @pytest.mark.parametrize("write, reason", [
        (lambda path: path.write_bytes(b""), "EOFError"),
        (lambda path: path.write_bytes(b"garbage"),
         "UnpicklingError: not a checkpoint written by spectroclf, or corrupt"),
        # a pickle that would run code is never unpickled
        (lambda path: torch.save({"meta": _NotAllowed()}, path),
         "UnpicklingError: not a checkpoint written by spectroclf, or corrupt"),
    ], ids=["empty", "garbage", "arbitrary-pickle"])
    def test_an_unreadable_file_is_named(self, tmp_path, make_ragged, write, reason):
        X, y = make_ragged(n=12)
        path = tmp_path / "checkpoint.pt"
        write(path)
        with pytest.raises(ValueError) as info:
            LSTMClassifier(hidden_size=2, max_epochs=1, checkpoint=tmp_path).fit(X, y)
        assert str(info.value) == (f"checkpoint {path} could not be read ({reason}); "
                                   "delete it to start training afresh")

    def test_another_models_checkpoint_names_both(self, tmp_path, make_ragged):
        X, y = make_ragged(n=12)
        LSTMClassifier(hidden_size=2, max_epochs=1, checkpoint=tmp_path).fit(X, y)
        saved = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["meta"]
        est = LSTMClassifier(hidden_size=3, max_epochs=2, checkpoint=tmp_path)
        with pytest.raises(ValueError) as info:
            est.fit(X, y)
        ours = {**saved, "module_params": {**saved["module_params"], "hidden_size": 3}}
        assert str(info.value) == (
            f"checkpoint {tmp_path / 'checkpoint.pt'} was written by a different model "
            f"({saved}); this one is {ours}. Use another checkpoint directory or "
            "delete the file to start afresh")


def test_device_auto_resolves(make_ragged):
    X, y = make_ragged()
    clf = LSTMClassifier(hidden_size=4, max_epochs=1, device="auto").fit(X, y)
    assert clf.device_ == ("cuda" if torch.cuda.is_available() else "cpu")


def test_an_unpickled_estimator_names_its_nets_device(make_ragged):
    """A CUDA-trained net unpickled without a GPU lands on the CPU: device_
    follows the net. Simulated on the CPU by a stale device_."""
    X, y = make_ragged(n=12)
    clf = LSTMClassifier(hidden_size=2, max_epochs=1, random_state=0).fit(X, y)
    assert pickle.loads(pickle.dumps(clf)).device_ == "cpu"
    clf.device_ = "cuda"
    assert pickle.loads(pickle.dumps(clf)).device_ == "cpu"


def test_an_estimator_whose_fit_failed_still_pickles(make_ragged):
    """fit sets device_ before it can fail on the data; no net_ then."""
    X, y = make_ragged(n=12, n_bins=6)
    source = LSTMClassifier(hidden_size=2, max_epochs=1, random_state=0).fit(X, y)
    est = LSTMClassifier(init_from=source)
    with pytest.raises(ValueError, match="init_from was fitted on spectrograms of 6"):
        est.fit([x[:, :5] for x in X], y)
    again = pickle.loads(pickle.dumps(est))
    assert again.device_ == est.device_ == "cpu" and not hasattr(again, "net_")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit_predicts_like_cpu_after_pickle(make_ragged):
    X, y = make_ragged()
    clf = LSTMClassifier(hidden_size=8, max_epochs=2, device="cuda", random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize(
    "X, message",
    [
        ([np.ones((3, 6)), np.ones((3, 5))], "expected 6 bins"),
        ([np.ones((0, 6))], "0 frames"),
        ([np.full((3, 6), np.nan)], "NaN"),
        ([], "empty"),
        ({"X": np.ones((2, 3, 6))}, "lengths"),
    ],
)
def test_bad_spectrograms(X, message):
    with pytest.raises(ValueError, match=message):
        LSTMClassifier(max_epochs=1).fit(X, ["a", "b"][: len(X)] if len(X) != 1 else ["a"])


def test_wrong_bins_at_predict(make_ragged):
    X, y = make_ragged()
    clf = LSTMClassifier(hidden_size=4, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="expecting 6 features"):
        clf.predict([np.ones((5, 7))])


def test_one_class_and_length_mismatch(make_ragged):
    X, y = make_ragged()
    with pytest.raises(ValueError, match="only one class"):
        LSTMClassifier(max_epochs=1).fit(X, ["rock"] * len(X))
    with pytest.raises(ValueError, match="48 samples but y has 47"):
        LSTMClassifier(max_epochs=1).fit(X, y[:-1])


def test_stratified_split_needs_two_per_class(make_ragged):
    X, y = make_ragged()
    y = y.copy()
    y[0] = "solo"
    with pytest.raises(ValueError, match="'solo' has only one sample.*min_count"):
        LSTMClassifier(max_epochs=1, validation_fraction=0.2).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu_names_the_fix(make_ragged):
    X, y = make_ragged()
    with pytest.raises(ValueError, match="device='auto'"):
        LSTMClassifier(device="cuda").fit(X, y)


def test_invalid_parameter_is_reported_by_name(make_ragged):
    X, y = make_ragged()
    with pytest.raises(ValueError, match="hidden_size"):
        LSTMClassifier(hidden_size=0).fit(X, y)


def test_lazy_files_are_read_once_before_training(tmp_path, make_ragged, monkeypatch):
    """Lengths and the standardisation statistics come from one pass over the
    files: n reads before the first epoch, then n per epoch (batches)."""
    from spectroclf.datasets import SpectrogramFiles

    X, y = make_ragged(n=12, n_bins=140)
    paths = []
    for i, x in enumerate(X):
        paths.append(tmp_path / f"{i}.npy")
        np.save(paths[-1], x.T)  # the lab's (n_bins, n_frames) layout
    files = SpectrogramFiles([str(p) for p in paths], feature="fused")
    reads = []
    original = SpectrogramFiles.__getitem__
    monkeypatch.setattr(SpectrogramFiles, "__getitem__",
                        lambda self, i: reads.append(i) or original(self, i))
    LSTMClassifier(hidden_size=4, max_epochs=0, random_state=0).fit(files, y)
    assert sorted(reads) == list(range(12))  # once each before training
    reads.clear()
    LSTMClassifier(hidden_size=4, max_epochs=2, random_state=0).fit(files, y)
    assert sorted(reads) == sorted(list(range(12)) * 3)


class TestEarlyStoppingTolerance:
    """Students stopped with a tolerance (1e-2, 1e-1) and restored the best epoch."""

    def test_tol_stops_sooner_and_restores_the_lowest_loss(self, make_regression):
        X, y = make_regression(n=60)
        kw = dict(hidden_size=8, lr=0.01, max_epochs=40, early_stopping=True,
                  n_iter_no_change=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # stopping early is no interruption
            loose = LSTMRegressor(tol=0.5, **kw).fit(X, y)
            tight = LSTMRegressor(tol=0.0, **kw).fit(X, y)
        assert loose.n_epochs_ < tight.n_epochs_ <= 40

    def test_restores_the_epoch_with_the_lowest_validation_loss(self, make_regression):
        from skorch.callbacks import Callback

        class Snapshot(Callback):
            def initialize(self):
                self.states = []
                return self

            def on_epoch_end(self, net, **kwargs):
                self.states.append({k: v.clone() for k, v in net.module_.state_dict().items()})

        X, y = make_regression(n=60)
        snap = ("snap", Snapshot())
        est = LSTMRegressor(hidden_size=8, lr=0.05, max_epochs=30, early_stopping=True,
                            n_iter_no_change=3, tol=0.05, callbacks=[snap],
                            random_state=0).fit(X, y)
        losses = est.history_[:, "valid_loss"]
        best = int(np.argmin(losses))
        states = dict(est.net_.callbacks_)["snap"].states
        assert best != len(losses) - 1  # training went on past the best epoch
        for key, value in est.net_.module_.state_dict().items():
            torch.testing.assert_close(value, states[best][key])

    def test_a_users_early_stopping_is_no_interruption(self, make_regression):
        from skorch.callbacks import EarlyStopping

        X, y = make_regression(n=60)
        stop = EarlyStopping(threshold=0.1, threshold_mode="abs", patience=1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            est = LSTMRegressor(hidden_size=4, max_epochs=30, validation_fraction=0.2,
                                callbacks=[stop], random_state=0).fit(X, y)
        assert est.n_epochs_ < 30


class TestStateContract:
    """``_export_state`` / ``_from_state``: what spectroclf.persistence stores and
    rebuilds, and nothing else."""

    @staticmethod
    def _round_trip(est):
        state = est._export_state()
        return state, type(est)._from_state(est.get_params(deep=False), state,
                                            device="cpu")

    def test_an_estimator_without_a_net_is_not_fitted(self):
        est = LSTMRegressor()
        est.n_features_in_ = 3  # a fitted attribute, but no net
        with pytest.raises(NotFittedError, match="LSTMRegressor instance is not fitted"):
            est._export_state()
        with pytest.raises(NotFittedError, match="LSTMRegressor instance is not fitted"):
            est.predict([np.ones((4, 3))])

    def test_exactly_the_fitted_attributes_are_stored(self, make_regression):
        X, y = make_regression(n=12)
        est = LSTMRegressor(hidden_size=2, max_epochs=2, random_state=0).fit(X, y)
        state, again = self._round_trip(est)
        assert sorted(state["fitted"]) == ["_single_target", "device_", "n_epochs_",
                                           "n_features_in_", "n_outputs_", "y_mean_",
                                           "y_scale_"]
        assert set(state) == {"fitted", "drop_last", "module", "criterion",
                              "optimizer", "history"}
        np.testing.assert_array_equal(again.predict(X), est.predict(X))

    def test_the_history_is_plain_python_and_comes_back(self, make_regression):
        X, y = make_regression(n=12)
        est = LSTMRegressor(hidden_size=2, max_epochs=3, random_state=0).fit(X, y)
        state, again = self._round_trip(est)
        assert [row["epoch"] for row in state["history"]] == [1, 2, 3]
        assert isinstance(state["history"][0]["train_loss"], float)
        assert again.history_[:, "train_loss"] == est.history_[:, "train_loss"]
        assert again.history_ is again.net_.history and again.n_epochs_ == 3

    @pytest.mark.parametrize("n", [16, 17])
    def test_a_dropped_last_batch_is_restored(self, make_ragged, n):
        """17 clips in batches of 8 leave a last batch of one, which batch
        normalisation cannot train on; the rebuilt net drops it too."""
        X, y = make_ragged(n=n)
        est = CNNClassifier(channels=(2,), batch_size=8, max_epochs=1,
                            random_state=0).fit(X, y)
        state, again = self._round_trip(est)
        assert state["drop_last"] is (n == 17)
        assert again.net_.iterator_train__drop_last is (n == 17)

    def test_the_validation_split_is_the_fitted_one(self, make_regression):
        X, y = make_regression(n=20)
        est = LSTMRegressor(hidden_size=2, max_epochs=1, validation_fraction=0.2,
                            random_state=3).fit(X, y)
        _, again = self._round_trip(est)
        assert (again.net_.train_split.random_state
                == est.net_.train_split.random_state
                == np.random.RandomState(3).randint(np.iinfo(np.int32).max))
        assert again.net_.train_split.cv == 0.2

    def test_n_epochs_comes_from_the_fitted_attributes_or_the_history(
            self, make_regression):
        X, y = make_regression(n=12)
        est = LSTMRegressor(hidden_size=2, max_epochs=3, random_state=0).fit(X, y)
        state = est._export_state()
        state["history"] = []  # an older file without the epochs
        assert LSTMRegressor._from_state(est.get_params(), state,
                                         device="cpu").n_epochs_ == 3
        state = est._export_state()
        del state["fitted"]["n_epochs_"]
        again = LSTMRegressor._from_state(est.get_params(), state, device="cpu")
        assert again.n_epochs_ == 3 and isinstance(again.n_epochs_, int)

    @pytest.mark.parametrize("n_bins", [None, 0, True, 2.0, -1])
    def test_a_bad_bin_count_is_named(self, make_regression, n_bins):
        X, y = make_regression(n=12)
        est = LSTMRegressor(hidden_size=2, max_epochs=1, random_state=0).fit(X, y)
        state = est._export_state()
        if n_bins is None:
            del state["fitted"]["n_features_in_"]
        else:
            state["fitted"]["n_features_in_"] = n_bins
        with pytest.raises(ValueError, match=re.escape(
                f"fitted['n_features_in_'] must be a positive integer, got {n_bins!r}")):
            LSTMRegressor._from_state(est.get_params(), state, device="cpu")

    def test_one_bin_is_enough(self, make_regression):
        X, y = make_regression(n=12, n_bins=1)
        est = LSTMRegressor(hidden_size=2, max_epochs=1, random_state=0).fit(X, y)
        _, again = self._round_trip(est)
        np.testing.assert_array_equal(again.predict(X), est.predict(X))


class TestClipStatistics:
    """``clip_statistics``: lengths and per-bin statistics in one pass over the clips."""

    def test_matches_the_statistics_of_all_frames(self):
        from spectroclf.nets._base import clip_statistics

        rng = np.random.default_rng(0)
        clips = [(rng.normal(size=(n, 4)) * [1, 2, 3, 4] + [5, -5, 0, 100])
                 .astype(np.float32) for n in (1, 7, 3, 12)]
        lengths, mean, scale = clip_statistics(clips)
        frames = np.concatenate(clips).astype(np.float64)
        np.testing.assert_array_equal(lengths, [1, 7, 3, 12])
        assert lengths.dtype == np.int64
        assert mean.dtype == scale.dtype == np.float32
        np.testing.assert_allclose(mean, frames.mean(0), rtol=1e-6)
        np.testing.assert_allclose(scale, frames.std(0), rtol=1e-6)

    def test_one_clip(self):
        from spectroclf.nets._base import clip_statistics

        clip = np.array([[1.0, 2.0], [3.0, 6.0]], dtype=np.float32)
        lengths, mean, scale = clip_statistics([clip])
        np.testing.assert_array_equal(lengths, [2])
        np.testing.assert_array_equal(mean, [2.0, 4.0])
        np.testing.assert_array_equal(scale, [1.0, 2.0])

    def test_sums_in_float64(self):
        """float32 sums lose the ones added to 2**24; the mean is still exact."""
        from spectroclf.nets._base import clip_statistics

        clip = np.array([[2.0**24]] + [[1.0]] * 9, dtype=np.float32)
        _, mean, _ = clip_statistics([clip])
        np.testing.assert_array_equal(mean, [np.float32((2**24 + 9) / 10)])

    def test_a_bin_below_1e_6_spread_keeps_scale_1(self):
        from spectroclf.nets._base import clip_statistics

        clips = [np.array([[0.0, 0.0, 7.0]]), np.array([[8e-7, 4e-6, 7.0]])]
        _, _, scale = clip_statistics(clips)
        np.testing.assert_allclose(scale, [1.0, 2e-6, 1.0], rtol=1e-6)
        _, _, at = clip_statistics([np.array([[0.0]]), np.array([[2e-6]])])
        np.testing.assert_array_equal(at, [np.float32(1e-6)])  # std exactly 1e-6: kept

    def test_lengths_only(self):
        from spectroclf.nets._base import clip_statistics

        class Unreadable:  # a lazily read clip: only its length is asked for
            def __len__(self):
                return 5

            def __array__(self, *args, **kwargs):
                raise AssertionError("read")

        lengths, mean, scale = clip_statistics([Unreadable(), Unreadable()],
                                               standardize=False)
        np.testing.assert_array_equal(lengths, [5, 5])
        assert mean is None and scale is None


class TestTheSkorchNet:
    """Every training parameter reaches the skorch net ``fit`` builds."""

    @staticmethod
    def _fit(make_ragged, **params):
        X, y = make_ragged(n=24)
        return LSTMClassifier(**{"hidden_size": 2, "max_epochs": 1, "random_state": 0,
                                 **params}).fit(X, y)

    def test_training_parameters(self, make_ragged):
        est = self._fit(make_ragged, lr=0.02, max_epochs=2, batch_size=5,
                        weight_decay=0.1, optimizer="sgd")
        net = est.net_
        assert (net.lr, net.max_epochs, net.batch_size) == (0.02, 2, 5)
        assert net.optimizer is torch.optim.SGD
        group = net.optimizer_.param_groups[0]
        assert (group["lr"], group["weight_decay"], group["momentum"]) == (0.02, 0.1, 0.9)
        assert net.iterator_train__shuffle is True
        assert net.iterator_train__pin_memory is net.iterator_valid__pin_memory is False
        assert net.device == "cpu" and net.verbose == 0 and net.train_split is None
        assert net.history[-1, "train_batch_count"] == 5  # 24 clips in batches of 5

    @pytest.mark.parametrize("name, cls", [("adam", torch.optim.Adam),
                                           ("adamw", torch.optim.AdamW)])
    def test_optimizers_by_name(self, make_ragged, name, cls):
        est = self._fit(make_ragged, optimizer=name)
        assert type(est.net_.optimizer_) is cls
        assert "momentum" not in est.net_.optimizer_.param_groups[0]

    def test_an_optimizer_class(self, make_ragged):
        est = self._fit(make_ragged, optimizer=torch.optim.RMSprop, weight_decay=0.01)
        assert type(est.net_.optimizer_) is torch.optim.RMSprop
        assert est.net_.optimizer_.param_groups[0]["weight_decay"] == 0.01

    def test_bucketing(self, make_ragged):
        from spectroclf.nets._data import BucketedDataLoader

        bucketed = self._fit(make_ragged, bucket_by_length=True)
        assert bucketed.net_.iterator_train is BucketedDataLoader
        assert self._fit(make_ragged).net_.iterator_train is torch.utils.data.DataLoader

    def test_callbacks_in_order(self, make_ragged):
        from skorch.callbacks import EpochTimer, ProgressBar

        from spectroclf.nets._callbacks import _Diverged, _EarlyStopping

        mine, named = EpochTimer(), ("timer", EpochTimer())
        est = self._fit(make_ragged, callbacks=[mine, named], early_stopping=True,
                        n_iter_no_change=3, tol=0.01, verbose=2, lr=1e-3)
        names = [name for name, _ in est.net_.callbacks]
        assert names[0] == "divergence_check"
        callbacks = dict(est.net_.callbacks)
        assert isinstance(callbacks["divergence_check"], _Diverged)
        assert callbacks["divergence_check"].hint == "lower lr (now 0.001)"
        assert isinstance(callbacks["user_0"], EpochTimer)
        assert callbacks["user_0"] is not mine  # a copy: the user's stays unfitted
        stop = callbacks["early_stopping"]
        assert isinstance(stop, _EarlyStopping) and (stop.patience, stop.tol) == (3, 0.01)
        assert isinstance(callbacks["progress"], ProgressBar)
        assert est.net_.verbose == 1
        assert (names.index("user_0") < names.index("timer") < names.index("early_stopping")
                < names.index("progress"))

    def test_the_targets_callbacks_see_the_estimator(self, make_ragged):
        """A target's own callbacks (JointCNN's per-head scores, sized by the
        fitted classes and targets) come after the divergence check and before
        the user's, and the regressor's validation score after them."""
        from skorch.callbacks import EpochTimer

        from spectroclf.nets import JointCNN

        X, labels = make_ragged(n=24)
        y = np.column_stack([labels.astype(object), np.linspace(0, 1, 24)])
        est = JointCNN(channels=(2,), max_epochs=1, validation_fraction=0.25,
                       callbacks=[EpochTimer()], random_state=0).fit(X, y)
        names = [name for name, _ in est.net_.callbacks]
        assert names[:5] == ["divergence_check", "head_losses", "valid_acc",
                             "valid_spearman", "user_0"]
        heads = dict(est.net_.callbacks)["head_losses"]
        assert (heads.n_classes, heads.n_targets) == (3, 1)
        reg = LSTMRegressor(hidden_size=2, max_epochs=1, validation_fraction=0.25,
                            callbacks=[EpochTimer()], random_state=0)
        names = [name for name, _ in reg.fit(X, np.arange(24.0)).net_.callbacks]
        assert names.index("user_0") < names.index("valid_spearman")

    def test_an_accelerator_places_the_network(self, make_ragged):
        accelerate = pytest.importorskip("accelerate")
        accelerator = accelerate.Accelerator(cpu=True)
        net = self._fit(make_ragged, accelerator=accelerator).net_
        from spectroclf.nets._accelerate import AcceleratedNeuralNetClassifier

        assert isinstance(net, AcceleratedNeuralNetClassifier)
        assert net.accelerator is accelerator
        assert net.iterator_train__pin_memory is net.iterator_valid__pin_memory is False
        with pytest.raises(ValueError, match=re.escape(
                "amp=True with an accelerator: set the accelerator's own "
                "mixed_precision (Accelerator(mixed_precision='fp16')) instead")):
            self._fit(make_ragged, accelerator=accelerator, amp=True)
        assert self._fit(make_ragged, accelerator=accelerator, amp="auto").net_.accelerator

    def test_no_progress_bar_or_early_stopping_by_default(self, make_ragged):
        names = [name for name, _ in self._fit(make_ragged, verbose=1).net_.callbacks]
        assert "progress" not in names and "early_stopping" not in names
        assert self._fit(make_ragged, verbose=1).net_.verbose == 1


class TestPredicting:
    """The one predict path: the fitted input, network and augmentation."""

    def test_tags_say_3d_arrays_are_accepted(self):
        for cls in (LSTMClassifier, LSTMRegressor, CNNClassifier):
            assert cls().__sklearn_tags__().input_tags.three_d_array is True

    def test_crop_frames_averages_the_crops(self, make_regression):
        from spectroclf.nets._augment import crop_windows

        X, y = make_regression(n=24)
        est = LSTMRegressor(hidden_size=3, crop_frames=4, max_epochs=2,
                            random_state=0).fit(X, y)
        clip = np.random.default_rng(1).normal(size=(9, 5)).astype(np.float32)
        _, starts = crop_windows([9], 4)
        crops = est.predict([clip[s:s + 4] for s in starts])
        np.testing.assert_allclose(est.predict([clip]), crops.mean(0, keepdims=True),
                                   rtol=1e-5)

    def test_musicnns_frozen_backbone_reads_the_fitted_network(self):
        """The musicnn input runs the fitted network's backbone on the clips."""
        from spectroclf import MusicnnClassifier, make_music

        music = make_music(4, genres=2, duration=3.0, random_state=0)
        est = MusicnnClassifier(freeze="backbone", max_epochs=1, batch_size=8,
                                random_state=0, device="cpu").fit(music.data, music.target)
        proba = est.predict_proba(music.data)
        assert proba.shape == (4, 2)
        np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
