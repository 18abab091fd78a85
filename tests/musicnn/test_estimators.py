"""Tests of spectroclf.musicnn._estimators: MusicnnClassifier and MusicnnRegressor.

Clips are 3 s (one 187-frame patch) to keep the network cheap; the default
``freeze="backbone"`` runs the network once per patch and then trains only the
head, so even its 200 default epochs take a second."""

import os
import pickle

import numpy as np
import pytest
import soundfile as sf
import torch
from joblib import parallel_config
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

import spectroclf.musicnn._frontend as frontend
import spectroclf.musicnn._inputs as inputs
from spectroclf.datasets import make_music
from spectroclf.musicnn import (
    FREEZE_OPTIONS,
    PRETRAINED_MODELS,
    MusicnnClassifier,
    MusicnnMelExtractor,
    MusicnnRegressor,
    MusicnnTransfer,
    load_musicnn,
    musicnn_patches,
)
from spectroclf.nets import CNNClassifier

N = 187  # frames per musicnn patch


@pytest.fixture(scope="module")
def fitted(music):
    """A default (frozen-backbone) classifier, shared by the read-only tests."""
    clf = MusicnnClassifier(max_epochs=20, batch_size=4, random_state=0)
    return clf.fit(music.mels, music.target)


@pytest.fixture(scope="module")
def wav_files(music, tmp_path_factory):
    """The 8 generated clips as float WAV files at 22 050 Hz."""
    folder = tmp_path_factory.mktemp("wavs")
    paths = []
    for i, y in enumerate(music.data):
        path = folder / f"clip{i}.wav"
        sf.write(path, y, 22050, subtype="FLOAT")
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def held_out():
    """64 generated 3-s clips of 4 genres (16 each), musicnn log-mels, split in two
    halves stratified by genre: ((X, genres, emotion) to train, the same to test)."""
    music = make_music(64, genres=4, duration=3.0, random_state=1)
    mels = MusicnnMelExtractor().fit_transform(music.data)
    halves = train_test_split(np.arange(64), test_size=0.5, stratify=music.target,
                              random_state=0)
    return tuple(([mels[i] for i in idx], music.target[idx], music.emotion[idx])
                 for idx in halves)


class _TrainingBatches(Callback):
    """Records the first input of every training batch: with ``freeze="backbone"``
    the backbone features the output layer learns from."""

    def on_train_begin(self, net, **kwargs):
        self.X = []

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self.X.append(batch[0]["X"][:, 0].numpy())


def _features_seen(est):
    return np.concatenate(next(cb for _, cb in est.net_.callbacks_
                               if isinstance(cb, _TrainingBatches)).X)


class _ArrayLike:
    """An array-like with ``__array__`` and no ``.shape`` (as sklearn's _NotAnArray)."""

    def __init__(self, data):
        self.data = data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)


def _not_again(*args, **kwargs):
    """Patched over a computation (decoding, the backbone) that the cache must spare."""
    raise AssertionError("computed again although cached")


def _fast(**params):
    return {"max_epochs": 1, "batch_size": 4, "random_state": 0, **params}


