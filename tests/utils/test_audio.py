"""Tests of spectroclf/utils/_audio.py: ``check_audio``, the one audio validator."""

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from spectroclf.utils import check_audio


def _message(exc_type, X, sr=22050):
    with pytest.raises(exc_type) as info:
        check_audio(X, sr=sr)
    return str(info.value)


def test_paths_and_waveforms(tmp_path):
    path = tmp_path / "clip.wav"
    path.write_bytes(b"")  # only its existence is checked here
    y = np.linspace(-1, 1, 8, dtype=np.float32)
    out = check_audio([path, str(path), y, [1, 2, 3], np.array([True, False])], sr=16000)
    assert out[:2] == [str(path), str(path)]
    assert out[2] is y  # float32 waveforms are not copied
    for got, want in zip(out[3:], ([1, 2, 3], [1, 0]), strict=True):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)


def test_arrays_of_clips():
    rows = check_audio(np.arange(6, dtype=np.int16).reshape(2, 3), sr=16000)
    assert [r.dtype for r in rows] == [np.float32] * 2
    np.testing.assert_array_equal(rows[1], [3, 4, 5])
    # an object array of ragged waveforms, and one waveform as an object array
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = np.zeros(3), np.ones(5)
    assert [len(c) for c in check_audio(ragged, sr=16000)] == [3, 5]
    (clip,) = check_audio([np.array([1, 2], dtype=object)], sr=16000)
    assert clip.dtype == np.float32 and clip.tolist() == [1.0, 2.0]


def test_array_likes_are_read_as_arrays():
    """A DataFrame of clips (one row each) and an object with only ``__array__``
    are arrays: their rows are the clips, not their columns or a TypeError."""
    pd = pytest.importorskip("pandas")

    data = np.arange(6, dtype=np.float32).reshape(2, 3)

    class ArrayOnly:
        def __array__(self, dtype=None, copy=None):
            return data

    for X in (pd.DataFrame(data), ArrayOnly()):
        rows = check_audio(X, sr=16000)
        assert len(rows) == 2
        np.testing.assert_array_equal(rows[1], [3, 4, 5])


def test_messages_about_X(tmp_path):
    assert _message(ValueError, "a.wav") == (
        "X is a single path 'a.wav'; pass a list of paths: [path]")
    assert _message(ValueError, Path("b.wav")) == (
        "X is a single path 'b.wav'; pass a list of paths: [path]")
    assert _message(TypeError, sparse.csr_matrix(np.ones((2, 3)))) == (
        "X is a sparse matrix; sparse input is not supported, pass a list of "
        "waveforms or a dense (n_clips, n_samples) array")
    assert _message(ValueError, np.zeros(5)) == (
        "X is a single 1-D waveform of shape (5,); pass a list of waveforms, [y], "
        "or reshape your data with y.reshape(1, -1) (Reshape your data to "
        "(n_clips, n_samples))")
    assert _message(ValueError, np.zeros((2, 0))) == (
        "X has 0 feature(s) (shape=(2, 0)) while a minimum of 1 is required: each "
        "waveform needs at least one sample")
    assert _message(ValueError, np.zeros((2, 3, 4))) == (
        "X is an array of shape (2, 3, 4); expected a list of paths or waveforms, "
        "or a 2-D array (n_clips, n_samples) of equal-length waveforms")
    assert _message(TypeError, 5) == (
        "X must be a list of audio paths or 1-D waveforms, got int")
    assert _message(ValueError, []) == (
        "X is empty: expected at least one audio path or waveform")
    assert _message(ValueError, np.zeros((0, 4))) == (
        "X is empty: expected at least one audio path or waveform")


def test_messages_about_a_clip(tmp_path):
    y = np.zeros(4, dtype=np.float32)
    missing = tmp_path / "nowhere.wav"
    assert _message(FileNotFoundError, [y, missing]) == (
        f"clip 1: audio file '{missing}' does not exist")
    assert _message(FileNotFoundError, [str(tmp_path)]) == (
        f"clip 0: audio file '{tmp_path}' does not exist")  # a folder is no file
    assert _message(TypeError, [y, sparse.csr_matrix(np.ones((1, 3)))]) == (
        "clip 1 is a sparse matrix; expected a waveform")
    assert _message(ValueError, [np.ones(3, dtype=complex)]) == (
        "clip 0: Complex data not supported")
    assert _message(TypeError, [np.array(["a"], dtype=object)]).startswith(
        "clip 0 could not be read as a float waveform: could not convert string "
        "to float")
    assert _message(TypeError, [y, np.array(["a", "b"])]) == (
        "clip 1 is ndarray (dtype <U1); expected an audio path or a 1-D waveform")
    assert _message(ValueError, [np.zeros((2, 3))], sr=16000) == (
        "clip 0 is an array of shape (2, 3); expected a non-empty 1-D mono waveform "
        "at sr=16000. Mix multichannel audio down first (librosa.to_mono) or pass "
        "the file path")
    assert _message(ValueError, [y, np.zeros(0)]) == (
        "clip 1 is an empty waveform (0 samples); expected a non-empty 1-D mono "
        "waveform")
    for bad in (np.nan, np.inf):
        assert _message(ValueError, [y, np.array([0.0, bad])]) == (
            "clip 1: waveform contains NaN or inf")
