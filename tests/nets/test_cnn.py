"""Tests of the CNN estimators (spectroclf.nets._cnn): every parameter reaches
what it configures -- the network's blocks, batch normalisation and the batches
it needs, the training batches' augmentation, transfer -- for the classifier and
the regressor alike."""

import pytest
import torch
from torch import nn

from spectroclf import CNNClassifier, CNNRegressor
from spectroclf.nets._augment import AugmentCollate


@pytest.fixture(params=[CNNClassifier, CNNRegressor], ids=lambda c: c.__name__)
def fit(request, make_ragged, make_regression):
    """``fit(n=24, **params) -> fitted estimator`` of the classifier or the regressor."""
    cls = request.param

    def _fit(n=24, **params):
        X, y = make_ragged(n=n) if cls is CNNClassifier else make_regression(n=n)
        return cls(**{"max_epochs": 1, "random_state": 0, **params}).fit(X, y)
    return _fit


def _layers(module, kind):
    return [layer for block in module.blocks for layer in block if isinstance(layer, kind)]


def test_architecture_parameters_build_the_network(fit):
    module = fit(channels=(3, 5), kernel_size=5, dropout=0.3, pool_size=3,
                 batch_norm=False, head_hidden=[7]).net_.module_
    convs = _layers(module, nn.Conv2d)
    assert [c.out_channels for c in convs] == [3, 5]
    assert {c.kernel_size for c in convs} == {(5, 5)}
    assert _layers(module, nn.BatchNorm2d) == [] and all(c.bias is not None for c in convs)
    assert module.pool_size == 3 and module.dropout.p == 0.3
    assert [layer.out_features for layer in module.hidden
            if isinstance(layer, nn.Linear)] == [7]


def test_default_network(fit):
    """Four conv -> BatchNorm -> ReLU blocks of 16, 32, 64, 64 channels, 3x3
    kernels, max-pooling by 2, dropout 0.2, no MLP."""
    module = fit().net_.module_
    convs = _layers(module, nn.Conv2d)
    assert [c.out_channels for c in convs] == [16, 32, 64, 64]
    assert {c.kernel_size for c in convs} == {(3, 3)}
    assert len(_layers(module, nn.BatchNorm2d)) == 4
    assert module.pool_size == 2 and module.dropout.p == 0.2 and len(module.hidden) == 0


@pytest.mark.parametrize("batch_norm", [True, False])
def test_batch_norm_drops_a_last_batch_of_one_clip(fit, batch_norm):
    """17 clips in batches of 8 leave one clip alone, which batch normalisation
    cannot train on: that batch is dropped with batch_norm only."""
    est = fit(n=17, channels=(2,), batch_size=8, batch_norm=batch_norm)
    assert est.net_.iterator_train__drop_last is batch_norm
    assert est.net_.history[-1, "train_batch_count"] == (2 if batch_norm else 3)


def test_augmentation_parameters_reach_the_training_batches(fit):
    est = fit(channels=(2,), crop_frames=4, time_mask=2, freq_mask=1, mixup=0.2)
    collate = est.net_.iterator_train__collate_fn
    assert isinstance(collate, AugmentCollate)
    assert (collate.crop_frames, collate.time_mask, collate.freq_mask,
            collate.mixup) == (4, 2, 1, 0.2)


def test_freeze_trains_only_the_output_layer(fit):
    source = fit(channels=(2, 3))
    est = fit(channels=(2, 3), init_from=source, freeze=True)
    trainable = {name for name, p in est.net_.module_.named_parameters()
                 if p.requires_grad}
    assert trainable == {"head.weight", "head.bias"}
    # the body, batch-normalisation statistics included, is the source's
    state = source.net_.module_.state_dict()
    for key, value in est.net_.module_.state_dict().items():
        if not key.startswith("head."):
            torch.testing.assert_close(value, state[key], rtol=0, atol=0)
    X = torch.randn(4, 10, est.n_features_in_)
    torch.testing.assert_close(est.net_.module_.eval().embed(X),
                               source.net_.module_.eval().embed(X))
