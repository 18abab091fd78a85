"""Bad input gets a clear error from spectroclf: what is wrong and how to fix it.

Each case asserts the exception type, a message naming the problem and, where
there is one, the fix; and that the error comes from spectroclf (or from the
scikit-learn validation it delegates to), not from deep inside torch, skorch
or numpy.
"""

import gzip
import io
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from spectroclf.datasets import (
    load_genre_spectrograms,
    load_spectrogram,
    write_lab_layout,
)
from spectroclf.features import load_audio
from spectroclf.nets import (
    CNNClassifier,
    LSTMClassifier,
    LSTMRegressor,
)
from spectroclf.preprocessing import (
    PadTruncate,
    SpectrogramExtractor,
    SpectrogramLoader,
)

N_BINS = 6


def _specs(n=12, n_bins=N_BINS, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(int(rng.integers(3, 6)), n_bins)).astype(np.float32) + i % 2
        for i in range(n)
    ]


def _labels(n=12):
    return np.array(["pop" if i % 2 else "rock" for i in range(n)])


def _clf(**kw):
    return LSTMClassifier(hidden_size=3, max_epochs=1, random_state=0, device="cpu", **kw)


@pytest.fixture(scope="module")
def fitted():
    return _clf().fit(_specs(), _labels())


def _raised_by(excinfo):
    """The file of the frame that raised, relative to its package root."""
    return Path(excinfo.traceback[-1].path).as_posix()


def assert_ours(excinfo):
    """The error was raised by spectroclf or sklearn's validation, not torch & co."""
    where = _raised_by(excinfo)
    assert "/spectroclf/" in where or "/sklearn/" in where, where
    for foreign in ("/torch/", "/skorch/", "/numpy/", "/librosa/", "/gzip.py"):
        assert foreign not in where, where


def _raises(exc_type, match, func, *args, **kwargs):
    with pytest.raises(exc_type, match=match) as excinfo:
        func(*args, **kwargs)
    assert_ours(excinfo)
    return str(excinfo.value)


# ---------------------------------------------------------------------------
# spectrograms given to the estimators


class TestSpectrograms:
    def test_wrong_number_of_bins_at_predict(self, fitted):
        msg = _raises(
            ValueError,
            r"X has 5 features, but LSTMClassifier is expecting 6 features",
            fitted.predict,
            [np.zeros((4, 5), np.float32)],
        )
        assert "spectrograms with 6 bins" in msg

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_nan_or_inf(self, bad):
        X = _specs()
        X[3] = X[3].copy()
        X[3][1, 2] = bad
        msg = _raises(ValueError, "spectrogram 3 contains NaN or infinity",
                      _clf().fit, X, _labels())
        assert "clean or impute" in msg

    def test_nan_at_predict(self, fitted):
        _raises(ValueError, "spectrogram 0 contains NaN or infinity",
                fitted.predict, [np.full((3, N_BINS), np.nan, np.float32)])

    @pytest.mark.parametrize(
        "X",
        [[], np.zeros((0, 4, N_BINS)), {"X": np.zeros((0, 4, N_BINS)),
                                        "lengths": np.zeros(0, int)}],
        ids=["list", "3d", "dict"],
    )
    def test_empty_X(self, X):
        _raises(ValueError, "X is empty: expected at least one spectrogram",
                _clf().fit, X, [])

    def test_empty_2d_X(self):
        _raises(ValueError, r"0 sample\(s\) \(shape=\(0, 6\)\)",
                _clf().fit, np.zeros((0, N_BINS)), [])

    def test_sample_of_zero_frames(self):
        X = _specs()
        X[5] = np.zeros((0, N_BINS), np.float32)
        _raises(ValueError, "spectrogram 5 has 0 frames; every sample needs at "
                "least one", _clf().fit, X, _labels())

    def test_zero_length_in_padded_dict(self):
        X = PadTruncate().fit_transform(_specs())
        X["lengths"][2] = 0
        _raises(ValueError, r"X\['lengths'\]\[2\] = 0 is outside \[1, ",
                _clf().fit, X, _labels())

    def test_ragged_bins_across_samples(self):
        X = _specs()
        X[4] = np.zeros((3, N_BINS + 1), np.float32)
        _raises(ValueError, r"spectrogram 4 has shape \(3, 7\) with 7 bins; "
                "expected 6 bins like the other samples", _clf().fit, X, _labels())

    def test_ragged_bins_in_pad_truncate(self):
        X = [np.zeros((3, 5), np.float32), np.zeros((4, 6), np.float32)]
        _raises(ValueError, "spectrogram 1 has shape .* with 6 bins; expected 5",
                PadTruncate(max_len=4).fit_transform, X)

    def test_pad_truncate_other_bins_than_fit(self):
        pad = PadTruncate(max_len=4).fit(_specs())
        _raises(ValueError, "X has 5 features, but PadTruncate is expecting 6",
                pad.transform, [np.zeros((3, 5), np.float32)])

    def test_strings_in_spectrograms(self):
        X = [np.full((3, N_BINS), "loud")] * 12
        _raises(ValueError, "spectrogram 0 could not be converted to float: could "
                "not convert string to float: .*'loud'", _clf().fit, X, _labels())

    def test_strings_in_tabular_X(self):
        X = np.full((12, N_BINS), "loud")
        _raises(ValueError, "could not convert string to float: .*'loud'",
                _clf().fit, X, _labels())

    def test_ragged_tabular_rows(self):
        X = [np.zeros(N_BINS), np.zeros(N_BINS - 1)]
        _raises(ValueError, r"(rows|samples) .*different (lengths|numbers of)",
                _clf().fit, X, [0, 1])

    def test_predict_before_fit(self):
        msg = _raises(NotFittedError, "This LSTMClassifier instance is not fitted "
                      "yet", _clf().predict, _specs())
        assert "Call 'fit'" in msg

    def test_sparse_spectrogram(self):
        from scipy import sparse

        X = [sparse.csr_matrix(np.ones((3, N_BINS)))] * 12
        _raises(TypeError, r"spectrogram 0 is a sparse matrix.*x\.toarray\(\)",
                _clf().fit, X, _labels())