class TestMusicnnClassifier:
    def test_predict_proba_and_labels(self, fitted, music):
        proba = fitted.predict_proba(music.mels[:5])
        assert proba.shape == (5, 2)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        assert set(fitted.predict(music.mels[:4])) <= set(music.target)
        assert list(fitted.classes_) == sorted(set(music.target))
        assert fitted.n_features_in_ == 96 and fitted.n_epochs_ == 20
        assert fitted.freeze == "backbone"

    def test_input_is_not_standardised(self, fitted):
        std = fitted.net_.module_.standardize
        assert torch.all(std.mean == 0) and torch.all(std.scale == 1)

    @pytest.mark.parametrize("freeze", ["backbone", "frontend"])
    def test_prediction_does_not_depend_on_padding(self, music, freeze):
        clf = MusicnnClassifier(freeze=freeze, **_fast()).fit(music.mels, music.target)
        long = np.concatenate([music.mels[0], music.mels[1]])
        padded = {
            "X": np.stack([np.pad(long, ((0, 100), (0, 0)), constant_values=5.0),
                           np.pad(music.mels[3], ((0, len(long) + 100 - len(music.mels[3])),
                                                  (0, 0)), constant_values=5.0)]),
            "lengths": np.array([len(long), len(music.mels[3])]),
        }
        np.testing.assert_allclose(
            clf.predict_proba(padded), clf.predict_proba([long, music.mels[3]]),
            rtol=1e-5, atol=1e-6,
        )

    @pytest.mark.parametrize("freeze", ["frontend", "backbone"])
    def test_frozen_layers_stay_bit_identical(self, music, freeze):
        clf = MusicnnClassifier(freeze=freeze, lr=1e-3, **_fast())
        clf.fit(music.mels, music.target)
        pretrained = load_musicnn().state_dict()
        tuned = clf.net_.module_.backbone.state_dict()
        for key, value in tuned.items():  # weights and batchnorm statistics
            part = key.split(".")[0]
            if key.endswith("num_batches_tracked"):
                continue
            if part in FREEZE_OPTIONS[freeze]:
                torch.testing.assert_close(value, pretrained[key], rtol=0, atol=0, msg=key)
            else:
                assert not torch.equal(value, pretrained[key]), key

    def test_predict_averages_patch_probabilities(self, fitted, music):
        clip = np.concatenate([music.mels[0], music.mels[5], music.mels[2]])  # 564 frames
        module = fitted.net_.module_.eval()
        with torch.no_grad():
            patches = torch.from_numpy(musicnn_patches(clip))  # 3 consecutive patches
            per_patch = module.head(module.embed(patches)).softmax(dim=1)
        assert len(per_patch) == 3
        np.testing.assert_allclose(
            fitted.predict_proba([clip])[0], per_patch.mean(0).numpy(), rtol=1e-5, atol=1e-6
        )
        overlapping = clone(fitted).set_params(patch_hop=93).fit(music.mels, music.target)
        module = overlapping.net_.module_.eval()
        with torch.no_grad():
            patches = torch.from_numpy(musicnn_patches(clip, patch_hop=93))
            per_patch = module.head(module.embed(patches)).softmax(dim=1)
        assert len(per_patch) == 5
        np.testing.assert_allclose(
            overlapping.predict_proba([clip])[0], per_patch.mean(0).numpy(),
            rtol=1e-5, atol=1e-6,
        )

    def test_clone_pickle_and_grid_search(self, fitted, music, tmp_path):
        params = clone(fitted).get_params()
        assert params["freeze"] == "backbone" and params["model"] == "MSD_musicnn"
        restored = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(
            restored.predict_proba(music.mels[:3]), fitted.predict_proba(music.mels[:3])
        )
        search = GridSearchCV(
            MusicnnClassifier(max_epochs=5, batch_size=4, memory=str(tmp_path), random_state=0),
            {"dropout": [0.25, 0.75]}, cv=2,
        ).fit(music.mels, music.target)
        assert search.best_params_["dropout"] in (0.25, 0.75)

    def test_save_model_round_trip(self, fitted, music, wav_files, tmp_path):
        from spectroclf.persistence import load_model, save_model

        save_model(fitted, tmp_path / "clf.pt")
        loaded = load_model(tmp_path / "clf.pt")
        assert loaded.get_params() == fitted.get_params()
        np.testing.assert_array_equal(loaded.predict_proba(wav_files),
                                      fitted.predict_proba(wav_files))

    def test_same_seed_same_predictions(self, fitted, music):
        again = MusicnnClassifier(max_epochs=20, batch_size=4, random_state=0)
        again.fit(music.mels, music.target)
        np.testing.assert_array_equal(
            again.predict_proba(music.mels[:3]), fitted.predict_proba(music.mels[:3])
        )

    def test_default_learns_generated_genres(self, held_out):
        """4 balanced genres, 32 held-out clips: a classifier that ignores its input
        gets a clip right with probability 1/4, and 24 or more right with probability
        scipy.stats.binom.sf(23, 32, 0.25) = 4e-9 -- passing is not luck."""
        (X, y, _), (X_test, y_test, _) = held_out
        clf = MusicnnClassifier(random_state=0).fit(X, y)
        pred = clf.predict(X_test)
        assert (pred == y_test).sum() >= 24
        proba = clf.predict_proba(X_test)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)

    def test_pipeline_form_still_works(self, music):
        model = make_pipeline(MusicnnMelExtractor(), MusicnnClassifier(**_fast()))
        direct = MusicnnClassifier(**_fast()).fit(music.data, music.target)
        model.fit(music.data, music.target)
        np.testing.assert_array_equal(
            model.predict_proba(music.data[:3]), direct.predict_proba(music.data[:3])
        )

    def test_soft_vote_over_both_pretrained_networks(self, music, wav_files):
        # the user guide's ensemble: one classifier per network, fed audio paths
        members = [(m, MusicnnClassifier(model=m, **_fast())) for m in PRETRAINED_MODELS]
        vote = VotingClassifier(members, voting="soft").fit(wav_files, music.target)
        alone = [clone(est).fit(wav_files, music.target) for _, est in members]
        np.testing.assert_allclose(
            vote.predict_proba(wav_files),
            np.mean([est.predict_proba(wav_files) for est in alone], axis=0),
            rtol=1e-6,
        )
        assert set(vote.predict(wav_files)) <= set(music.target)

    @pytest.mark.parametrize("freeze", ["backbone", "frontend"])
    def test_audio_files_and_waveforms_equal_log_mels(self, music, wav_files, freeze):
        mels = MusicnnMelExtractor().fit_transform(wav_files)
        ref = MusicnnClassifier(freeze=freeze, **_fast()).fit(mels, music.target)
        on_files = MusicnnClassifier(freeze=freeze, **_fast()).fit(wav_files, music.target)
        np.testing.assert_array_equal(on_files.predict_proba(wav_files),
                                      ref.predict_proba(mels))
        for paths in (np.array(wav_files), np.array(wav_files, dtype=object)):  # 1-D arrays
            np.testing.assert_array_equal(on_files.predict_proba(paths),
                                          ref.predict_proba(mels))
        on_waves = MusicnnClassifier(freeze=freeze, **_fast()).fit(music.data, music.target)
        np.testing.assert_array_equal(on_waves.predict_proba(music.data),
                                      ref.predict_proba(music.mels))

    @pytest.mark.data
    def test_real_audio_file(self, shared_data):
        path = str(shared_data / "librosa-clips" / "trumpet.ogg")  # 5.3 s
        mel = MusicnnMelExtractor().fit_transform([path])[0]
        X_files, X_mels, y = [path, path], [mel, mel[:N]], ["a", "b"]
        on_files = MusicnnClassifier(**_fast()).fit(X_files, y)
        on_mels = MusicnnClassifier(**_fast()).fit([mel, mel], y)
        np.testing.assert_array_equal(on_files.predict_proba(X_files),
                                      on_mels.predict_proba([mel, mel]))
        assert on_files.predict_proba(X_mels).shape == (2, 2)

    def test_memory_cache_decodes_and_embeds_once(self, music, wav_files, tmp_path,
                                                  monkeypatch):
        cache = tmp_path / "cache"
        first = MusicnnClassifier(memory=cache, **_fast()).fit(wav_files, music.target)
        expected = first.predict_proba(wav_files)
        tuned = MusicnnClassifier(freeze="frontend", lr=1e-3, **_fast())
        tuned.fit(music.mels, music.target)

        monkeypatch.setattr(frontend, "load_audio", _not_again)
        monkeypatch.setattr(MusicnnTransfer, "embed", _not_again)
        monkeypatch.setattr(inputs, "_log_mels", _not_again)  # cached features: no log-mel read
        again = MusicnnClassifier(memory=cache, **_fast()).fit(wav_files, music.target)
        np.testing.assert_array_equal(again.predict_proba(wav_files), expected)
        # the log-mels the features were computed from are in the cache too
        monkeypatch.setattr(inputs, "_log_mels", frontend._log_mels)
        MusicnnMelExtractor(memory=cache).fit_transform(wav_files)
        assert any(cache.iterdir())  # the cache is where the path says
        # the same backbone (init_from a frozen one) hits the cache; another does not
        MusicnnClassifier(memory=cache, init_from=first, **_fast()).fit(wav_files, music.target)
        other = MusicnnClassifier(memory=cache, init_from=tuned, **_fast())
        with pytest.raises(AssertionError, match="^computed again although cached$"):
            other.fit(wav_files, music.target)

    def test_rejects_bad_parameters_and_input(self, music, wav_files, fitted, tmp_path):
        with pytest.raises(InvalidParameterError, match="freeze"):
            MusicnnClassifier(freeze="all").fit(music.mels, music.target)
        with pytest.raises(InvalidParameterError, match="model"):
            MusicnnClassifier(model="musicnn").fit(music.mels, music.target)
        with pytest.raises(InvalidParameterError, match="patch_hop"):
            MusicnnClassifier(patch_hop=0).fit(music.mels, music.target)
        wrong_bins = [np.zeros((200, 128), dtype=np.float32)] * 4
        for freeze in ("backbone", "frontend"):
            with pytest.raises(ValueError, match=r"spectrogram 0 has shape \(200, 128\).*"
                               r"96-band.*MusicnnMelExtractor"):
                MusicnnClassifier(freeze=freeze, **_fast()).fit(wrong_bins, [0, 1, 0, 1])
        with pytest.raises(ValueError, match=r"shape \(200, 128\).*pass audio"):
            fitted.predict_proba(wrong_bins)
        with pytest.raises(ValueError, match=r"^X is a 2-D array of shape \(4, 5\), read "
                           r"as 4 spectrograms of one frame of 5 bins \(for equal-length "
                           r"waveforms pass list\(X\)\): 5 bins per frame"):
            MusicnnClassifier(**_fast()).fit(np.zeros((4, 5)), [0, 1, 0, 1])
        # rows of numbers (a list of lists, an array-like without .shape) are
        # one-frame spectrograms: refused by their bins, not by a torch size error
        rows = [[0.0] * 5, [1.0] * 5, [2.0] * 5, [3.0] * 5]
        for X in (rows, _ArrayLike(np.array(rows))):
            with pytest.raises(ValueError, match=r"spectrogram 0 has shape \(1, 5\): "
                               r"5 bins per frame.*96-band"):
                MusicnnClassifier(**_fast()).fit(X, [0, 1, 0, 1])
            with pytest.raises(ValueError, match=r"shape \(1, 5\).*96-band"):
                fitted.predict(X)
        missing = str(tmp_path / "nowhere.wav")
        with pytest.raises(FileNotFoundError, match="nowhere.wav"):
            MusicnnClassifier(**_fast()).fit([wav_files[0], missing], [0, 1])
        with pytest.raises(FileNotFoundError, match="nowhere.wav"):
            fitted.predict([missing])
        with pytest.raises(ValueError, match=r"^X mixes audio \(clip 1\) and other input "
                           r"\(clip 0, ndarray of shape \(188, 96\)\); pass either audio "
                           r"\(file paths or 1-D waveforms\) or musicnn log-mel "
                           r"spectrograms \(n_frames, 96\), not both$"):
            fitted.predict([music.mels[0], wav_files[0]])
        with pytest.raises(ValueError, match=r"single path.*\[path\]"):
            fitted.predict(wav_files[0])
        with pytest.raises(ValueError, match="X has 2 samples but y has 3"):
            MusicnnClassifier(**_fast()).fit(wav_files[:2], [0, 1, 0])

    def test_refuses_the_labs_spectrogram_files_naming_their_bins(self, fitted, tmp_path):
        from spectroclf.datasets import SpectrogramFiles

        paths = []
        for i in range(2):
            paths.append(tmp_path / f"{i}.fused.full.npy")
            np.save(paths[-1], np.zeros((140, 200), dtype=np.float32))
        files = SpectrogramFiles(paths, feature="mel")
        message = (r"the spectrogram files have 128 bins per frame; musicnn reads its "
                   r"own 96-band log-mel spectrograms \(n_frames, 96\)")
        with pytest.raises(ValueError, match=message):
            MusicnnClassifier(**_fast()).fit(files, [0, 1])
        with pytest.raises(ValueError, match=message):
            fitted.predict(files)

    def test_padtruncate_dicts_and_3d_arrays(self, music, fitted):
        """PadTruncate's dict is read as its clips; its bins, and a 3-D array's,
        are checked."""
        from spectroclf import PadTruncate

        padded = PadTruncate().fit_transform(music.mels)
        np.testing.assert_allclose(fitted.predict_proba(padded),
                                   fitted.predict_proba(music.mels), rtol=1e-5)
        wrong = {"X": np.zeros((2, 50, 128), np.float32), "lengths": np.array([50, 40])}
        with pytest.raises(ValueError, match=r"^spectrogram 0 has shape \(50, 128\): 128 "
                           r"bins per frame, but musicnn reads its own 96-band"):
            MusicnnClassifier(**_fast()).fit(wrong, [0, 1])
        with pytest.raises(ValueError, match=r"^spectrogram 0 has shape \(50, 128\)"):
            fitted.predict(wrong)
        for X in (np.zeros((2, 50, 128), np.float32), _ArrayLike(np.zeros((2, 50, 128)))):
            with pytest.raises(ValueError, match=r"^spectrogram 0 has shape \(50, 128\): "
                               "128 bins per frame"):
                fitted.predict(X)
        # no clip, so no bins to refuse: the empty input is named
        for empty in ({"X": np.zeros((0, 50, 128), np.float32), "lengths": np.zeros(0, int)},
                      np.zeros((0, 50, 128), np.float32)):
            with pytest.raises(ValueError, match="^X is empty: expected at least one"):
                fitted.predict(empty)
        with pytest.raises(ValueError, match=r"^Found array with 0 sample\(s\) \(shape=\(0, 40\)\)"):
            fitted.predict(np.zeros((0, 40)))
        with pytest.raises(ValueError, match=r"^X\['X'\] has shape \(\); expected"):
            fitted.predict({"X": np.float32(0), "lengths": np.array([1])})

    @pytest.mark.parametrize("freeze", ["backbone", "frontend"])
    def test_parameters_reach_the_network(self, music, freeze):
        est = MusicnnClassifier(model="MTT_musicnn", freeze=freeze, dropout=0.3,
                                patch_hop=93, precision="auto", **_fast())
        module = est.fit(music.mels, music.target).net_.module_
        assert (module.dropout.p, module.patch_hop, module.precision) == (0.3, 93, "auto")
        pretrained = load_musicnn("MTT_musicnn").input_bn.state_dict()
        for key, value in module.backbone.input_bn.state_dict().items():  # kept fixed
            torch.testing.assert_close(value, pretrained[key], rtol=0, atol=0)

    def test_a_last_batch_of_one_clip_is_dropped(self, music):
        """Batch normalisation cannot train on one clip: 8 clips in batches of 7
        train on one batch per epoch."""
        est = MusicnnClassifier(freeze="frontend", batch_size=7, max_epochs=2,
                                random_state=0).fit(music.mels, music.target)
        assert est.net_.history[:, "train_batch_count"] == [1, 1]

    @pytest.mark.parametrize("freeze", ["backbone", "frontend"])
    def test_n_jobs_decodes_the_clips_in_parallel(self, music, freeze, thread_spy):
        threads = thread_spy(frontend, "_clip_mel")
        with parallel_config(backend="threading"):
            serial = MusicnnClassifier(freeze=freeze, **_fast()).fit(music.data, music.target)
            assert len(threads) == 1
            threads.clear()
            parallel = MusicnnClassifier(freeze=freeze, n_jobs=2, **_fast())
            parallel.fit(music.data, music.target)
        assert len(threads) == 2
        np.testing.assert_array_equal(parallel.predict_proba(music.mels),
                                      serial.predict_proba(music.mels))

    def test_memory_caches_the_log_mels_a_trained_frontend_reads(self, music, wav_files,
                                                                 tmp_path, monkeypatch):
        cache = tmp_path / "cache"
        first = MusicnnClassifier(freeze="frontend", memory=cache, **_fast())
        expected = first.fit(wav_files, music.target).predict_proba(wav_files)

        monkeypatch.setattr(frontend, "load_audio", _not_again)
        again = MusicnnClassifier(freeze="frontend", memory=cache, **_fast())
        np.testing.assert_array_equal(
            again.fit(wav_files, music.target).predict_proba(wav_files), expected)

    def test_memory_keys_a_file_by_its_mtime_and_a_waveform_by_its_sr(
            self, music, wav_files, tmp_path, monkeypatch):
        """A rewritten file is read again; the same waveform at another ``sr`` is
        another clip; a file's features do not depend on ``sr`` (it has its own)."""
        est = MusicnnClassifier(memory=tmp_path / "cache", **_fast())
        est.fit(music.mels, music.target)
        path = str(tmp_path / "clip.wav")
        sf.write(path, music.data[0], 22050, subtype="FLOAT")
        before = est.predict_proba([path])
        sf.write(path, music.data[1], 22050, subtype="FLOAT")
        stamp = os.stat(path).st_mtime_ns + 10**9  # a later time, however coarse the clock
        os.utime(path, ns=(stamp, stamp))
        after = est.predict_proba([path])
        np.testing.assert_array_equal(after, est.predict_proba([wav_files[1]]))
        assert not np.array_equal(after, before)

        wave = [music.data[0]]
        at_22050 = est.predict_proba(wave)
        at_44100 = est.set_params(sr=44100).predict_proba(wave)
        assert not np.array_equal(at_44100, at_22050)
        np.testing.assert_array_equal(at_44100,
                                      clone(est).set_params(memory=None)
                                      .fit(music.mels, music.target).predict_proba(wave))

        monkeypatch.setattr(frontend, "load_audio", _not_again)
        monkeypatch.setattr(inputs, "_log_mels", _not_again)
        np.testing.assert_array_equal(est.predict_proba([path]), after)


