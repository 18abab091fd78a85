"""Tests of spectroclf.preprocessing._base: the helpers the transformers share."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from spectroclf.preprocessing import BeatSync, PadTruncate
from spectroclf.preprocessing._base import _feature_names, _n_bins


@pytest.mark.parametrize("feature", ["fused", "mel", "chroma"])
@pytest.mark.parametrize("n_mels", [128, 40])
def test_n_bins_counts_the_feature_names(feature, n_mels):
    assert _n_bins(feature, n_mels) == len(_feature_names(feature, n_mels))


@pytest.mark.parametrize("cls", [BeatSync, PadTruncate])
def test_passthrough_feature_names(cls):
    with pytest.raises(NotFittedError):
        cls().get_feature_names_out()
    est = cls().fit([np.zeros((4, 2), np.float32)])
    np.testing.assert_array_equal(est.get_feature_names_out(), ["x0", "x1"])
    np.testing.assert_array_equal(est.get_feature_names_out(["a", "b"]), ["a", "b"])
    with pytest.raises(ValueError, match=f"{cls.__name__} was fitted on 2 bins"):
        est.get_feature_names_out(["a"])
