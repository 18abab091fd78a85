"""Tests of spectroclf.nets.JointCNN: a label head and target heads trained together."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from spectroclf import CNNClassifier, CNNRegressor, JointCNN, spearman_score
from spectroclf.nets._joint import _LabelStratifiedSplit
from spectroclf.persistence import load_model, save_model

FAST = {"channels": (8,), "max_epochs": 15, "lr": 0.01, "random_state": 0}
GENRES = np.array(["rock", "pop", "jazz"])


def _make_joint(n=72, n_frames=10, seed=0):
    """Separable clips: the class lifts bins 2k, 2k+1; two levels shift bins 6-7 and 8-9.

    Returns ``X`` of shape (n, n_frames, 10), string labels and the two
    levels (the targets).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_frames, 10)).astype(np.float32)
    k = np.arange(n) % 3
    rows = np.arange(n)
    X[rows, :, 2 * k] += 2.5
    X[rows, :, 2 * k + 1] += 2.5
    levels = rng.uniform(-2, 2, size=(n, 2))
    X[:, :, 6:8] += levels[:, None, :1]
    X[:, :, 8:10] += levels[:, None, 1:]
    return X, GENRES[k], levels


def _y(labels, targets):
    return np.column_stack([labels.astype(object), targets])


@pytest.fixture
def data():
    """``(X, y, labels, targets)`` with ``y`` in the fit layout."""
    X, labels, targets = _make_joint()
    return X, _y(labels, targets), labels, targets


@pytest.fixture(scope="module")
def fitted():
    """A JointCNN fitted on the first 54 clips, and the data."""
    X, labels, targets = _make_joint()
    clf = JointCNN(**FAST).fit(X[:54], _y(labels[:54], targets[:54]))
    return clf, X, labels, targets


class TestLearning:
    def test_both_heads_learn(self, fitted):
        clf, X, labels, targets = fitted
        assert clf.score(X[54:], labels[54:]) > 0.8  # chance is 1/3
        rho = spearman_score(targets[54:], clf.predict_targets(X[54:]),
                             multioutput="raw_values")
        assert (rho > 0.8).all()

    def test_label_weight_zero_leaves_the_label_head_untrained(self, data):
        X, y, labels, targets = data
        clf = JointCNN(**FAST, label_weight=0.0).fit(X[:54], y[:54])
        initial = JointCNN(**{**FAST, "max_epochs": 0}).fit(X[:54], y[:54])
        head, head0 = clf.net_.module_.head, initial.net_.module_.head
        torch.testing.assert_close(head.weight[:3], head0.weight[:3], rtol=0, atol=0)
        assert not torch.equal(head.weight[3:], head0.weight[3:])
        assert clf.score(X[54:], labels[54:]) < 0.7
        rho = spearman_score(targets[54:], clf.predict_targets(X[54:]))
        assert rho > 0.8  # the target head learns all the same

    def test_zero_target_weight_leaves_that_target_untrained(self, data):
        X, y, labels, targets = data
        clf = JointCNN(**FAST, target_weights=[1.0, 0.0]).fit(X[:54], y[:54])
        initial = JointCNN(**{**FAST, "max_epochs": 0}).fit(X[:54], y[:54])
        head, head0 = clf.net_.module_.head, initial.net_.module_.head
        torch.testing.assert_close(head.weight[4], head0.weight[4], rtol=0, atol=0)
        rho = spearman_score(targets[54:], clf.predict_targets(X[54:]),
                             multioutput="raw_values")
        assert rho[0] > 0.8 and rho[1] < 0.5
        assert clf.score(X[54:], labels[54:]) > 0.8

    def test_loss_is_the_weighted_sum_of_the_head_losses(self, data):
        X, y, _, _ = data
        clf = JointCNN(**{**FAST, "max_epochs": 2}, label_weight=0.5,
                       target_weights=[1.5, 1.5], validation_fraction=0.25).fit(X, y)
        for split in ("train", "valid"):
            row = clf.history_[-1]
            expected = (0.5 * row[f"{split}_label_loss"]
                        + 1.5 * row[f"{split}_target_loss"])
            np.testing.assert_allclose(row[f"{split}_loss"], expected, rtol=1e-5)


