"""Tests of spectroclf.preprocessing._beat: BeatSync."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.preprocessing import BeatSync

HYPOTHESIS = settings.get_profile("spectroclf-preprocessing")  # see conftest.py

#: the tests below on short random spectrograms get the "looks beat-synced
#: already" warning, which TestLooksBeatSynced checks
SHORT = pytest.mark.filterwarnings("ignore:BeatSync:UserWarning")


class TestBeatSync:
    @SHORT
    @HYPOTHESIS
    @given(
        data=st.data(),
        aggregate=st.sampled_from(["median", "mean", "max"]),
    )
    def test_shape_invariants(self, spectrogram_lists, data, aggregate):
        specs = data.draw(
            spectrogram_lists(
                max_frames=300, bins=st.sampled_from([1, 12, 140]), max_n=3
            ),
            label="specs",
        )
        out = BeatSync(aggregate=aggregate).fit_transform(specs)
        assert isinstance(out, list) and len(out) == len(specs)
        for S, B in zip(specs, out, strict=True):
            assert B.dtype == np.float32
            assert B.shape[1] == S.shape[1]
            assert 1 <= B.shape[0] <= S.shape[0]
            assert B.min() >= S.min() - 1e-4 and B.max() <= S.max() + 1e-4

    @SHORT
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

    @SHORT
    def test_input_forms(self):
        X3 = np.random.default_rng(0).normal(-40, 10, (2, 100, 12))
        out = BeatSync(n_mels=128).fit_transform(X3)  # < n_mels bins: all columns
        assert isinstance(out, list) and all(B.shape[1] == 12 for B in out)
        X2 = np.arange(12.0).reshape(4, 3)
        out2 = BeatSync().fit_transform(X2)  # one frame each: unchanged
        assert isinstance(out2, np.ndarray) and out2.dtype == np.float32
        np.testing.assert_array_equal(out2, X2)

    @SHORT
    def test_stateless_but_checks_bins_after_fit(self):
        S = np.zeros((10, 4), np.float32)
        assert BeatSync().transform([S])[0].shape == (1, 4)  # no fit needed
        bs = BeatSync().fit([S])
        assert bs.n_features_in_ == 4
        with pytest.raises(ValueError, match="X has 3 features"):
            bs.transform([S[:, :3]])

    @SHORT
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
    def test_real_spectrogram_tempo_is_plausible(self, shared_data, lab_array):
        """Beats from the mel onsets come close to the shipped audio beats."""
        lab = shared_data / "emotify-lab"
        for i in (1, 103, 301):
            S = lab_array(lab / "genre" / "train" / f"{i}.fused.full.npy.gz")
            ref = lab_array(lab / "genre_beat" / "train" / f"{i}.fused.full.npy.gz")
            (out,) = BeatSync().fit_transform([S])
            assert out.shape[1] == 140
            assert 0.5 * len(ref) <= len(out) <= 2 * len(ref) + 1


class TestLooksBeatSynced:
    """#14: beat-syncing data that is beat-synced already warns."""

    def test_warns_with_the_median_frame_count(self):
        rng = np.random.default_rng(0)
        specs = [rng.normal(-40, 10, (n, 140)).astype(np.float32) for n in (50, 60, 70)]
        with pytest.warns(UserWarning) as record:
            BeatSync().fit_transform(specs)
        assert len(record) == 1
        assert str(record[0].message).startswith(
            "BeatSync: the spectrograms have a median of 60 frames (1.4 s at "
            "sr=22050, hop_length=512); they look beat-synchronous already"
        )
        # transform warns at its caller's line
        with pytest.warns(UserWarning, match="median of 60 frames") as record:
            BeatSync().transform(specs)
        assert record[0].filename == __file__

    @pytest.mark.parametrize(
        "X",
        [
            np.zeros((6, 140), np.float32),  # 2-D: one frame per sample
            [np.zeros((1, 140), np.float32)] * 3,  # one-frame clips
            [np.zeros((130, 140), np.float32)] * 3,  # 3-s clips: full length
        ],
        ids=["2-D", "one-frame", "3-s clips"],
    )
    def test_no_warning(self, X):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            BeatSync().fit_transform(X)

    @pytest.mark.data
    def test_on_the_readme_pipeline(self, shared_data):
        """The README's pipeline: silent on genre/, warns on genre_beat/."""
        from sklearn.pipeline import Pipeline

        from spectroclf import SpectrogramLoader, load_genre_spectrograms

        def pipe():
            return Pipeline(
                [("load", SpectrogramLoader(feature="mel")), ("sync", BeatSync())]
            )

        lab = shared_data / "emotify-lab"
        full = load_genre_spectrograms(lab / "genre", split="test", lazy=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = pipe().fit_transform(full.data[:3])
        assert all(len(S) < 200 for S in out)  # 1292 frames -> about 60 beats

        beat = load_genre_spectrograms(lab / "genre_beat", split="test", lazy=True)
        lengths = sorted(len(S) for S in SpectrogramLoader().fit_transform(beat.data))
        median = np.median(lengths)
        assert 15 <= lengths[0] and lengths[-1] <= 121
        with pytest.warns(UserWarning, match=f"median of {median:g} frames"):
            pipe().fit_transform(beat.data)


class TestCache:
    """A grid search refits the pipeline many times; each clip is synced once."""

    def _clips(self):
        rng = np.random.default_rng(0)
        return [rng.normal(-40, 10, (300 + 40 * i, 16)).astype(np.float32) for i in range(4)]

    def test_memory_syncs_each_clip_once(self, tmp_path, monkeypatch):
        from spectroclf import features

        clips = self._clips()
        plain = BeatSync().fit_transform(clips)
        calls = []
        real = features.beat_frames
        monkeypatch.setattr(features, "beat_frames",
                            lambda **kw: calls.append(1) or real(**kw))
        first = BeatSync(memory=tmp_path).fit_transform(clips)
        again = BeatSync(memory=tmp_path).fit_transform(clips[::-1])
        assert len(calls) == 4  # the second transform read everything from the cache
        for a, b, c in zip(plain, first, again[::-1], strict=True):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)

    def test_other_parameters_are_other_entries(self, tmp_path):
        clips = self._clips()
        median = BeatSync(memory=tmp_path).fit_transform(clips)
        maxed = BeatSync(memory=tmp_path, aggregate="max").fit_transform(clips)
        assert not np.array_equal(median[0], maxed[0])
        np.testing.assert_array_equal(maxed[0], BeatSync(aggregate="max").fit_transform(clips)[0])

    def test_n_jobs_gives_the_same_arrays(self):
        clips = self._clips()
        for a, b in zip(BeatSync().fit_transform(clips),
                        BeatSync(n_jobs=2).fit_transform(clips), strict=True):
            np.testing.assert_array_equal(a, b)


