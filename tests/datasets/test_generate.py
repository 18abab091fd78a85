"""Tests of spectroclf.datasets._generate (and its primitives in _instruments):
make_music and make_lab_data."""


import numpy as np
import pytest

from spectroclf.datasets import (
    CLASS_MAPPING,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    load_spectrogram,
    make_lab_data,
    make_music,
)
from spectroclf.datasets._generate import _LAB_GENRE_NAMES

FOLDERS = ["genre", "genre_beat", "multitask", "multitask_beat"]


# ---------------------------------------------------------------------------
# make_music


def mel_stats(music):
    from spectroclf.features import melspectrogram

    feats = []
    for y in music.data:
        S = melspectrogram(y=y, sr=music.sr)
        feats.append(np.r_[S.mean(axis=0), S.std(axis=0)])
    return np.array(feats)


class TestMakeMusic:
    def test_bunch(self):
        m = make_music(10, duration=1.0, random_state=0)
        assert len(m.data) == len(m.target) == 10
        assert all(y.dtype == np.float32 and y.shape == (22050,) for y in m.data)
        assert all(np.abs(y).max() <= 1.0 for y in m.data)
        assert m.emotion.shape == (10, 3) and m.emotion_names == [
            "valence",
            "energy",
            "danceability",
        ]
        assert np.all((m.emotion >= 0) & (m.emotion <= 1))
        assert m.sr == 22050 and m.target_names == [
            "rock",
            "electronic",
            "classical",
            "hiphop",
        ]
        assert set(m.target) == set(m.target_names) and "Synthetic" in m.DESCR

    def test_reproducible(self):
        a = make_music(6, duration=0.5, random_state=3)
        b = make_music(6, duration=0.5, random_state=np.random.RandomState(3))
        c = make_music(6, duration=0.5, random_state=4)
        assert all(np.array_equal(x, y) for x, y in zip(a.data, b.data, strict=True))
        np.testing.assert_array_equal(a.emotion, b.emotion)
        np.testing.assert_array_equal(a.target, b.target)
        assert not all(
            np.array_equal(x, y) for x, y in zip(a.data, c.data, strict=True)
        )

    def test_genres_argument(self):
        assert make_music(12, genres=6, duration=0.25, random_state=0).target_names == [
            "rock",
            "electronic",
            "classical",
            "hiphop",
            "jazz",
            "ambient",
        ]
        m = make_music(7, genres=["jazz", "ambient"], duration=0.25, random_state=0)
        assert sorted(np.unique(m.target, return_counts=True)[1]) == [3, 4]  # balanced
        assert (
            make_music(3, genres=1, duration=0.25, random_state=0).target.tolist()
            == ["rock"] * 3
        )

    def test_sr_and_duration(self):
        m = make_music(2, duration=0.5, sr=16000, random_state=0)
        assert m.sr == 16000 and m.data[0].shape == (8000,)

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            (
                dict(genres=["rock", "polka"]),
                r"unknown genre\(s\) \['polka'\].*valid genres",
            ),
            (dict(genres=7), "genres=7 but there are 6 recipes"),
            (dict(genres=0), "genres=0"),
            (dict(genres=[]), "empty"),
            (dict(genres=["rock", "rock"]), "duplicates"),
            (dict(n_samples=0), "n_samples must be a positive int"),
            (dict(duration=0), "duration must be a positive"),
            (dict(sr=100), "sr must be"),
        ],
    )
    def test_errors(self, kwargs, match):
        args = dict(n_samples=4)
        args.update(kwargs)
        n = args.pop("n_samples")
        with pytest.raises(ValueError, match=match):
            make_music(n, **args)
        with pytest.raises(TypeError, match=r"use \['rock'\]"):
            make_music(4, genres="rock")

    def test_genre_learnable_from_mel_band_stats(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        m = make_music(48, genres=6, duration=2.0, random_state=0)
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        assert cross_val_score(clf, mel_stats(m), m.target, cv=4).mean() >= 0.9

    @pytest.mark.filterwarnings("ignore:n_fft=.*is too large:UserWarning")
    def test_emotion_follows_the_audio(self):
        from scipy.stats import spearmanr

        m = make_music(60, genres=6, duration=2.0, random_state=1)
        rms = np.array([np.sqrt(np.mean(y**2)) for y in m.data])
        assert spearmanr(m.emotion[:, 1], rms)[0] > 0.4  # energy ~ loudness
        # drum-less genres are neither energetic nor danceable
        drumless = np.isin(m.target, ["classical", "ambient"])
        assert m.emotion[drumless, 2].max() < m.emotion[~drumless, 2].mean()
        assert m.emotion[drumless, 1].mean() < m.emotion[~drumless, 1].mean()
        # valence is higher in major keys: major-triad chroma beats minor-triad chroma
        from spectroclf.features import chromagram

        major, minor = np.zeros(12), np.zeros(12)
        major[[0, 4, 7]] = minor[[0, 3, 7]] = 1
        mode = []
        for y in m.data[:30]:
            c = chromagram(y=y).mean(axis=0)
            best = [max(np.roll(t, k) @ c for k in range(12)) for t in (major, minor)]
            mode.append(best[0] - best[1])
        assert spearmanr(m.emotion[:30, 0], mode)[0] > 0.3


# ---------------------------------------------------------------------------
# make_lab_data

LAB_KW = dict(n_train=8, n_test=4, duration=1.5)


@pytest.fixture(scope="module")
def generated_lab(tmp_path_factory):
    return make_lab_data(tmp_path_factory.mktemp("lab"), **LAB_KW, random_state=0)


def _files(folder):
    return sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
    )


