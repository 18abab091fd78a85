"""Tests of spectroclf.models.LSTM."""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from spectroclf.models import LSTM

LENGTHS = torch.tensor([12, 7, 3, 1])


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



def test_bad_pooling_is_named():
    with pytest.raises(ValueError, match="pooling"):
        LSTM(5, 3, pooling="max")
