"""Fixtures of the musicnn tests: the TensorFlow reference outputs and short generated music."""

from pathlib import Path

import numpy as np
import pytest

from spectroclf.datasets import make_music
from spectroclf.musicnn import MusicnnMelExtractor

REFERENCE = Path(__file__).parents[1] / "data" / "musicnn_reference.npz"


@pytest.fixture(scope="module")
def reference():
    """Outputs of the original TensorFlow musicnn on real clips (tools/convert_musicnn.py)."""
    with np.load(REFERENCE, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module")
def music():
    """8 synthetic 3-s clips of two genres and their musicnn log-mels."""
    data = make_music(8, genres=2, duration=3.0, random_state=0)
    data.mels = MusicnnMelExtractor().fit_transform(data.data)
    return data
