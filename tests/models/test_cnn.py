"""Tests of spectroclf.models.CNN."""

import torch

from spectroclf.models import CNN


def test_cnn_handles_one_frame_and_reports_feature_maps():
    cnn = CNN(4, 2, channels=(3, 5)).eval()
    assert cnn(torch.randn(2, 1, 4)).shape == (2, 2)
    maps, lengths = cnn.feature_maps(torch.randn(2, 9, 4), torch.tensor([9, 4]))
    assert [m.shape[1] for m in maps] == [3, 5]
    assert lengths.tolist() == [3, 1]