class TestMusicnnRegressor:
    def test_shapes_and_transfer_from_a_classifier(self, fitted, music):
        reg = MusicnnRegressor(init_from=fitted, **_fast())
        reg.fit(music.mels, music.emotion)
        assert reg.predict(music.mels[:3]).shape == (3, 3) and reg.n_outputs_ == 3
        ours = reg.net_.module_.backbone.state_dict()
        theirs = fitted.net_.module_.backbone.state_dict()
        for key in ours:  # copied, then frozen
            torch.testing.assert_close(ours[key], theirs[key], rtol=0, atol=0)
        one = MusicnnRegressor(**_fast()).fit(music.mels, music.emotion[:, 0])
        assert one.predict(music.mels[:3]).shape == (3,)

    def test_save_model_round_trip(self, music, tmp_path):
        from spectroclf.persistence import load_model, save_model

        reg = MusicnnRegressor(memory=tmp_path / "cache", **_fast())
        reg.fit(music.data, music.emotion)
        save_model(reg, tmp_path / "reg.pt")
        loaded = load_model(tmp_path / "reg.pt")
        np.testing.assert_array_equal(loaded.predict(music.data), reg.predict(music.data))

    def test_predict_averages_patch_outputs(self, music):
        reg = MusicnnRegressor(max_epochs=10, random_state=0).fit(music.data, music.emotion)
        clip = np.concatenate([music.mels[1], music.mels[4]])
        module = reg.net_.module_.eval()
        with torch.no_grad():
            per_patch = module.head(module.embed(torch.from_numpy(musicnn_patches(clip))))
        expected = per_patch.mean(0).numpy() * reg.y_scale_ + reg.y_mean_
        np.testing.assert_allclose(reg.predict([clip])[0], expected, rtol=1e-5, atol=1e-6)

    def test_default_learns_generated_energy_and_danceability(self, held_out):
        """32 held-out clips: with no association, Pearson's r exceeds 0.6 with
        probability 1.4e-4 per target (t = r sqrt(30 / (1 - r^2)) = 4.1 on 30 d.o.f.);
        energy and danceability both do, and predictions are in the targets' units."""
        (X, _, y), (X_test, _, y_test) = held_out
        reg = MusicnnRegressor(random_state=0).fit(X, y)
        pred = reg.predict(X_test)
        r = [np.corrcoef(pred[:, j], y_test[:, j])[0, 1] for j in (1, 2)]
        assert min(r) > 0.6, r
        assert r2_score(y_test[:, 1:], pred[:, 1:]) > 0.5

    def test_init_from_another_family_is_refused(self, music):
        cnn = CNNClassifier(channels=(4,), max_epochs=1, random_state=0)
        cnn.fit([m[:20] for m in music.mels], music.target)
        for freeze in ("backbone", "frontend"):
            with pytest.raises(ValueError, match="cannot initialise a MusicnnRegressor"):
                MusicnnRegressor(init_from=cnn, freeze=freeze, **_fast()).fit(
                    music.mels, music.emotion)


