"""Fixtures of the preprocessing tests: test tones, the shipped spectrogram files,
random spectrogram lists and the Hypothesis settings.

Test modules import nothing from here (pytest runs in importlib mode): helpers
come as fixtures, and the settings as the Hypothesis profile ``PROFILE``.
"""

import gzip

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SR = 22050
PROFILE = "spectroclf-preprocessing"
settings.register_profile(
    PROFILE,
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _tone(freq=440.0, seconds=1.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _lab_array(path):
    """A shipped file as spectroclf sees it: time first, float32."""
    with gzip.open(path, "rb") as f:
        return np.load(f).T.astype(np.float32)


@st.composite
def _spectrogram_lists(draw, max_frames=40, bins=None, max_n=6):
    """Lists of random-length spectrograms sharing one bin count."""
    n_bins = draw(st.integers(1, 6) if bins is None else bins)
    lengths = draw(st.lists(st.integers(1, max_frames), min_size=1, max_size=max_n))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    return [rng.normal(-40, 15, (n, n_bins)).astype(np.float32) for n in lengths]


@pytest.fixture(scope="session")
def tone():
    """``tone(freq=440.0, seconds=1.0, sr=22050)``: a float32 sine waveform."""
    return _tone


@pytest.fixture(scope="session")
def lab_array():
    """``lab_array(path)``: a shipped ``.npy.gz`` file, time first, float32."""
    return _lab_array


@pytest.fixture(scope="session")
def spectrogram_lists():
    """``spectrogram_lists(max_frames=40, bins=None, max_n=6)``: a Hypothesis
    strategy of lists of random-length spectrograms sharing one bin count
    (draw it with ``st.data()``)."""
    return _spectrogram_lists


@pytest.fixture(scope="module")
def genre_files(shared_data):
    """Six real full-length fused spectrogram files, two genres."""
    folder = shared_data / "emotify-lab" / "genre" / "train"
    return [folder / f"{i}.fused.full.npy.gz" for i in (1, 2, 103, 104, 202, 203)]


@pytest.fixture(scope="module")
def short_clips(shared_data):
    """Two real 30-s excerpts cropped to their first 5 s."""
    from spectroclf.features import load_audio

    audio = shared_data / "emotify" / "audio"
    return [load_audio(audio / f"{i}.ogg")[: 5 * SR] for i in (1, 301)]
