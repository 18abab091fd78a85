"""Tests of spectroclf.musicnn._estimators: MusicnnClassifier and MusicnnRegressor.

Clips are 3 s (one 187-frame patch) to keep the network cheap."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.datasets import make_music
from spectroclf.musicnn import (
    FREEZE_OPTIONS,
    MusicnnClassifier,
    MusicnnMelExtractor,
    MusicnnRegressor,
    load_musicnn,
)
from spectroclf.nets import CNNClassifier

N = 187  # frames per musicnn patch


@pytest.fixture(scope="module")
def fitted(music):
    """A classifier trained for one epoch (shared by the read-only tests)."""
    clf = MusicnnClassifier(max_epochs=1, batch_size=4, random_state=0)
    return clf.fit(music.mels, music.target)


def _fast(**params):
    return {"max_epochs": 1, "batch_size": 4, "random_state": 0, **params}



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
