"""Tests of the LSTM estimators (spectroclf.nets._lstm): every parameter reaches
what it configures -- the network's layers, the training batches' augmentation,
transfer -- for the classifier and the regressor alike."""

import pytest
import torch
from torch import nn

from spectroclf import LSTMClassifier, LSTMRegressor
from spectroclf.nets._augment import AugmentCollate


@pytest.fixture(params=[LSTMClassifier, LSTMRegressor], ids=lambda c: c.__name__)
def fit(request, make_ragged, make_regression):
    """``fit(**params) -> fitted estimator`` of the classifier or the regressor."""
    cls = request.param
    X, y = make_ragged(n=24) if cls is LSTMClassifier else make_regression(n=24)

    def _fit(**params):
        return cls(**{"max_epochs": 1, "random_state": 0, **params}).fit(X, y)
    return _fit


def test_architecture_parameters_build_the_network(fit):
    module = fit(hidden_size=5, num_layers=2, bidirectional=False, dropout=0.3,
                 pooling="last", head_hidden=[7]).net_.module_
    assert [layer.hidden_size for layer in module.forward_layers] == [5, 5]
    assert len(module.backward_layers) == 0
    assert module.dropout.p == 0.3 and module.pooling == "last"
    assert [layer.out_features for layer in module.hidden
            if isinstance(layer, nn.Linear)] == [7]
    assert module.head.in_features == 7


def test_default_network(fit):
    """One bidirectional layer of 64 units, dropout 0.2, mean pooling, no MLP."""
    module = fit().net_.module_
    assert [layer.hidden_size for layer in module.forward_layers] == [64]
    assert len(module.backward_layers) == 1
    assert module.dropout.p == 0.2 and module.pooling == "mean"
    assert len(module.hidden) == 0 and module.head.in_features == 128


def test_augmentation_parameters_reach_the_training_batches(fit):
    est = fit(crop_frames=4, time_mask=2, freq_mask=1, mixup=0.2)
    collate = est.net_.iterator_train__collate_fn
    assert isinstance(collate, AugmentCollate)
    assert (collate.crop_frames, collate.time_mask, collate.freq_mask,
            collate.mixup) == (4, 2, 1, 0.2)


def test_freeze_trains_only_the_output_layer(fit):
    source = fit(hidden_size=4)
    est = fit(hidden_size=4, init_from=source, freeze=True)
    trainable = {name for name, p in est.net_.module_.named_parameters()
                 if p.requires_grad}
    assert trainable == {"head.weight", "head.bias"}
    body = {k: v for k, v in est.net_.module_.state_dict().items()
            if not k.startswith("head.")}
    for key, value in body.items():
        torch.testing.assert_close(value, source.net_.module_.state_dict()[key])
