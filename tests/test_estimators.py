"""Tests of the four estimators: input forms, labels, learning, sklearn tools."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback

from spectroclf import (
    CNNClassifier,
    CNNRegressor,
    LSTMClassifier,
    LSTMRegressor,
    PadTruncate,
    spearman_score,
    spearman_scorer,
)

FAST = {"max_epochs": 8, "lr": 0.01, "random_state": 0}
CLASSIFIERS = [
    LSTMClassifier(hidden_size=16, **FAST),
    CNNClassifier(channels=(8, 8), **FAST),
]
REGRESSORS = [
    LSTMRegressor(hidden_size=16, **FAST),
    CNNRegressor(channels=(8, 8), **FAST),
]


def _ids(estimators):
    return [type(e).__name__ for e in estimators]


def make_ragged(n=48, n_bins=6, n_classes=3, seed=0):
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


def make_regression(n=60, n_bins=5, seed=0):
    rng = np.random.default_rng(seed)
    level = rng.uniform(-2, 2, size=n)
    spread = rng.uniform(0.2, 2, size=n)
    X = [(level[i] + spread[i] * rng.normal(size=(int(rng.integers(3, 12)), n_bins)))
         .astype(np.float32) for i in range(n)]
    y = np.column_stack([level, spread])
    return X, y


@pytest.mark.parametrize("est", CLASSIFIERS, ids=_ids(CLASSIFIERS))
class TestClassifiers:
    def test_learns_string_labels(self, est):
        X, y = make_ragged()
        clf = clone(est).fit(X[:36], y[:36])
        pred = clf.predict(X[36:])
        assert pred.dtype.kind == "U" and set(pred) <= {"rock", "pop", "jazz"}
        assert accuracy_score(y[36:], pred) > 0.8  # chance is 1/3
        assert list(clf.classes_) == ["jazz", "pop", "rock"]
        assert clf.n_features_in_ == 6

    def test_predict_proba_sums_to_one(self, est):
        X, y = make_ragged()
        proba = clone(est).set_params(max_epochs=1).fit(X, y).predict_proba(X)
        assert proba.shape == (len(X), 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)

    def test_input_forms_agree(self, est):
        """A list, PadTruncate's dict and the padded 3-D array give the same
        predictions when all clips have the same length."""
        X, y = make_ragged()
        X = [x[:4] for x in X]
        clf = clone(est).set_params(max_epochs=2).fit(X, y)
        as_dict = PadTruncate().fit_transform(X)
        p_list = clf.predict_proba(X)
        np.testing.assert_allclose(clf.predict_proba(as_dict), p_list, atol=1e-6)
        np.testing.assert_allclose(clf.predict_proba(np.stack(X)), p_list, atol=1e-6)

    def test_padding_is_ignored(self, est):
        """A clip predicts the same alone and padded inside a dict batch."""
        X, y = make_ragged()
        clf = clone(est).set_params(max_epochs=1).fit(X, y)
        padded = PadTruncate(max_len=20, pad_value=7.0).fit_transform(X)
        np.testing.assert_allclose(
            clf.predict_proba(padded), clf.predict_proba(X), atol=1e-5
        )

    def test_same_seed_same_predictions(self, est):
        X, y = make_ragged()
        a = clone(est).fit(X, y).predict_proba(X)
        b = clone(est).fit(X, y).predict_proba(X)
        np.testing.assert_array_equal(a, b)

    def test_seeding_leaves_global_rng_alone(self, est):
        X, y = make_ragged()
        torch.manual_seed(123)
        expected = torch.rand(1)
        torch.manual_seed(123)
        clone(est).set_params(max_epochs=1).fit(X, y)
        assert torch.rand(1) == expected

    def test_validation_history_and_early_stopping(self, est):
        X, y = make_ragged(n=60)
        clf = clone(est).set_params(
            max_epochs=30, validation_fraction=0.25, early_stopping=True,
            n_iter_no_change=2,
        ).fit(X, y)
        hist = clf.history_
        assert {"train_loss", "valid_loss", "valid_acc"} <= set(hist[-1])
        assert clf.n_epochs_ == len(hist) <= 30

    def test_class_weight(self, est):
        X, y = make_ragged()
        clf = clone(est).set_params(max_epochs=1, class_weight="balanced").fit(X, y)
        weight = clf.net_.criterion_.weight
        np.testing.assert_allclose(weight.cpu().numpy(), 1.0)
        clf = clone(est).set_params(max_epochs=1, class_weight={"rock": 3.0}).fit(X, y)
        np.testing.assert_allclose(clf.net_.criterion_.weight.cpu().numpy(), [1, 1, 3])

    def test_user_callbacks_are_called_and_not_mutated(self, est):
        class Count(Callback):
            def __init__(self):
                self.epochs = 0

            def on_epoch_end(self, net, **kwargs):
                self.epochs += 1
                net.history.record("seen", self.epochs)

        cb = Count()
        X, y = make_ragged()
        clf = clone(est).set_params(max_epochs=3, callbacks=[cb]).fit(X, y)
        assert clf.history_[:, "seen"] == [1, 2, 3]
        assert cb.epochs == 0

    def test_pickle_round_trip(self, est):
        X, y = make_ragged()
        clf = clone(est).set_params(max_epochs=1).fit(X, y)
        again = pickle.loads(pickle.dumps(clf))
        np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))

    def test_pipeline_grid_search_and_reports(self, est):
        X, y = make_ragged(n=45)
        pipe = Pipeline([("pad", PadTruncate(max_len=10)), ("clf", clone(est))])
        search = GridSearchCV(
            pipe, {"clf__max_epochs": [1, 6]}, cv=3, n_jobs=2
        ).fit(X, y)
        assert search.best_params_["clf__max_epochs"] in (1, 6)
        pred = search.predict(X)
        report = classification_report(y, pred, output_dict=True, zero_division=0)
        assert set(report) >= {"rock", "pop", "jazz"}
        assert confusion_matrix(y, pred).sum() == len(y)
        scores = cross_val_score(clone(est).set_params(max_epochs=1), X, y, cv=3)
        assert scores.shape == (3,)


@pytest.mark.parametrize("est", REGRESSORS, ids=_ids(REGRESSORS))
class TestRegressors:
    def test_learns_multiple_targets(self, est):
        X, y = make_regression()
        reg = clone(est).set_params(max_epochs=25).fit(X[:45], y[:45])
        pred = reg.predict(X[45:])
        assert pred.shape == (15, 2) and pred.dtype == np.float64
        assert reg.n_outputs_ == 2
        assert spearman_score(y[45:], pred) > 0.5

    def test_single_target_keeps_shape(self, est):
        X, y = make_regression()
        reg = clone(est).set_params(max_epochs=1).fit(X, y[:, 0])
        assert reg.predict(X).shape == (len(X),)

    def test_predictions_on_target_scale(self, est):
        """Targets are standardised inside; predictions come back in y's units."""
        X, y = make_regression()
        y = 100.0 + 10.0 * y
        pred = clone(est).set_params(max_epochs=25).fit(X, y).predict(X)
        assert abs(pred.mean() - y.mean()) < 5.0

    def test_valid_spearman_in_history(self, est):
        X, y = make_regression()
        reg = clone(est).set_params(max_epochs=2, validation_fraction=0.2).fit(X, y)
        assert -1.0 <= reg.history_[-1, "valid_spearman"] <= 1.0

    def test_spearman_scorer_in_cross_validation(self, est):
        X, y = make_regression()
        scores = cross_val_score(
            clone(est).set_params(max_epochs=2), X, y, cv=3, scoring=spearman_scorer
        )
        assert np.all((scores >= -1) & (scores <= 1))


