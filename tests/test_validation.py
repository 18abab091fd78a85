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
