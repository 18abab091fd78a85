"""Tests of spectroclf.features: the lab recipe on real clips and on synthetic signals."""

import gzip
import warnings

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

    def test_chroma_at_another_sample_rate(self):
        C = F.chromagram(y=tone(440.0, sr=16000), sr=16000)
        assert C.mean(axis=0).argmax() == 9  # still A

    def test_fused_is_trimmed_to_the_shorter(self):
        # an odd n_fft gives the mel one frame less than the chroma here
        y = tone(440.0, seconds=0.5)[: 20 * 512]
        mel = F.melspectrogram(y=y, n_fft=1023)
        chroma = F.chromagram(y=y)
        assert (len(mel), len(chroma)) == (20, 21)
        fused = F.fused_spectrogram(y=y, n_fft=1023)
        np.testing.assert_array_equal(fused, np.hstack([mel, chroma[:20]]))

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
        fused = F.fused_spectrogram(y=y, sr=16000, n_fft=1024, hop_length=256, n_mels=40)
        np.testing.assert_array_equal(
            fused[:, :40], F.melspectrogram(y=y, sr=16000, n_fft=1024, hop_length=256,
                                            n_mels=40))
        np.testing.assert_array_equal(
            fused[:, 40:], F.chromagram(y=y, sr=16000, hop_length=256))

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
        (4000, 1600, 256, 64, 8),  # sr / 2 below 1 kHz: only the linear mel scale
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

    def test_mel_float64_waveform_is_librosas_bit_for_bit(self):
        """A float64 waveform's magnitudes are taken in complex128, as librosa does."""
        import librosa

        y = 0.1 * np.random.default_rng(1).standard_normal(6000)
        expected = librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=SR, power=2.0), ref=np.max).T
        np.testing.assert_array_equal(F.melspectrogram(y=y),
                                      expected.astype(np.float32))

    def test_float16_waveform_as_float32(self):
        y = tone(440.0, 0.5).astype(np.float16)
        np.testing.assert_array_equal(F.fused_spectrogram(y=y),
                                      F.fused_spectrogram(y=y.astype(np.float32)))

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
        # as float32 samples (librosa's chroma refuses integer audio)
        np.testing.assert_array_equal(F.fused_spectrogram(y=y),
                                      F.fused_spectrogram(y=y.astype(np.float32)))


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

    @pytest.mark.parametrize("sr, hop_length", [(11025, 512), (22050, 256), (22050, 1024)])
    def test_beat_frames_at_other_rates(self, sr, hop_length):
        """sr and hop_length reach the beat tracker: beats every 0.5 s, at frames of
        hop_length samples, from the waveform and from its mel spectrogram alike."""
        y = click_track(bpm=120.0, sr=sr)
        from_y = F.beat_frames(y=y, sr=sr, hop_length=hop_length)
        period = np.median(np.diff(from_y)) * hop_length / sr
        assert period == pytest.approx(0.5, abs=0.05)
        from_S = F.beat_frames(S=F.melspectrogram(y=y, sr=sr, hop_length=hop_length),
                               sr=sr, hop_length=hop_length)
        assert len(from_S) == len(from_y)
        assert np.abs(from_S - from_y).max() <= 1

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


