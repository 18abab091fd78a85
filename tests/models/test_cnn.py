"""Tests of spectroclf.models.CNN."""

import torch
from torch import nn

from spectroclf.models import CNN


def test_cnn_handles_one_frame_and_reports_feature_maps():
    cnn = CNN(4, 2, channels=(3, 5)).eval()
    assert cnn(torch.randn(2, 1, 4)).shape == (2, 2)
    maps, lengths = cnn.feature_maps(torch.randn(2, 9, 4), torch.tensor([9, 4]))
    assert [m.shape[1] for m in maps] == [3, 5]
    assert lengths.tolist() == [3, 1]



class TestShapesStudentsUse:
    """Max-pool 3, batch norm off, an MLP head ([128, 64, n] with dropout)."""

    def test_pool_size_three(self):
        net = CNN(12, 3, channels=(4, 4), pool_size=3).eval()
        maps, lengths = net.feature_maps(torch.zeros(2, 20, 12), torch.tensor([20, 7]))
        assert maps[0].shape[2:] == (7, 4) and maps[1].shape[2:] == (3, 2)
        assert lengths.tolist() == [3, 1]
        assert net(torch.zeros(2, 20, 12)).shape == (2, 3)

    def test_batch_norm_off(self):
        net = CNN(8, 2, channels=(4, 4), batch_norm=False)
        assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
        assert net.blocks[0][0].bias is not None  # the bias BatchNorm would replace

    def test_mlp_head(self):
        net = CNN(8, 3, channels=(4,), head_hidden=(16, 8), dropout=0.5)
        linears = [m for m in net.hidden if isinstance(m, nn.Linear)]
        assert [m.out_features for m in linears] == [16, 8]
        assert net.head.in_features == 8 and net.head.out_features == 3
        assert sum(isinstance(m, nn.Dropout) for m in net.hidden) == 2
