"""Tests of the task side of the four estimators (spectroclf.nets._targets): labels and
targets, learning, predict / predict_proba, and scikit-learn's tools around them."""

import pickle
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score, classification_report, r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
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
from spectroclf.nets._targets import standardize_targets

FAST = {"max_epochs": 8, "lr": 0.01, "random_state": 0}
CLASSIFIERS = [
    LSTMClassifier(hidden_size=16, **FAST),
    CNNClassifier(channels=(8, 8), **FAST),
]
REGRESSORS = [
    LSTMRegressor(hidden_size=16, **FAST),
    CNNRegressor(channels=(8, 8), **FAST),
]


class _RecordWeights(Callback):
    """Records a copy of the module's weights in the history after every epoch."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("weights", {k: v.detach().clone()
                                       for k, v in net.module_.state_dict().items()})


def _noise_labels(n=60, n_bins=6, seed=1):
    """Ragged noise with random labels: nothing to learn, so validation loss rises."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(int(rng.integers(4, 12)), n_bins)).astype(np.float32)
         for _ in range(n)]
    return X, rng.choice(["rock", "pop", "jazz"], size=n)


def _imbalanced(n_major, n_minor, n_bins=6, seed=0):
    """Two overlapping classes: "minor" lifts the first two bins by 0.3."""
    rng = np.random.default_rng(seed)
    y = np.array(["major"] * n_major + ["minor"] * n_minor)
    X = []
    for label in y:
        x = rng.normal(size=(int(rng.integers(4, 12)), n_bins)).astype(np.float32)
        x[:, :2] += 0.3 * (label == "minor")
        X.append(x)
    return X, y


def _ids(estimators):
    return [type(e).__name__ for e in estimators]


