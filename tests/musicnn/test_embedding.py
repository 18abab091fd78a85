"""Tests of spectroclf.musicnn._embedding: MusicnnEmbedding and predict_tags."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from spectroclf import _cpu
from spectroclf._cpu import native_bfloat16
from spectroclf.musicnn import (
    MusicnnEmbedding,
    musicnn_melspectrogram,
    musicnn_patches,
    predict_tags,
)
from spectroclf.musicnn._embedding import _prefetched

SR = 22050


def _tone(freq, seconds=1.0, amplitude=0.3):
    t = np.arange(int(seconds * SR)) / SR
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _noise(seed, seconds=1.0):
    return (
        0.1 * np.random.default_rng(seed).standard_normal(int(seconds * SR))
    ).astype(np.float32)



@pytest.fixture(scope="module")
def clips():
    return [_tone(220), _noise(1), _tone(880, seconds=3.5), _noise(2, seconds=0.5)]


@pytest.fixture(scope="module")
def fitted():
    return MusicnnEmbedding(precision="float32").fit()


class TestMusicnnEmbedding:
    @pytest.mark.parametrize(
        "layer, pooling, n_out",
        [
            ("penultimate", "mean", 200),
            ("penultimate", "mean+max", 400),
            ("taggram", "max", 50),
            ("logits", "mean", 50),
            ("mean_pool", "mean", 753),
            ("max_pool", "mean+max", 1506),
        ],
    )
    def test_shapes_and_names(self, clips, layer, pooling, n_out):
        emb = MusicnnEmbedding(layer=layer, pooling=pooling).fit(clips)
        X = emb.transform(clips)
        assert X.shape == (len(clips), n_out) == (len(clips), emb.n_features_out_)
        assert X.dtype == np.float32 and np.isfinite(X).all()
        names = emb.get_feature_names_out()
        assert len(names) == n_out and len(set(names)) == n_out

    def test_feature_names(self, fitted):
        assert fitted.get_feature_names_out()[0] == "penultimate_mean_0"
        emb = MusicnnEmbedding(
            layer="taggram", pooling="mean+max", model="MTT_musicnn"
        ).fit()
        names = emb.get_feature_names_out()
        assert names[0] == "mean_guitar" and names[50] == "max_guitar"

    def test_pooling_over_patches(self):
        y = _tone(440, seconds=7)  # 438 frames at 16 kHz: 2 patches
        per_patch = MusicnnEmbedding(layer="taggram", pooling="mean+max", precision="float32").fit()
        patches = musicnn_patches(musicnn_melspectrogram(y, sr=SR))
        assert len(patches) == 2
        (values,) = per_patch._layer_per_clip([patches])
        out = per_patch.transform([y])[0]
        np.testing.assert_allclose(out[:50], values.mean(0), rtol=1e-6)
        np.testing.assert_allclose(out[50:], values.max(0), rtol=1e-6)

    def test_patches_of_waveforms_at_sr_with_patch_hop(self):
        """Each clip's patches: its log-mel at ``sr``, cut every ``patch_hop`` frames."""
        y16 = np.random.default_rng(0).standard_normal(16000 * 6).astype(np.float32) / 10
        emb = MusicnnEmbedding(sr=16000, patch_hop=93, layer="taggram",
                               precision="float32").fit()
        patches = musicnn_patches(musicnn_melspectrogram(y16, sr=16000), patch_hop=93)
        assert len(patches) == 3  # 376 frames: starts 0, 93, 186
        (values,) = emb._layer_per_clip([patches])
        np.testing.assert_allclose(emb.transform([y16])[0], values.mean(0), rtol=1e-6)

    @pytest.mark.parametrize("batch_size", [1, 3, 32])
    def test_batches_across_clips_as_one_concatenation(self, clips, batch_size):
        """Streaming batches straddle clips exactly as batching all patches at once."""
        import torch

        emb = MusicnnEmbedding(
            batch_size=batch_size, layer="taggram", precision="float32"
        ).fit()
        patches = [
            musicnn_patches(musicnn_melspectrogram(y, sr=SR))
            for y in clips + [_tone(330, seconds=8)]
        ]
        assert len(np.concatenate(patches)) > batch_size or batch_size == 32
        everything = torch.from_numpy(np.concatenate(patches))
        with torch.no_grad():  # the former implementation, in one piece
            values = np.concatenate([
                emb.net_.forward_features(b)["taggram"].numpy()
                for b in everything.split(batch_size)
            ])
        expected = np.split(values, np.cumsum([len(p) for p in patches])[:-1])
        got = list(emb._layer_per_clip(iter(patches)))
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)

    def test_clips_together_equal_clips_alone(self, fitted, clips):
        import torch

        threads = torch.get_num_threads()
        together = fitted.transform(clips)
        assert torch.get_num_threads() == threads
        alone = np.vstack([fitted.transform([y]) for y in clips])
        np.testing.assert_allclose(together, alone, rtol=0, atol=1e-5)

    def test_cache_hits_start_no_workers(self, clips, tmp_path, monkeypatch):
        import joblib

        emb = MusicnnEmbedding(memory=tmp_path, n_jobs=2, precision="float32").fit()
        first = emb.set_params(n_jobs=1).transform(clips[:2])

        def no_workers(*args, **kwargs):
            raise AssertionError("a cached clip was sent to joblib.Parallel")

        monkeypatch.setattr(joblib, "Parallel", no_workers)
        np.testing.assert_array_equal(
            emb.set_params(n_jobs=2).transform(clips[:2]), first
        )

    def test_batch_size_and_2d_array_input(self, fitted):
        X = np.stack([_noise(3), _noise(4), _noise(5)])
        small = clone(fitted).set_params(batch_size=1).fit()
        np.testing.assert_allclose(
            small.transform(X), fitted.transform(list(X)), atol=1e-5
        )

    def test_sr_parameter(self):
        y = _noise(6)
        y16 = musicnn_melspectrogram(y, sr=SR)
        emb = MusicnnEmbedding(sr=SR).fit()
        assert musicnn_patches(y16).shape == (1, 187, 96)
        assert emb.transform([y]).shape == (1, 200)

    def test_pipeline(self, clips):
        X = [_tone(f, seconds=0.5) for f in (200, 300, 400)] + [
            _noise(s, 0.5) for s in range(3)
        ]
        y = ["tone"] * 3 + ["noise"] * 3
        pipe = make_pipeline(MusicnnEmbedding(), LogisticRegression()).fit(X, y)
        assert list(pipe.predict(X)) == y
        assert pipe.predict_proba(X).shape == (6, 2)

    def test_clone_and_params(self, fitted):
        emb = MusicnnEmbedding(layer="taggram", pooling="max", batch_size=4)
        copy = clone(emb)
        assert copy.get_params() == emb.get_params()
        assert not hasattr(clone(fitted), "net_")

    def test_pickle(self, fitted, clips):
        again = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(
            again.transform(clips[:1]), fitted.transform(clips[:1])
        )

    def test_memory_cache(self, tmp_path, clips):
        emb = MusicnnEmbedding(memory=tmp_path / "cache").fit()
        first = emb.transform(clips[:2])
        assert any((tmp_path / "cache").rglob("*.pkl"))
        np.testing.assert_array_equal(emb.transform(clips[:2]), first)

    def test_n_jobs(self, fitted, clips):
        parallel = clone(fitted).set_params(n_jobs=2).fit()
        np.testing.assert_allclose(
            parallel.transform(clips[:2]), fitted.transform(clips[:2]), atol=1e-6
        )

    @pytest.mark.data
    def test_from_audio_file_matches_tensorflow(self, shared_data, reference):
        """End to end: file -> front end -> port equals TF on trumpet's single patch."""
        emb = MusicnnEmbedding(layer="taggram", precision="float32").fit()
        out = emb.transform([shared_data / "librosa-clips" / "trumpet.ogg"])
        row = list(reference["clips"]).index("trumpet")
        expected = reference["MSD_musicnn__taggram"][reference["patch_clip"] == row]
        np.testing.assert_allclose(out, expected, atol=1e-4)