class TestHistory:
    def test_per_head_validation_scores(self, data):
        X, y, _, _ = data
        clf = JointCNN(**FAST, validation_fraction=0.25).fit(X, y)
        keys = {"train_loss", "valid_loss", "valid_acc", "valid_spearman",
                "train_label_loss", "train_target_loss", "valid_label_loss",
                "valid_target_loss"}
        assert keys <= set(clf.history_[-1])
        acc = clf.history_[:, "valid_acc"]
        rho = clf.history_[:, "valid_spearman"]
        assert acc[-1] > 0.8 and rho[-1] > 0.7
        assert clf.history_[-1, "train_label_loss"] < clf.history_[0, "train_label_loss"]

    def test_scores_are_those_of_the_held_out_outputs(self, data, validation_batches):
        """valid_acc is the label head's accuracy and valid_spearman the target
        head's mean rho on each epoch's validation outputs; higher is better in
        the *_best flags."""
        X, y, _, _ = data
        clf = JointCNN(**{**FAST, "max_epochs": 4, "lr": 0.003}, validation_fraction=0.25,
                       callbacks=[validation_batches()]).fit(X, y)
        true, _ = validation_batches.of(clf, 1)
        assert true.dtype == np.float32  # labels and standardised targets, as trained
        for name in ("valid_acc", "valid_spearman"):
            scores = clf.history_[:, name]
            for epoch, score in enumerate(scores, 1):
                true, out = validation_batches.of(clf, epoch)
                expected = (np.mean(out[:, :3].argmax(1) == true[:, 0])
                            if name == "valid_acc" else spearman_score(true[:, 1:], out[:, 3:]))
                assert score == pytest.approx(expected, abs=1e-12)
            best = clf.history_[:, f"{name}_best"]
            assert best == [i == 0 or s > max(scores[:i]) for i, s in enumerate(scores)]
        # scores that change, so that the *_best flags tell higher from lower
        assert len(set(clf.history_[:, "valid_spearman"])) > 1
        assert len(set(clf.history_[:, "valid_acc"])) > 1

    def test_balanced_class_weight_of_the_labels(self, data):
        """class_weight="balanced" weighs the label head's classes by the training
        labels (here 36 rock, 18 pop, 18 jazz)."""
        X, _, labels, targets = data
        labels = np.where(np.arange(72) < 18, "rock", labels)
        clf = JointCNN(**{**FAST, "max_epochs": 1}, class_weight="balanced").fit(
            X, _y(labels, targets))
        counts = np.array([(labels == c).sum() for c in clf.classes_])
        expected = len(labels) / (len(counts) * counts)
        np.testing.assert_allclose(clf.net_.criterion_.class_weight.numpy(), expected,
                                   rtol=1e-6)

    def test_scores_survive_early_stopping(self, data):
        X, y, _, _ = data
        clf = JointCNN(**{**FAST, "max_epochs": 40}, validation_fraction=0.25,
                       early_stopping=True, n_iter_no_change=2).fit(X, y)
        hist = clf.history_
        assert clf.n_epochs_ == len(hist) < 40  # the validation loss stopped falling
        best = int(np.argmin(hist[:, "valid_loss"]))
        assert clf.n_epochs_ == best + 1 + 2
        # every epoch, the one restored included, scored both heads
        assert len(hist[:, "valid_acc"]) == len(hist[:, "valid_spearman"]) == len(hist)
        assert hist[best, "valid_acc"] > 0.8 and hist[best, "valid_spearman"] > 0.5

    def test_no_validation_no_valid_scores(self, fitted):
        clf = fitted[0]
        assert "valid_acc" not in clf.history_[-1]
        assert {"train_label_loss", "train_target_loss"} <= set(clf.history_[-1])

    def test_the_estimators_split_is_stratified_by_label_and_seeded(
            self, data, validation_batches):
        """72 clips, 24 of each label, a quarter held out: 6 of each label; the
        same clips for the same random_state, others for another."""
        X, y, _, _ = data

        def held_out(seed):
            clf = JointCNN(**{**FAST, "max_epochs": 1, "random_state": seed},
                           validation_fraction=0.25,
                           callbacks=[validation_batches()]).fit(X, y)
            return validation_batches.of(clf)[0].tolist()

        first = held_out(0)
        assert np.bincount(np.asarray(first)[:, 0].astype(int)).tolist() == [6, 6, 6]
        assert held_out(0) == first
        assert any(held_out(s) != first for s in (1, 2))

    def test_validation_split_is_stratified_by_label(self):
        labels = np.repeat([0.0, 1.0, 2.0], [40, 20, 20])
        y = np.column_stack([labels, np.arange(80.0)])
        split = _LabelStratifiedSplit(0.25, stratified=True, random_state=0)
        _, valid = split(np.zeros((80, 1)), y)
        counts = np.bincount(labels[valid.indices].astype(int))
        assert counts.tolist() == [10, 5, 5]