def test_freeze_true_is_the_frozen_backbone():
    """``freeze`` means one thing everywhere: True trains only the output layer."""
    from spectroclf import make_music

    music = make_music(6, genres=2, duration=3.0, random_state=0)
    kw = dict(max_epochs=2, random_state=0, device="cpu")
    a = MusicnnClassifier(freeze=True, **kw).fit(music.data, music.target)
    b = MusicnnClassifier(freeze="backbone", **kw).fit(music.data, music.target)
    np.testing.assert_array_equal(a.predict_proba(music.data), b.predict_proba(music.data))
    assert MusicnnClassifier(freeze=False, **kw)._network().params["freeze"] == "none"


def test_precision_of_the_frozen_backbone(tmp_path):
    """bfloat16 features where the CPU has them: the same predictions up to rounding,
    cached apart from the float32 ones; an unknown precision is refused by the
    parameter check."""
    from spectroclf import make_music
    from spectroclf._cpu import native_bfloat16

    music = make_music(6, genres=2, duration=3.0, random_state=0)
    with pytest.raises(InvalidParameterError, match="precision"):
        MusicnnClassifier(precision="half").fit(music.data, music.target)
    if not native_bfloat16():
        pytest.skip("this CPU has no native bfloat16 (avx512_bf16 / amx_bf16)")
    kw = dict(max_epochs=5, batch_size=8, random_state=0, device="cpu", memory=tmp_path)
    exact = MusicnnClassifier(callbacks=[_TrainingBatches()], **kw)
    exact.fit(music.data, music.target)
    fast = MusicnnClassifier(precision="bfloat16", callbacks=[_TrainingBatches()], **kw)
    fast.fit(music.data, music.target)
    np.testing.assert_allclose(fast.predict_proba(music.data),
                               exact.predict_proba(music.data), atol=0.05)
    # ... computed in bfloat16 indeed, the head's features too: not bit-identical
    assert not np.array_equal(fast.predict_proba(music.data),
                              exact.predict_proba(music.data))
    rounded, features = _features_seen(fast), _features_seen(exact)
    assert not np.array_equal(rounded, features)
    np.testing.assert_allclose(rounded, features, atol=0.02 * np.abs(features).max())


