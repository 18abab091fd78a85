"""Tests of the torch modules: padding never changes an output."""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

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


@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_lstm_equals_packed_bidirectional_lstm(pooling):
    """Same function as torch's packed bidirectional LSTM, with its weights."""
    module = LSTM(5, 3, hidden_size=8, num_layers=2, pooling=pooling).eval()
    ref = nn.LSTM(5, 8, num_layers=2, batch_first=True, bidirectional=True).eval()
    state = {}
    for layer in range(2):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            state[f"{name}_l{layer}"] = getattr(module.forward_layers[layer], f"{name}_l0")
            state[f"{name}_l{layer}_reverse"] = getattr(
                module.backward_layers[layer], f"{name}_l0"
            )
    ref.load_state_dict(state)
    X = torch.randn(4, 12, 5)
    packed = pack_padded_sequence(X, LENGTHS, batch_first=True, enforce_sorted=False)
    out, (h_n, _) = ref(packed)
    if pooling == "last":
        expected = torch.cat([h_n[-2], h_n[-1]], dim=1)
    else:
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=12)
        mask = (torch.arange(12)[None, :] < LENGTHS[:, None]).unsqueeze(-1)
        expected = (out * mask).sum(1) / LENGTHS[:, None]
    torch.testing.assert_close(module.embed(X, LENGTHS), expected, rtol=1e-4, atol=1e-5)


def test_cnn_handles_one_frame_and_reports_feature_maps():
    cnn = CNN(4, 2, channels=(3, 5)).eval()
    assert cnn(torch.randn(2, 1, 4)).shape == (2, 2)
    maps, lengths = cnn.feature_maps(torch.randn(2, 9, 4), torch.tensor([9, 4]))
    assert [m.shape[1] for m in maps] == [3, 5]
    assert lengths.tolist() == [3, 1]


def test_bad_pooling_is_named():
    with pytest.raises(ValueError, match="pooling"):
        LSTM(5, 3, pooling="max")
