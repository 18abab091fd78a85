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


@pytest.fixture
def thread_spy(monkeypatch):
    """``thread_spy(module, name) -> set``: replaces ``module.name`` with a wrapper
    that adds each call's thread to the returned set (and sleeps 50 ms, so that a
    second worker gets work): the test of an ``n_jobs`` parameter under joblib's
    threading backend."""
    import threading
    import time

    def spy_on(module, name):
        threads, func = set(), getattr(module, name)

        def spy(*args, **kwargs):
            threads.add(threading.get_ident())
            time.sleep(0.05)
            return func(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
        return threads

    return spy_on


#: set (to anything but "" or "0") by CI: a missing ../shared/data fails instead of skipping
REQUIRE_DATA = os.environ.get("SPECTROCLF_REQUIRE_DATA", "") not in ("", "0")


@pytest.fixture(scope="session")
def shared_data():
    """Path to ``../shared/data``; skips the test when the real data is absent,
    or fails it when ``SPECTROCLF_REQUIRE_DATA=1`` (as in CI)."""
    if not (SHARED_DATA / "emotify-lab").is_dir():
        message = (
            f"real music data not found at {SHARED_DATA} "
            "(set SPECTROCLF_DATA to the folder holding emotify-lab/)"
        )
        if REQUIRE_DATA:
            pytest.fail(f"{message}; SPECTROCLF_REQUIRE_DATA is set", pytrace=False)
        pytest.skip(message)
    return SHARED_DATA


def pytest_collection_modifyitems(config, items):
    """Every test that reads the real data must carry the ``data`` marker."""
    unmarked = [item.nodeid for item in items
                if "shared_data" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("data") is None]
    if unmarked:
        raise pytest.UsageError(
            "tests that use the shared_data fixture lack @pytest.mark.data: "
            + ", ".join(unmarked)
        )
