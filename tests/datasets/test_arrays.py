"""Tests of spectroclf.datasets._arrays: load_spectrogram on tiny files."""

import gzip

import numpy as np
import pytest

from spectroclf.datasets import load_spectrogram


class TestLoadSpectrogram:
    def test_gz_and_npy(self, tmp_path, save_gz, tiny):
        arr = tiny(7)
        S = load_spectrogram(save_gz(tmp_path / "a.npy.gz", arr))
        assert S.shape == (7, 140) and S.dtype == np.float32 and S.flags.c_contiguous
        np.testing.assert_array_equal(S, arr.T)
        np.save(tmp_path / "b.npy", arr.astype(np.float16))
        np.testing.assert_array_equal(
            load_spectrogram(tmp_path / "b.npy"), arr.astype(np.float16).T
        )
        # gzip is sniffed from the content, not the name
        save_gz(tmp_path / "c.npy", arr)
        np.testing.assert_array_equal(load_spectrogram(str(tmp_path / "c.npy")), arr.T)

    def test_features(self, tmp_path, save_gz, tiny):
        arr = tiny(4)
        path = save_gz(tmp_path / "a.npy.gz", arr)
        np.testing.assert_array_equal(
            load_spectrogram(path, feature="mel"), arr[:128].T
        )
        np.testing.assert_array_equal(
            load_spectrogram(path, feature="chroma"), arr[128:].T
        )
        mel = save_gz(tmp_path / "mel.npy.gz", tiny(4, 128))
        assert load_spectrogram(mel, feature="mel").shape == (4, 128)
        chroma = save_gz(tmp_path / "chroma.npy.gz", tiny(4, 12))
        assert load_spectrogram(chroma, feature="chroma").shape == (4, 12)

    def test_missing(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="nope.npy.gz"):
            load_spectrogram(tmp_path / "nope.npy.gz")

    def test_unknown_feature(self, tmp_path, save_gz, tiny):
        path = save_gz(tmp_path / "a.npy.gz", tiny())
        with pytest.raises(
            ValueError, match="unknown feature 'mfcc'.*chroma.*fused.*mel"
        ):
            load_spectrogram(path, feature="mfcc")

    def _raw(self, tmp_path, name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    def _npy_bytes(self, arr):
        import io

        buf = io.BytesIO()
        np.save(buf, arr)
        return buf.getvalue()

    @pytest.mark.parametrize(
        "name, make, match",
        [
            ("empty.npy.gz", lambda self, tiny: b"", "empty.npy.gz' is empty"),
            (
                "empty_stream.npy.gz",
                lambda self, tiny: gzip.compress(b""),
                "empty gzip stream",
            ),
            (
                "trunc.npy.gz",
                lambda self, tiny: gzip.compress(self._npy_bytes(tiny()))[:200],
                "trunc.npy.gz.*truncated",
            ),
            (
                "corrupt.npy.gz",
                lambda self, tiny: b"\x1f\x8b" + b"\x00garbage" * 20,
                "corrupt.npy.gz.*corrupt",
            ),
            (
                "notnpy.npy",
                lambda self, tiny: b"hello, I am not an array",
                "notnpy.npy",
            ),
            (
                "trunc.npy",
                lambda self, tiny: self._npy_bytes(tiny())[:300],
                "trunc.npy",
            ),
            (
                "gz_notnpy.npy.gz",
                lambda self, tiny: gzip.compress(b"plain text"),
                "gz_notnpy.npy.gz",
            ),
        ],
    )
    def test_corrupt_files(self, tmp_path, name, make, match, tiny):
        path = self._raw(tmp_path, name, make(self, tiny))
        with pytest.raises(ValueError, match=match):
            load_spectrogram(path)

    @pytest.mark.parametrize(
        "make, feature, match",
        [
            (
                lambda tiny: np.zeros(140, np.float32),
                "fused",
                r"shape \(140,\).*expected 2-D",
            ),
            (
                lambda tiny: np.zeros((2, 140, 5), np.float32),
                "fused",
                r"shape \(2, 140, 5\)",
            ),
            (lambda tiny: np.zeros((140, 0), np.float32), "fused", "zero frames"),
            (
                lambda tiny: tiny(5, 12),
                "fused",
                r"12 rows.*expects 140 \(128 mel \+ 12 chroma\)",
            ),
            (
                lambda tiny: tiny(5, 128),
                "chroma",
                r"128 rows.*140 .* or 12 \(chroma only\)",
            ),
            (lambda tiny: tiny(5, 12), "mel", r"12 rows.*or 128 \(mel only\)"),
            (lambda tiny: tiny(140, 30), "fused", "looks time-first"),
            (lambda tiny: np.array([["a"] * 3] * 140), "fused", "real numbers"),
        ],
    )
    def test_bad_arrays(self, tmp_path, make, feature, match, save_gz, tiny):
        path = save_gz(tmp_path / "bad.npy.gz", make(tiny))
        with pytest.raises(ValueError, match=f"bad.npy.gz.*{match}"):
            load_spectrogram(path, feature=feature)

    @pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
    def test_non_finite(self, tmp_path, value, save_gz, tiny):
        arr = tiny()
        arr[3, 2] = value
        path = save_gz(tmp_path / "nan.npy.gz", arr)
        with pytest.raises(ValueError, match="nan.npy.gz.*1 NaN or infinite"):
            load_spectrogram(path)

    def test_npz_and_pickle(self, tmp_path, tiny):
        np.savez(tmp_path / "a.npy", x=tiny())  # writes a.npy.npz
        with pytest.raises(ValueError, match="npz archive"):
            load_spectrogram(tmp_path / "a.npy.npz")
        np.save(
            tmp_path / "obj.npy",
            np.array([tiny(), None], dtype=object),
            allow_pickle=True,
        )
        with pytest.raises(ValueError, match="obj.npy"):
            load_spectrogram(tmp_path / "obj.npy")

    def test_directory(self, tmp_path):
        with pytest.raises(ValueError, match="directory"):
            load_spectrogram(tmp_path)


class TestLoadSpectrogramFromURL:
    """fsspec URLs: shared storage and object stores (``memory://`` stands in)."""

    def test_file_and_memory_urls(self, tmp_path, save_gz, tiny):
        fsspec = pytest.importorskip("fsspec")
        arr = tiny(6)
        path = save_gz(tmp_path / "a.npy.gz", arr)
        np.testing.assert_array_equal(load_spectrogram(f"file://{path}"), arr.T)
        fs = fsspec.filesystem("memory")
        fs.pipe("/spectroclf-arrays/a.npy.gz", path.read_bytes())
        np.save(tmp_path / "b.npy", arr)
        fs.pipe("/spectroclf-arrays/b.npy", (tmp_path / "b.npy").read_bytes())
        try:
            for name in ("a.npy.gz", "b.npy"):
                S = load_spectrogram(f"memory://spectroclf-arrays/{name}",
                                     feature="chroma")
                np.testing.assert_array_equal(S, arr[128:].T)
        finally:
            fs.rm("/spectroclf-arrays", recursive=True)

    def test_missing_and_corrupt_urls_name_the_url(self, tmp_path):
        fsspec = pytest.importorskip("fsspec")
        with pytest.raises(FileNotFoundError,
                           match="'memory://nowhere/x.npy' does not exist$"):
            load_spectrogram("memory://nowhere/x.npy")
        fsspec.filesystem("memory").pipe("/spectroclf-bad.npy", b"garbage!")
        with pytest.raises(ValueError, match="'memory://spectroclf-bad.npy' is not a "
                           "NumPy .npy file"):
            load_spectrogram("memory://spectroclf-bad.npy")


def test_spectrogram_files_is_a_lazy_sequence(tmp_path):
    from spectroclf.datasets import SpectrogramFiles

    arr = np.arange(140 * 6, dtype=np.float32).reshape(140, 6)
    np.save(tmp_path / "1.npy", arr)
    files = SpectrogramFiles([tmp_path / "1.npy", tmp_path / "2.npy"], feature="chroma")
    assert len(files) == 2 and files.n_bins == 12
    np.testing.assert_array_equal(files[0], arr.T[:, 128:])
    with pytest.raises(FileNotFoundError, match="2.npy"):  # read only when indexed
        files[1]
    with pytest.raises(ValueError, match="bass"):
        SpectrogramFiles([tmp_path / "1.npy"], feature="bass")
