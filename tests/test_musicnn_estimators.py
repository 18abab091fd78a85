"""Tests of the fine-tunable musicnn: MusicnnTransfer, MusicnnClassifier/Regressor and
MusicnnMelExtractor. Clips are 3 s (one 187-frame patch) to keep the network cheap."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.datasets import make_music
from spectroclf.embedding import (
    MusicnnMelExtractor,
    musicnn_melspectrogram,
    musicnn_patches,
)
from spectroclf.estimators import (
    CNNClassifier,
    MusicnnClassifier,
    MusicnnRegressor,
)
from spectroclf.models.musicnn import load_musicnn
from spectroclf.models.musicnn_head import FREEZE_OPTIONS, MusicnnTransfer

N = 187  # frames per musicnn patch


@pytest.fixture(scope="module")
def music():
    """8 synthetic 3-s clips of two genres and their musicnn log-mels."""
    data = make_music(8, genres=2, duration=3.0, random_state=0)
    data.mels = MusicnnMelExtractor().fit_transform(data.data)
    return data


@pytest.fixture(scope="module")
def fitted(music):
    """A classifier trained for one epoch (shared by the read-only tests)."""
    clf = MusicnnClassifier(max_epochs=1, batch_size=4, random_state=0)
    return clf.fit(music.mels, music.target)


def _fast(**params):
    return {"max_epochs": 1, "batch_size": 4, "random_state": 0, **params}


class TestMusicnnTransfer:
    def test_shapes_in_both_modes(self):
        net = MusicnnTransfer(96, 3)
        X, lengths = torch.rand(2, 400, 96), torch.tensor([400, 50])
        assert net.train()(X, lengths).shape == (2, 3)
        assert net.eval()(X, lengths).shape == (2, 3)

    def test_eval_averages_patches_and_ignores_padding(self):
        torch.manual_seed(0)
        net = MusicnnTransfer(96, 4).eval()
        clip = torch.rand(2 * N + 50, 96) * 3  # two full patches + a dropped remainder
        padded = torch.cat([clip, torch.full((300, 96), 99.0)])[None]
        with torch.no_grad():
            out = net(padded, torch.tensor([len(clip)]))
            alone = net(clip[None])
            patches = torch.from_numpy(musicnn_patches(clip.numpy()))
            expected = net.head(net.embed(patches)).mean(0)
        torch.testing.assert_close(out[0], expected)
        torch.testing.assert_close(alone[0], expected)

    def test_short_clip_is_padded_with_silence(self):
        net = MusicnnTransfer(96, 2).eval()
        clip = torch.rand(60, 96)
        garbage = torch.cat([clip, torch.full((200, 96), 7.0)])[None]
        with torch.no_grad():
            silence = torch.cat([clip, torch.zeros(N - 60, 96)])[None]
            torch.testing.assert_close(net(garbage, torch.tensor([60])), net(silence))

    def test_training_takes_one_random_crop_within_valid_frames(self):
        net = MusicnnTransfer(96, 2)
        frames = torch.arange(1, 501, dtype=torch.float32)[None, :, None].expand(3, 500, 96)
        lengths = torch.tensor([500, 300, 100])
        X = frames * (torch.arange(500)[None, :] < lengths[:, None]).unsqueeze(-1)
        starts = set()
        for _ in range(20):
            crops = net._crops(X, lengths)
            assert crops.shape == (3, N, 96)
            first = crops[:, 0, 0].long()
            # consecutive valid frames, starting where a whole crop fits
            torch.testing.assert_close(crops[0, :, 0], first[0] + torch.arange(N).float())
            assert 1 <= first[0] <= 500 - N + 1 and 1 <= first[1] <= 300 - N + 1
            assert first[2] == 1 and crops[2, 100:].abs().sum() == 0
            starts.add(int(first[0]))
        assert len(starts) > 1

    def test_forward_in_training_is_stochastic_only_through_the_crop(self):
        net = MusicnnTransfer(96, 2, dropout=0.0, freeze="backbone")
        exact = torch.rand(2, N, 96)
        torch.testing.assert_close(net(exact), net(exact))

    @pytest.mark.parametrize("freeze", sorted(FREEZE_OPTIONS))
    def test_freeze_sets_requires_grad_and_keeps_frozen_batchnorm_in_eval(self, freeze):
        net = MusicnnTransfer(96, 2, freeze=freeze).train()
        frozen = FREEZE_OPTIONS[freeze]
        for name, module in net.backbone.named_children():
            for param in module.parameters():
                assert param.requires_grad is (name not in frozen), name
            assert module.training is (name not in frozen), name
        assert all(p.requires_grad for p in net.head.parameters())

    def test_rejects_wrong_bins_and_freeze(self):
        with pytest.raises(ValueError, match="96-band log-mel.*MusicnnMelExtractor"):
            MusicnnTransfer(128, 2)
        with pytest.raises(ValueError, match="freeze must be one of"):
            MusicnnTransfer(96, 2, freeze="all")


class TestMusicnnClassifier:
    def test_predict_proba_and_labels(self, fitted, music):
        proba = fitted.predict_proba(music.mels[:5])
        assert proba.shape == (5, 2)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        assert set(fitted.predict(music.mels[:4])) <= set(music.target)
        assert list(fitted.classes_) == sorted(set(music.target))
        assert fitted.n_features_in_ == 96 and fitted.n_epochs_ == 1

    def test_input_is_not_standardised(self, fitted):
        std = fitted.net_.module_.standardize
        assert torch.all(std.mean == 0) and torch.all(std.scale == 1)

    def test_prediction_does_not_depend_on_padding(self, fitted, music):
        long = np.concatenate([music.mels[0], music.mels[1]])
        padded = {
            "X": np.stack([np.pad(long, ((0, 100), (0, 0)), constant_values=5.0),
                           np.pad(music.mels[3], ((0, len(long) + 100 - len(music.mels[3])),
                                                  (0, 0)), constant_values=5.0)]),
            "lengths": np.array([len(long), len(music.mels[3])]),
        }
        np.testing.assert_allclose(
            fitted.predict_proba(padded), fitted.predict_proba([long, music.mels[3]]),
            rtol=1e-5, atol=1e-6,
        )

    @pytest.mark.parametrize("freeze", ["frontend", "backbone"])
    def test_freeze_keeps_pretrained_weights(self, music, freeze):
        clf = MusicnnClassifier(freeze=freeze, lr=1e-3, **_fast())
        clf.fit(music.mels, music.target)
        pretrained = load_musicnn().state_dict()
        tuned = clf.net_.module_.backbone.state_dict()
        for key, value in tuned.items():
            part = key.split(".")[0]
            if key.endswith("num_batches_tracked"):
                continue
            if part in FREEZE_OPTIONS[freeze]:
                torch.testing.assert_close(value, pretrained[key], rtol=0, atol=0, msg=key)
            else:
                assert not torch.equal(value, pretrained[key]), key

    def test_clone_and_pickle_round_trip(self, fitted, music):
        params = clone(fitted).get_params()
        assert params["freeze"] == "frontend" and params["model"] == "MSD_musicnn"
        restored = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(
            restored.predict_proba(music.mels[:3]), fitted.predict_proba(music.mels[:3])
        )

    def test_same_seed_same_predictions(self, fitted, music):
        again = MusicnnClassifier(**_fast()).fit(music.mels, music.target)
        np.testing.assert_allclose(
            again.predict_proba(music.mels[:3]), fitted.predict_proba(music.mels[:3]),
            rtol=1e-5,
        )

    def test_learns_genres_from_audio_in_a_pipeline(self):
        music = make_music(20, genres=2, duration=3.0, random_state=1)
        model = make_pipeline(
            MusicnnMelExtractor(),
            MusicnnClassifier(lr=1e-3, max_epochs=2, batch_size=6, random_state=0),
        )
        model.fit(music.data[:12], music.target[:12])
        assert model.score(music.data[12:], music.target[12:]) >= 0.75

    def test_rejects_bad_parameters_and_input(self, music):
        with pytest.raises(InvalidParameterError, match="freeze"):
            MusicnnClassifier(freeze=True).fit(music.mels, music.target)
        with pytest.raises(InvalidParameterError, match="model"):
            MusicnnClassifier(model="musicnn").fit(music.mels, music.target)
        wrong_bins = [np.zeros((200, 128), dtype=np.float32)] * 4
        with pytest.raises(ValueError, match="96-band"):
            MusicnnClassifier(**_fast()).fit(wrong_bins, [0, 1, 0, 1])


class TestMusicnnRegressor:
    def test_shapes_and_transfer_from_a_classifier(self, fitted, music):
        reg = MusicnnRegressor(init_from=fitted, freeze="backbone", **_fast())
        reg.fit(music.mels, music.emotion)
        assert reg.predict(music.mels[:3]).shape == (3, 3) and reg.n_outputs_ == 3
        ours = reg.net_.module_.backbone.state_dict()
        theirs = fitted.net_.module_.backbone.state_dict()
        for key in ours:  # copied, then frozen
            torch.testing.assert_close(ours[key], theirs[key], rtol=0, atol=0)
        one = MusicnnRegressor(**_fast()).fit(music.mels, music.emotion[:, 0])
        assert one.predict(music.mels[:3]).shape == (3,)

    def test_init_from_another_family_is_refused(self, music):
        cnn = CNNClassifier(channels=(4,), max_epochs=1, random_state=0)
        cnn.fit([m[:20] for m in music.mels], music.target)
        with pytest.raises(ValueError, match="cannot initialise a MusicnnRegressor"):
            MusicnnRegressor(init_from=cnn, **_fast()).fit(music.mels, music.emotion)


class TestMusicnnMelExtractor:
    def test_waveforms_and_files(self, tmp_path, music):
        import soundfile as sf

        path = tmp_path / "clip.wav"
        sf.write(path, music.data[0], 22050)
        ext = MusicnnMelExtractor(memory=tmp_path / "cache")
        specs = ext.fit_transform([music.data[0], str(path), music.data[1][:11025]])
        assert [s.shape for s in specs] == [(188, 96), (188, 96), (32, 96)]
        assert all(s.dtype == np.float32 for s in specs)
        np.testing.assert_allclose(specs[0], musicnn_melspectrogram(music.data[0]))
        np.testing.assert_allclose(specs[1], specs[0], atol=0.05)  # wav rounding
        again = ext.transform([str(path)])  # from the cache
        np.testing.assert_array_equal(again[0], specs[1])

    def test_errors_name_the_clip(self, tmp_path):
        ext = MusicnnMelExtractor()
        with pytest.raises(FileNotFoundError, match="missing.ogg"):
            ext.fit_transform([str(tmp_path / "missing.ogg")])
        with pytest.raises(ValueError, match="clip 1"):
            ext.fit_transform([np.zeros(100), np.zeros((2, 100))])
