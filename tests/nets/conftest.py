"""Fixtures of the estimator tests: small, learnable ragged data."""

import numpy as np
import pytest
from skorch.callbacks import Callback


def _make_ragged(n=48, n_bins=6, n_classes=3, seed=0):
    """Separable ragged spectrograms: class k lifts bins k*2..k*2+1."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(n):
        k = i % n_classes
        x = rng.normal(size=(int(rng.integers(4, 16)), n_bins)).astype(np.float32)
        x[:, 2 * k : 2 * k + 2] += 2.5
        X.append(x)
        y.append(["rock", "pop", "jazz"][k])
    return X, np.array(y)


def _make_regression(n=60, n_bins=5, seed=0):
    """Ragged spectrograms whose level and spread are the two targets."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(-2, 2, size=n)
    spread = rng.uniform(0.2, 2, size=n)
    X = [(level[i] + spread[i] * rng.normal(size=(int(rng.integers(3, 12)), n_bins)))
         .astype(np.float32) for i in range(n)]
    y = np.column_stack([level, spread])
    return X, y


@pytest.fixture
def make_ragged():
    """``make_ragged(n=48, n_bins=6, n_classes=3, seed=0) -> (X, y)``: string labels."""
    return _make_ragged


@pytest.fixture
def make_regression():
    """``make_regression(n=60, n_bins=5, seed=0) -> (X, y)``: two targets."""
    return _make_regression


class _ValidationBatches(Callback):
    """Records the targets and the network's outputs of every validation batch.

    Pass one as the first of an estimator's ``callbacks``; the estimator trains
    a copy, which :meth:`of` reads back.
    """

    def on_train_begin(self, net, **kwargs):
        self.batches = []

    def on_batch_end(self, net, batch, training=False, y_pred=None, **kwargs):
        if not training:
            self.batches.append((len(net.history), np.asarray(batch[1]),
                                 y_pred.detach().numpy()))

    @staticmethod
    def of(est, epoch=1):
        """``(targets, outputs)`` of ``est``'s validation clips in ``epoch``."""
        batches = dict(est.net_.callbacks_)["user_0"].batches
        return (np.concatenate([t for e, t, _ in batches if e == epoch]),
                np.concatenate([o for e, _, o in batches if e == epoch]))


@pytest.fixture
def validation_batches():
    """The callback class that records each epoch's validation targets and outputs."""
    return _ValidationBatches