@pytest.mark.filterwarnings("ignore:n_fft=.*is too large:UserWarning")  # short clips
class TestMakeLabData:
    def test_four_folders_and_labels_files(self, generated_lab):
        assert sorted(p.name for p in generated_lab.iterdir()) == FOLDERS
        for folder in FOLDERS:
            d = generated_lab / folder
            assert len(list((d / "train").iterdir())) == 8
            assert len(list((d / "test").iterdir())) == 4
            assert (d / "train_labels.txt").is_file()
            # as in the lab, the emotion targets of the test clips are withheld
            assert (d / "test_labels.txt").is_file() == folder.startswith("genre")
        header = (generated_lab / "multitask" / "train_labels.txt").read_text()
        assert header.splitlines()[0] == "Id,valence,energy,danceability"

    @pytest.mark.parametrize("folder", ["genre", "genre_beat"])
    def test_genre_folders_load(self, generated_lab, folder):
        train = load_genre_spectrograms(generated_lab / folder, split="train")
        test = load_genre_spectrograms(generated_lab / folder, split="test")
        assert train.ids == [str(i) for i in range(1, 9)]
        assert test.ids == [str(i) for i in range(9, 13)]
        for bunch in (train, test):
            assert all(S.dtype == np.float32 and S.shape[1] == 140 for S in bunch.data)
            assert all(np.isfinite(S).all() for S in bunch.data)
        # lab-style names, balanced in each split (4 default genres)
        assert train.target_names == ["Classical", "Electronic", "Hip-Hop", "Rock"]
        for bunch, n in ((train, 2), (test, 1)):
            _, counts = np.unique(bunch.target, return_counts=True)
            assert counts.tolist() == [n] * 4
        n_frames = 1 + int(1.5 * 22050) // 512  # 65
        if folder == "genre":
            assert {len(S) for S in train.data} == {n_frames}
        else:
            assert all(1 <= len(S) < n_frames for S in train.data)

    @pytest.mark.parametrize("folder", ["multitask", "multitask_beat"])
    def test_multitask_folders_load(self, generated_lab, folder):
        genre = load_genre_spectrograms(
            generated_lab / folder.replace("multitask", "genre")
        )
        train = load_multitask_spectrograms(generated_lab / folder, split="train")
        test = load_multitask_spectrograms(generated_lab / folder, split="test")
        assert train.target.shape == (8, 3)
        assert train.target_names == ["valence", "energy", "danceability"]
        assert np.all((train.target >= 0) & (train.target <= 1))
        assert test.target is None and test.target_names is None
        assert len(test.data) == 4 and all(S.shape[1] == 140 for S in test.data)
        # the same clips as the genre folder, as in emotify-lab
        assert train.ids == genre.ids
        for a, b in zip(train.data, genre.data, strict=True):
            np.testing.assert_array_equal(a, b)

    def test_lab_recipe_from_the_audio(self, generated_lab):
        from spectroclf.features import beat_frames, beat_sync, fused_spectrogram

        # the training clips are make_music's first draw from the same seed
        music = make_music(8, duration=1.5, random_state=0)
        y = music.data[0]
        S = fused_spectrogram(y=y)
        full = load_spectrogram(
            generated_lab / "genre" / "train" / "1.fused.full.npy.gz"
        )
        beat = load_spectrogram(
            generated_lab / "genre_beat" / "train" / "1.fused.full.npy.gz"
        )
        np.testing.assert_array_equal(full, S)
        np.testing.assert_array_equal(beat, beat_sync(S, beat_frames(y=y)))
        genre = load_genre_spectrograms(generated_lab / "genre")
        assert genre.target[0] == _LAB_GENRE_NAMES[music.target[0]]
        emotion = load_multitask_spectrograms(generated_lab / "multitask")
        np.testing.assert_allclose(emotion.target, music.emotion)

    def test_reproducible(self, tmp_path):
        kw = dict(n_train=2, n_test=1, duration=0.5)
        a = make_lab_data(tmp_path / "a", **kw, random_state=1)
        b = make_lab_data(tmp_path / "b", **kw, random_state=np.random.RandomState(1))
        c = make_lab_data(tmp_path / "c", **kw, random_state=2)
        assert a == tmp_path / "a"
        assert _files(a) == _files(b) == _files(c)
        for name in _files(a):
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert any((a / n).read_bytes() != (c / n).read_bytes() for n in _files(a))

    def test_genres_and_no_test_split(self, tmp_path):
        lab = make_lab_data(
            tmp_path,
            n_train=2,
            n_test=0,
            duration=0.5,
            genres=["jazz", "hiphop"],
            random_state=0,
        )
        train = load_genre_spectrograms(lab / "genre_beat")
        assert sorted(train.target.tolist()) == ["Hip-Hop", "Jazz"]
        assert all(not (lab / f / "test").exists() for f in FOLDERS)
        assert set(CLASS_MAPPING) >= set(train.target)  # CLASS_MAPPING's spelling

    @pytest.mark.parametrize(
        "kwargs, error, match",
        [
            (dict(n_train=0), ValueError, "n_train must be an int >= 1, got 0"),
            (dict(n_test=-1), ValueError, "n_test must be an int >= 0"),
            (dict(n_train=2.0), ValueError, "n_train must be an int"),
            (dict(genres=["polka"]), ValueError, r"unknown genre\(s\) \['polka'\]"),
            (dict(duration=0), ValueError, "duration must be a positive"),
        ],
    )
    def test_errors(self, tmp_path, kwargs, error, match):
        args = dict(n_train=1, n_test=0, duration=0.25)
        args.update(kwargs)
        with pytest.raises(error, match=match):
            make_lab_data(tmp_path, **args)

    def test_refuses_a_used_folder(self, tmp_path):
        (tmp_path / "genre_beat" / "train").mkdir(parents=True)
        with pytest.raises(FileExistsError, match="genre_beat' is not empty"):
            make_lab_data(tmp_path, n_train=1, n_test=0, duration=0.25)
        (tmp_path / "file").write_text("x")
        with pytest.raises(NotADirectoryError, match="not a folder"):
            make_lab_data(tmp_path / "file", n_train=1)