class TestBeatSyncDetails:
    """The warning, the onset columns, the parallel path and the tags (from mutation
    testing)."""

    def test_warning_in_full(self):
        rng = np.random.default_rng(0)
        specs = [rng.normal(-40, 10, (n, 140)).astype(np.float32) for n in (50, 60, 70)]
        with pytest.warns(UserWarning) as record:
            BeatSync().fit_transform(specs)
        assert [str(w.message) for w in record] == [
            "BeatSync: the spectrograms have a median of 60 frames (1.4 s at sr=22050, "
            "hop_length=512); they look beat-synchronous already (one frame per beat, "
            "like the lab's genre_beat folder), and syncing them again merges beats. "
            "Start from full-length spectrograms (the lab's genre folder) or leave "
            "BeatSync out; if your clips are just that short, ignore this warning"]

    @pytest.mark.parametrize("n_frames, warns", [(1, False), (2, True), (99, True),
                                                  (100, False)])
    def test_warning_bounds(self, n_frames, warns):
        """From 2 frames up to 3 s of frames (exclusive): 100 frames at sr=1000, hop 30."""
        import warnings

        specs = [np.random.default_rng(i).random((n_frames, 12)).astype(np.float32)
                 for i in range(3)]
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            BeatSync(sr=1000, hop_length=30).fit_transform(specs)
        messages = [str(w.message) for w in record if "BeatSync:" in str(w.message)]
        assert bool(messages) == warns
        if warns:
            assert f"({n_frames * 30 / 1000:.1f} s at sr=1000, hop_length=30)" in messages[0]

    @pytest.mark.parametrize("n_bins, onset_bins", [(140, 128), (128, 128), (12, 12)])
    def test_beats_tracked_on_the_mel_columns_at_sr_and_hop(self, monkeypatch, n_bins,
                                                            onset_bins):
        from spectroclf import features

        calls = []
        beat_frames = features.beat_frames

        def spy(*, S, sr, hop_length):
            calls.append((S.shape[1], sr, hop_length))
            return beat_frames(S=S, sr=sr, hop_length=hop_length)

        monkeypatch.setattr(features, "beat_frames", spy)
        S = np.random.default_rng(0).random((300, n_bins)).astype(np.float32)
        BeatSync(sr=16000, hop_length=256).fit_transform([S])
        assert calls == [(onset_bins, 16000, 256)]

    def test_n_jobs_spreads_the_clips(self, thread_spy):
        from joblib import parallel_config

        from spectroclf import features

        threads = thread_spy(features, "beat_frames")
        specs = [np.random.default_rng(i).random((200, 140)).astype(np.float32)
                 for i in range(6)]
        with parallel_config(backend="threading"):
            serial = BeatSync().fit_transform(specs)
            assert len(threads) == 1
            threads.clear()
            parallel = BeatSync(n_jobs=2).fit_transform(specs)
        assert len(threads) == 2
        for a, b in zip(serial, parallel, strict=True):
            np.testing.assert_array_equal(a, b)

    def test_tags(self):
        from sklearn.utils import get_tags

        tags = get_tags(BeatSync())
        assert tags.input_tags.three_d_array is True and tags.input_tags.dict is True
        assert tags.requires_fit is False
        assert tags.transformer_tags.preserves_dtype == ["float32"]
