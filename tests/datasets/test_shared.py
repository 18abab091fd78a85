"""Tests of spectroclf.datasets._shared: shared_data_dir."""

import pytest

from spectroclf.datasets import _shared, shared_data_dir


class TestSharedDataDir:
    def test_explicit_path(self, tmp_path):
        assert shared_data_dir(tmp_path) == tmp_path.resolve()
        with pytest.raises(FileNotFoundError, match="missing"):
            shared_data_dir(tmp_path / "missing")

    def test_environment_variable(self, tmp_path, monkeypatch):
        monkeypatch.setenv("SPECTROCLF_DATA", str(tmp_path))
        assert shared_data_dir() == tmp_path.resolve()

    def _isolate(self, monkeypatch, tmp_path, cwd):
        monkeypatch.delenv("SPECTROCLF_DATA", raising=False)
        monkeypatch.setattr(
            _shared,
            "__file__",
            str(tmp_path / "elsewhere" / "pkg" / "datasets" / "_shared.py"),
        )
        monkeypatch.chdir(cwd)

    def test_walks_up_from_cwd(self, tmp_path, monkeypatch):
        data = tmp_path / "shared" / "data"
        (data / "emotify-lab").mkdir(parents=True)
        (tmp_path / "repo" / "examples").mkdir(parents=True)
        self._isolate(monkeypatch, tmp_path, tmp_path / "repo" / "examples")
        assert shared_data_dir() == data.resolve()

    def test_none_when_absent_and_bad_env_warns(self, tmp_path, monkeypatch):
        (tmp_path / "repo").mkdir()
        (tmp_path / "shared" / "data").mkdir(
            parents=True
        )  # no emotify-lab etc.: not it
        self._isolate(monkeypatch, tmp_path, tmp_path / "repo")
        assert shared_data_dir() is None
        monkeypatch.setenv("SPECTROCLF_DATA", str(tmp_path / "gone"))
        with pytest.warns(UserWarning, match="SPECTROCLF_DATA.*gone"):
            assert shared_data_dir() is None


@pytest.mark.data
def test_shared_data_dir_finds_it(shared_data, monkeypatch):
    monkeypatch.delenv("SPECTROCLF_DATA", raising=False)
    found = shared_data_dir()
    assert found is not None and (found / "emotify-lab").is_dir()