@pytest.mark.parametrize("est", CLASSIFIERS, ids=_ids(CLASSIFIERS))
class TestClassifiers:
    def test_learns_string_labels(self, est, make_ragged):
        """12 held-out clips, 3 balanced classes: an input-blind classifier gets 10
        or more right with probability scipy.stats.binom.sf(9, 12, 1/3) = 5e-4."""
        X, y = make_ragged()
        clf = clone(est).fit(X[:36], y[:36])
        pred = clf.predict(X[36:])
        assert pred.dtype.kind == "U" and set(pred) <= {"rock", "pop", "jazz"}
        assert accuracy_score(y[36:], pred) > 0.8  # chance is 1/3
        assert list(clf.classes_) == ["jazz", "pop", "rock"]
        assert clf.n_features_in_ == 6

    def test_predict_proba_sums_to_one(self, est, make_ragged):
        X, y = make_ragged()
        proba = clone(est).set_params(max_epochs=1).fit(X, y).predict_proba(X)
        assert proba.shape == (len(X), 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)

    def test_input_forms_agree(self, est, make_ragged):
        """A list, PadTruncate's dict and the padded 3-D array give the same
        predictions when all clips have the same length."""
        X, y = make_ragged()
        X = [x[:4] for x in X]
        clf = clone(est).set_params(max_epochs=2).fit(X, y)
        as_dict = PadTruncate().fit_transform(X)
        p_list = clf.predict_proba(X)
        np.testing.assert_allclose(clf.predict_proba(as_dict), p_list, atol=1e-6)
        np.testing.assert_allclose(clf.predict_proba(np.stack(X)), p_list, atol=1e-6)

    def test_padding_is_ignored(self, est, make_ragged):
        """A clip predicts the same alone and padded inside a dict batch."""
        X, y = make_ragged()
        clf = clone(est).set_params(max_epochs=1).fit(X, y)
        padded = PadTruncate(max_len=20, pad_value=7.0).fit_transform(X)
        np.testing.assert_allclose(
            clf.predict_proba(padded), clf.predict_proba(X), atol=1e-5
        )

    def test_same_seed_same_predictions(self, est, make_ragged):
        X, y = make_ragged()
        a = clone(est).fit(X, y).predict_proba(X)
        b = clone(est).fit(X, y).predict_proba(X)
        np.testing.assert_array_equal(a, b)

    def test_seeding_leaves_global_rng_alone(self, est, make_ragged):
        X, y = make_ragged()
        torch.manual_seed(123)
        expected = torch.rand(1)
        torch.manual_seed(123)
        clone(est).set_params(max_epochs=1).fit(X, y)
        assert torch.rand(1) == expected

    def test_validation_history_values(self, est, make_ragged):
        X, y = make_ragged(n=60)
        clf = clone(est).set_params(max_epochs=8, validation_fraction=0.25).fit(X, y)
        hist = clf.history_
        assert clf.n_epochs_ == len(hist) == 8
        assert hist[:, "epoch"] == list(range(1, 9))
        # separable data: the losses fall and the 15 held-out clips are learnt
        assert hist[-1, "train_loss"] < 0.5 * hist[0, "train_loss"]
        assert hist[-1, "valid_loss"] < hist[0, "valid_loss"]
        assert hist[-1, "valid_acc"] > 0.8

    def test_early_stopping_stops_and_restores_the_best_epoch(self, est):
        """Labels that are pure noise: the validation loss stops improving, so
        training stops before max_epochs and the weights of the epoch with the
        lowest validation loss are restored (not those of the last epoch)."""
        X, y = _noise_labels()
        clf = clone(est).set_params(
            max_epochs=40, lr=0.02, validation_fraction=0.25, early_stopping=True,
            n_iter_no_change=3, callbacks=[_RecordWeights()],
        ).fit(X, y)
        hist = clf.history_
        assert clf.n_epochs_ == len(hist) < 40
        best = int(np.argmin(hist[:, "valid_loss"]))
        # it stopped after n_iter_no_change epochs without improvement
        assert clf.n_epochs_ == best + 1 + 3
        weights = hist[:, "weights"]
        final = clf.net_.module_.state_dict()
        for name, value in final.items():
            torch.testing.assert_close(value, weights[best][name], rtol=0, atol=0)
        assert any(not torch.equal(value, weights[-1][name])
                   for name, value in final.items())

    def test_without_early_stopping_runs_every_epoch(self, est):
        X, y = _noise_labels()
        clf = clone(est).set_params(
            max_epochs=12, lr=0.02, validation_fraction=0.25, n_iter_no_change=3,
        ).fit(X, y)
        assert clf.n_epochs_ == 12

    def test_class_weight_dict(self, est, make_ragged):
        X, y = make_ragged()
        clf = clone(est).set_params(max_epochs=1, class_weight={"rock": 3.0}).fit(X, y)
        np.testing.assert_allclose(clf.net_.criterion_.weight.cpu().numpy(), [1, 1, 3])

    def test_class_weight_balanced_favours_the_minority_class(self, est):
        """On overlapping classes at 5:1, "balanced" weights (n / (2 * count))
        move predictions on a balanced held-out set toward the rare class."""
        X, y = _imbalanced(n_major=50, n_minor=10, seed=0)
        X_test, y_test = _imbalanced(n_major=40, n_minor=40, seed=1)
        plain = clone(est).set_params(max_epochs=15).fit(X, y)
        balanced = clone(est).set_params(max_epochs=15, class_weight="balanced")
        balanced.fit(X, y)
        assert list(balanced.classes_) == ["major", "minor"]
        np.testing.assert_allclose(
            balanced.net_.criterion_.weight.cpu().numpy(), [60 / 100, 60 / 20]
        )
        rare_plain = (plain.predict(X_test) == "minor").mean()
        rare_balanced = (balanced.predict(X_test) == "minor").mean()
        assert rare_balanced > rare_plain + 0.15  # 0.05-0.13 -> 0.34-0.36 when written

    def test_user_callbacks_are_called_and_not_mutated(self, est, make_ragged):
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

    def test_pickle_round_trip(self, est, make_ragged):
        X, y = make_ragged()
        clf = clone(est).set_params(max_epochs=1).fit(X, y)
        again = pickle.loads(pickle.dumps(clf))
        np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))

    def test_pipeline_grid_search_and_reports(self, est, make_ragged):
        X, y = make_ragged(n=60)
        pipe = Pipeline([("pad", PadTruncate(max_len=10)), ("clf", clone(est))])
        search = GridSearchCV(
            pipe, {"clf__max_epochs": [1, 8]}, cv=3, n_jobs=2
        ).fit(X[:45], y[:45])
        assert search.best_params_["clf__max_epochs"] == 8  # more training wins
        pred = search.predict(X[45:])
        report = classification_report(y[45:], pred, output_dict=True, zero_division=0)
        assert report["accuracy"] > 0.8  # chance is 1/3 on 15 held-out clips
        assert min(report[c]["recall"] for c in ("rock", "pop", "jazz")) > 0.5
        scores = cross_val_score(clone(est).set_params(max_epochs=8), X, y, cv=3)
        assert scores.shape == (3,) and scores.min() > 0.6


