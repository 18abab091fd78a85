"""Fixtures of the spectroclf.datasets tests: tiny lab-layout files and folders."""

import gzip

import numpy as np
import pytest


def _save_gz(path, arr):
    with gzip.open(path, "wb") as f:
        np.save(f, arr)
    return path


def _tiny(n_frames=5, n_rows=140, seed=0):
    """A lab-layout (n_rows, n_frames) array."""
    return np.random.default_rng(seed).random((n_rows, n_frames)).astype(np.float32)


def _make_lab(
    root,
    ids=("1", "2", "10"),
    labels="Id\tGenre\n{rows}",
    genres=None,
    suffix=".fused.full.npy.gz",
):
    """Write a tiny lab folder: train/<id><suffix> and train_labels.txt."""
    (root / "train").mkdir(parents=True, exist_ok=True)
    genres = genres or ["Rock", "Pop", "Rock"][: len(ids)]
    for i, sid in enumerate(ids):
        _save_gz(root / "train" / f"{sid}{suffix}", _tiny(seed=i))
    if labels is not None:
        rows = "".join(
            f"{sid}{suffix}\t{g}\n" for sid, g in zip(ids, genres, strict=True)
        )
        (root / "train_labels.txt").write_text(labels.format(rows=rows))
    return root


@pytest.fixture
def save_gz():
    """``save_gz(path, arr) -> path``: np.save ``arr`` in a gzip stream."""
    return _save_gz


@pytest.fixture
def tiny():
    """``tiny(n_frames=5, n_rows=140, seed=0)``: a random lab-layout array."""
    return _tiny


@pytest.fixture
def make_lab():
    """``make_lab(root, ids=("1", "2", "10"), ...)``: a tiny labelled lab folder."""
    return _make_lab
