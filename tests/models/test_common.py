"""Tests of the torch modules' shared padding rules: padding never changes an output."""

import pytest
import torch

from spectroclf.models import CNN, LSTM

LENGTHS = torch.tensor([12, 7, 3, 1])


def _garbage_after(X, lengths, value=99.0):
    X = X.clone()
    for b, n in enumerate(lengths):
        X[b, n:] = value
    return X


@pytest.mark.parametrize(
    "module",
    [
        LSTM(5, 3),
        LSTM(5, 3, pooling="last"),
        LSTM(5, 3, num_layers=2, pooling="last"),
        LSTM(5, 3, bidirectional=False, num_layers=3),
        CNN(5, 3, channels=(4, 8)),
    ],
    ids=["lstm-mean", "lstm-last", "lstm-2-layers", "lstm-unidirectional", "cnn"],
)
def test_padding_never_changes_the_output(module):
    X = torch.randn(4, 12, 5)
    module.eval()
    expected = module(X, LENGTHS)
    assert expected.shape == (4, 3)
    torch.testing.assert_close(module(_garbage_after(X, LENGTHS), LENGTHS), expected)
    # a clip alone, unpadded, gives the same output as inside the batch
    alone = module(X[1:2, :7], torch.tensor([7]))
    torch.testing.assert_close(alone, expected[1:2], rtol=1e-4, atol=1e-5)