@pytest.mark.parametrize("est", REGRESSORS, ids=_ids(REGRESSORS))
class TestRegressors:
    def test_learns_multiple_targets(self, est, make_regression):
        X, y = make_regression()
        reg = clone(est).set_params(max_epochs=25).fit(X[:45], y[:45])
        pred = reg.predict(X[45:])
        assert pred.shape == (15, 2) and pred.dtype == np.float64
        assert reg.n_outputs_ == 2
        assert spearman_score(y[45:], pred) > 0.5

    def test_single_target_keeps_shape(self, est, make_regression):
        X, y = make_regression()
        reg = clone(est).set_params(max_epochs=1).fit(X, y[:, 0])
        assert reg.predict(X).shape == (len(X),)

    def test_predictions_on_target_scale(self, est, make_regression):
        """Targets are standardised inside; predictions come back in y's units:
        on held-out clips, R^2 against targets of mean ~100 and spread ~10 per
        unit (a model that forgot to undo the scaling predicts ~0: R^2 << 0)."""
        X, y = make_regression()
        y = np.column_stack([100.0 + 10.0 * y[:, 0], -50.0 + 0.1 * y[:, 1]])
        reg = clone(est).set_params(max_epochs=25).fit(X[:45], y[:45])
        pred = reg.predict(X[45:])
        r2 = r2_score(y[45:], pred, multioutput="raw_values")
        assert np.all(r2 > 0.5), r2
        np.testing.assert_allclose(pred.mean(axis=0), y[45:].mean(axis=0),
                                   atol=0.5 * y[45:].std(axis=0).max() + 0.05)

    def test_valid_spearman_in_history(self, est, make_regression):
        X, y = make_regression()
        reg = clone(est).set_params(max_epochs=25, validation_fraction=0.25).fit(X, y)
        rho = reg.history_[:, "valid_spearman"]
        assert len(rho) == 25 and rho[-1] > 0.5  # the 15 held-out clips are ranked
        assert reg.history_[-1, "valid_loss"] < reg.history_[0, "valid_loss"]

    def test_spearman_scorer_in_cross_validation(self, est, make_regression):
        """The scorer gives, per fold, spearman_score of that fold's predictions."""
        X, y = make_regression()
        cv = KFold(3)
        reg = clone(est).set_params(max_epochs=10)
        scores = cross_val_score(reg, X, y, cv=cv, scoring=spearman_scorer)
        expected = []
        for train, test in cv.split(X):
            fold = clone(reg).fit([X[i] for i in train], y[train])
            expected.append(spearman_score(y[test], fold.predict([X[i] for i in test])))
        np.testing.assert_allclose(scores, expected, rtol=1e-6)
        assert scores.mean() > 0.3  # learnt, and not negated as a loss would be


