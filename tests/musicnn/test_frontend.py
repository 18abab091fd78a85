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
