"""Tests of spectroclf.musicnn._frontend: musicnn's log-mel and patches, MusicnnMelExtractor."""

import numpy as np
import pytest

from spectroclf.musicnn import (
    MusicnnMelExtractor,
    musicnn_melspectrogram,
    musicnn_patches,
)

SR = 22050


def _tone(freq, seconds=1.0, amplitude=0.3):
    t = np.arange(int(seconds * SR)) / SR
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _noise(seed, seconds=1.0):
    return (
        0.1 * np.random.default_rng(seed).standard_normal(int(seconds * SR))
    ).astype(np.float32)



class TestFrontEnd:
    def test_shape_and_dtype(self):
        S = musicnn_melspectrogram(_tone(440), sr=SR)
        assert S.shape == (1 + 16000 // 256, 96) and S.dtype == np.float32
        assert np.isfinite(S).all() and S.min() >= 0

    def test_16k_input_is_not_resampled(self):
        y = _noise(0)[:16000]
        assert musicnn_melspectrogram(y, sr=16000).shape == (63, 96)

    def test_exact_mode_reproduces_musicnn_float16_overflow(self):
        loud = _tone(440, amplitude=1.0)
        exact = musicnn_melspectrogram(loud, sr=SR, exact=True)
        assert np.isinf(exact).any()  # musicnn 0.1.0's float16 log overflows here
        default = musicnn_melspectrogram(loud, sr=SR)
        assert np.isfinite(default).all()
        finite = np.isfinite(exact)
        np.testing.assert_allclose(exact[finite], default[finite], atol=4e-3)

    def test_bad_waveform(self):
        with pytest.raises(ValueError, match="1-D mono waveform"):
            musicnn_melspectrogram(np.zeros((2, 100)), sr=SR)

    def test_patches(self):
        assert musicnn_patches(np.ones((187 * 3 + 10, 96))).shape == (3, 187, 96)
        assert musicnn_patches(np.ones((400, 96)), patch_hop=100).shape == (3, 187, 96)
        short = musicnn_patches(np.ones((50, 96)))
        assert short.shape == (1, 187, 96)
        assert (short[0, :50] == 1).all() and (short[0, 50:] == 0).all()

    @pytest.mark.data
    def test_matches_musicnn_on_real_audio(self, shared_data, reference):
        """musicnn's own batch_data patches, bit for bit (exact=True), from the audio files."""
        from spectroclf.features import load_audio

        for i, name in enumerate(reference["clips"]):
            y = load_audio(shared_data / "librosa-clips" / f"{name}.ogg", sr=SR)
            rows = reference["patch_clip"] == i
            index = reference["patch_index"][rows]
            exact = musicnn_patches(musicnn_melspectrogram(y, sr=SR, exact=True))
            assert len(exact) == reference["n_patches"][i]
            np.testing.assert_array_equal(
                exact[index], reference["musicnn_patches"][rows].astype(np.float32)
            )
            default = musicnn_patches(musicnn_melspectrogram(y, sr=SR))
            np.testing.assert_allclose(
                default[index], reference["inputs"][rows], atol=1e-5
            )


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


class TestFrontEndEdges:
    """Input dtypes, sizes and boundaries of the front end's functions."""

    def test_float64_waveform_is_computed_in_float32(self):
        y = _noise(1)
        np.testing.assert_array_equal(
            musicnn_melspectrogram(y.astype(np.float64), sr=SR),
            musicnn_melspectrogram(y, sr=SR),
        )

    @pytest.mark.filterwarnings("ignore:n_fft=512 is too large:UserWarning")
    def test_empty_and_one_sample_waveforms(self):
        with pytest.raises(ValueError, match=r"non-empty 1-D mono waveform; got shape \(0,\)"):
            musicnn_melspectrogram(np.zeros(0, dtype=np.float32), sr=16000)
        assert musicnn_melspectrogram(np.zeros(1, dtype=np.float32), sr=16000).shape == (1, 96)

    def test_exact_mode_is_float32_and_silent_about_its_overflow(self):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the float16 overflow is expected, not warned
            exact = musicnn_melspectrogram(_tone(440, amplitude=1.0), sr=SR, exact=True)
        assert exact.dtype == np.float32

    def test_patches_dtype_and_bad_shapes(self):
        assert musicnn_patches(np.ones((400, 96))).dtype == np.float32  # float64 in
        for bad in (np.ones(96), np.ones((0, 96))):
            with pytest.raises(ValueError, match=r"\(n_frames, n_mels\) spectrogram; got shape"):
                musicnn_patches(bad)
        assert musicnn_patches(np.ones((1, 96))).shape == (1, 187, 96)

    def test_patch_boundaries(self):
        # one frame short of a second patch: one patch, the tail dropped
        assert musicnn_patches(np.ones((373, 96))).shape == (1, 187, 96)
        assert musicnn_patches(np.ones((374, 96))).shape == (2, 187, 96)
        # a short clip is padded to exactly one patch, whatever the hop
        short = musicnn_patches(np.ones((50, 96)), patch_hop=50)
        assert short.shape == (1, 187, 96) and short[0, 50:].sum() == 0


class TestMusicnnMelExtractorOptions:
    def test_waveforms_at_their_sample_rate(self):
        y16 = _noise(2)[:16000]  # 1 s at 16 kHz: not resampled
        (S,) = MusicnnMelExtractor(sr=16000).fit_transform([y16])
        np.testing.assert_array_equal(S, musicnn_melspectrogram(y16, sr=16000))
        assert S.shape == (63, 96)

    def test_errors_name_the_sample_rate(self):
        stereo = [np.zeros((2, 100))]
        with pytest.raises(ValueError, match=r"clip 0.*sr=16000"):
            MusicnnMelExtractor(sr=16000).fit(stereo)
        with pytest.raises(ValueError, match=r"clip 0.*sr=16000"):
            MusicnnMelExtractor(sr=16000).fit().transform(stereo)

    def test_cache_is_used_and_follows_file_changes(self, tmp_path, monkeypatch):
        import os

        import soundfile as sf

        from spectroclf.musicnn import _frontend

        path = tmp_path / "clip.wav"
        sf.write(path, _tone(440), SR)
        ext = MusicnnMelExtractor(memory=tmp_path / "cache")
        (first,) = ext.fit_transform([str(path)])
        calls = []
        load = _frontend.load_audio
        monkeypatch.setattr(_frontend, "load_audio",
                            lambda *a, **k: calls.append(a) or load(*a, **k))
        (again,) = ext.transform([str(path)])
        assert calls == [] and np.array_equal(again, first)  # from the cache
        sf.write(path, _tone(880), SR)  # the file changes: recomputed, not stale
        stat = os.stat(path)
        os.utime(path, (stat.st_atime, stat.st_mtime + 10))
        (changed,) = ext.transform([str(path)])
        assert len(calls) == 1 and not np.allclose(changed, first)

    def test_n_jobs_spreads_the_clips(self, monkeypatch):
        import threading
        import time as _time

        from joblib import parallel_config

        from spectroclf.musicnn import _frontend

        threads = set()
        mel = _frontend.musicnn_melspectrogram

        def spy(*args, **kwargs):
            threads.add(threading.get_ident())
            _time.sleep(0.05)
            return mel(*args, **kwargs)

        monkeypatch.setattr(_frontend, "musicnn_melspectrogram", spy)
        clips = [_noise(i, seconds=0.2) for i in range(6)]
        with parallel_config(backend="threading"):
            serial = MusicnnMelExtractor().fit_transform(clips)
            assert len(threads) == 1
            threads.clear()
            parallel = MusicnnMelExtractor(n_jobs=2).fit_transform(clips)
        assert len(threads) == 2
        for a, b in zip(serial, parallel, strict=True):
            np.testing.assert_array_equal(a, b)

    def test_log_mels_use_the_process_blas_threads(self, monkeypatch):
        """As 0.1: no thread limit around the extraction, so its bits are those of
        musicnn_melspectrogram called directly."""
        from threadpoolctl import threadpool_info, threadpool_limits

        from spectroclf.musicnn import _frontend

        seen = []
        mel = _frontend.musicnn_melspectrogram

        def spy(*args, **kwargs):
            seen.append(max(p["num_threads"] for p in threadpool_info()))
            return mel(*args, **kwargs)

        monkeypatch.setattr(_frontend, "musicnn_melspectrogram", spy)
        with threadpool_limits(limits=2):  # two threads, whatever OMP_NUM_THREADS says
            MusicnnMelExtractor().fit_transform([_noise(3)])
        assert seen == [2]

    def test_verbose(self, capsys):
        clips = [_noise(4, seconds=0.2), _noise(5, seconds=0.2)]
        MusicnnMelExtractor().fit_transform(clips)
        assert capsys.readouterr() == ("", "")  # quiet by default
        MusicnnMelExtractor(verbose=1).fit_transform(clips)
        out, err = capsys.readouterr()
        assert out == ""
        import re

        match = re.fullmatch(r"\[MusicnnMelExtractor\] 2 clips in (\d+\.\d) s\n", err)
        assert match and 0 <= float(match.group(1)) < 60

    def test_tags(self):
        from sklearn.utils import get_tags

        tags = get_tags(MusicnnMelExtractor())
        assert tags.input_tags.string is True and tags.requires_fit is False