@pytest.mark.parametrize("model", PRETRAINED_MODELS)
def test_the_frozen_head_trains_on_the_chosen_models_features(model):
    """With freeze="backbone" the output layer learns from the features of
    ``model``'s backbone: those of MusicnnEmbedding(model=...) for 3-s clips."""
    from spectroclf import MusicnnEmbedding, make_music

    music = make_music(4, genres=2, duration=3.0, random_state=0)
    est = MusicnnClassifier(model=model, freeze="backbone", max_epochs=1, batch_size=8,
                            callbacks=[_TrainingBatches()], random_state=0,
                            device="cpu").fit(music.data, music.target)
    seen = _features_seen(est)
    expected = MusicnnEmbedding(model=model, precision="float32").fit_transform(music.data)
    np.testing.assert_allclose(seen[np.lexsort(seen.T)], expected[np.lexsort(expected.T)],
                               atol=1e-4)
    # ... and predicts from them: one patch per 3-s clip
    module = est.net_.module_.eval()
    with torch.no_grad():
        proba = module.head(torch.from_numpy(expected)).softmax(dim=1).numpy()
    np.testing.assert_allclose(est.predict_proba(music.data), proba, atol=1e-5)


def test_tags_say_audio_file_paths_are_accepted():
    """scikit-learn's input_tags.string: X may be audio file paths."""
    for cls in (MusicnnClassifier, MusicnnRegressor):
        tags = cls().__sklearn_tags__()
        assert tags.input_tags.string is True
    assert MusicnnRegressor().__sklearn_tags__().target_tags.multi_output is True