class TestErrors:
    def test_not_fitted(self, clips):
        with pytest.raises(NotFittedError):
            MusicnnEmbedding().transform(clips)

    @pytest.mark.parametrize(
        "params, match",
        [
            ({"model": "MSD_vgg"}, "model"),
            ({"layer": "cnn9"}, "layer"),
            ({"pooling": "median"}, "pooling"),
            ({"batch_size": 0}, "batch_size"),
        ],
    )
    def test_bad_params(self, params, match):
        with pytest.raises(ValueError, match=match):
            MusicnnEmbedding(**params).fit()

    def test_single_path(self, fitted):
        with pytest.raises(ValueError, match=r"single path .*\[path\]"):
            fitted.transform("song.ogg")

    def test_single_waveform(self, fitted):
        with pytest.raises(ValueError, match=r"\[y\]"):
            fitted.transform(_noise(0))

    def test_missing_file(self, fitted, tmp_path):
        missing = tmp_path / "nope.ogg"
        with pytest.raises(FileNotFoundError, match="nope.ogg"):
            fitted.transform([missing])

    def test_unreadable_file_is_named(self, fitted, tmp_path):
        bad = tmp_path / "broken.ogg"
        bad.write_bytes(b"this is not audio")
        with pytest.raises(ValueError, match="broken.ogg"):
            fitted.transform([bad])

    @pytest.mark.parametrize(
        "clip, error, match",
        [
            (
                np.zeros((2, 100), dtype=np.float32),
                ValueError,
                "clip 1 .*shape \\(2, 100\\)",
            ),
            (np.array([0.0, np.nan]), ValueError, "clip 1: .*NaN"),
            (np.array([], dtype=np.float32), ValueError, "clip 1 .*non-empty"),
            ({"a": 1}, TypeError, "clip 1"),
        ],
    )
    def test_bad_waveform(self, fitted, clip, error, match):
        with pytest.raises(error, match=match):
            fitted.transform([_noise(0), clip])

    def test_empty(self, fitted):
        with pytest.raises(ValueError, match="empty"):
            fitted.transform([])


