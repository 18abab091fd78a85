"""Tests of the Spearman score and scorer."""

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV

from spectroclf import spearman_score, spearman_scorer


def test_matches_scipy_per_target_and_averages():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 3))
    p = y + rng.normal(scale=1.0, size=y.shape)
    raw = spearman_score(y, p, multioutput="raw_values")
    expected = [spearmanr(y[:, j], p[:, j]).statistic for j in range(3)]
    np.testing.assert_allclose(raw, expected)
    assert spearman_score(y, p) == pytest.approx(np.mean(expected))


def test_one_dimensional_and_rank_invariance():
    y = np.array([0.1, 0.5, 0.2, 0.9])
    assert spearman_score(y, np.exp(10 * y)) == pytest.approx(1.0)
    assert spearman_score(y, -y) == pytest.approx(-1.0)


def test_constant_prediction_scores_zero_not_nan():
    y = np.array([[0.1, 1.0], [0.5, 2.0], [0.2, 0.0]])
    p = np.array([[0.3, 1.0], [0.3, 2.0], [0.3, 0.0]])
    np.testing.assert_allclose(spearman_score(y, p, multioutput="raw_values"), [0.0, 1.0])
    # a constant target column, too
    np.testing.assert_allclose(spearman_score(p, y, multioutput="raw_values"), [0.0, 1.0])


def test_two_samples_are_enough():
    assert spearman_score([1.0, 2.0], [3.0, 5.0]) == pytest.approx(1.0)
    assert spearman_score([1.0, 2.0], [5.0, 3.0]) == pytest.approx(-1.0)


def test_booleans_and_integers_are_read_as_numbers():
    y_true = np.array([True, False, True, False, True])
    y_pred = np.array([0.9, 0.1, 0.8, 0.3, 0.2])
    expected = spearmanr(y_true.astype(float), y_pred).statistic
    assert spearman_score(y_true, y_pred) == pytest.approx(expected)
    assert spearman_score(y_pred, y_true) == pytest.approx(expected)
    assert spearman_score([3, 1, 2], np.array([30, 10, 20])) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "y_true, y_pred, kwargs, message",
    [
        ([[1, 2], [2, 3]], [1, 2], {},
         r"^y_true has shape \(2, 2\) but y_pred has \(2, 1\); they need the same "
         r"number of targets$"),
        ([1, 2, 3], [1, 2], {}, "inconsistent numbers of samples"),
        ([1], [1], {}, r"^Spearman's rho needs at least 2 samples$"),
        ([1, 2], [1, 2], {"multioutput": "mean"},
         r"^multioutput must be 'uniform_average' or 'raw_values', got 'mean'$"),
        ([1, np.nan], [1, 2], {}, "Input y_true contains NaN"),
        ([1, 2], [1, np.inf], {}, "Input y_pred contains infinity"),
    ],
)
def test_bad_input(y_true, y_pred, kwargs, message):
    with pytest.raises(ValueError, match=message):
        spearman_score(y_true, y_pred, **kwargs)


def test_scorer_in_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = X[:, :2] @ np.array([[1.0, 0.5], [0.2, -1.0]])
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1000.0]}, scoring=spearman_scorer, cv=3)
    search.fit(X, Y)
    assert search.best_params_ == {"alpha": 0.1}
    assert spearman_scorer(search.best_estimator_, X, Y) > 0.9
