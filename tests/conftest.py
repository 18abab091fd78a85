"""Shared fixtures: a fixed seed for every test and the real music data."""

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SPECTROCLF_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _seed():
    """Seed numpy's and torch's global generators so every test is repeatable."""
    np.random.seed(0)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def shared_data():
    """Path to ``../shared/data``; skips the test when the real data is absent."""
    if not (SHARED_DATA / "emotify-lab").is_dir():
        pytest.skip(
            f"real music data not found at {SHARED_DATA} "
            "(set SPECTROCLF_DATA to the folder holding emotify-lab/)"
        )
    return SHARED_DATA