class TestPredicting:
    def test_shapes_and_string_labels(self, fitted):
        clf, X, _, _ = fitted
        assert list(clf.classes_) == ["jazz", "pop", "rock"]
        assert clf.n_targets_ == 2 and clf.n_features_in_ == 10
        pred = clf.predict(X[:5])
        assert pred.shape == (5,) and pred.dtype.kind == "U"
        proba = clf.predict_proba(X[:5])
        assert proba.shape == (5, 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], pred)
        assert clf.predict_targets(X[:5]).shape == (5, 2)

    def test_targets_come_back_in_the_units_of_y(self, data):
        X, y, labels, targets = data
        y = _y(labels, np.column_stack([targets[:, 0] * 100 + 50, targets[:, 1]]))
        clf = JointCNN(**FAST).fit(X[:54], y[:54])
        pred = clf.predict_targets(X[54:])
        assert abs(pred[:, 0].mean() - 50) < 60 and pred[:, 0].std() > 30

    def test_score_takes_the_fit_layout_or_labels(self, fitted):
        clf, X, labels, targets = fitted
        assert clf.score(X, _y(labels, targets)) == clf.score(X, labels)

    def test_score_weighs_the_samples(self, fitted):
        """Weight only on the clips predicted right (wrong) scores 1 (0); the
        labels of 10 clips are changed so that some are wrong."""
        clf, X, labels, _ = fitted
        labels = labels.copy()
        labels[:10] = np.where(clf.predict(X[:10]) == "rock", "pop", "rock")
        right = (clf.predict(X) == labels).astype(float)
        assert 0 < right.mean() < 1
        assert clf.score(X, labels, sample_weight=right) == 1.0
        assert clf.score(X, labels, sample_weight=1 - right) == 0.0

    def test_score_of_an_unfitted_model(self, data):
        X, y, _, _ = data
        with pytest.raises(NotFittedError):
            JointCNN().score(X, y)

    def test_int_labels_in_an_object_array_stay_ints(self, data):
        X, _, labels, targets = data
        ints = np.unique(labels, return_inverse=True)[1]
        clf = JointCNN(**{**FAST, "max_epochs": 1}).fit(X, _y(ints, targets))
        assert clf.classes_.dtype.kind == "i"
        assert clf.predict(X[:3]).dtype.kind == "i"

    @pytest.mark.parametrize("layout", ["rows", "numeric"])
    def test_other_layouts(self, data, layout):
        X, y, labels, targets = data
        if layout == "rows":  # a list of [label, target, target] rows
            y_in = [[lab, *t] for lab, t in zip(labels, targets, strict=True)]
        else:  # a float array: labels become floats
            y_in = np.column_stack([np.unique(labels, return_inverse=True)[1], targets])
        clf = JointCNN(**{**FAST, "max_epochs": 1}).fit(X, y_in)
        assert clf.n_targets_ == 2
        assert len(clf.classes_) == 3

    def test_dataframe(self, data):
        pd = pytest.importorskip("pandas")
        X, y, labels, targets = data
        frame = pd.DataFrame({"genre": labels, "calm": targets[:, 0],
                              "power": targets[:, 1]})
        a = JointCNN(**{**FAST, "max_epochs": 2}).fit(X, frame)
        b = JointCNN(**{**FAST, "max_epochs": 2}).fit(X, y)
        np.testing.assert_array_equal(a.predict_targets(X), b.predict_targets(X))
        assert a.score(X, frame) == b.score(X, y)

    @pytest.mark.parametrize("form", ["1-D", "column", "Series"])
    def test_labels_alone_warn_and_train_the_label_head(self, data, form):
        X, _, labels, _ = data
        y = {"1-D": labels[:54], "column": labels[:54, None],
             "Series": pd.Series(labels[:54], name="genre")}[form]
        shape = (54, 1) if form == "column" else (54,)
        with pytest.warns(UserWarning) as record:
            clf = JointCNN(**FAST).fit(X[:54], y)
        assert [str(w.message) for w in record] == [
            f"y has shape {shape}: class labels and no target columns, so JointCNN "
            "trains its label head alone (use CNNClassifier for that). To train the "
            "target heads too, pass y of shape (n_samples, 1 + n_targets): the "
            "labels, then the targets"]
        assert clf.n_targets_ == 0
        assert clf.predict_targets(X[:4]).shape == (4, 0)
        assert clf.score(X[54:], labels[54:]) > 0.8

    def test_the_labels_alone_warning_points_at_the_callers_fit(self, data):
        X, _, labels, _ = data
        with pytest.warns(UserWarning) as record:
            JointCNN(**{**FAST, "max_epochs": 1}).fit(X[:54], labels[:54])
        assert record[0].filename == __file__

    def test_float32_labels_keep_their_dtype(self, data):
        X, _, labels, targets = data
        codes = np.unique(labels, return_inverse=True)[1].astype(np.float32)
        y = np.column_stack([codes, targets]).astype(np.float32)
        clf = JointCNN(**{**FAST, "max_epochs": 1}).fit(X, y)
        assert clf.classes_.dtype == np.float32 and clf.classes_.tolist() == [0, 1, 2]

    def test_a_constant_target_is_not_scaled(self, data):
        X, _, labels, targets = data
        y = _y(labels, np.column_stack([targets[:, 0], np.full(72, 0.7)]))
        clf = JointCNN(**{**FAST, "max_epochs": 1}).fit(X, y)
        assert clf.y_scale_[1] == 1.0 and clf.y_mean_[1] == pytest.approx(0.7)
        np.testing.assert_allclose(clf.y_scale_[0], targets[:, 0].std(), rtol=1e-6)


