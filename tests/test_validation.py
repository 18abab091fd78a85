"""Tests of spectroclf/_validation.py: the transposed-input hint (#24), object arrays."""

import numpy as np
import pytest

from spectroclf import LSTMClassifier


def test_ragged_clips_in_librosa_layout_are_said_to_be_transposed():
    X = [np.zeros((128, 71), np.float32), np.zeros((128, 59), np.float32)]
    with pytest.raises(ValueError) as info:
        LSTMClassifier(max_epochs=1).fit(X, ["a", "b"])
    assert str(info.value) == (
        "spectrogram 1 has shape (128, 59) with 59 bins; expected 71 bins like the "
        "other samples. spectroclf is time first, (n_frames, n_bins); this clip "
        "has the same 128 rows as spectrogram 0 and looks transposed (librosa's "
        "(n_bins, n_frames) layout): pass S.T"
    )


def test_other_bin_mismatches_have_no_hint():
    X = [np.zeros((30, 12), np.float32), np.zeros((40, 13), np.float32)]
    with pytest.raises(ValueError, match="expected 12 bins") as info:
        LSTMClassifier(max_epochs=1).fit(X, ["a", "b"])
    assert "transposed" not in str(info.value)


def test_predict_on_a_transposed_clip():
    X = [np.full((30, 12), i % 2, np.float32) for i in range(4)]
    clf = LSTMClassifier(hidden_size=2, max_epochs=1, random_state=0).fit(X, list("abab"))
    with pytest.raises(ValueError) as info:
        clf.predict([np.zeros((12, 40), np.float32)])
    assert str(info.value).endswith(
        "spectroclf is time first, (n_frames, n_bins): spectrogram 0 has shape "
        "(12, 40), whose first axis is the 12 bins expected, so it looks transposed "
        "(librosa's (n_bins, n_frames) layout): pass S.T"
    )
    with pytest.raises(ValueError) as info:  # 40 bins, not 12: no hint
        clf.predict([np.zeros((30, 40), np.float32)])
    assert "transposed" not in str(info.value)


def test_object_array_of_ragged_clips_is_read_as_a_list():
    """A pandas column of spectrograms (``df["spec"].values``) is a 1-D object array."""
    from spectroclf._validation import check_spectrograms

    X = np.empty(4, dtype=object)
    for i in range(4):
        X[i] = np.random.default_rng(i).random((5 + i, 6))
    est = LSTMClassifier()
    specs = check_spectrograms(X, estimator=est, reset=True)
    assert [S.shape for S in specs] == [(5, 6), (6, 6), (7, 6), (8, 6)]
    assert all(S.dtype == np.float32 for S in specs) and est.n_features_in_ == 6
    clf = LSTMClassifier(hidden_size=4, max_epochs=1, random_state=0)
    proba = clf.fit(X, ["a", "b", "a", "b"]).predict_proba(X)
    np.testing.assert_array_equal(proba, clf.predict_proba(list(X)))