class TestPredictTags:
    def test_format(self, clips):
        out = predict_tags(clips[:2], top_n=4)
        assert len(out) == 2
        for tags in out:
            assert len(tags) == 4
            assert all(isinstance(t, str) and isinstance(p, float) for t, p in tags)
            probs = [p for _, p in tags]
            assert (
                probs == sorted(probs, reverse=True)
                and 0 <= min(probs) <= max(probs) <= 1
            )

    def test_all_tags_and_model(self, clips):
        (tags,) = predict_tags(clips[:1], model="MTT_musicnn", top_n=None)
        assert len(tags) == 50 and {t for t, _ in tags} >= {"guitar", "piano"}

    @pytest.mark.parametrize("top_n", [0, -1, 2.5, True])
    def test_bad_top_n(self, clips, top_n):
        with pytest.raises(ValueError, match="top_n"):
            predict_tags(clips[:1], top_n=top_n)

    @pytest.mark.data
    def test_real_music(self, shared_data):
        (tags,) = predict_tags(
            [shared_data / "librosa-clips" / "brahms.ogg"], model="MTT_musicnn", top_n=3
        )
        assert tags[0][0] == "classical"


class TestPrecision:
    @pytest.mark.parametrize("native, expected", [(True, "bfloat16"), (False, "float32")])
    def test_auto_follows_the_cpu(self, monkeypatch, native, expected):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: native)
        assert MusicnnEmbedding().precision == "auto"
        assert MusicnnEmbedding().fit().precision_ == expected
        assert MusicnnEmbedding(precision="float32").fit().precision_ == "float32"

    def test_bfloat16_refused_without_native_support(self, monkeypatch):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: False)
        with pytest.raises(ValueError, match="neither of the CPU flags avx512_bf16"):
            MusicnnEmbedding(precision="bfloat16").fit()

    def test_unknown_precision(self):
        with pytest.raises(ValueError, match="'precision' parameter"):
            MusicnnEmbedding(precision="float16").fit()

    @pytest.mark.data
    def test_float32_matches_tensorflow_whatever_the_cpu(self, monkeypatch, shared_data,
                                                        reference):
        """precision='float32' is the exact port on CPUs with and without bfloat16."""
        path = shared_data / "librosa-clips" / "trumpet.ogg"
        row = list(reference["clips"]).index("trumpet")
        expected = reference["MSD_musicnn__taggram"][reference["patch_clip"] == row]
        for native in (True, False):
            monkeypatch.setattr(_cpu, "native_bfloat16", lambda native=native: native)
            emb = MusicnnEmbedding(layer="taggram", precision="float32").fit()
            np.testing.assert_allclose(emb.transform([path]), expected, atol=1e-4)

    @pytest.mark.skipif(
        not native_bfloat16(),
        reason="this CPU has no native bfloat16 (neither avx512_bf16 nor amx_bf16)",
    )
    @pytest.mark.data
    @pytest.mark.parametrize("layer", ["penultimate", "taggram"])
    def test_bfloat16_agrees_with_float32_per_clip(self, shared_data, layer):
        paths = sorted((shared_data / "librosa-clips").glob("*.ogg"))[:2]
        paths += sorted((shared_data / "emotify" / "audio").glob("*.ogg"))[:1]
        exact = MusicnnEmbedding(layer=layer, precision="float32").fit().transform(paths)
        fast = MusicnnEmbedding(layer=layer, precision="bfloat16").fit().transform(paths)
        cosine = (exact * fast).sum(1) / np.linalg.norm(exact, axis=1) / np.linalg.norm(
            fast, axis=1)
        assert cosine.min() >= 0.999, cosine


class TestPrefetched:
    def test_order_and_end(self):
        assert list(_prefetched(iter(range(7)), depth=2)) == list(range(7))

    def test_error_in_the_thread_is_raised_here(self):
        def items():
            yield 1
            raise FileNotFoundError("clip 1: audio file 'x.ogg' does not exist")

        with pytest.raises(FileNotFoundError, match="x.ogg"):
            list(_prefetched(items(), depth=1))

    def test_stopping_early_stops_the_thread(self):
        produced = []

        def items():
            for i in range(1000):
                produced.append(i)
                yield i

        gen = _prefetched(items(), depth=2)
        assert next(gen) == 0
        gen.close()  # joins the thread
        assert len(produced) <= 4
