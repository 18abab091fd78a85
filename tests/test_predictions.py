"""Every estimator predicts what it predicted when the fixture was recorded.

``tests/data/predictions.npz`` was written by ``tools/record_predictions.py``
before the estimator core was rebuilt by composition; the same parameters,
data and ``random_state`` must give the same predictions (CPU, float32; a
tolerance of float32 rounding covers other CPUs' kernels).
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "predictions.npz"

_spec = importlib.util.spec_from_file_location(
    "record_predictions", ROOT / "tools" / "record_predictions.py"
)
record_predictions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(record_predictions)


@pytest.fixture(scope="module")
def recorded():
    return dict(np.load(FIXTURE, allow_pickle=False))


@pytest.fixture(scope="module")
def current():
    threads = torch.get_num_threads()
    try:
        return record_predictions.record()
    finally:
        torch.set_num_threads(threads)


def test_every_case_is_recorded(recorded, current):
    assert sorted(current) == sorted(recorded)


@pytest.mark.parametrize("key", sorted(np.load(FIXTURE).files))
def test_predictions_unchanged(recorded, current, key):
    expected, got = recorded[key], np.asarray(current[key])
    assert got.shape == expected.shape
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    else:
        np.testing.assert_array_equal(got, expected)
