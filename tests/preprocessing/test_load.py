"""Tests of spectroclf.preprocessing._load: SpectrogramLoader."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.datasets import SpectrogramFiles
from spectroclf.preprocessing import SpectrogramLoader


class TestSpectrogramLoader:
    @pytest.mark.data
    @pytest.mark.parametrize(
        "feature, n_bins", [("fused", 140), ("mel", 128), ("chroma", 12)]
    )
    def test_real_files(self, genre_files, lab_array, feature, n_bins):
        files = genre_files[:2]
        specs = SpectrogramLoader(feature=feature).fit_transform(files)
        assert isinstance(specs, list) and len(specs) == 2
        for path, S in zip(files, specs, strict=True):
            ref = lab_array(path)
            assert S.dtype == np.float32 and S.shape == (ref.shape[0], n_bins)
            cols = {
                "fused": slice(0, 140),
                "mel": slice(0, 128),
                "chroma": slice(128, 140),
            }[feature]
            np.testing.assert_array_equal(S, ref[:, cols])

    def test_npy_file_and_mixed_list(self, tmp_path):
        S = np.random.default_rng(0).normal(size=(20, 140)).astype(np.float32)
        np.save(tmp_path / "a.npy", S.T)  # lab layout: (140, n_frames)
        out = SpectrogramLoader(feature="mel").fit_transform(
            [tmp_path / "a.npy", S[:5]]
        )
        np.testing.assert_allclose(out[0], S[:, :128])
        np.testing.assert_array_equal(out[1], S[:5, :128])

    def test_arrays_keep_container(self):
        X3 = np.random.default_rng(0).normal(size=(3, 8, 140))
        out = SpectrogramLoader(feature="chroma").fit_transform(X3)
        assert isinstance(out, np.ndarray) and out.shape == (3, 8, 12)
        np.testing.assert_allclose(out, X3[..., 128:].astype(np.float32))
        lst = SpectrogramLoader(feature="mel").fit_transform(list(X3))
        assert isinstance(lst, list) and lst[0].shape == (8, 128)
        # already-selected arrays pass through
        chroma = [np.zeros((4, 12), np.float32)]
        assert SpectrogramLoader(feature="chroma").transform(chroma)[0].shape == (4, 12)
        X2 = np.zeros((5, 140))
        assert SpectrogramLoader(feature="chroma").fit_transform(X2).shape == (5, 12)

    def test_errors(self, tmp_path):
        with pytest.raises(ValueError, match="sample 0: spectrogram has 5 bins"):
            SpectrogramLoader().fit_transform([np.zeros((3, 5))])
        with pytest.raises(ValueError, match="single path"):
            SpectrogramLoader().fit_transform(str(tmp_path / "a.npy"))
        with pytest.raises(InvalidParameterError, match="feature"):
            SpectrogramLoader(feature="mfcc").fit([np.zeros((3, 140))])
        with pytest.raises(FileNotFoundError, match="spectrogram file '.*missing.npy' does not exist"):
            SpectrogramLoader().transform([tmp_path / "missing.npy"])

    def test_urls(self, tmp_path):
        """fsspec URLs load like paths (data on shared storage or a bucket)."""
        fsspec = pytest.importorskip("fsspec")
        S = np.random.default_rng(0).normal(size=(7, 140)).astype(np.float32)
        np.save(tmp_path / "a.npy", S.T)
        fsspec.filesystem("memory").pipe("/loader/a.npy", (tmp_path / "a.npy").read_bytes())
        out = SpectrogramLoader(feature="chroma").fit_transform(
            [f"file://{tmp_path / 'a.npy'}", "memory://loader/a.npy", S]
        )
        for spec in out:
            np.testing.assert_array_equal(spec, S[:, 128:])
        with pytest.raises(FileNotFoundError, match="memory://loader/b.npy"):
            SpectrogramLoader().transform(["memory://loader/b.npy"])

    def test_feature_names(self):
        names = SpectrogramLoader(feature="chroma").get_feature_names_out()
        assert list(names[:2]) == ["chroma_C", "chroma_C#"] and len(names) == 12


class TestLazy:
    """``lazy=True``: files are read when a batch needs them, not by transform."""

    @staticmethod
    def _files(tmp_path, n=12):
        rng = np.random.default_rng(0)
        paths, y = [], []
        for i in range(n):
            arr = rng.normal(size=(140, int(rng.integers(5, 30)))).astype(np.float32)
            arr[: 64 if i % 2 else 0] += 2.0  # class 1 lifts the low mel bands
            path = tmp_path / f"{i}.fused.full.npy"
            np.save(path, arr)
            paths.append(str(path))
            y.append(["rock", "pop"][i % 2])
        return paths, np.array(y)

    def test_transform_reads_nothing(self, tmp_path, monkeypatch):
        import spectroclf.datasets._arrays as arrays

        paths, _ = self._files(tmp_path, n=3)
        reads = []
        real = arrays.load_spectrogram
        monkeypatch.setattr(
            arrays, "load_spectrogram", lambda p, **kw: reads.append(p) or real(p, **kw)
        )
        files = SpectrogramLoader(feature="mel", lazy=True).fit_transform(paths)
        assert isinstance(files, SpectrogramFiles) and reads == []
        assert len(files) == 3 and files.n_bins == 128
        S = files[1]
        assert reads == [paths[1]] and S.shape[1] == 128 and S.dtype == np.float32
        np.testing.assert_array_equal(S, np.load(paths[1]).T[:, :128])
        assert isinstance(files[:2], SpectrogramFiles) and len(files[:2]) == 2

    def test_fit_equals_loading_up_front(self, tmp_path):
        from sklearn.pipeline import make_pipeline

        from spectroclf import LSTMClassifier

        paths, y = self._files(tmp_path)

        def pipe(lazy):
            clf = LSTMClassifier(hidden_size=8, max_epochs=3, batch_size=4,
                                 validation_fraction=0.25, random_state=0)
            return make_pipeline(SpectrogramLoader(lazy=lazy), clf).fit(paths, y)

        lazy, eager = pipe(True), pipe(False)
        np.testing.assert_array_equal(lazy.predict_proba(paths), eager.predict_proba(paths))
        assert lazy[-1].n_features_in_ == 140

    def test_errors_name_the_sample_and_the_file(self, tmp_path):
        from spectroclf import CNNClassifier

        paths, y = self._files(tmp_path, n=4)
        with pytest.raises(ValueError, match="sample 1 is a ndarray, not a path"):
            SpectrogramLoader(lazy=True).transform([paths[0], np.zeros((3, 140))])
        np.save(paths[2], np.zeros((12, 7), dtype=np.float32))  # 12 rows: bad file
        files = SpectrogramLoader(lazy=True).transform(paths)
        with pytest.raises(ValueError, match="2.fused.full.npy"):
            CNNClassifier(channels=(4,), max_epochs=1).fit(files, y)


class TestLoaderDetails:
    """Containers, messages and tags (from mutation testing)."""

    def test_object_array_of_clips_is_a_list(self):
        """A 1-D object array of ragged clips (a pandas column's ``.values``)."""
        X = np.empty(3, dtype=object)
        for i in range(3):
            X[i] = np.full((4 + i, 140), i, dtype=np.float64)
        out = SpectrogramLoader(feature="chroma").fit_transform(X)
        assert isinstance(out, list) and [S.shape for S in out] == [(4, 12), (5, 12), (6, 12)]
        assert all(S.dtype == np.float32 for S in out)
        stacked = SpectrogramLoader().fit_transform(np.zeros((2, 4, 140)))
        assert isinstance(stacked, np.ndarray) and stacked.shape == (2, 4, 140)

    def test_single_path_message(self, tmp_path):
        path = str(tmp_path / "1.npy")
        for call in (SpectrogramLoader().transform, SpectrogramLoader().fit):
            with pytest.raises(ValueError) as err:
                call(path)
            assert str(err.value) == f"X is a single path {path!r}; pass a list: [path]"

    def test_lazy_message(self, tmp_path):
        path = tmp_path / "1.npy"
        np.save(path, np.zeros((140, 5), np.float32))
        with pytest.raises(ValueError) as err:
            SpectrogramLoader(lazy=True).transform([str(path), np.zeros((5, 140))])
        assert str(err.value) == (
            "lazy=True reads files when they are needed, but sample 1 is a ndarray, "
            "not a path; pass only paths, or lazy=False")

    def test_mixed_list_errors_name_the_sample(self, tmp_path):
        path = tmp_path / "1.npy"
        np.save(path, np.zeros((140, 5), np.float32))
        with pytest.raises(ValueError, match=r"^sample 1: "):
            SpectrogramLoader(feature="mel").transform([str(path), np.zeros((5, 12))])

    def test_tags(self):
        from sklearn.utils import get_tags

        tags = get_tags(SpectrogramLoader())
        assert tags.input_tags.string is True and tags.input_tags.three_d_array is True
        assert tags.input_tags.dict is True and tags.requires_fit is False
        assert tags.transformer_tags.preserves_dtype == ["float32"]