# ---------------------------------------------------------------------------
# targets


class TestTargets:
    def test_X_and_y_of_different_lengths(self):
        _raises(ValueError, "X has 12 samples but y has 11; they must match",
                _clf().fit, _specs(), _labels()[:-1])

    def test_one_class_only(self):
        msg = _raises(ValueError, "y has only one class .*rock.*; a classifier "
                      "needs samples of at least two classes",
                      _clf().fit, _specs(), ["rock"] * 12)
        assert "at least two classes" in msg

    def test_class_with_one_sample_and_validation(self):
        y = _labels()
        y[0] = "jazz"
        msg = _raises(ValueError, "class .*jazz.* has only one sample, but "
                      r"validation_fraction=0\.3 needs a stratified split",
                      _clf(validation_fraction=0.3).fit, _specs(), y)
        assert "merge_classes(X, y, min_count=2)" in msg
        assert "validation_fraction=None" in msg
        # without a validation split one sample per class is fine
        _clf().fit(_specs(), y)

    def test_labels_shown_as_written(self):
        with pytest.raises(ValueError) as excinfo:
            _clf().fit(_specs(), ["rock"] * 12)
        assert "np.str_" not in str(excinfo.value)

    def test_continuous_y_for_a_classifier(self):
        _raises(ValueError, "Unknown label type: continuous",
                _clf().fit, _specs(), np.linspace(0, 1, 12))

    def test_strings_as_regression_targets(self):
        msg = _raises(ValueError, r"\by\b.*(numbers|numeric|float)",
                      LSTMRegressor(hidden_size=3, max_epochs=1, device="cpu").fit,
                      _specs(), _labels())
        assert "Classifier" in msg

    def test_nan_regression_target(self):
        _raises(ValueError, "Input y contains NaN",
                LSTMRegressor(hidden_size=3, max_epochs=1, device="cpu").fit,
                _specs(), [np.nan] * 12)

    def test_y_none(self):
        _raises(ValueError, "requires y to be passed", _clf().fit, _specs(), None)


# ---------------------------------------------------------------------------
# files


