"""Tests of spectroclf.preprocessing: shape contracts, real data, errors."""

import gzip
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.preprocessing import (
    BeatSync,
    LabelTransformer,
    PadTruncate,
    SpectrogramExtractor,
    SpectrogramLoader,
)

SR = 22050
HYPOTHESIS = settings(
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
ALL_TRANSFORMERS = [
    LabelTransformer(mapping={"a": "x", "b": None}),
    SpectrogramExtractor(feature="mel", n_mels=32, memory=None),
    SpectrogramLoader(feature="chroma"),
    BeatSync(aggregate="mean"),
    PadTruncate(max_len=7, crop="random", random_state=3),
]


def _tone(freq=440.0, seconds=1.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _lab_array(path):
    """A shipped file as spectroclf sees it: time first, float32."""
    with gzip.open(path, "rb") as f:
        return np.load(f).T.astype(np.float32)


@st.composite
def spectrogram_lists(draw, max_frames=40, bins=None, max_n=6):
    """Lists of random-length spectrograms sharing one bin count."""
    n_bins = draw(st.integers(1, 6) if bins is None else bins)
    lengths = draw(st.lists(st.integers(1, max_frames), min_size=1, max_size=max_n))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    return [rng.normal(-40, 15, (n, n_bins)).astype(np.float32) for n in lengths]


@pytest.fixture(scope="module")
def genre_files(shared_data):
    """Six real full-length fused spectrogram files, two genres."""
    folder = shared_data / "emotify-lab" / "genre" / "train"
    return [folder / f"{i}.fused.full.npy.gz" for i in (1, 2, 103, 104, 202, 203)]


@pytest.fixture(scope="module")
def short_clips(shared_data):
    """Two real 30-s excerpts cropped to their first 5 s."""
    from spectroclf.features import load_audio

    audio = shared_data / "emotify" / "audio"
    return [load_audio(audio / f"{i}.ogg")[: 5 * SR] for i in (1, 301)]


# ---------------------------------------------------------------------------
# common: clone, pickle, pipeline


@pytest.mark.parametrize("est", ALL_TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_clone_keeps_params(est):
    cloned = clone(est)
    assert cloned is not est
    assert cloned.get_params() == est.get_params()


@pytest.mark.parametrize("est", ALL_TRANSFORMERS[1:], ids=lambda e: type(e).__name__)
def test_pickle_roundtrip_transforms_alike(est):
    rng = np.random.default_rng(0)
    if isinstance(est, SpectrogramExtractor):
        X = [_tone(seconds=0.5), _tone(660, seconds=0.3)]
    else:
        X = [rng.normal(-40, 10, (n, 140)).astype(np.float32) for n in (12, 30)]
    fitted = clone(est).fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    a, b = fitted.transform(X), restored.transform(X)
    if isinstance(a, dict):
        a, b = a["X"], b["X"]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_pickle_label_transformer():
    lt = LabelTransformer(mapping={"a": "x", "b": "y"}).fit(["a", "b"])
    restored = pickle.loads(pickle.dumps(lt))
    np.testing.assert_array_equal(restored.transform(["b", "a"]), [1, 0])


@pytest.mark.data
def test_pipeline_loader_beatsync_padtruncate(genre_files):
    pipe = Pipeline(
        [
            ("load", SpectrogramLoader(feature="fused")),
            ("beat", BeatSync()),
            ("pad", PadTruncate(max_len=80, pad_value=-80.0)),
        ]
    )
    out = pipe.fit_transform(genre_files)
    assert set(out) == {"X", "lengths"}
    assert out["X"].shape == (len(genre_files), 80, 140)
    assert out["X"].dtype == np.float32
    assert out["lengths"].dtype == np.int64
    assert np.all((out["lengths"] >= 1) & (out["lengths"] <= 80))
    # padding (after each length) holds pad_value; mel data lies in [-80, 0]
    for x, n in zip(out["X"], out["lengths"], strict=True):
        assert np.all(x[n:] == -80.0)
        assert x[:n, :128].max() <= 0.0
    # a clone of the fitted pipeline refits to the same result
    again = clone(pipe).fit_transform(genre_files)
    np.testing.assert_array_equal(again["X"], out["X"])
    names = pipe.get_feature_names_out()
    assert names[0] == "mel_0" and names[-1] == "chroma_B" and len(names) == 140


# ---------------------------------------------------------------------------
# LabelTransformer


class TestLabelTransformer:
    def test_identity_encoding(self):
        lt = LabelTransformer()
        codes = lt.fit_transform(["rock", "pop", "rock", "classical"])
        assert codes.dtype == np.int64
        np.testing.assert_array_equal(lt.classes_, ["classical", "pop", "rock"])
        np.testing.assert_array_equal(codes, [2, 1, 2, 0])
        np.testing.assert_array_equal(
            lt.inverse_transform(codes), ["rock", "pop", "rock", "classical"]
        )

    def test_mapping_merges_and_drops(self):
        mapping = {"rock": "guitar", "metal": "guitar", "pop": "pop", "noise": None}
        lt = LabelTransformer(mapping=mapping).fit(["rock", "metal", "pop", "noise"])
        np.testing.assert_array_equal(lt.classes_, ["guitar", "pop"])
        np.testing.assert_array_equal(lt.transform(["metal", "pop"]), [0, 1])
        np.testing.assert_array_equal(lt.inverse_transform([1, 0]), ["pop", "guitar"])

    def test_integer_labels(self):
        lt = LabelTransformer().fit([10, 3, 3])
        np.testing.assert_array_equal(lt.transform([3, 10]), [0, 1])

    def test_class_mapping_of_datasets(self):
        datasets = pytest.importorskip("spectroclf.datasets")
        labels = [k for k, v in datasets.CLASS_MAPPING.items() if v is not None]
        lt = LabelTransformer(mapping=datasets.CLASS_MAPPING).fit(labels)
        expected = sorted({datasets.CLASS_MAPPING[k] for k in labels})
        np.testing.assert_array_equal(lt.classes_, expected)

    def test_label_missing_from_mapping(self):
        lt = LabelTransformer(mapping={"rock": "rock"})
        with pytest.raises(ValueError, match="'jazz' is not in `mapping`.*every genre"):
            lt.fit(["rock", "jazz"])

    def test_dropped_label_in_transform(self):
        lt = LabelTransformer(mapping={"rock": "rock", "noise": None})
        lt.fit(["rock", "noise"])
        with pytest.raises(ValueError, match="'noise' is mapped to None"):
            lt.transform(["noise"])

    def test_unseen_label(self):
        lt = LabelTransformer().fit(["rock", "pop"])
        with pytest.raises(ValueError, match="unseen in fit: \\['metal'\\]"):
            lt.transform(["rock", "metal"])

    def test_bad_codes(self):
        lt = LabelTransformer().fit(["rock", "pop"])
        with pytest.raises(ValueError, match=r"outside \[0, 2\): \[2\]"):
            lt.inverse_transform([0, 2])
        with pytest.raises(ValueError, match="integers"):
            lt.inverse_transform([0.5])

    def test_empty_and_all_dropped(self):
        with pytest.raises(ValueError, match="y is empty"):
            LabelTransformer().fit([])
        with pytest.raises(ValueError, match="every label of y is mapped to None"):
            LabelTransformer(mapping={"a": None}).fit(["a"])
        lt = LabelTransformer().fit(["a"])
        assert lt.transform([]).shape == (0,)

    def test_invalid_mapping_param(self):
        with pytest.raises(InvalidParameterError, match="mapping"):
            LabelTransformer(mapping=["rock"]).fit(["rock"])

    def test_unfitted(self):
        with pytest.raises(NotFittedError):
            LabelTransformer().transform(["a"])

    def test_tags_say_labels_only(self):
        tags = LabelTransformer().__sklearn_tags__()
        assert not tags.input_tags.two_d_array
        assert tags.target_tags.one_d_labels

    @HYPOTHESIS
    @given(
        y=st.lists(
            st.sampled_from(["rock", "pop", "jazz", "metal", "folk"]), min_size=1
        ),
        merge=st.booleans(),
    )
    def test_round_trip(self, y, merge):
        mapping = (
            {
                "rock": "guitar",
                "metal": "guitar",
                "pop": "pop",
                "jazz": "jazz",
                "folk": "folk",
            }
            if merge
            else None
        )
        lt = LabelTransformer(mapping=mapping)
        codes = lt.fit_transform(y)
        assert codes.dtype == np.int64
        assert codes.min() >= 0 and codes.max() < len(lt.classes_)
        assert list(lt.classes_) == sorted(lt.classes_)
        expected = [mapping[v] for v in y] if merge else y
        np.testing.assert_array_equal(lt.inverse_transform(codes), expected)


# ---------------------------------------------------------------------------
# PadTruncate


class TestPadTruncate:
    @HYPOTHESIS
    @given(
        specs=spectrogram_lists(),
        max_len=st.one_of(st.none(), st.integers(1, 50)),
        crop=st.sampled_from(["start", "center", "random"]),
        pad_value=st.sampled_from([0.0, -80.0]),
    )
    def test_shape_and_crop_invariants(self, specs, max_len, crop, pad_value):
        pt = PadTruncate(
            max_len=max_len, crop=crop, pad_value=pad_value, random_state=0
        )
        out = pt.fit_transform(specs)
        L = max_len if max_len is not None else max(len(S) for S in specs)
        n_bins = specs[0].shape[1]
        assert pt.max_len_ == L and pt.n_features_in_ == n_bins
        assert out["X"].shape == (len(specs), L, n_bins)
        assert out["X"].dtype == np.float32 and out["lengths"].dtype == np.int64
        for S, x, n in zip(specs, out["X"], out["lengths"], strict=True):
            assert n == min(len(S), L)
            assert np.all(x[n:] == pad_value)
            if len(S) <= L:
                np.testing.assert_array_equal(x[:n], S)
                continue
            offsets = {"start": [0], "center": [(len(S) - L) // 2]}.get(
                crop, range(len(S) - L + 1)
            )
            assert any(np.array_equal(x, S[o : o + L]) for o in offsets)
        # transform after fit gives the fit_transform result (crops included)
        again = pt.transform(specs)
        np.testing.assert_array_equal(again["X"], out["X"])

    def test_max_len_none_is_longest(self):
        specs = [np.ones((n, 2), np.float32) for n in (3, 9, 4)]
        pt = PadTruncate().fit(specs)
        assert pt.max_len_ == 9
        # longer samples at transform time are cropped to the fitted length
        out = pt.transform([np.ones((20, 2), np.float32)])
        assert out["X"].shape == (1, 9, 2) and out["lengths"][0] == 9

    def test_random_crop_reproducible(self):
        specs = [np.arange(1000, dtype=np.float32)[:, None] + i for i in range(5)]
        a = PadTruncate(max_len=10, crop="random", random_state=1).fit_transform(specs)
        b = PadTruncate(max_len=10, crop="random", random_state=1).fit_transform(specs)
        c = PadTruncate(max_len=10, crop="random", random_state=2).fit_transform(specs)
        np.testing.assert_array_equal(a["X"], b["X"])
        assert not np.array_equal(a["X"], c["X"])

    def test_input_forms(self):
        X3 = np.random.default_rng(0).normal(size=(4, 6, 3))
        out = PadTruncate(max_len=4, crop="center").fit_transform(X3)
        np.testing.assert_allclose(out["X"], X3[:, 1:5].astype(np.float32))
        # 2-D (n, n_bins): one frame per sample
        X2 = np.arange(12.0).reshape(4, 3)
        out2 = PadTruncate(max_len=2, pad_value=-1).fit_transform(X2)
        assert out2["X"].shape == (4, 2, 3)
        np.testing.assert_array_equal(out2["lengths"], [1, 1, 1, 1])
        np.testing.assert_array_equal(out2["X"][:, 0], X2)
        assert np.all(out2["X"][:, 1] == -1)
        # its own dict output is cut back to the lengths and padded again
        out3 = PadTruncate(max_len=3).fit_transform(out2)
        np.testing.assert_array_equal(out3["X"][:, 0], X2)
        np.testing.assert_array_equal(out3["lengths"], [1, 1, 1, 1])

    def test_feature_names(self):
        pt = PadTruncate().fit(np.zeros((2, 3)))
        np.testing.assert_array_equal(pt.get_feature_names_out(), ["x0", "x1", "x2"])
        np.testing.assert_array_equal(
            pt.get_feature_names_out(["a", "b", "c"]), ["a", "b", "c"]
        )
        with pytest.raises(ValueError, match="3 bins"):
            pt.get_feature_names_out(["a"])

    def test_ragged_bins(self):
        specs = [np.zeros((5, 3)), np.zeros((4, 2))]
        with pytest.raises(ValueError, match=r"spectrogram 1 has shape \(4, 2\)"):
            PadTruncate().fit(specs)

    def test_bins_differ_from_fit(self):
        pt = PadTruncate().fit([np.zeros((5, 3))])
        with pytest.raises(
            ValueError,
            match="X has 2 features, but PadTruncate is expecting 3 features",
        ):
            pt.transform([np.zeros((5, 2))])

    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_nan_inf(self, bad):
        S = np.zeros((5, 3))
        S[2, 1] = bad
        with pytest.raises(ValueError, match="spectrogram 1 contains NaN or inf"):
            PadTruncate().fit([np.zeros((5, 3)), S])
        X = np.zeros((4, 3))
        X[0, 0] = bad
        with pytest.raises(ValueError, match="NaN|inf"):
            PadTruncate().fit(X)

    def test_empty_and_zero_frames(self):
        with pytest.raises(ValueError, match="X is empty"):
            PadTruncate().fit([])
        with pytest.raises(ValueError, match="spectrogram 1 has 0 frames"):
            PadTruncate().fit([np.zeros((3, 2)), np.zeros((0, 2))])
        with pytest.raises(ValueError, match="has 0 frames"):
            PadTruncate().fit(np.zeros((2, 0, 3)))

    def test_1d_input(self):
        with pytest.raises(ValueError, match="Expected 2D array"):
            PadTruncate().fit(np.zeros(5))

    @pytest.mark.parametrize(
        "params, match",
        [
            ({"crop": "end"}, "crop"),
            ({"max_len": 0}, "max_len"),
            ({"pad_value": "zero"}, "pad_value"),
        ],
    )
    def test_invalid_params(self, params, match):
        with pytest.raises(InvalidParameterError, match=match):
            PadTruncate(**params).fit([np.zeros((3, 2))])

    def test_unfitted(self):
        with pytest.raises(NotFittedError):
            PadTruncate().transform([np.zeros((3, 2))])


# ---------------------------------------------------------------------------
# BeatSync


class TestBeatSync:
    @HYPOTHESIS
    @given(
        specs=spectrogram_lists(
            max_frames=300, bins=st.sampled_from([1, 12, 140]), max_n=3
        ),
        aggregate=st.sampled_from(["median", "mean", "max"]),
    )
    def test_shape_invariants(self, specs, aggregate):
        out = BeatSync(aggregate=aggregate).fit_transform(specs)
        assert isinstance(out, list) and len(out) == len(specs)
        for S, B in zip(specs, out, strict=True):
            assert B.dtype == np.float32
            assert B.shape[1] == S.shape[1]
            assert 1 <= B.shape[0] <= S.shape[0]
            assert B.min() >= S.min() - 1e-4 and B.max() <= S.max() + 1e-4

    def test_short_spectrogram_is_one_segment(self):
        S = np.random.default_rng(0).normal(size=(3, 140)).astype(np.float32)
        (out,) = BeatSync().fit_transform([S])
        np.testing.assert_allclose(out, np.median(S, axis=0, keepdims=True))
        (one,) = BeatSync().fit_transform([S[:1]])
        np.testing.assert_array_equal(one, S[:1])

    def test_silence_is_one_segment(self):
        (out,) = BeatSync(aggregate="max").fit_transform([np.full((400, 140), -80.0)])
        np.testing.assert_array_equal(out, np.full((1, 140), -80.0, np.float32))

    def test_aggregates_share_beats(self):
        rng = np.random.default_rng(1)
        S = rng.normal(-40, 10, (300, 140)).astype(np.float32)
        med = BeatSync(aggregate="median").fit_transform([S])[0]
        mx = BeatSync(aggregate="max").fit_transform([S])[0]
        assert med.shape == mx.shape
        assert np.all(mx >= med)

    def test_input_forms(self):
        X3 = np.random.default_rng(0).normal(-40, 10, (2, 100, 12))
        out = BeatSync(n_mels=128).fit_transform(X3)  # < n_mels bins: all columns
        assert isinstance(out, list) and all(B.shape[1] == 12 for B in out)
        X2 = np.arange(12.0).reshape(4, 3)
        out2 = BeatSync().fit_transform(X2)  # one frame each: unchanged
        assert isinstance(out2, np.ndarray) and out2.dtype == np.float32
        np.testing.assert_array_equal(out2, X2)

    def test_stateless_but_checks_bins_after_fit(self):
        S = np.zeros((10, 4), np.float32)
        assert BeatSync().transform([S])[0].shape == (1, 4)  # no fit needed
        bs = BeatSync().fit([S])
        assert bs.n_features_in_ == 4
        with pytest.raises(ValueError, match="X has 3 features"):
            bs.transform([S[:, :3]])

    def test_errors(self):
        with pytest.raises(ValueError, match="spectrogram 1 has 0 frames"):
            BeatSync().fit_transform([np.zeros((5, 3)), np.zeros((0, 3))])
        with pytest.raises(ValueError, match="X is empty"):
            BeatSync().fit_transform([])
        with pytest.raises(ValueError, match="NaN or inf"):
            BeatSync().fit_transform([np.full((5, 3), np.nan)])
        with pytest.raises(InvalidParameterError, match="aggregate"):
            BeatSync(aggregate="min").fit_transform([np.zeros((5, 3))])

    @pytest.mark.data
    def test_real_spectrogram_tempo_is_plausible(self, shared_data):
        """Beats from the mel onsets come close to the shipped audio beats."""
        lab = shared_data / "emotify-lab"
        for i in (1, 103, 301):
            S = _lab_array(lab / "genre" / "train" / f"{i}.fused.full.npy.gz")
            ref = _lab_array(lab / "genre_beat" / "train" / f"{i}.fused.full.npy.gz")
            (out,) = BeatSync().fit_transform([S])
            assert out.shape[1] == 140
            assert 0.5 * len(ref) <= len(out) <= 2 * len(ref) + 1


# ---------------------------------------------------------------------------
# SpectrogramLoader


class TestSpectrogramLoader:
    @pytest.mark.data
    @pytest.mark.parametrize(
        "feature, n_bins", [("fused", 140), ("mel", 128), ("chroma", 12)]
    )
    def test_real_files(self, genre_files, feature, n_bins):
        files = genre_files[:2]
        specs = SpectrogramLoader(feature=feature).fit_transform(files)
        assert isinstance(specs, list) and len(specs) == 2
        for path, S in zip(files, specs, strict=True):
            ref = _lab_array(path)
            assert S.dtype == np.float32 and S.shape == (ref.shape[0], n_bins)
            cols = {
                "fused": slice(0, 140),
                "mel": slice(0, 128),
                "chroma": slice(128, 140),
            }[feature]
            np.testing.assert_array_equal(S, ref[:, cols])

    def test_npy_file_and_mixed_list(self, tmp_path):
        datasets = pytest.importorskip("spectroclf.datasets")  # noqa: F841
        S = np.random.default_rng(0).normal(size=(20, 140)).astype(np.float32)
        np.save(tmp_path / "a.npy", S.T)  # lab layout: (140, n_frames)
        out = SpectrogramLoader(feature="mel").fit_transform(
            [tmp_path / "a.npy", S[:5]]
        )
        np.testing.assert_allclose(out[0], S[:, :128])
        np.testing.assert_array_equal(out[1], S[:5, :128])

    def test_arrays_keep_container(self):
        X3 = np.random.default_rng(0).normal(size=(3, 8, 140))
        out = SpectrogramLoader(feature="chroma").fit_transform(X3)
        assert isinstance(out, np.ndarray) and out.shape == (3, 8, 12)
        np.testing.assert_allclose(out, X3[..., 128:].astype(np.float32))
        lst = SpectrogramLoader(feature="mel").fit_transform(list(X3))
        assert isinstance(lst, list) and lst[0].shape == (8, 128)
        # already-selected arrays pass through
        chroma = [np.zeros((4, 12), np.float32)]
        assert SpectrogramLoader(feature="chroma").transform(chroma)[0].shape == (4, 12)
        X2 = np.zeros((5, 140))
        assert SpectrogramLoader(feature="chroma").fit_transform(X2).shape == (5, 12)

    def test_errors(self, tmp_path):
        with pytest.raises(ValueError, match="sample 0: spectrogram has 5 bins"):
            SpectrogramLoader().fit_transform([np.zeros((3, 5))])
        with pytest.raises(ValueError, match="single path"):
            SpectrogramLoader().fit_transform(str(tmp_path / "a.npy"))
        with pytest.raises(InvalidParameterError, match="feature"):
            SpectrogramLoader(feature="mfcc").fit([np.zeros((3, 140))])
        pytest.importorskip("spectroclf.datasets")
        with pytest.raises((FileNotFoundError, ValueError), match="missing.npy"):
            SpectrogramLoader().transform([tmp_path / "missing.npy"])

    def test_feature_names(self):
        names = SpectrogramLoader(feature="chroma").get_feature_names_out()
        assert list(names[:2]) == ["chroma_C", "chroma_C#"] and len(names) == 12


# ---------------------------------------------------------------------------
# SpectrogramExtractor


class TestSpectrogramExtractor:
    @pytest.mark.parametrize(
        "feature, n_bins", [("fused", 140), ("mel", 128), ("chroma", 12)]
    )
    def test_tone(self, feature, n_bins):
        ext = SpectrogramExtractor(feature=feature)
        specs = ext.fit_transform([_tone(), _tone(seconds=0.5)])
        assert ext.n_bins_ == n_bins
        assert [S.shape for S in specs] == [(44, n_bins), (22, n_bins)]
        assert all(S.dtype == np.float32 for S in specs)
        if feature != "mel":  # the chroma of an A440 tone peaks at A
            assert int(specs[0][:, -12:].mean(axis=0).argmax()) == 9
        assert len(ext.get_feature_names_out()) == n_bins

    def test_2d_array_is_a_batch_of_waveforms(self):
        X = np.stack([_tone(), _tone(880)])
        specs = SpectrogramExtractor(feature="mel", n_mels=40).transform(X)
        assert len(specs) == 2 and specs[0].shape == (44, 40)

    def test_beat_sync_tone_without_beats(self):
        specs = SpectrogramExtractor(beat_sync=True).fit_transform([_tone(seconds=2)])
        assert specs[0].shape[1] == 140 and 1 <= specs[0].shape[0] <= 87

    @pytest.mark.data
    def test_real_clips(self, short_clips):
        specs = SpectrogramExtractor().fit_transform(short_clips)
        for S in specs:
            assert S.shape == (216, 140)
            assert -80.0 <= S[:, :128].min() and S[:, :128].max() == 0.0
            assert 0.0 <= S[:, 128:].min() and S[:, 128:].max() <= 1.0
        synced = SpectrogramExtractor(beat_sync=True).fit_transform(short_clips)
        assert all(B.shape[1] == 140 and 2 <= len(B) < 216 for B in synced)

    @pytest.mark.data
    def test_path_input(self, shared_data):
        path = shared_data / "librosa-clips" / "trumpet.ogg"
        (S,) = SpectrogramExtractor(feature="mel").fit_transform([path])
        assert S.shape == (230, 128)  # 5.33 s

    @pytest.mark.data
    def test_beat_sync_reproduces_shipped_arrays(self, shared_data):
        """The extractor's beat route is the recipe of the lab's beat arrays."""
        audio = shared_data / "emotify" / "audio" / "1.ogg"
        ref = _lab_array(
            shared_data / "emotify-lab" / "genre_beat" / "train" / "1.fused.full.npy.gz"
        )
        (S,) = SpectrogramExtractor(beat_sync=True).fit_transform([str(audio)])
        assert S.shape == ref.shape
        np.testing.assert_allclose(S, ref, atol=1e-4)

    def test_n_jobs_2_equals_n_jobs_1(self):
        X = [_tone(330, 0.6), _tone(550, 0.4), _tone(770, 0.5)]
        one = SpectrogramExtractor(feature="mel", n_jobs=1).transform(X)
        two = SpectrogramExtractor(feature="mel", n_jobs=2).transform(X)
        # worker processes may run FFTs with other thread counts: equal up to
        # float32 rounding (a few 1e-6 dB), not bit for bit
        for a, b in zip(one, two, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-4)

    def test_memory_cache(self, tmp_path, monkeypatch):
        from spectroclf import features

        X = [_tone(seconds=0.5)]
        ext = SpectrogramExtractor(feature="mel", memory=str(tmp_path))
        first = ext.transform(X)
        assert any(p.is_file() for p in tmp_path.rglob("*"))

        def boom(**kwargs):
            raise AssertionError("recomputed despite the cache")

        monkeypatch.setattr(features, "melspectrogram", boom)
        second = ext.transform(X)  # served from the cache
        np.testing.assert_array_equal(first[0], second[0])
        with pytest.raises(AssertionError, match="recomputed"):
            ext.transform([_tone(seconds=0.4)])  # a new clip is computed

    def test_verbose_progress(self, capsys):
        SpectrogramExtractor(feature="mel", verbose=1).transform([_tone(), _tone()])
        assert "2/2 clips" in capsys.readouterr().err

    def test_undecodable_file(self, tmp_path):
        bad = tmp_path / "broken.ogg"
        bad.write_bytes(b"this is not audio" * 10)
        with pytest.raises(ValueError, match="broken.ogg"):
            SpectrogramExtractor().transform([bad])

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="sample 0.*nothere.ogg"):
            SpectrogramExtractor().transform([tmp_path / "nothere.ogg"])
        with pytest.raises(FileNotFoundError, match="nothere.ogg"):
            SpectrogramExtractor().fit([tmp_path / "nothere.ogg"])  # fit checks X

    def test_sparse_and_complex(self):
        from scipy import sparse

        with pytest.raises(TypeError, match="sparse input is not supported"):
            SpectrogramExtractor().fit(sparse.csr_array(np.ones((2, 50))))
        with pytest.raises(ValueError, match="Complex data not supported"):
            SpectrogramExtractor().fit(np.ones((2, 50)) * 1j)

    def test_2d_waveform(self):
        with pytest.raises(
            ValueError,
            match=r"sample 1 is an array of shape "
            r"\(2, 100\).*1-D mono",
        ):
            SpectrogramExtractor().transform([_tone(), np.zeros((2, 100))])

    @pytest.mark.parametrize(
        "X, exc, match",
        [
            ([], ValueError, "X is empty"),
            (np.zeros(100), ValueError, "single 1-D waveform"),
            ("song.ogg", ValueError, "single path"),
            (np.zeros((2, 3, 4)), ValueError, r"shape \(2, 3, 4\)"),
            ([np.array([np.nan, 1.0])], ValueError, "NaN or inf"),
            ([{"a": 1}], TypeError, "expected an audio path or a 1-D waveform"),
        ],
    )
    def test_bad_input(self, X, exc, match):
        with pytest.raises(exc, match=match):
            SpectrogramExtractor().transform(X)

    @pytest.mark.parametrize(
        "params, match",
        [
            ({"feature": "mfcc"}, "feature"),
            ({"n_mels": 0}, "n_mels"),
            ({"memory": 3}, "memory"),
            ({"beat_sync": "yes"}, "beat_sync"),
        ],
    )
    def test_invalid_params(self, params, match):
        with pytest.raises(InvalidParameterError, match=match):
            SpectrogramExtractor(**params).fit()
        with pytest.raises(InvalidParameterError, match=match):
            SpectrogramExtractor(**params).transform([_tone()])
