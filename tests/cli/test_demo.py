"""Tests of ``spectroclf demo`` (spectroclf/cli/_demo.py)."""

import re

import pytest


@pytest.mark.slow  # generates, extracts and trains: ~5-12 s on 2 busy cores
def test_demo_beats_its_baseline(run, capsys):
    """48 clips of 4 balanced genres, 12 held out: a classifier that ignores its
    input gets a clip right with probability 1/4, so 9 or more of 12 right has
    probability scipy.stats.binom.sf(8, 12, 0.25) = 3.9e-4 -- not luck."""
    code, out, err = run(
        capsys, "demo", "--n-samples", "48", "--duration", "1", "--max-epochs", "8"
    )
    assert code == 0, err
    n_test = int(re.search(r"test set \((\d+) clips\)", out).group(1))
    match = re.search(r"accuracy: ([\d.]+)  \(majority-class baseline: ([\d.]+)\)", out)
    accuracy, baseline = float(match.group(1)), float(match.group(2))
    assert n_test == 12 and "precision" in out
    assert baseline == 0.25  # 3 of each genre held out
    assert accuracy * n_test >= 9
    assert "trained an LSTMClassifier on 36 clips for 8 epochs" in out
