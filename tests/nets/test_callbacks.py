"""Tests of the callbacks the estimators add (spectroclf.nets._callbacks): early
stopping by an absolute tolerance that restores the lowest validation loss,
checkpoints written by one process only, and the error of a diverged fit."""

import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from spectroclf import CNNClassifier, CNNRegressor, LSTMRegressor
from spectroclf.nets._callbacks import _Checkpoint


class _RecordWeights(Callback):
    def on_epoch_end(self, net, **kwargs):
        net.history.record("weights", {k: v.detach().clone()
                                       for k, v in net.module_.state_dict().items()})


def _stop_epoch(losses, tol, patience, mode="abs"):
    """The epoch (1-based) at which the rule stops on these losses, or None."""
    threshold, misses = np.inf, 0
    for epoch, loss in enumerate(losses, 1):
        if loss < threshold:
            misses = 0
            threshold = loss - (tol if mode == "abs" else tol * loss)
        else:
            misses += 1
        if misses == patience:
            return epoch
    return None


def _fit(make_regression, **params):
    X, y = make_regression(n=60)
    kw = dict(hidden_size=8, lr=0.05, max_epochs=30, early_stopping=True,
              validation_fraction=0.25, random_state=0,
              callbacks=[("record", _RecordWeights())])
    return LSTMRegressor(**{**kw, **params}).fit(X, y)


class TestEarlyStopping:
    def test_tol_is_an_absolute_improvement(self, make_regression):
        """It stops after n_iter_no_change epochs that beat the best loss by less
        than tol (in the loss's units, not relative to it)."""
        est = _fit(make_regression, tol=0.2, n_iter_no_change=2)
        losses = est.history_[:, "valid_loss"]
        assert est.n_epochs_ == _stop_epoch(losses, 0.2, 2) < 30
        # the data tells the absolute rule from a relative one
        assert _stop_epoch(losses, 0.2, 2, mode="rel") != est.n_epochs_
        stopper = dict(est.net_.callbacks_)["early_stopping"]
        assert stopper.get_params()["tol"] == 0.2

    def test_restores_the_best_epoch_when_it_is_the_one_before_last(self,
                                                                   make_regression):
        est = _fit(make_regression, tol=0.0, n_iter_no_change=1)
        losses = est.history_[:, "valid_loss"]
        best = int(np.argmin(losses))
        assert best == len(losses) - 2  # one epoch without improvement, then stop
        weights = est.history_[best, "weights"]
        for name, value in est.net_.module_.state_dict().items():
            torch.testing.assert_close(value, weights[name], rtol=0, atol=0)

    def test_a_loss_that_is_never_finite_keeps_the_last_weights(self, make_regression):
        """A validation loss that is NaN every epoch (as a diverged fit's, here set
        by a callback) stops training; there is no best epoch to restore, no error."""

        class Diverged(Callback):
            def on_epoch_end(self, net, **kwargs):
                net.history.record("valid_loss", np.nan)

        est = _fit(make_regression, n_iter_no_change=2, max_epochs=6,
                   callbacks=[("diverged", Diverged()), ("record", _RecordWeights())])
        losses = est.history_[:, "valid_loss"]
        assert est.n_epochs_ == 2 and np.isnan(losses).all()
        last = est.history_[-1, "weights"]
        for name, value in est.net_.module_.state_dict().items():
            torch.testing.assert_close(value, last[name], rtol=0, atol=0,
                                       equal_nan=True)


class TestDiverged:
    """A fit whose loss or weights stop being finite raises at once, naming the
    epoch, the batch and what to change, instead of predicting NaN or failing
    later inside a score."""

    def _data(self, n=16):
        rng = np.random.RandomState(0)
        X = [rng.randn(12, 8).astype(np.float32) for _ in range(n)]
        return X, rng.rand(n), np.arange(n) % 2

    @pytest.mark.parametrize("cls", [LSTMRegressor, CNNRegressor, CNNClassifier])
    def test_a_training_loss_that_overflows(self, cls):
        X, y, labels = self._data()
        est = cls(lr=1e30, optimizer="sgd", batch_size=4, max_epochs=3, random_state=0)
        with pytest.raises(ValueError, match=(
                r"^training diverged in epoch 1: the training loss of batch 2 is "
                r"(nan|inf); lower lr \(now 1e\+30\)$")):
            est.fit(X, labels if cls is CNNClassifier else y)

    class _SpoilWeights(Callback):
        """Make a weight NaN after each training step, while its loss was finite."""

        def on_batch_end(self, net, training=False, **kwargs):
            if training:
                with torch.no_grad():
                    next(net.module_.parameters()).view(-1)[0] = float("nan")

    @pytest.mark.parametrize("validation_fraction, what", [
        # the validation batches see the spoilt weights first (counted per split)
        (0.2, "the validation loss of batch 1 is nan"),
        # one batch, no validation: the only loss was finite, the weights not
        (None, "the weights are no longer finite"),
    ])
    def test_weights_spoilt_by_a_step_whose_loss_was_finite(self, validation_fraction,
                                                           what):
        X, y, _ = self._data()  # 16 clips: one training batch
        est = CNNRegressor(batch_size=16, max_epochs=3, callbacks=[self._SpoilWeights()],
                           validation_fraction=validation_fraction, random_state=0)
        with pytest.raises(ValueError, match=re.escape(
                f"training diverged in epoch 1: {what}; lower lr (now 0.001)") + "$"):
            est.fit(X, y)

    def test_mixed_precision_is_named_as_a_cause(self):
        X, y, _ = self._data()
        est = LSTMRegressor(lr=1e30, optimizer="sgd", batch_size=4, max_epochs=3,
                            amp=True, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bfloat16 emulated on some CPUs
            with pytest.raises(ValueError, match=(
                    r"; lower lr \(now 1e\+30\) or train in float32 "
                    r"\(amp=False; now torch.bfloat16\)$")):
                est.fit(X, y)

    def test_a_fit_that_stays_finite_is_not_stopped(self):
        X, y, _ = self._data()
        est = CNNRegressor(lr=0.01, optimizer="sgd", batch_size=4, max_epochs=3,
                           validation_fraction=0.25, random_state=0).fit(X, y)
        assert est.n_epochs_ == 3 and np.isfinite(est.predict(X)).all()


class TestCheckpoint:
    def _net(self, *, main):
        module = torch.nn.Linear(2, 1)
        accelerator = SimpleNamespace(
            is_main_process=main,
            unwrap_model=lambda m, keep_fp32_wrapper=False: m)
        history = [{"epoch": 1, "train_loss": np.float64(0.5)}]
        return SimpleNamespace(
            accelerator=accelerator, module_=module,
            optimizer_=torch.optim.SGD(module.parameters(), lr=0.1),
            history=SimpleNamespace(to_list=lambda: history))

    def test_only_the_main_process_writes(self, tmp_path):
        path = tmp_path / "checkpoint.pt"
        _Checkpoint(path, {"model": "x"}).on_epoch_end(self._net(main=False))
        assert not path.exists()
        net = self._net(main=True)
        _Checkpoint(path, {"model": "x"}).on_epoch_end(net)
        state = torch.load(path, weights_only=True)
        assert state["meta"] == {"model": "x"}
        assert state["history"] == [{"epoch": 1, "train_loss": 0.5}]
        assert type(state["history"][0]["train_loss"]) is float
        torch.testing.assert_close(state["module"]["weight"], net.module_.weight.data)
        assert set(state["optimizer"]) == {"state", "param_groups"}
        assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
