"""Tests of spectroclf.features: the lab recipe on real clips and on synthetic signals."""

import gzip

import numpy as np
import pytest
import soundfile as sf

from spectroclf import features as F

SR = F.SR


def tone(freq, seconds=1.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def click_track(bpm=120.0, seconds=6.0, sr=SR):
    """Short noise bursts every beat."""
    y = np.zeros(int(seconds * sr), dtype=np.float32)
    burst = np.random.default_rng(0).standard_normal(400) * np.exp(-np.arange(400) / 60)
    for start in np.arange(0.25, seconds - 0.1, 60.0 / bpm):
        i = int(start * sr)
        y[i : i + 400] += burst
    return y


# ---------------------------------------------------------------------------
# the lab recipe on real clips (against ../shared/data/emotify-lab)

# (id, split): a 30 s track and track 66, the only shorter one (25.84 s)
CLIPS = [("1", "train"), ("66", "train")]


def _read_lab(path):
    with gzip.open(path, "rb") as f:
        return np.load(f)


@pytest.fixture(scope="module")
def extracted(shared_data):
    """The recipe run once per clip (1.5-3 s each), with the lab's arrays."""
    out = {}
    for sid, split in CLIPS:
        y = F.load_audio(shared_data / "emotify" / "audio" / f"{sid}.ogg")
        fused = F.fused_spectrogram(y=y)
        beats = F.beat_frames(y=y)
        name = f"{sid}.fused.full.npy.gz"
        lab = shared_data / "emotify-lab"
        out[sid] = dict(
            y=y,
            fused=fused,
            beats=beats,
            synced=F.beat_sync(fused, beats),
            ref=_read_lab(lab / "genre" / split / name),
            ref_beat=_read_lab(lab / "genre_beat" / split / name),
        )
    return out


@pytest.mark.data
@pytest.mark.parametrize("sid", [c[0] for c in CLIPS])
class TestLabRecipe:
    def test_audio(self, extracted, sid):
        y = extracted[sid]["y"]
        assert y.dtype == np.float32 and y.ndim == 1
        if sid == "66":
            assert len(y) / SR == pytest.approx(25.84, abs=0.01)
        else:
            assert len(y) == 661_500

    def test_fused_matches_lab_up_to_float16(self, extracted, sid):
        fused, ref = extracted[sid]["fused"], extracted[sid]["ref"]
        assert ref.dtype == np.float16
        assert fused.dtype == np.float32 and fused.flags.c_contiguous
        assert fused.shape == ref.T.shape == ((1113 if sid == "66" else 1292), 140)
        # float16 rounding: at most one float16 step of the stored value
        err = np.abs(fused - ref.T.astype(np.float32))
        assert np.all(err <= np.spacing(np.abs(ref.T)).astype(np.float32))
        assert err[:, :128].max() <= 0.04  # README: <= 0.04 dB on the mel rows

    def test_beat_synced_matches_lab(self, extracted, sid):
        synced, ref = extracted[sid]["synced"], extracted[sid]["ref_beat"]
        assert synced.shape == ref.T.shape
        np.testing.assert_allclose(synced, ref.T, atol=1e-4)
        assert len(synced) == len(extracted[sid]["beats"]) + 1

    def test_value_ranges(self, extracted, sid):
        fused = extracted[sid]["fused"]
        mel, chroma = F.select_feature(fused, "mel"), F.select_feature(fused, "chroma")
        assert mel.max() == 0.0 and mel.min() >= -80.0 - 1e-4
        assert chroma.min() >= 0.0 and chroma.max() <= 1.0 + 1e-6

    def test_beat_frames_from_mel(self, extracted, sid):
        fused = extracted[sid]["fused"]
        beats = F.beat_frames(S=F.select_feature(fused, "mel"))
        assert beats.ndim == 1 and np.issubdtype(beats.dtype, np.integer)
        assert len(beats) > 10  # 25-30 s of music
        assert beats.min() >= 0 and beats.max() < len(fused)
        assert np.all(np.diff(beats) > 0)


# ---------------------------------------------------------------------------
# synthetic signals


# chroma_cqt downsamples short test signals below its own n_fft and warns
@pytest.mark.filterwarnings("ignore:n_fft=.*is too large:UserWarning")
class TestSpectrograms:
    def test_tone_puts_chroma_on_a(self):
        C = F.chromagram(y=tone(440.0))
        assert C.shape[1] == 12 and C.dtype == np.float32
        assert C.mean(axis=0).argmax() == 9  # C, C#, D, ..., A=9

    def test_tone_puts_mel_energy_near_440_hz(self):
        import librosa

        S = F.melspectrogram(y=tone(440.0))
        band = S.mean(axis=0).argmax()
        freqs = librosa.mel_frequencies(n_mels=128, fmax=SR / 2)
        assert abs(freqs[band] - 440.0) < 40.0

    def test_shapes_and_dtypes(self):
        y = tone(440.0, seconds=1.0)
        mel = F.melspectrogram(y=y)
        chroma = F.chromagram(y=y)
        fused = F.fused_spectrogram(y=y)
        n_frames = 1 + len(y) // F.HOP_LENGTH
        assert mel.shape == (n_frames, 128)
        assert chroma.shape == (n_frames, 12)
        assert fused.shape == (n_frames, F.N_FUSED)
        for S in (mel, chroma, fused):
            assert S.dtype == np.float32 and S.flags.c_contiguous
        np.testing.assert_array_equal(fused[:, :128], mel)
        np.testing.assert_array_equal(fused[:, 128:], chroma)
        assert mel.max() == 0.0 and mel.min() >= -80.0

    def test_parameters_pass_through(self):
        y = tone(220.0, seconds=0.5)
        assert F.melspectrogram(y=y, n_mels=64, hop_length=256).shape[1] == 64
        assert F.fused_spectrogram(y=y, n_mels=64).shape[1] == 64 + 12
        n256 = len(F.chromagram(y=y, hop_length=256))
        assert n256 == 1 + len(y) // 256

    def test_bad_waveform(self):
        with pytest.raises(ValueError, match="1-D mono"):
            F.melspectrogram(y=np.zeros((2, 100)))
        with pytest.raises(ValueError, match="empty"):
            F.fused_spectrogram(y=np.zeros(0))

    @pytest.mark.parametrize("n, sr, n_fft, hop_length, n_mels", [
        (44100, 22050, 2048, 512, 128),  # the lab's settings
        (1000, 22050, 2048, 512, 128),  # shorter than one window
        (16000, 16000, 512, 256, 96),
        (30001, 8000, 1024, 300, 40),
    ])
    def test_mel_is_librosas_bit_for_bit(self, n, sr, n_fft, hop_length, n_mels):
        """The numpy log-mel is librosa's, without importing librosa's numba core."""
        import librosa

        y = (0.1 * np.random.default_rng(n).standard_normal(n)).astype(np.float32)
        y[: n // 3] *= 0.01  # a quiet part, a wide dB range
        expected = librosa.power_to_db(
            librosa.feature.melspectrogram(
                y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, power=2.0
            ),
            ref=np.max,
        ).T
        got = F.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length,
                               n_mels=n_mels)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(
            F._mel_filters(sr, n_fft, n_mels), librosa.filters.mel(
                sr=sr, n_fft=n_fft, n_mels=n_mels))

    def test_mel_float64_waveform_matches_librosa(self):
        import librosa

        y = tone(330.0, seconds=0.7).astype(np.float64)
        expected = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR),
                                       ref=np.max).T.astype(np.float32)
        np.testing.assert_allclose(F.melspectrogram(y=y), expected, atol=1e-4)

    def test_non_finite_waveform(self):
        y = tone(440.0, 0.5)
        y[10] = np.nan
        with pytest.raises(ValueError, match="NaN or inf"):
            F.melspectrogram(y=y)

    def test_integer_waveform_accepted(self):
        y = (tone(440.0, 0.5) * 1000).astype(np.int16)
        assert F.melspectrogram(y=y).shape[1] == 128


