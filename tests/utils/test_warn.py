"""Tests of spectroclf.utils.warn_user: warnings at the user's line."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from spectroclf import LSTMClassifier
from spectroclf.utils import warn_user


def test_a_direct_call_warns_here():
    with pytest.warns(UserWarning, match="^here$") as record:
        warn_user("here")
    assert record[0].filename == __file__


def test_the_category_is_kept():
    with pytest.warns(DataConversionWarning) as record:
        warn_user("converted", DataConversionWarning)
    assert record[0].category is DataConversionWarning


@pytest.mark.parametrize("how", ["fit", "pipeline", "cross_val_score"])
def test_through_fit_pipelines_and_searches(how):
    """spectroclf's and scikit-learn's frames are skipped, whatever their number."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(5, 3)).astype(np.float32) for _ in range(12)]
    y = np.array(["a", "b"] * 6)[:, None]
    clf = LSTMClassifier(hidden_size=2, max_epochs=1)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        if how == "fit":
            clf.fit(X, y)
        elif how == "pipeline":
            make_pipeline(FunctionTransformer(), clf).fit(X, y)
        else:
            cross_val_score(clf, X, y, cv=2)
    ours = [w for w in record if issubclass(w.category, DataConversionWarning)]
    assert ours and all(w.filename == __file__ for w in ours)