class TestLossChoice:
    """A student grid-searched MSE / L1 / SmoothL1 and weighted the targets of a
    multitask regressor ([2, 2, 1]); both are parameters of every regressor."""

    @pytest.mark.parametrize("est", [LSTMRegressor(hidden_size=4), CNNRegressor(channels=(4,))])
    def test_criterion_is_searchable(self, est, make_regression):
        from sklearn.model_selection import GridSearchCV

        X, y = make_regression(n=30)
        search = GridSearchCV(est.set_params(max_epochs=2, random_state=0),
                              {"criterion": ["mse", "l1", "smooth_l1"]}, cv=2).fit(X, y)
        assert type(search.best_estimator_.net_.criterion_).__name__ in {
            "MSELoss", "L1Loss", "SmoothL1Loss"}

    def test_l1_trains_with_l1(self, make_regression):
        X, y = make_regression(n=30)
        kw = dict(hidden_size=4, max_epochs=2, random_state=0)
        l1 = LSTMRegressor(criterion="l1", **kw).fit(X, y)
        mse = LSTMRegressor(**kw).fit(X, y)
        assert isinstance(l1.net_.criterion_, torch.nn.L1Loss)
        assert not np.allclose(l1.predict(X), mse.predict(X))

    @pytest.mark.parametrize("cls", [LSTMClassifier, CNNClassifier])
    def test_a_torch_loss_class_gets_logits_and_probabilities_stay_probabilities(
            self, cls, make_ragged):
        """A user's loss (a focal loss) gets the logits and the class indices, and
        predict_proba is still their softmax (skorch's "auto" would pass any
        loss other than CrossEntropyLoss the raw logits as probabilities)."""
        seen = []

        class FocalLoss(torch.nn.Module):
            def forward(self, logits, target):
                seen.append((logits.detach().clone(), target.clone()))
                ce = torch.nn.functional.cross_entropy(logits, target, reduction="none")
                return ((1 - torch.exp(-ce)) ** 2 * ce).mean()

        X, y = make_ragged(n=24)
        clf = cls(criterion=FocalLoss, max_epochs=2, random_state=0).fit(X, y)
        assert isinstance(clf.net_.criterion_, FocalLoss)
        logits, target = seen[0]
        assert logits.shape[1] == len(clf.classes_) and target.dtype == torch.int64
        assert (logits < 0).any()  # logits, not probabilities
        proba = clf.predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
        assert ((proba > 0) & (proba < 1)).all()
        np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X))

    def test_nll_loss_is_refused(self, make_ragged):
        """NLLLoss needs log-probabilities; given logits it trained on NaN."""
        X, y = make_ragged(n=24)
        with pytest.raises(ValueError, match=(
                r"^criterion=NLLLoss needs log-probabilities, but the network outputs "
                r"logits: use criterion='cross_entropy' \(log-softmax and negative "
                r"log-likelihood in one\)$")):
            LSTMClassifier(criterion=torch.nn.NLLLoss, max_epochs=1).fit(X, y)

    def test_unknown_loss_is_refused(self, make_regression):
        X, y = make_regression(n=20)
        with pytest.raises(ValueError, match="'criterion' parameter"):
            LSTMRegressor(criterion="huber").fit(X, y)


class TestTargetWeights:
    @pytest.mark.parametrize("est", [LSTMRegressor(hidden_size=4), CNNRegressor(channels=(4,))])
    def test_a_zero_weight_leaves_its_target_untrained(self, est, make_regression):
        """The output row of a zero-weighted target keeps its initial weights."""
        X, y = make_regression(n=30)
        y3 = np.column_stack([y, y[:, 0] * 2])
        est = est.set_params(random_state=0)
        start = clone(est).set_params(max_epochs=0).fit(X, y3)
        trained = clone(est).set_params(max_epochs=3, target_weights=[2, 0, 1]).fit(X, y3)
        w0 = start.net_.module_.head.weight.detach()
        w1 = trained.net_.module_.head.weight.detach()
        torch.testing.assert_close(w1[1], w0[1])
        assert not torch.allclose(w1[0], w0[0]) and not torch.allclose(w1[2], w0[2])

    def test_weights_change_the_loss(self, make_regression):
        X, y = make_regression(n=30)
        kw = dict(hidden_size=4, max_epochs=1, random_state=0)
        a = LSTMRegressor(**kw).fit(X, y).history_[0, "train_loss"]
        b = LSTMRegressor(target_weights=[2.0, 0.5], **kw).fit(X, y).history_[0, "train_loss"]
        assert a != b

    @pytest.mark.parametrize(
        "weights, match",
        [
            ([1.0], r"target_weights has shape \(1,\), but y has 2 target column"),
            ([1.0, -1.0], "finite and non-negative"),
            ([0, 0], "all zero"),
            (["a", 1], "must be numbers"),
        ],
    )
    def test_bad_weights(self, weights, match, make_regression):
        X, y = make_regression(n=20)
        with pytest.raises(ValueError, match=match):
            LSTMRegressor(target_weights=weights, max_epochs=1).fit(X, y)

    def test_weighted_model_round_trips(self, make_regression, tmp_path):
        from spectroclf import load_model, save_model

        X, y = make_regression(n=20)
        reg = CNNRegressor(channels=(4,), target_weights=[2, 1], criterion="l1",
                           max_epochs=1, random_state=0).fit(X, y)
        again = load_model(save_model(reg, tmp_path / "m.pt"))
        np.testing.assert_allclose(again.predict(X), reg.predict(X), rtol=1e-6)
        torch.testing.assert_close(again.net_.criterion_.weights, torch.tensor([2.0, 1.0]))