class TestBeats:
    def test_beat_sync_lengths(self):
        S = np.random.rand(100, 140).astype(np.float32)
        beats = np.array([10, 30, 55, 80])
        synced = F.beat_sync(S, beats)
        assert synced.shape == (len(beats) + 1, 140)
        assert synced.dtype == np.float32
        np.testing.assert_allclose(synced[0], np.median(S[:10], axis=0), rtol=1e-6)
        np.testing.assert_allclose(synced[2], np.median(S[30:55], axis=0), rtol=1e-6)
        np.testing.assert_allclose(synced[-1], np.median(S[80:], axis=0), rtol=1e-6)

    def test_beat_sync_aggregate(self):
        S = np.arange(20, dtype=np.float32).reshape(10, 2)
        out = F.beat_sync(S, [5], aggregate=np.max)
        np.testing.assert_array_equal(out, [[8, 9], [18, 19]])

    def test_beat_sync_no_beats(self):
        S = np.random.rand(7, 12)
        out = F.beat_sync(S, [])
        assert out.shape == (1, 12)

    def test_beat_sync_errors(self):
        S = np.zeros((10, 140))
        with pytest.raises(ValueError, match=r"\[0, 10\]"):
            F.beat_sync(S, [3, 12])
        with pytest.raises(ValueError, match="1-D"):
            F.beat_sync(S, [[1, 2]])
        with pytest.raises(ValueError, match="2-D"):
            F.beat_sync(np.zeros(10), [3])

    def test_beat_frames_on_click_track(self):
        y = click_track(bpm=120.0)
        for beats in (F.beat_frames(y=y), F.beat_frames(S=F.melspectrogram(y=y))):
            assert np.issubdtype(beats.dtype, np.integer) and len(beats) >= 6
            period = np.median(np.diff(beats)) * F.HOP_LENGTH / SR
            assert period == pytest.approx(0.5, abs=0.05)

    def test_beat_frames_needs_one_input(self):
        with pytest.raises(ValueError, match="neither"):
            F.beat_frames()
        with pytest.raises(ValueError, match="both"):
            F.beat_frames(y=tone(440.0), S=np.zeros((10, 128)))


