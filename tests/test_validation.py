"""Tests of spectroclf/_validation.py: the transposed-input hint (#24)."""

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
