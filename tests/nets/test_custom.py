"""Tests of spectroclf.nets._custom: any torch module as a classifier or a regressor."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from scipy.stats import binom
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from spectroclf import NetClassifier, NetRegressor, save_model
from spectroclf.models import LSTM

FAST = {"max_epochs": 20, "lr": 0.01, "batch_size": 64, "random_state": 0}


class MeanMLP(nn.Module):
    """The documented contract: standardised, zero-padded X and the valid lengths."""

    def __init__(self, n_bins, n_outputs, hidden=16):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_bins, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, n_outputs)

    def forward(self, X, lengths):
        return self.head(self.body(X.sum(1) / lengths[:, None]))


class Spy(nn.Module):
    """Records what the estimator hands the module."""

    seen = []

    def __init__(self, n_bins, n_outputs):
        super().__init__()
        self.head = nn.Linear(n_bins, n_outputs)

    def forward(self, X, lengths):
        Spy.seen.append((X.detach().clone(), lengths.clone()))
        return self.head(X.sum(1) / lengths[:, None])


@parametrize_with_checks(
    [
        NetClassifier(module=LSTM, module_params={"hidden_size": 8}, **FAST),
        NetRegressor(module=LSTM, module_params={"hidden_size": 8}, **FAST),
    ]
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


class TestNetClassifier:
    def test_learns_held_out(self, make_ragged):
        """3 balanced classes: chance is 1/3. On 48 held-out clips, P(>= 36
        right by chance) = binom.sf(35, 48, 1/3) < 1e-8, so 0.75 is learning."""
        X, y = make_ragged(n=144)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=48, stratify=y,
                                                  random_state=0)
        assert binom.sf(35, 48, 1 / 3) < 1e-8
        clf = NetClassifier(module=MeanMLP, **FAST).fit(X_tr, y_tr)
        assert np.mean(clf.predict(X_te) == y_te) >= 0.75
        proba = clf.predict_proba(X_te)
        np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
        assert set(clf.predict(X_te)) <= set(clf.classes_)

    def test_module_sees_standardised_zero_padded_batches(self, make_ragged):
        X, y = make_ragged(n=12)
        Spy.seen.clear()
        NetClassifier(module=Spy, max_epochs=1, batch_size=12, random_state=0).fit(X, y)
        Xb, lengths = Spy.seen[0]
        assert Xb.shape[0] == 12 and sorted(lengths.tolist()) == sorted(len(x) for x in X)
        for i, n in enumerate(lengths.tolist()):
            assert torch.all(Xb[i, n:] == 0)  # padding is exactly zero
        frames = torch.cat([Xb[i, :n] for i, n in enumerate(lengths.tolist())])
        np.testing.assert_allclose(frames.mean(0).numpy(), 0.0, atol=1e-5)
        np.testing.assert_allclose(frames.std(0, unbiased=False).numpy(), 1.0, atol=1e-4)

    def test_module_params_are_searchable(self, make_ragged):
        X, y = make_ragged()
        search = GridSearchCV(
            NetClassifier(module=MeanMLP, max_epochs=2, random_state=0),
            {"module_params": [{"hidden": 4}, {"hidden": 8}]}, cv=2,
        ).fit(X, y)
        hidden = search.best_estimator_.net_.module_.body.body[0].out_features
        assert hidden == search.best_params_["module_params"]["hidden"]

    def test_clone_and_pickle(self, make_ragged):
        X, y = make_ragged()
        clf = NetClassifier(module=MeanMLP, max_epochs=2, random_state=0).fit(X, y)
        assert clone(clf).get_params()["module"] is MeanMLP
        again = pickle.loads(pickle.dumps(clf))
        np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))

    @pytest.mark.parametrize("module", [MeanMLP(4, 2), "MeanMLP", nn.Linear(2, 2)])
    def test_module_must_be_a_module_class(self, make_ragged, module):
        X, y = make_ragged()
        with pytest.raises((TypeError, ValueError), match="module"):
            NetClassifier(module=module, max_epochs=1).fit(X, y)

    def test_a_class_that_is_no_module(self, make_ragged):
        X, y = make_ragged()
        with pytest.raises(TypeError) as exc:
            NetClassifier(module=dict, max_epochs=1).fit(X, y)
        assert str(exc.value) == (
            "module must be a torch.nn.Module class (not an instance), got <class "
            "'dict'>; it is built in fit as module(n_bins=..., n_outputs=..., "
            "**module_params)")

    @pytest.mark.parametrize("cls, own", [
        (NetClassifier, {"class_weight": "balanced"}),
        (NetRegressor, {"target_weights": [1.0, 0.5]}),
    ])
    def test_every_parameter_is_stored(self, cls, own):
        params = {
            "module": MeanMLP, "module_params": {"hidden": 3}, "lr": 0.1,
            "max_epochs": 2, "batch_size": 4, "bucket_by_length": True,
            "optimizer": "sgd", "weight_decay": 0.5, "validation_fraction": 0.2,
            "early_stopping": True, "n_iter_no_change": 2, "tol": 0.5,
            "callbacks": ["cb"], "checkpoint": "ck", "init_from": "est",
            "freeze": True, "device": "cpu", "accelerator": "acc", "amp": "bfloat16",
            "random_state": 3, "verbose": 2, "criterion": "l1", **own,
        }
        if cls is NetClassifier:
            params["criterion"] = torch.nn.CrossEntropyLoss
        assert cls(**params).get_params(deep=False) == params

    def test_save_model_refuses_code_with_a_reason(self, make_ragged, tmp_path):
        X, y = make_ragged()
        clf = NetClassifier(module=MeanMLP, max_epochs=1, random_state=0).fit(X, y)
        with pytest.raises(TypeError, match="module class of yours.*joblib"):
            save_model(clf, tmp_path / "m.pt")

    @pytest.mark.parametrize("cls, own", [
        (NetClassifier, {"class_weight": None, "criterion": "cross_entropy",
                         "max_epochs": 30}),
        (NetRegressor, {"criterion": "mse", "target_weights": None, "max_epochs": 15}),
    ])
    def test_documented_defaults(self, cls, own):
        """The defaults the docstrings state (``module`` has none)."""
        assert cls(module=MeanMLP).get_params(deep=False) == {
            "module": MeanMLP, "module_params": None, "accelerator": None, "amp": "auto",
            "batch_size": 32, "bucket_by_length": False, "callbacks": None,
            "checkpoint": None, "device": "auto", "early_stopping": False, "freeze": False,
            "init_from": None, "lr": 0.001, "n_iter_no_change": 5, "optimizer": "adam",
            "random_state": None, "tol": 0.0001, "validation_fraction": None, "verbose": 0,
            "weight_decay": 0.0, **own,
        }
        assert f"max_epochs : int, default={own['max_epochs']}" in cls.__doc__
        assert "lr : float, default=0.001" in cls.__doc__


class TestNetRegressor:
    def test_predicts_in_the_units_of_y(self, make_regression):
        """The level of each clip, scaled to ~1000 +- 100: a prediction left in
        standardised units would be ~1000 off; predicting the training mean is
        off by the targets' spread. A mean-pooling module sees the level."""
        X, y = make_regression(n=120)
        level = 1000 + 100 * y[:, 0]
        reg = NetRegressor(module=MeanMLP, **FAST).fit(X[:90], level[:90])
        pred = reg.predict(X[90:])
        assert pred.shape == (30,)
        baseline = np.abs(level[90:] - level[:90].mean()).mean()
        assert np.abs(pred - level[90:]).mean() < 0.3 * baseline

    def test_init_from_copies_all_but_the_head(self, make_ragged, make_regression):
        X, labels = make_ragged(n_bins=5)
        clf = NetClassifier(module=MeanMLP, max_epochs=2, random_state=0).fit(X, labels)
        reg = NetRegressor(module=MeanMLP, init_from=clf, freeze=True, max_epochs=2,
                           random_state=0).fit(X, np.arange(len(X), dtype=float))
        theirs, ours = clf.net_.module_.state_dict(), reg.net_.module_.state_dict()
        for key in ours:
            if not key.startswith("body.head."):
                torch.testing.assert_close(ours[key], theirs[key])

    def test_init_from_a_different_shape_names_both(self, make_ragged):
        X, labels = make_ragged(n_bins=5)
        clf = NetClassifier(module=MeanMLP, module_params={"hidden": 8}, max_epochs=1,
                            random_state=0).fit(X, labels)
        with pytest.raises(ValueError, match=r"\(8, 5\) in init_from vs \(4, 5\) here"):
            NetRegressor(module=MeanMLP, module_params={"hidden": 4}, init_from=clf,
                         max_epochs=1).fit(X, np.arange(len(X), dtype=float))