@pytest.mark.slow  # ~5-15 s on 2 busy cores
@pytest.mark.data
def test_learns_emotify_genres_from_beat_synced_spectrograms(shared_data):
    """The real Emotify clips (beat-synced mel + chroma, 240 to train, 80 held out,
    20 per genre): a classifier that ignores its input gets a held-out clip right
    with probability 1/4, and 36 or more of 80 with probability
    scipy.stats.binom.sf(35, 80, 0.25) = 7.9e-5 -- passing is not luck. A small
    LSTM reaches 40-42 of 80 after 12 epochs (seeds 0-2 when written)."""
    from spectroclf.datasets import load_genre_spectrograms

    lab = shared_data / "emotify-lab" / "genre_beat"
    train = load_genre_spectrograms(lab, split="train")
    test = load_genre_spectrograms(lab, split="test")
    assert len(test.data) == 80
    clf = LSTMClassifier(hidden_size=16, max_epochs=12, random_state=0, device="cpu")
    pred = clf.fit(train.data, train.target).predict(test.data)
    assert (pred == test.target).sum() >= 36
    assert set(pred) == set(test.target)  # not one genre for everything


class TestClassLabels:
    """How a classifier reads y: labels, their shape, its validation split."""

    def test_a_column_vector_is_ravelled_with_a_warning(self, make_ragged):
        X, y = make_ragged(n=24)
        clf = LSTMClassifier(hidden_size=4, max_epochs=1, random_state=0)
        with pytest.warns(DataConversionWarning) as record:
            clf.fit(X, y[:, None])
        assert [str(w.message) for w in record] == [
            "A column-vector y was passed when a 1d array was expected; ravelling it."]
        np.testing.assert_array_equal(clf.classes_, ["jazz", "pop", "rock"])
        assert clf.predict(X).shape == (24,)

    def test_the_column_vector_warning_points_at_the_callers_fit(self, make_ragged):
        X, y = make_ragged(n=24)
        with pytest.warns(DataConversionWarning) as record:
            LSTMClassifier(hidden_size=4, max_epochs=1).fit(X, y[:, None])
        assert record[0].filename == __file__

    @pytest.mark.parametrize("shape", [(24, 2), (24, 1, 1)])
    def test_several_label_columns_are_refused(self, shape, make_ragged):
        X, y = make_ragged(n=24)
        y = np.broadcast_to(y.reshape(24, *[1] * (len(shape) - 1)), shape)
        with pytest.raises(ValueError, match=re.escape(
                f"y of a classifier must be one label per sample, got shape {shape}; "
                "several targets need a regressor, labels with targets JointCNN")):
            LSTMClassifier(max_epochs=1).fit(X, y)

    @pytest.mark.parametrize("dtype", [str, object])
    def test_one_class_is_refused(self, make_ragged, dtype):
        X, _ = make_ragged(n=12)
        with pytest.raises(ValueError, match=re.escape(
                "y has only one class ('rock'); a classifier needs samples of at "
                "least two classes")):
            LSTMClassifier(max_epochs=1).fit(X, np.array(["rock"] * 12, dtype=dtype))

    def test_validation_split_is_stratified_and_seeded(self, make_ragged,
                                                       validation_batches):
        """8 clips of each of 3 classes, a quarter held out: 2 of each class,
        the same clips for the same random_state, others for another."""
        X, y = make_ragged(n=24)

        def held_out(seed):
            clf = LSTMClassifier(hidden_size=4, max_epochs=1, validation_fraction=0.25,
                                 random_state=seed, callbacks=[validation_batches()])
            return validation_batches.of(clf.fit(X, y))[0].tolist()

        seen = held_out(0)
        assert np.bincount(seen).tolist() == [2, 2, 2]
        order = [held_out(0) for _ in range(2)] + [held_out(s) for s in (1, 2, 3)]
        assert order[0] == order[1] == seen
        assert any(other != seen for other in order[2:])