class TestMessages:
    """Each refusal names the file or the argument, in full."""

    def test_load_audio(self, tmp_path):
        with pytest.raises(FileNotFoundError) as exc:
            F.load_audio(tmp_path / "nope.ogg")
        assert str(exc.value) == f"audio file '{tmp_path / 'nope.ogg'}' does not exist"
        with pytest.raises(ValueError) as exc:
            F.load_audio(tmp_path)
        assert str(exc.value) == f"'{tmp_path}' is a directory, not an audio file"
        sf.write(tmp_path / "zero.wav", np.zeros(0), SR)
        with pytest.raises(ValueError) as exc:
            F.load_audio(tmp_path / "zero.wav")
        assert str(exc.value) == f"audio file '{tmp_path / 'zero.wav'}' holds no samples"
        sf.write(tmp_path / "silent.wav", np.zeros(100), SR)
        with pytest.raises(ValueError) as exc:
            F.load_audio(tmp_path / "silent.wav", sr=SR)
        assert str(exc.value) == (
            f"audio file '{tmp_path / 'silent.wav'}' is silent (all 100 samples are "
            "zero); its spectrogram would carry no information"
        )

    def test_a_failed_decode_warns_nothing(self, tmp_path):
        """librosa's fallback warnings are not passed on: the error says it all."""
        full = tmp_path / "full.ogg"
        sf.write(full, tone(440.0, 0.2), SR, format="OGG")
        (tmp_path / "cut.ogg").write_bytes(full.read_bytes()[:200])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError, match="its header says OGG"):
                F.load_audio(tmp_path / "cut.ogg")
        assert [str(w.message) for w in caught] == []

    def test_waveform(self):
        with pytest.raises(ValueError) as exc:
            F.melspectrogram(y=np.zeros((2, 100)))
        assert str(exc.value) == (
            "y must be a 1-D mono waveform, got an array of shape (2, 100); mix to "
            "mono first (e.g. librosa.to_mono)")
        with pytest.raises(ValueError) as exc:
            F.melspectrogram(y=np.zeros(0))
        assert str(exc.value) == "y is empty (0 samples)"
        y = tone(440.0, 0.1)
        y[3] = np.inf
        with pytest.raises(ValueError) as exc:
            F.melspectrogram(y=y)
        assert str(exc.value) == (
            "y contains NaN or inf; the waveform must be finite everywhere")

    def test_beat_frames_inputs(self):
        with pytest.raises(ValueError) as exc:
            F.beat_frames()
        assert str(exc.value) == (
            "beat_frames needs exactly one of y (waveform) or S (time-first dB mel "
            "spectrogram); got neither")
        with pytest.raises(ValueError) as exc:
            F.beat_frames(y=tone(440.0, 0.1), S=np.zeros((10, 128)))
        assert str(exc.value).endswith("; got both")
        with pytest.raises(ValueError) as exc:
            F.beat_frames(S=np.zeros(10))
        assert str(exc.value) == (
            "S must be a 2-D (n_frames, n_bins) spectrogram, got shape (10,)")

    def test_beat_sync(self):
        S = np.zeros((10, 3))
        with pytest.raises(ValueError) as exc:
            F.beat_sync(S, [[1, 2]])
        assert str(exc.value) == (
            "beats must be a 1-D array of frame indices, got shape (1, 2)")
        with pytest.raises(ValueError) as exc:
            F.beat_sync(S, [2.5])
        assert str(exc.value) == "beats must be integer frame indices"
        with pytest.raises(ValueError) as exc:
            F.beat_sync(S, [-1, 4])
        assert str(exc.value) == (
            "beat frames must lie in [0, 10] for a spectrogram of 10 frames; got "
            "range [-1, 4]")
        with pytest.raises(ValueError) as exc:
            F.beat_sync(np.zeros((0, 3)), [])
        assert str(exc.value) == "S has zero frames (shape (0, 3))"
        with pytest.raises(ValueError) as exc:
            F.beat_sync(np.zeros(10), [])
        assert str(exc.value) == (
            "S must be a 2-D (n_frames, n_bins) spectrogram, got shape (10,)")

    def test_select_feature(self):
        with pytest.raises(ValueError) as exc:
            F.select_feature(np.zeros((4, 140)), "mfcc")
        assert str(exc.value) == (
            "unknown feature 'mfcc'; valid features are ['chroma', 'fused', 'mel'] "
            "(fused = 128 mel + 12 chroma columns)")
        with pytest.raises(ValueError) as exc:
            F.select_feature(np.zeros(4), "mel")
        assert str(exc.value) == "spectrogram must be 2-D (n_frames, n_bins), got shape (4,)"
        with pytest.raises(ValueError) as exc:
            F.select_feature(np.zeros((4, 100)), "mel")
        assert str(exc.value) == (
            "spectrogram has 100 bins (shape (4, 100)); feature='mel' expects 140 "
            "(128 mel + 12 chroma) or 128 (mel only)")
        with pytest.raises(ValueError) as exc:
            F.select_feature(np.zeros((4, 12)), "fused")
        assert str(exc.value) == (
            "spectrogram has 12 bins (shape (4, 12)); feature='fused' expects 140 "
            "(128 mel + 12 chroma)")


class TestBeatSyncValues:
    def test_float_frames_that_are_whole_numbers(self):
        S = np.arange(20, dtype=np.float32).reshape(10, 2)
        np.testing.assert_array_equal(F.beat_sync(S, np.array([5.0])),
                                      F.beat_sync(S, [5]))

    def test_no_beats_is_the_whole_clip(self):
        S = np.random.default_rng(0).random((7, 3))
        out = F.beat_sync(S, [])
        np.testing.assert_allclose(out, np.median(S, axis=0, keepdims=True), rtol=1e-6)
        np.testing.assert_array_equal(F.beat_sync(S, [], aggregate=np.max),
                                      S.max(axis=0, keepdims=True).astype(np.float32))

    def test_beats_at_both_ends(self):
        S = np.arange(20, dtype=np.float32).reshape(10, 2)
        out = F.beat_sync(S, [0, 10], aggregate=np.max)
        np.testing.assert_array_equal(out, [[18, 19]])


