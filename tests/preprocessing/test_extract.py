"""Tests of spectroclf.preprocessing._extract: SpectrogramExtractor."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.preprocessing import SpectrogramExtractor


class TestSpectrogramExtractor:
    @pytest.mark.parametrize(
        "feature, n_bins", [("fused", 140), ("mel", 128), ("chroma", 12)]
    )
    def test_tone(self, tone, feature, n_bins):
        ext = SpectrogramExtractor(feature=feature)
        specs = ext.fit_transform([tone(), tone(seconds=0.5)])
        assert ext.n_bins_ == n_bins
        assert [S.shape for S in specs] == [(44, n_bins), (22, n_bins)]
        assert all(S.dtype == np.float32 for S in specs)
        if feature != "mel":  # the chroma of an A440 tone peaks at A
            assert int(specs[0][:, -12:].mean(axis=0).argmax()) == 9
        assert len(ext.get_feature_names_out()) == n_bins

    def test_2d_array_is_a_batch_of_waveforms(self, tone):
        X = np.stack([tone(), tone(880)])
        specs = SpectrogramExtractor(feature="mel", n_mels=40).transform(X)
        assert len(specs) == 2 and specs[0].shape == (44, 40)

    def test_beat_sync_tone_without_beats(self, tone):
        specs = SpectrogramExtractor(beat_sync=True).fit_transform([tone(seconds=2)])
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
    def test_beat_sync_reproduces_shipped_arrays(self, shared_data, lab_array):
        """The extractor's beat route is the recipe of the lab's beat arrays."""
        audio = shared_data / "emotify" / "audio" / "1.ogg"
        ref = lab_array(
            shared_data / "emotify-lab" / "genre_beat" / "train" / "1.fused.full.npy.gz"
        )
        (S,) = SpectrogramExtractor(beat_sync=True).fit_transform([str(audio)])
        assert S.shape == ref.shape
        np.testing.assert_allclose(S, ref, atol=1e-4)

    def test_n_jobs_2_equals_n_jobs_1(self, tone):
        X = [tone(330, 0.6), tone(550, 0.4), tone(770, 0.5)]
        one = SpectrogramExtractor(feature="mel", n_jobs=1).transform(X)
        two = SpectrogramExtractor(feature="mel", n_jobs=2).transform(X)
        # this process and joblib's workers both run with one BLAS thread
        for a, b in zip(one, two, strict=True):
            np.testing.assert_array_equal(a, b)

    def test_one_blas_thread_in_process(self, tone, monkeypatch):
        """n_jobs=1 extracts under one BLAS / OpenMP thread, as the workers do."""
        from threadpoolctl import threadpool_info

        from spectroclf import features

        def pools():
            return {d["filepath"]: d["num_threads"] for d in threadpool_info()}

        before = pools()
        seen = []
        melspectrogram = features.melspectrogram

        def spy(**kwargs):
            seen.append(pools())
            return melspectrogram(**kwargs)

        monkeypatch.setattr(features, "melspectrogram", spy)
        SpectrogramExtractor(feature="mel").transform([tone(), tone(880)])
        assert len(seen) == 2
        assert all(n == 1 for during in seen for n in during.values())
        assert pools() == before  # restored afterwards

    def test_memory_cache(self, tone, tmp_path, monkeypatch):
        from spectroclf import features

        X = [tone(seconds=0.5)]
        ext = SpectrogramExtractor(feature="mel", memory=str(tmp_path))
        first = ext.transform(X)
        assert any(p.is_file() for p in tmp_path.rglob("*"))

        def boom(**kwargs):
            raise AssertionError("recomputed despite the cache")

        monkeypatch.setattr(features, "melspectrogram", boom)
        second = ext.transform(X)  # served from the cache
        np.testing.assert_array_equal(first[0], second[0])
        with pytest.raises(AssertionError, match="recomputed"):
            ext.transform([tone(seconds=0.4)])  # a new clip is computed

    def test_cached_rerun_starts_no_worker(self, tone, tmp_path, monkeypatch):
        """With n_jobs > 1, hits load in this process; only misses go to workers."""
        import joblib

        X = [tone(330, 0.5), tone(550, 0.4)]
        first = SpectrogramExtractor(feature="mel", memory=tmp_path).transform(X)
        sent = []

        class Recording:  # joblib.Parallel, run here, counting the tasks
            def __init__(self, **kwargs):
                pass

            def __call__(self, tasks):
                tasks = list(tasks)
                sent.append(len(tasks))
                return (f(*a, **kw) for f, a, kw in tasks)

        monkeypatch.setattr(joblib, "Parallel", Recording)
        ext = SpectrogramExtractor(feature="mel", memory=tmp_path, n_jobs=2)
        again = ext.transform(X)
        assert sent == []  # no call reached joblib.Parallel
        for a, b in zip(first, again, strict=True):
            np.testing.assert_array_equal(a, b)
        mixed = ext.transform([tone(770, 0.3), X[1], tone(990, 0.2)])
        assert sent == [2]  # the two new clips only, in order
        assert [len(S) for S in mixed] == [13, len(first[1]), 9]
        np.testing.assert_array_equal(mixed[1], first[1])

    def test_verbose_progress(self, tone, capsys):
        SpectrogramExtractor(feature="mel", verbose=1).transform([tone(), tone()])
        assert "2/2 clips" in capsys.readouterr().err

    def test_undecodable_file(self, tmp_path):
        bad = tmp_path / "broken.ogg"
        bad.write_bytes(b"this is not audio" * 10)
        with pytest.raises(ValueError, match="broken.ogg"):
            SpectrogramExtractor().transform([bad])

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="clip 0.*nothere.ogg"):
            SpectrogramExtractor().transform([tmp_path / "nothere.ogg"])
        with pytest.raises(FileNotFoundError, match="nothere.ogg"):
            SpectrogramExtractor().fit([tmp_path / "nothere.ogg"])  # fit checks X

    def test_sparse_and_complex(self):
        from scipy import sparse

        with pytest.raises(TypeError, match="sparse input is not supported"):
            SpectrogramExtractor().fit(sparse.csr_array(np.ones((2, 50))))
        with pytest.raises(ValueError, match="Complex data not supported"):
            SpectrogramExtractor().fit(np.ones((2, 50)) * 1j)

    def test_2d_waveform(self, tone):
        with pytest.raises(
            ValueError,
            match=r"clip 1 is an array of shape "
            r"\(2, 100\).*1-D mono",
        ):
            SpectrogramExtractor().transform([tone(), np.zeros((2, 100))])

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
    def test_invalid_params(self, tone, params, match):
        with pytest.raises(InvalidParameterError, match=match):
            SpectrogramExtractor(**params).fit()
        with pytest.raises(InvalidParameterError, match=match):
            SpectrogramExtractor(**params).transform([tone()])