class TestRealTargets:
    """How a regressor reads y: numbers, shapes, scaling, its validation split."""

    def test_strings_are_refused_naming_the_classifier(self, make_regression):
        X, _ = make_regression(n=12)
        for cls, other in ((LSTMRegressor, "LSTMClassifier"), (CNNRegressor, "CNNClassifier")):
            with pytest.raises(ValueError, match=re.escape(
                    f"y of {cls.__name__} must be numbers (real-valued targets); could "
                    f"not convert string to float: 'rock'. For class labels use {other}")):
                cls(max_epochs=1).fit(X, ["rock"] * 12)

    def test_nan_is_scikit_learns_error(self, make_regression):
        X, _ = make_regression(n=12)
        with pytest.raises(ValueError, match="^Input y contains NaN.$"):
            LSTMRegressor(max_epochs=1).fit(X, [np.nan] * 12)

    def test_three_dimensional_y_is_refused(self, make_regression):
        X, _ = make_regression(n=12)
        with pytest.raises(ValueError, match=re.escape(
                "Found array with dim 3, while dim <= 2 is required.")):
            LSTMRegressor(max_epochs=1).fit(X, np.zeros((12, 2, 2)))

    def test_standardize_targets(self):
        """Zero mean, unit variance per column, float64 statistics; a column whose
        spread is below 1e-12 keeps scale 1, one just above it is scaled."""
        y = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0], [7.0, 5.0]], dtype=np.float32)
        standardized, mean, scale = standardize_targets(y)
        assert mean.dtype == scale.dtype == np.float64
        np.testing.assert_allclose(mean, [4.0, 5.0])
        np.testing.assert_allclose(scale, [np.sqrt(5.0), 1.0])
        np.testing.assert_allclose(standardized[:, 0], (y[:, 0] - 4) / np.sqrt(5),
                                   rtol=1e-6)
        np.testing.assert_array_equal(standardized[:, 1], 0.0)
        _, _, tiny = standardize_targets(np.array([[0.0], [4e-12], [0.0], [4e-12]]))
        np.testing.assert_allclose(tiny, [2e-12])
        _, _, below = standardize_targets(np.array([[0.0], [1e-12], [0.0], [1e-12]]))
        np.testing.assert_array_equal(below, [1.0])
        _, _, at = standardize_targets(np.array([[0.0], [2e-12]]))  # std exactly 1e-12
        np.testing.assert_array_equal(at, [1e-12])

    def test_a_constant_target_is_not_scaled(self, make_regression):
        """A column with no spread keeps scale 1 (not 0 or NaN) and is predicted
        near its value."""
        X, y = make_regression(n=24)
        y = np.column_stack([y[:, 0], np.full(24, 0.7)])
        reg = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
        np.testing.assert_array_equal(reg.y_scale_[1], 1.0)
        np.testing.assert_allclose(reg.y_scale_[0], y[:, 0].std(), rtol=1e-6)
        np.testing.assert_allclose(reg.y_mean_, y.mean(axis=0), rtol=1e-6)
        assert np.abs(reg.predict(X)[:, 1] - 0.7).max() < 0.5

    def test_validation_split_is_seeded(self, make_regression, validation_batches):
        X, y = make_regression(n=24)

        def held_out(seed):
            reg = LSTMRegressor(hidden_size=4, max_epochs=1, validation_fraction=0.25,
                                random_state=seed, callbacks=[validation_batches()])
            return validation_batches.of(reg.fit(X, y))[0].tolist()

        first = held_out(0)
        assert len(first) == 6 and held_out(0) == first
        assert any(held_out(s) != first for s in (1, 2, 3))

    def test_valid_spearman_is_the_score_of_the_held_out_clips(self, make_regression,
                                                               validation_batches):
        """valid_spearman is spearman_score of each epoch's validation outputs
        (ranks do not change with the targets' standardisation), and higher is
        better in the history's valid_spearman_best flags."""
        X, y = make_regression(n=40)
        reg = LSTMRegressor(hidden_size=4, max_epochs=4, lr=0.02, validation_fraction=0.25,
                            random_state=0, callbacks=[validation_batches()]).fit(X, y)
        scores = reg.history_[:, "valid_spearman"]
        for epoch, score in enumerate(scores, 1):
            true, pred = validation_batches.of(reg, epoch)
            assert score == pytest.approx(spearman_score(true, pred), abs=1e-12)
        assert len(set(scores)) > 1
        best = reg.history_[:, "valid_spearman_best"]
        assert best == [i == 0 or s > max(scores[:i]) for i, s in enumerate(scores)]

    def test_a_torch_loss_class(self, make_regression):
        X, y = make_regression(n=24)
        reg = LSTMRegressor(hidden_size=4, criterion=torch.nn.HuberLoss, max_epochs=1,
                            random_state=0).fit(X, y)
        assert type(reg.net_.criterion_) is torch.nn.HuberLoss

    def test_all_zero_weights_are_refused(self, make_regression):
        X, y = make_regression(n=12)
        with pytest.raises(ValueError, match=re.escape(
                "target_weights are all zero ([0.0, 0.0]): the loss would always be "
                "zero and nothing would be learnt; give a target a positive weight")):
            LSTMRegressor(target_weights=[0, 0], max_epochs=1).fit(X, y)

    def test_one_weight_per_target(self, make_regression):
        X, y = make_regression(n=12)
        with pytest.raises(ValueError, match=re.escape(
                "target_weights has shape (3,), but y has 2 target column(s); give one "
                "weight per target")):
            LSTMRegressor(target_weights=[1, 1, 1], max_epochs=1).fit(X, y)

    def test_multi_output_tag(self):
        for cls in (LSTMRegressor, CNNRegressor):
            assert cls().__sklearn_tags__().target_tags.multi_output is True
        assert LSTMClassifier().__sklearn_tags__().target_tags.multi_output is False