class TestSelectFeature:
    def test_slices(self):
        S = np.arange(5 * 140, dtype=np.float32).reshape(5, 140)
        np.testing.assert_array_equal(F.select_feature(S, "mel"), S[:, :128])
        np.testing.assert_array_equal(F.select_feature(S, "chroma"), S[:, 128:])
        assert F.select_feature(S, "fused") is not None
        assert F.select_feature(S, "fused").shape == (5, 140)

    def test_feature_only_input_passes_through(self):
        assert F.select_feature(np.zeros((4, 128)), "mel").shape == (4, 128)
        assert F.select_feature(np.zeros((4, 12)), "chroma").shape == (4, 12)

    @pytest.mark.parametrize(
        "shape, feature, match",
        [
            ((4, 12), "fused", "12 bins.*140"),
            ((4, 128), "chroma", "128 bins.*12 \\(chroma only\\)"),
            ((4, 100), "mel", "100 bins"),
            ((4,), "mel", "2-D"),
        ],
    )
    def test_errors(self, shape, feature, match):
        with pytest.raises(ValueError, match=match):
            F.select_feature(np.zeros(shape), feature)

    def test_unknown_feature(self):
        with pytest.raises(ValueError, match="valid features are.*chroma.*fused.*mel"):
            F.select_feature(np.zeros((4, 140)), "mfcc")

    def test_constants(self):
        assert (F.SR, F.N_FFT, F.HOP_LENGTH, F.N_MELS, F.N_CHROMA, F.N_FUSED) == (
            22050,
            2048,
            512,
            128,
            12,
            140,
        )
        widths = {k: len(range(140)[v]) for k, v in F.FEATURE_BINS.items()}
        assert widths == {"mel": 128, "chroma": 12, "fused": 140}