def test_transfer_learning_copies_body_and_freezes():
    X, y = make_ragged()
    clf = CNNClassifier(channels=(8, 8), **FAST).fit(X, y)
    y_reg = np.array([x[:, 0].mean() for x in X])
    reg = CNNRegressor(
        channels=(8, 8), init_from=clf, freeze=True, max_epochs=3, random_state=0
    ).fit(X, y_reg)
    theirs = clf.net_.module_.state_dict()
    ours = reg.net_.module_.state_dict()
    for key in theirs:
        if key.startswith("blocks.") and "running" not in key and "num_batches" not in key:
            torch.testing.assert_close(ours[key], theirs[key])
    assert not torch.equal(ours["head.weight"][:1], torch.zeros_like(ours["head.weight"][:1]))


def test_transfer_learning_rejects_other_family_or_shape():
    X, y = make_ragged()
    lstm = LSTMClassifier(hidden_size=8, max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="same family"):
        CNNRegressor(init_from=lstm, max_epochs=1).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="same architecture"):
        LSTMRegressor(hidden_size=4, init_from=lstm, max_epochs=1).fit(X, np.zeros(len(X)))


def test_checkpoint_resumes_to_max_epochs(tmp_path):
    X, y = make_ragged()
    LSTMClassifier(hidden_size=8, max_epochs=2, random_state=0, checkpoint=tmp_path).fit(X, y)
    assert (tmp_path / "checkpoint.pt").exists()
    assert not list(tmp_path.glob("*.tmp"))
    clf = LSTMClassifier(hidden_size=8, max_epochs=5, random_state=0, checkpoint=tmp_path)
    clf.fit(X, y)
    assert clf.n_epochs_ == 5
    assert [row["epoch"] for row in clf.history_] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="different model"):
        LSTMClassifier(hidden_size=4, max_epochs=5, checkpoint=tmp_path).fit(X, y)