class TestFittedChecks:
    """What load_model checks of a restored model's target attributes (a tampered
    or hand-written file): the library's error naming the attribute."""

    def test_classes(self):
        from spectroclf.nets._targets import ClassLabels

        check = ClassLabels().check_fitted
        check(SimpleNamespace(classes_=np.array(["a", "b"])))
        for classes in (None, ["a", "b", "c"], np.array([["a", "b"]]), np.array(["a"])):
            with pytest.raises(ValueError, match=re.escape(
                    "fitted['classes_'] must be a 1-D array of at least 2 labels, got "
                    f"{classes!r}")):
                check(SimpleNamespace(classes_=classes))
        with pytest.raises(ValueError, match=r"fitted\['classes_'\] must be .* got None"):
            check(SimpleNamespace())

    def test_target_scaling(self):
        from spectroclf.nets._targets import _check_target_scaling

        def fitted(n=2, mean=(0.5, 1.0), scale=(1.0, 2.0)):
            return SimpleNamespace(n_outputs_=n, y_mean_=np.array(mean, dtype=float),
                                   y_scale_=np.array(scale, dtype=float))

        _check_target_scaling(fitted(), "n_outputs_")
        _check_target_scaling(fitted(0, (), ()), "n_outputs_")  # JointCNN: labels alone
        for n in (True, -1, 2.0, None):
            with pytest.raises(ValueError, match=re.escape(
                    f"fitted['n_outputs_'] must be a non-negative integer, got {n!r}")):
                _check_target_scaling(fitted(n), "n_outputs_")
        with pytest.raises(ValueError, match="non-negative integer, got None"):
            _check_target_scaling(SimpleNamespace(), "n_outputs_")
        bad_means = [np.array([1, 2]), np.array([0.5]), np.array([0.5, np.inf]), None]
        for mean in bad_means:
            est = fitted()
            est.y_mean_ = mean
            with pytest.raises(ValueError, match=re.escape(
                    f"fitted['y_mean_'] must be 2 finite floats (n_outputs_=2), got "
                    f"{mean!r}")):
                _check_target_scaling(est, "n_outputs_")
        del est.y_mean_
        with pytest.raises(ValueError, match=r"fitted\['y_mean_'\] must be .* got None"):
            _check_target_scaling(est, "n_outputs_")
        with pytest.raises(ValueError, match=re.escape(
                "fitted['y_scale_'] must be positive, got [1. 0.]")):
            _check_target_scaling(fitted(scale=(1.0, 0.0)), "n_outputs_")

    def test_a_class_of_one_sample_with_a_validation_split(self, make_ragged):
        X, y = make_ragged(n=24)
        y = y.astype(object)
        y[0] = "blues"
        with pytest.raises(ValueError, match=re.escape(
                "class 'blues' has only one sample, but validation_fraction=0.25 needs "
                "a stratified split with at least 2 samples per class; drop rare "
                "classes first (merge_classes(X, y, min_count=2)) or set "
                "validation_fraction=None") + "$"):
            LSTMClassifier(max_epochs=1, validation_fraction=0.25).fit(X, y)

    def test_a_class_of_two_samples_is_enough_for_a_validation_split(self, make_ragged):
        X, y = make_ragged(n=24)
        y = y.astype(object)
        y[:2] = "blues"
        clf = LSTMClassifier(hidden_size=4, max_epochs=1, validation_fraction=0.5,
                             random_state=0).fit(X, y)
        assert "blues" in clf.classes_