class TestLoadAudio:
    def test_roundtrip_and_resampling(self, tmp_path):
        path = tmp_path / "tone.wav"
        sf.write(path, tone(440.0, seconds=1.0, sr=16000), 16000)
        y = F.load_audio(path)
        assert y.dtype == np.float32 and y.ndim == 1
        assert len(y) == SR
        assert len(F.load_audio(path, sr=16000)) == 16000

    def test_stereo_is_mixed_to_mono(self, tmp_path):
        path = tmp_path / "stereo.wav"
        sf.write(path, np.stack([tone(440.0), tone(220.0)], axis=1), SR)
        assert F.load_audio(path).shape == (SR,)

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="nope.ogg"):
            F.load_audio(tmp_path / "nope.ogg")

    def test_garbage_file(self, tmp_path):
        path = tmp_path / "garbage.ogg"
        path.write_bytes(b"this is not audio at all" * 10)
        with pytest.raises(ValueError, match="could not decode.*garbage.ogg"):
            F.load_audio(path)

    def test_text_renamed_as_audio(self, tmp_path):
        """#14: not soundfile's empty 'NoBackendError: ', but what the file is."""
        for name in ("x.wav", "x.ogg", "x.flac", "x.mp3"):
            path = tmp_path / name
            path.write_text("hello, not audio\n")
            with pytest.raises(ValueError) as info:
                F.load_audio(path)
            assert str(info.value) == (
                f"could not decode audio file '{path}': it is a text file, not "
                "audio (it starts with 'hello, not audio')"
            )

    def test_unknown_binary(self, tmp_path):
        path = tmp_path / "x.wav"
        path.write_bytes(bytes(range(200, 256)))
        with pytest.raises(ValueError) as info:
            F.load_audio(path)
        assert str(info.value).startswith(
            f"could not decode audio file '{path}': not an audio file, or in a "
            "format no installed decoder reads (it starts with b'\\xc8\\xc9"
        )

    def test_truncated_file_with_a_known_header(self, tmp_path):
        full = tmp_path / "full.ogg"
        sf.write(full, tone(440.0), SR, format="OGG")
        path = tmp_path / "cut.ogg"
        path.write_bytes(full.read_bytes()[:200])
        with pytest.raises(ValueError) as info:
            F.load_audio(path)
        message = str(info.value)
        assert message.startswith(
            f"could not decode audio file '{path}': its header says OGG, but it "
            "does not decode (soundfile: "
        )
        assert message.endswith(
            "it may be truncated or corrupt, or in an encoding no installed decoder reads"
        )
        assert "NoBackendError" not in message

    def test_empty_file(self, tmp_path):
        path = tmp_path / "empty.wav"
        path.write_bytes(b"")
        with pytest.raises(ValueError, match="empty.wav.*empty \\(0 bytes\\)"):
            F.load_audio(path)

    def test_no_samples(self, tmp_path):
        path = tmp_path / "zero.wav"
        sf.write(path, np.zeros(0), SR)
        with pytest.raises(ValueError, match="zero.wav.*no samples"):
            F.load_audio(path)

    def test_silence(self, tmp_path):
        path = tmp_path / "silent.wav"
        sf.write(path, np.zeros(SR), SR)
        with pytest.raises(ValueError, match="silent.wav.*silent"):
            F.load_audio(path)

    def test_directory(self, tmp_path):
        with pytest.raises(ValueError, match="directory"):
            F.load_audio(tmp_path)


def test_layout_helpers():
    S_librosa = np.arange(6, dtype=np.float64).reshape(2, 3)  # (n_bins, n_frames)
    S = F._time_first(S_librosa)
    assert S.shape == (3, 2) and S.dtype == np.float32 and S.flags.c_contiguous
    np.testing.assert_array_equal(F._bins_first(S), S_librosa)