class TestSniff:
    @pytest.mark.parametrize("head, name", [
        (b"RIFF\x00\x00\x00\x00WAVE", "WAV"),
        (b"RIFX\x00\x00\x00\x00WAVE", "WAV"),
        (b"RF64\x00\x00\x00\x00WAVE", "WAV"),
        (b"OggS\x00\x02", "OGG"),
        (b"fLaC\x00\x00", "FLAC"),
        (b"ID3\x04\x00", "MP3"),
        (b"FORM\x00\x00\x00\x00AIFF", "AIFF"),
        (b"\x00\x00\x00\x20ftypM4A ", "MP4/M4A"),
        (b"\xff\xfb\x90\x00", None),  # an MP3 frame without ID3: not told from noise
        (b"hello", None),
    ])
    def test_formats(self, head, name):
        assert F._sniff(head) == name

    def test_a_header_that_does_not_decode(self, tmp_path):
        path = tmp_path / "x.flac"
        path.write_bytes(b"fLaC" + bytes(range(60)))
        with pytest.raises(ValueError) as exc:
            F.load_audio(path)
        message = str(exc.value)
        assert message.startswith(
            f"could not decode audio file '{path}': its header says FLAC, but it does "
            "not decode (soundfile: ")
        assert message.endswith(
            "); it may be truncated or corrupt, or in an encoding no installed decoder "
            "reads")

    @pytest.mark.parametrize("data, shown", [
        (b"tab\tand\r\nlines", "tab\tand\r\nlines"),
        ("abcdefghijklmno\u00e9".encode(), "abcdefghijklmno"),  # é cut at byte 16
        ("abcdefghijklmn\u00e9".encode(), "abcdefghijklmn\u00e9"),  # é whole
    ])
    def test_text(self, tmp_path, data, shown):
        path = tmp_path / "x.wav"
        path.write_bytes(data)
        with pytest.raises(ValueError) as exc:
            F.load_audio(path)
        assert str(exc.value) == (
            f"could not decode audio file '{path}': it is a text file, not audio (it "
            f"starts with {shown!r})")

    def test_a_bad_last_byte_is_binary_not_a_cut_character(self, tmp_path):
        path = tmp_path / "x.wav"
        path.write_bytes(b"hello world 123\xff")  # an invalid byte, not a cut one
        with pytest.raises(ValueError) as exc:
            F.load_audio(path)
        assert str(exc.value) == (
            f"could not decode audio file '{path}': not an audio file, or in a format "
            "no installed decoder reads (it starts with b'hello world 123\\xff'); is it "
            "a valid audio file (OGG, WAV, FLAC, MP3)?")

    def test_the_reasons_of_both_decoders(self, tmp_path):
        full = tmp_path / "full.ogg"
        sf.write(full, tone(440.0, 0.2), SR, format="OGG")
        path = tmp_path / "cut.ogg"
        path.write_bytes(full.read_bytes()[:200])
        with pytest.raises(ValueError) as exc:
            F.load_audio(path)
        assert str(exc.value) == (
            f"could not decode audio file '{path}': its header says OGG, but it does not "
            "decode (soundfile: Supported file format but file is malformed; audioread: "
            "none of its backends reads it); it may be truncated or corrupt, or in an "
            "encoding no installed decoder reads"
        )

    def test_reasons_from_any_exception_chain(self, tmp_path):
        """The first line of each cause with a text, oldest first, each once;
        a chain that loops ends."""
        path = tmp_path / "x.ogg"
        path.write_bytes(b"OggS" + bytes(20))
        first, empty, last = ValueError("bad page\nat byte 9"), OSError(""), RuntimeError(
            "  decoder crashed\ntraceback")
        last.__cause__, empty.__context__, first.__context__ = empty, first, last
        assert F._decode_error(path, last) == (
            f"could not decode audio file '{path}': its header says OGG, but it does not "
            "decode (ValueError: bad page; RuntimeError: decoder crashed); it may be "
            "truncated or corrupt, or in an encoding no installed decoder reads"
        )
        assert "(OSError); it may be" in F._decode_error(path, OSError(""))