def test_device_auto_resolves():
    X, y = make_ragged()
    clf = LSTMClassifier(hidden_size=4, max_epochs=1, device="auto").fit(X, y)
    assert clf.device_ == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit_predicts_like_cpu_after_pickle():
    X, y = make_ragged()
    clf = LSTMClassifier(hidden_size=8, max_epochs=2, device="cuda", random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize(
    "X, message",
    [
        ([np.ones((3, 6)), np.ones((3, 5))], "expected 6 bins"),
        ([np.ones((0, 6))], "0 frames"),
        ([np.full((3, 6), np.nan)], "NaN"),
        ([], "empty"),
        ({"X": np.ones((2, 3, 6))}, "lengths"),
    ],
)
def test_bad_spectrograms(X, message):
    with pytest.raises(ValueError, match=message):
        LSTMClassifier(max_epochs=1).fit(X, ["a", "b"][: len(X)] if len(X) != 1 else ["a"])


def test_wrong_bins_at_predict():
    X, y = make_ragged()
    clf = LSTMClassifier(hidden_size=4, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="expecting 6 features"):
        clf.predict([np.ones((5, 7))])


def test_one_class_and_length_mismatch():
    X, y = make_ragged()
    with pytest.raises(ValueError, match="only one class"):
        LSTMClassifier(max_epochs=1).fit(X, ["rock"] * len(X))
    with pytest.raises(ValueError, match="48 samples but y has 47"):
        LSTMClassifier(max_epochs=1).fit(X, y[:-1])


def test_stratified_split_needs_two_per_class():
    X, y = make_ragged()
    y = y.copy()
    y[0] = "solo"
    with pytest.raises(ValueError, match="'solo' has only one sample.*min_count"):
        LSTMClassifier(max_epochs=1, validation_fraction=0.2).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu_names_the_fix():
    X, y = make_ragged()
    with pytest.raises(ValueError, match="device='auto'"):
        LSTMClassifier(device="cuda").fit(X, y)


def test_invalid_parameter_is_reported_by_name():
    X, y = make_ragged()
    with pytest.raises(ValueError, match="hidden_size"):
        LSTMClassifier(hidden_size=0).fit(X, y)