def _npy_gz_bytes(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return gzip.compress(buf.getvalue())


class TestFiles:
    @pytest.fixture
    def good(self):
        return _npy_gz_bytes(np.zeros((140, 10), np.float32))

    def test_truncated_npy_gz(self, tmp_path, good):
        path = tmp_path / "1.fused.full.npy.gz"
        path.write_bytes(good[: len(good) // 2])
        msg = _raises(ValueError, "could not read spectrogram file .*1.fused.full."
                      r"npy.gz': corrupt or truncated", load_spectrogram, path)
        assert "np.save" in msg

    def test_corrupt_npy_gz(self, tmp_path, good):
        path = tmp_path / "2.fused.full.npy.gz"
        path.write_bytes(good[:10] + b"\x00garbage" * 20)  # gzip header, bad data
        _raises(ValueError, "2.fused.full.npy.gz': corrupt or truncated",
                load_spectrogram, path)

    def test_gzip_of_something_else(self, tmp_path):
        path = tmp_path / "3.npy.gz"
        path.write_bytes(gzip.compress(b"Id\tGenre\n"))
        msg = _raises(ValueError, "3.npy.gz' is not a NumPy .npy file", load_spectrogram,
                      path)
        assert "allow_pickle" not in msg  # never suggest an unsafe load

    def test_text_file_as_npy(self, tmp_path):
        path = tmp_path / "4.npy"
        path.write_text("hello")
        _raises(ValueError, "4.npy' is not a NumPy .npy file", load_spectrogram, path)

    def test_truncated_npy(self, tmp_path):
        buf = io.BytesIO()
        np.save(buf, np.zeros((140, 10), np.float32))
        path = tmp_path / "5.npy"
        path.write_bytes(buf.getvalue()[:300])
        _raises(ValueError, "5.npy': Failed to read all data", load_spectrogram, path)

    def test_corrupt_file_through_the_loader(self, tmp_path, good):
        path = tmp_path / "6.npy.gz"
        path.write_bytes(good[: len(good) // 2])
        _raises(ValueError, "6.npy.gz': corrupt or truncated",
                SpectrogramLoader().fit_transform, [str(path)])

    def test_corrupt_file_in_a_lab_folder(self, tmp_path):
        d = write_lab_layout(tmp_path / "lab", [np.zeros((5, 140), np.float32)] * 2,
                             ["1", "2"], genres=["Rock", "Pop"])
        target = d / "train" / "2.fused.full.npy.gz"
        target.write_bytes(target.read_bytes()[:40])
        _raises(ValueError, "2.fused.full.npy.gz': corrupt or truncated",
                load_genre_spectrograms, d)

    @pytest.mark.parametrize("name", ["song.ogg", "song.wav", "song.mp3"])
    @pytest.mark.parametrize("content", [
        os.urandom(2048),
        # printable bytes around an undecodable one: binary, not text
        b"abc\xffdefghijklmnop" * 100,
    ], ids=["random", "invalid-utf8"])
    def test_audio_that_does_not_decode(self, tmp_path, name, content):
        path = tmp_path / name
        path.write_bytes(content)
        msg = _raises(ValueError, f"could not decode audio file '.*{name}'",
                      load_audio, path)
        assert "is it a valid audio file" in msg

    def test_undecodable_audio_in_the_extractor(self, tmp_path):
        path = tmp_path / "song.ogg"
        path.write_bytes(b"OggS" + os.urandom(1000))
        _raises(ValueError, "could not decode audio file .*song.ogg",
                SpectrogramExtractor().fit_transform, [str(path)])

    def test_missing_audio(self, tmp_path):
        _raises(FileNotFoundError, "audio file .*nope.ogg' does not exist",
                load_audio, tmp_path / "nope.ogg")


class TestLabelsFile:
    @pytest.fixture
    def lab(self, tmp_path):
        specs = [np.full((5, 140), i, np.float32) for i in range(4)]
        return write_lab_layout(tmp_path / "lab", specs, ["1", "2", "3", "4"],
                                genres=["Rock", "Pop", "Jazz", "Rock"])

    def test_malformed_line_names_its_number(self, lab):
        labels = lab / "train_labels.txt"
        lines = labels.read_text().splitlines()
        lines[3] = lines[3].replace("\t", " ")  # line 4: a space, not a TAB
        labels.write_text("\n".join(lines) + "\n")
        _raises(ValueError, r"labels file '.*train_labels.txt' line 4: expected 2 "
                "TAB-separated fields", load_genre_spectrograms, lab)

    def test_extra_field(self, lab):
        labels = lab / "train_labels.txt"
        labels.write_text(labels.read_text().replace("Pop", "Pop\tindie"))
        _raises(ValueError, "line 3: expected 2 TAB-separated fields .* got 3",
                load_genre_spectrograms, lab)

    def test_class_mapping_lacks_a_genre(self, lab):
        msg = _raises(ValueError, r"genre\(s\) \['Jazz'\] in '.*train_labels.txt' "
                      "are missing from class_mapping", load_genre_spectrograms,
                      lab, class_mapping={"Rock": "rock", "Pop": "pop"})
        assert "'Jazz': 'Jazz'" in msg and "None to drop" in msg

    def test_labelled_file_is_absent(self, lab):
        (lab / "train" / "3.fused.full.npy.gz").unlink()
        _raises(FileNotFoundError, r"lists 1 file\(s\) absent from .*'3.fused.full."
                r"npy.gz' \(line 4\)", load_genre_spectrograms, lab)


# ---------------------------------------------------------------------------
# devices


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("Estimator", [LSTMClassifier, CNNClassifier])
def test_cuda_without_a_gpu(Estimator):
    msg = _raises(ValueError, "device='cuda' but CUDA is not available",
                  Estimator(max_epochs=1, device="cuda").fit, _specs(), _labels())
    assert "device='auto'" in msg and "device='cpu'" in msg