class TestScikitLearn:
    def test_same_seed_same_predictions(self, data):
        X, y, _, _ = data
        a = JointCNN(**{**FAST, "max_epochs": 3}).fit(X, y)
        b = JointCNN(**{**FAST, "max_epochs": 3}).fit(X, y)
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
        np.testing.assert_array_equal(a.predict_targets(X), b.predict_targets(X))

    def test_clone_and_pickle(self, fitted):
        clf, X, _, _ = fitted
        fresh = clone(clf)
        assert fresh.get_params() == clf.get_params()
        assert not hasattr(fresh, "net_")
        again = pickle.loads(pickle.dumps(clf))
        np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
        np.testing.assert_array_equal(again.predict_targets(X), clf.predict_targets(X))

    def test_grid_search_with_kfold(self, data):
        X, y, _, _ = data
        search = GridSearchCV(
            JointCNN(**{**FAST, "max_epochs": 3}),
            {"label_weight": [0.0, 1.0]},
            cv=KFold(3, shuffle=True, random_state=0),
        ).fit(X, y)
        assert search.best_params_ == {"label_weight": 1.0}
        assert cross_val_score(JointCNN(**{**FAST, "max_epochs": 1}), X, y,
                               cv=KFold(2)).shape == (2,)

    def test_save_and_load(self, fitted, tmp_path):
        clf, X, _, _ = fitted
        loaded = load_model(save_model(clf, tmp_path / "joint.pt"), map_location="cpu")
        assert type(loaded) is JointCNN and loaded.n_targets_ == 2
        np.testing.assert_array_equal(loaded.classes_, clf.classes_)
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
        np.testing.assert_allclose(loaded.predict_targets(X), clf.predict_targets(X))

    def test_checkpoint_resumes(self, data, tmp_path):
        X, y, _, _ = data
        est = JointCNN(**{**FAST, "max_epochs": 2}, checkpoint=tmp_path)
        est.fit(X, y)
        est.set_params(max_epochs=3).fit(X, y)
        assert est.n_epochs_ == 3
        assert "train_target_loss" in est.history_[0]

    def test_class_weight(self, data):
        X, y, _, _ = data
        clf = JointCNN(**{**FAST, "max_epochs": 1}, class_weight={"rock": 3.0}).fit(X, y)
        np.testing.assert_allclose(clf.net_.criterion_.class_weight.numpy(), [1, 1, 3])

    def test_transfer_from_and_to_the_single_task_cnns(self, data):
        X, y, labels, targets = data
        genre = CNNClassifier(**{**FAST, "max_epochs": 2}).fit(X, labels)
        joint = JointCNN(**{**FAST, "max_epochs": 1}, init_from=genre, freeze=True).fit(X, y)
        block = "blocks.0.0.weight"
        torch.testing.assert_close(joint.net_.module_.state_dict()[block],
                                   genre.net_.module_.state_dict()[block])
        emotion = CNNRegressor(**{**FAST, "max_epochs": 1}, init_from=joint).fit(X, targets)
        assert emotion.predict(X[:2]).shape == (2, 2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_with_mixed_precision(data):
    X, y, labels, _ = data
    clf = JointCNN(**FAST, device="cuda", validation_fraction=0.25).fit(X[:54], y[:54])
    assert clf.device_ == "cuda"  # amp="auto": float16 forward passes
    assert clf.score(X[54:], labels[54:]) > 0.8
    assert {"valid_acc", "valid_spearman"} <= set(clf.history_[-1])
    assert clf.predict_targets(X[:3]).shape == (3, 2)


def _bad(X, y, labels, targets):
    return {
        "strings": (_y(labels, np.column_stack([targets[:, 0], labels])), {},
                    re.escape("target column 2 of y must hold numbers (real-valued "
                              "targets): could not convert string to float: 'rock'. "
                              "Column 0 holds the class labels, every other column a "
                              "target") + "$"),
        "nan": (_y(labels, np.where(np.arange(72)[:, None] == 5, np.nan, targets)), {},
                re.escape("target column 1 of y contains NaN or infinity (first at "
                          "row 5: nan); every clip needs every target: impute them or "
                          "drop those clips") + "$"),
        "weights": (y, {"target_weights": [1.0]}, re.escape(
            "target_weights has shape (1,), but y has 2 target column(s) after its "
            "label column; give one weight per target")),
        "negative": (y, {"target_weights": [1.0, -1.0]}, "finite and non-negative"),
        "nothing": (y, {"label_weight": 0.0, "target_weights": [0, 0]},
                    re.escape("label_weight=0 and target_weights=[0, 0] with 2 "
                              "target(s): the loss is always zero and nothing would be "
                              "learnt; give the label or a target a positive weight")),
        "no columns": (np.empty((72, 0)), {},
                       re.escape("y has no columns; expected (n_samples, 1 + n_targets): "
                                 "the class labels, then the targets") + "$"),
        "singleton": (_y(np.where(np.arange(72) == 0, "blues", labels), targets),
                      {"validation_fraction": 0.25},
                      re.escape("class 'blues' has only one sample, but "
                                "validation_fraction=0.25 needs a stratified split")),
        "one class": (_y(np.full(72, "rock"), targets), {}, r"only one class \('rock'\)"),
        "continuous": (np.column_stack([targets[:, 0], targets]), {},
                       "Unknown label type"),
        "ragged": ([["rock", 1.0], ["pop"]] * 36, {}, re.escape(
            "the rows of y have different lengths [1, 2]; every row holds a class "
            "label, then the same number of targets")),
        "3-D": (y[:, :, None], {}, re.escape(
            "y has shape (72, 3, 1); expected (n_samples, 1 + n_targets): the class "
            "labels, then the targets")),
    }


@pytest.mark.parametrize(
    "case", ["strings", "nan", "weights", "negative", "nothing", "no columns",
             "singleton", "one class", "continuous", "ragged", "3-D"],
)
def test_bad_input_names_the_problem(data, case):
    X, y, labels, targets = data
    y_bad, params, message = _bad(X, y, labels, targets)[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=message):
            JointCNN(**{**FAST, "max_epochs": 1}, **params).fit(X, y_bad)


def test_frame_layout_with_a_dataframe_column_name_in_errors(data):
    pd = pytest.importorskip("pandas")
    X, _, labels, targets = data
    frame = pd.DataFrame({"genre": labels, "calm": targets[:, 0],
                          "power": ["x"] * len(labels)})
    with pytest.raises(ValueError, match=r"target column 2 \('power'\)"):
        JointCNN(**{**FAST, "max_epochs": 1}).fit(X, frame)


@pytest.mark.data
def test_genres_and_emotions_of_the_shared_train_split(shared_data):
    from spectroclf.datasets import load_genre_spectrograms, load_multitask_spectrograms

    lab = shared_data / "emotify-lab"
    genres = load_genre_spectrograms(lab / "genre_beat", feature="chroma")
    emotions = load_multitask_spectrograms(lab / "multitask_beat", feature="chroma")
    row = {i: k for k, i in enumerate(emotions.ids)}
    keep = [k for k, i in enumerate(genres.ids) if i in row][::4]  # all genres
    X = [genres.data[k] for k in keep]
    y = _y(np.asarray(genres.target)[keep],
           emotions.target[[row[genres.ids[k]] for k in keep]])
    clf = JointCNN(channels=(8,), max_epochs=2, random_state=0).fit(X, y)
    assert clf.predict_targets(X[:3]).shape == (3, len(emotions.target_names))