class TestCheckSpectrograms:
    """Every form of ``X``, read directly by ``check_spectrograms``, with its errors."""

    @staticmethod
    def check(X, est=None, reset=True):
        from spectroclf._validation import check_spectrograms

        return check_spectrograms(X, estimator=est or LSTMClassifier(), reset=reset)

    def test_nested_lists_are_spectrograms(self):
        # a clip of one frame, then one of two: not rows of a table
        specs = self.check([[[1, 2]], [[3, 4], [5, 6]]])
        assert [S.shape for S in specs] == [(1, 2), (2, 2)]
        assert all(S.dtype == np.float32 for S in specs)
        np.testing.assert_array_equal(specs[1], [[3, 4], [5, 6]])

    def test_rows_of_numbers_are_one_frame_each(self):
        est = LSTMClassifier()
        specs = self.check([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], est)
        assert [S.shape for S in specs] == [(1, 2)] * 3 and est.n_features_in_ == 2
        np.testing.assert_array_equal(specs[2], [[5.0, 6.0]])
        with pytest.raises(ValueError, match="X has 3 features, but LSTMClassifier is "
                           "expecting 2 features as input"):
            self.check([[1.0, 2.0, 3.0]], est, reset=False)
        assert est.n_features_in_ == 2
        assert [S.shape for S in self.check([[7.0, 8.0]], est, reset=False)] == [(1, 2)]

    def test_a_first_clip_without_frames_is_named(self):
        with pytest.raises(ValueError) as info:
            self.check([np.zeros((0, 5)), np.zeros((3, 5))])
        assert str(info.value) == (
            "spectrogram 0 has 0 frames; every sample needs at least one")

    def test_exact_messages(self):
        cases = [
            ([], "X is empty: expected at least one spectrogram"),
            (np.zeros((0, 5, 3)), "X is empty: expected at least one spectrogram"),
            ({"X": np.zeros((0, 5, 3)), "lengths": np.zeros(0, int)},
             "X is empty: expected at least one spectrogram"),
            ([[], [1.0]], "the rows of X have different lengths [0, 1]; 2-D input is "
             "one frame of n_bins values per sample, all the same length. Pass "
             "spectrograms as a list of (n_frames, n_bins) arrays instead"),
            ([np.zeros((3, 4)), np.zeros(5)],
             "spectrogram 1 has shape (5,); expected a 2-D (n_frames, n_bins) array"),
            ([np.zeros((3, 4)), np.full((3, 4), np.nan)],
             "spectrogram 1 contains NaN or infinity; clean or impute the input first"),
            ([np.zeros((30, 12)), np.zeros((40, 13))],
             "spectrogram 1 has shape (40, 13) with 13 bins; expected 12 bins like "
             "the other samples"),
        ]
        for X, message in cases:
            with pytest.raises(ValueError) as info:
                self.check(X)
            assert str(info.value) == message
        with pytest.raises(ValueError, match=r"^spectrogram array could not be "
                           "converted to float: could not convert string to float"):
            self.check(np.full((2, 3, 4), "a"))

    def test_sparse_input(self):
        from scipy import sparse

        with pytest.raises(TypeError) as info:
            self.check([sparse.csr_matrix(np.ones((3, 4)))] * 2)
        assert str(info.value) == (
            "spectrogram 0 is a sparse matrix; sparse input is not supported, pass a "
            "dense array (x.toarray())")
        # a dok matrix is a dict, and a sparse matrix iterates rows of ambiguous
        # length: both get scikit-learn's message, not the dict's or ours
        for X in (sparse.dok_matrix(np.ones((3, 4))), sparse.csr_matrix(np.ones((3, 4)))):
            with pytest.raises(TypeError, match="dense data is required"):
                self.check(X)

    def test_strings_are_not_rows(self):
        with pytest.raises(ValueError, match="could not convert string to float"):
            self.check(["ab", "c"])

    def test_dict_input(self):
        data = np.arange(30, dtype=np.float64).reshape(2, 5, 3)
        specs = self.check({"X": data, "lengths": np.array([1, 4])})
        assert [S.shape for S in specs] == [(1, 3), (4, 3)]
        assert all(S.dtype == np.float32 for S in specs)
        np.testing.assert_array_equal(specs[1], data[1, :4])
        bad = [
            ({"X": data}, "dict input needs the keys 'X' and 'lengths' (as PadTruncate "
             "returns); missing ['lengths']"),
            ({"X": data[0], "lengths": [3]},
             "X['X'] has shape (5, 3); expected (n_samples, max_len, n_bins)"),
            ({"X": data, "lengths": [3, 3, 3]},
             "X['lengths'] has shape (3,); expected (2,), one length per sample"),
            ({"X": data, "lengths": [3.0, 2.0]},
             "X['lengths'] must be integers, got dtype float64"),
            ({"X": data, "lengths": [3, 0]},
             "X['lengths'][1] = 0 is outside [1, 5] (the padded length)"),
            ({"X": data, "lengths": [6, 1]},
             "X['lengths'][0] = 6 is outside [1, 5] (the padded length)"),
        ]
        for X, message in bad:
            with pytest.raises(ValueError) as info:
                self.check(X)
            assert str(info.value) == message

    def test_lazy_files_are_not_read(self, tmp_path):
        from spectroclf.datasets import SpectrogramFiles

        est = LSTMClassifier()
        files = SpectrogramFiles([tmp_path / "never-read.npy"], feature="chroma")
        assert self.check(files, est) is files and est.n_features_in_ == 12
        with pytest.raises(ValueError) as info:
            self.check(SpectrogramFiles([]))
        assert str(info.value) == "X is empty: expected at least one spectrogram"

    def test_spectrograms_forget_feature_names(self):
        pd = pytest.importorskip("pandas")

        est = LSTMClassifier()
        self.check(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), est)
        assert list(est.feature_names_in_) == ["a", "b"]
        self.check([np.zeros((3, 4))], est)
        assert not hasattr(est, "feature_names_in_") and est.n_features_in_ == 4

    def test_predict_bin_mismatch_message(self):
        est = LSTMClassifier()
        self.check([np.zeros((30, 12))], est)
        with pytest.raises(ValueError) as info:
            self.check([np.zeros((30, 40))], est, reset=False)
        assert str(info.value) == (
            "X has 40 features, but LSTMClassifier is expecting 12 features as input "
            "(spectrograms with 12 bins).")


def test_lengths_must_match():
    from spectroclf._validation import check_lengths_match

    specs = [np.zeros((3, 4))] * 3
    cases = [
        (None, "this estimator requires y to be passed, but the target y is None"),
        (np.array(1.0), "y must be an array-like of targets, one per sample"),
        ("abc", "y must be an array-like of targets, one per sample"),
        ([0, 1], "X has 3 samples but y has 2; they must match. Found input variables "
         "with inconsistent numbers of samples: [3, 2]"),
    ]
    for y, message in cases:
        with pytest.raises(ValueError) as info:
            check_lengths_match(specs, y)
        assert str(info.value) == message
    check_lengths_match(specs, [0, 1, 2])
