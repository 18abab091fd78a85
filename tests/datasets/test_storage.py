"""Tests of spectroclf.datasets._storage: lab folders and files behind fsspec URLs."""

import gzip
import io
import sys
import uuid

import numpy as np
import pytest

from spectroclf.datasets import (
    load_genre_spectrograms,
    load_multitask_spectrograms,
    load_spectrogram,
)
from spectroclf.datasets._storage import as_path, is_url, where

fsspec = pytest.importorskip("fsspec")


def _gz_bytes(arr):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as g:
        np.save(g, arr)
    return buf.getvalue()


@pytest.fixture
def memory_lab(tiny):
    """A labelled lab folder in fsspec's in-memory filesystem -> its URL."""
    fs = fsspec.filesystem("memory")
    root = f"/lab-{uuid.uuid4().hex}"
    rows = []
    for i, (sid, genre) in enumerate([("1", "Rock"), ("2", "Pop"), ("10", "Rock")]):
        fs.pipe(f"{root}/train/{sid}.fused.full.npy.gz", _gz_bytes(tiny(seed=i)))
        rows.append(f"{sid}.fused.full.npy.gz\t{genre}\n")
    fs.pipe(f"{root}/train/.hidden.npy", b"not listed")
    fs.pipe(f"{root}/train_labels.txt", ("Id\tGenre\n" + "".join(rows)).encode())
    fs.pipe(f"{root}/emotion/train/1.npy", b"")
    yield f"memory://{root}"
    fs.rm(root, recursive=True)


class TestURLs:
    def test_is_url(self, tmp_path):
        assert is_url("s3://bucket/a.npy") and is_url("file:///tmp/a.npy")
        assert not is_url("/tmp/a.npy") and not is_url(tmp_path)

    def test_lazy_lab_over_memory(self, memory_lab, tiny):
        bunch = load_genre_spectrograms(memory_lab, lazy=True)
        assert bunch.data == [f"memory://{memory_lab[9:]}/train/{sid}.fused.full.npy.gz"
                              for sid in ("1", "2", "10")]
        assert bunch.target.tolist() == ["Rock", "Pop", "Rock"]
        # the URLs read back as arrays, here or on any process that sees them
        np.testing.assert_array_equal(load_spectrogram(bunch.data[2]), tiny(seed=2).T)
        eager = load_genre_spectrograms(memory_lab, feature="chroma")
        assert [x.shape for x in eager.data] == [(5, 12)] * 3

    def test_lab_over_file_urls(self, tmp_path, make_lab, tiny):
        make_lab(tmp_path)
        X, y = load_genre_spectrograms(f"file://{tmp_path}", lazy=True, return_X_y=True)
        assert X[0] == f"file://{tmp_path}/train/1.fused.full.npy.gz"
        local = load_genre_spectrograms(tmp_path, return_X_y=True)
        np.testing.assert_array_equal(load_spectrogram(X[2]), local[0][2])
        assert y.tolist() == local[1].tolist()

    def test_missing_folders_name_the_url(self, memory_lab):
        with pytest.raises(FileNotFoundError, match="data_dir 'memory:///nowhere"):
            load_genre_spectrograms("memory://nowhere")
        with pytest.raises(FileNotFoundError, match=r"split folder .*/test' does not "
                           r"exist; folders in .*: \['emotion', 'train'\]"):
            load_genre_spectrograms(memory_lab, split="test")
        with pytest.raises(ValueError, match="labels file"):
            load_multitask_spectrograms(memory_lab)  # genre labels, not floats

    def test_as_path(self, tmp_path):
        path = as_path("memory://x/y")
        assert str(path / "z.npy") == "memory:///x/y/z.npy"
        assert path.name == "y" and str(path.parent) == "memory:///x"
        assert as_path(tmp_path) == tmp_path


class TestWithoutFsspec:
    def test_urls_name_the_package(self, monkeypatch):
        monkeypatch.setitem(sys.modules, "fsspec", None)  # import fails
        with pytest.raises(ImportError, match="needs the optional package fsspec.*"
                           "pip install fsspec"):
            load_spectrogram("s3://bucket/1.npy")
        with pytest.raises(ImportError, match="fsspec"):
            load_genre_spectrograms("s3://bucket/lab")

    def test_local_paths_never_import_it(self, monkeypatch, tmp_path, make_lab):
        monkeypatch.setitem(sys.modules, "fsspec", None)
        make_lab(tmp_path)
        assert len(load_genre_spectrograms(tmp_path, return_X_y=True)[0]) == 3


def test_where_is_empty_outside_dask():
    assert where() == ""
