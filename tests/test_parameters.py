"""The parameters of every public estimator: ``__init__`` stores each one as
given (scikit-learn's contract: no validation, no change), and the documented
defaults are the defaults -- every parameter but a required one has a
``default=`` in its numpydoc entry, and an estimator built without arguments
holds exactly that value (``get_params`` reads what ``__init__`` stored, so a
default changed in the signature but not in the docs, or stored wrongly,
fails here)."""

import ast
import inspect
import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import spectroclf

ESTIMATORS = sorted(
    (obj for obj in map(lambda name: getattr(spectroclf, name), spectroclf.__all__)
     if inspect.isclass(obj) and issubclass(obj, BaseEstimator)),
    key=lambda cls: cls.__name__,
)

# "name : type, default=value" or "a, b : type, default=value" in Parameters
_ENTRY = re.compile(r"^    (\w+(?:, \w+)*) : .*?default=(.+?)\.?$", re.M)


def _documented_defaults(cls):
    doc = inspect.getdoc(cls) or ""
    doc = "    " + doc.replace("\n", "\n    ")  # getdoc strips the indentation
    section = doc.split("Parameters\n    ----------", 1)[1]
    section = re.split(r"\n    (?:Attributes|See Also|Examples|Notes)\n", section)[0]
    defaults = {}
    for names, value in _ENTRY.findall(section):
        for name in names.split(", "):
            defaults[name] = value
    return defaults


def test_every_public_estimator_is_found():
    names = {cls.__name__ for cls in ESTIMATORS}
    assert {"LSTMClassifier", "CNNRegressor", "JointCNN", "MusicnnClassifier",
            "NetRegressor", "SpectrogramLoader", "PadTruncate", "BeatSync"} <= names


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_documented_defaults_are_the_defaults(cls):
    required = [name for name, p in inspect.signature(cls).parameters.items()
                if p.default is inspect.Parameter.empty]  # NetClassifier's module
    params = cls(**dict.fromkeys(required, object())).get_params(deep=False)
    for name in required:
        del params[name]
    documented = _documented_defaults(cls)
    missing = sorted(set(params) - set(documented))
    assert not missing, f"{cls.__name__}: no 'default=' documented for {missing}"
    for name, value in params.items():
        text = documented[name]
        try:
            expected = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            pytest.fail(f"{cls.__name__}.{name}: default={text} is not a literal")
        if isinstance(value, np.ndarray):
            value = value.tolist()
        assert type(value) is type(expected) and value == expected, (
            f"{cls.__name__}.{name}: default={text} documented, {value!r} held")


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_init_stores_every_parameter_as_given(cls):
    names = list(inspect.signature(cls).parameters)
    given = {name: object() for name in names}
    params = cls(**given).get_params(deep=False)
    assert set(params) == set(names)
    changed = sorted(name for name in names if params[name] is not given[name])
    assert not changed, f"{cls.__name__} does not store {changed} as given"
