"""CI's switch SPECTROCLF_REQUIRE_DATA: a missing ../shared/data fails the tests that
need it instead of skipping them (tests/conftest.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_TEST = "tests/datasets/test_shared.py::test_shared_data_dir_finds_it"


@pytest.mark.slow  # a second pytest process imports the library: ~10-20 s
def test_missing_data_fails_when_required(tmp_path):
    env = dict(os.environ, SPECTROCLF_DATA=str(tmp_path / "nowhere"),
               SPECTROCLF_REQUIRE_DATA="1")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", DATA_TEST],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert "1 error" in run.stdout and "skipped" not in run.stdout, run.stdout[-2000:]
    assert "SPECTROCLF_REQUIRE_DATA is set" in run.stdout
    assert run.returncode == 1
