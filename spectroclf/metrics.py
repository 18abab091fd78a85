"""Scores for emotion regression: Spearman's rank correlation, as the lab uses."""

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import make_scorer
from sklearn.utils.validation import check_array, check_consistent_length

__all__ = ["spearman_score", "spearman_scorer"]


def spearman_score(y_true, y_pred, *, multioutput="uniform_average"):
    """Spearman's rank correlation between true and predicted targets.

    Computed per target (column) and averaged, as the lab scores its
    valence / energy / danceability predictions.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_targets)
        True targets.
    y_pred : array-like of the same shape
        Predicted targets.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Return the mean over targets, or one rho per target.

    Returns
    -------
    score : float or ndarray of shape (n_targets,)
        In [-1, 1]. A constant prediction or target column has no rank
        correlation; it scores 0 (rather than NaN) so that model selection
        treats it as uninformative.

    Examples
    --------
    >>> from spectroclf import spearman_score
    >>> spearman_score([[1, 2], [2, 1], [3, 3]], [[1, 1], [2, 2], [3, 3]],
    ...                multioutput="raw_values")
    array([1. , 0.5])
    """
    if multioutput not in ("uniform_average", "raw_values"):
        raise ValueError(
            f"multioutput must be 'uniform_average' or 'raw_values', got {multioutput!r}"
        )
    y_true = check_array(y_true, ensure_2d=False, dtype=np.float64, input_name="y_true")
    y_pred = check_array(y_pred, ensure_2d=False, dtype=np.float64, input_name="y_pred")
    check_consistent_length(y_true, y_pred)
    y_true = y_true.reshape(len(y_true), -1)
    y_pred = y_pred.reshape(len(y_pred), -1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}; "
            "they need the same number of targets"
        )
    if len(y_true) < 2:
        raise ValueError("Spearman's rho needs at least 2 samples")
    rhos = np.zeros(y_true.shape[1])
    for j in range(y_true.shape[1]):
        if np.ptp(y_true[:, j]) > 0 and np.ptp(y_pred[:, j]) > 0:
            rhos[j] = spearmanr(y_true[:, j], y_pred[:, j]).statistic
    return rhos if multioutput == "raw_values" else float(rhos.mean())


spearman_scorer = make_scorer(spearman_score)
spearman_scorer.__doc__ = """Scorer of the mean Spearman rho for ``GridSearchCV(scoring=...)``.

Use it wherever scikit-learn takes a scorer (``cross_val_score``,
``GridSearchCV``); greater is better.
"""
