"""Saving and loading fitted estimators: save_model/load_model, pickle, joblib.

``tests/data/model_v1.pt`` is a model file written by spectroclf 0.1.0
(format version 1). It must stay loadable by every later version; regenerate
it only when the format changes, with ``python tests/test_persistence.py``,
and then add a new file instead of replacing the old one.
"""

import io
import pickle
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from spectroclf.nets import (
    CNNClassifier,
    CNNRegressor,
    LSTMClassifier,
    LSTMRegressor,
)
from spectroclf.persistence import FORMAT_VERSION, load_model, save_model

DATA = Path(__file__).parent / "data"
REFERENCE_MODEL = DATA / "model_v1.pt"


def reference_data():
    """The deterministic data of the committed model (no random generator)."""
    genres = ["blues", "jazz", "rock"]
    X, y = [], []
    for i in range(30):
        c = i % 3
        n = 4 + i % 5
        t = np.arange(n * 6, dtype=np.float64).reshape(n, 6)
        X.append((np.sin(0.37 * t + 1.3 * c) + c).astype(np.float32))
        y.append(genres[c])
    return X, np.array(y)


def make_reference_model():
    X, y = reference_data()
    return LSTMClassifier(
        hidden_size=4, max_epochs=15, lr=0.05, random_state=0, device="cpu"
    ).fit(X, y)


# predictions of tests/data/model_v1.pt on reference_data()[0][:6]
REFERENCE_LABELS = ["blues", "jazz", "rock", "blues", "jazz", "rock"]
REFERENCE_PROBA = np.array(
    [
        [9.73815024e-01, 2.19257642e-02, 4.25923476e-03],
        [2.97052860e-02, 8.76323938e-01, 9.39707905e-02],
        [7.14769762e-04, 7.66245350e-02, 9.22660708e-01],
        [9.84374583e-01, 1.28778554e-02, 2.74751009e-03],
        [2.51528248e-02, 8.93958330e-01, 8.08888152e-02],
        [1.61021075e-03, 1.78754598e-01, 8.19635212e-01],
    ]
)


def _data(n=16, n_bins=5, seed=0):
    rng = np.random.default_rng(seed)
    X = [
        rng.normal(size=(int(rng.integers(3, 7)), n_bins)).astype(np.float32) + i % 2
        for i in range(n)
    ]
    return X, np.arange(n) % 2


FAST = {"max_epochs": 2, "random_state": 0, "device": "cpu", "batch_size": 8}


def _fitted(kind):
    """A tiny fitted estimator of each kind, with a target of each flavour."""
    X, y01 = _data()
    yr = np.array([x.mean() for x in X])
    if kind == "LSTMClassifier":  # integer labels: must come back as integers
        est, y = LSTMClassifier(hidden_size=3, **FAST), y01 + 3
    elif kind == "LSTMRegressor":  # two targets
        est, y = LSTMRegressor(hidden_size=3, **FAST), np.c_[yr, -yr]
    elif kind == "CNNClassifier":  # string labels, balanced class weights
        est = CNNClassifier(channels=(3,), class_weight="balanced", **FAST)
        y = np.where(y01, "pop", "rock")
    else:
        est, y = CNNRegressor(channels=(3,), **FAST), yr
    return est.fit(X, y), X, y


KINDS = ["LSTMClassifier", "LSTMRegressor", "CNNClassifier", "CNNRegressor"]


@pytest.fixture(scope="module", params=KINDS)
def fitted(request):
    return _fitted(request.param)


def _outputs(est, X):
    out = [est.predict(X)]
    if hasattr(est, "predict_proba"):
        out.append(est.predict_proba(X))
    return out


def _assert_same(a, b, X):
    for pa, pb in zip(_outputs(a, X), _outputs(b, X), strict=True):
        assert pa.dtype == pb.dtype
        np.testing.assert_array_equal(pa, pb)


class TestRoundTrips:
    def test_pickle(self, fitted):
        est, X, _ = fitted
        _assert_same(est, pickle.loads(pickle.dumps(est)), X)

    def test_joblib(self, fitted, tmp_path):
        est, X, _ = fitted
        joblib.dump(est, tmp_path / "m.joblib")
        _assert_same(est, joblib.load(tmp_path / "m.joblib"), X)

    def test_save_load(self, fitted, tmp_path):
        est, X, _ = fitted
        path = save_model(est, tmp_path / "m.pt")
        assert path == tmp_path / "m.pt"
        loaded = load_model(path)
        assert type(loaded) is type(est)
        _assert_same(est, loaded, X)
        assert loaded.get_params() == est.get_params()
        assert loaded.n_features_in_ == est.n_features_in_
        assert loaded.n_epochs_ == est.n_epochs_ == 2
        assert loaded.history_[:, "train_loss"] == pytest.approx(
            est.history_[:, "train_loss"]
        )
        if hasattr(est, "classes_"):
            assert loaded.classes_.dtype == est.classes_.dtype
            np.testing.assert_array_equal(loaded.classes_, est.classes_)
        # no temporary file left behind
        assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]

    def test_file_loads_without_pickle(self, fitted, tmp_path):
        est, _, _ = fitted
        save_model(est, tmp_path / "m.pt")
        payload = torch.load(tmp_path / "m.pt", weights_only=True)
        assert payload["format"] == "spectroclf-model"
        assert payload["format_version"] == FORMAT_VERSION
        assert payload["estimator"] == type(est).__name__
        assert all(t.device.type == "cpu" for t in payload["state_dict"].values())

    def test_loaded_model_trains_further(self, fitted, tmp_path):
        est, X, y = fitted
        save_model(est, tmp_path / "m.pt")
        loaded = load_model(tmp_path / "m.pt")
        loaded.set_params(max_epochs=1).fit(X, y)
        assert loaded.n_epochs_ == 1

    def test_overwrites_atomically(self, tmp_path):
        est, X, _ = _fitted("LSTMClassifier")
        path = tmp_path / "m.pt"
        path.write_bytes(b"old")
        save_model(est, path)
        _assert_same(est, load_model(path), X)
        assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]


class TestMetadata:
    def test_round_trips(self, tmp_path):
        est, X, _ = _fitted("LSTMClassifier")
        meta = {"task": "genre", "max_len": None, "names": ["a", "b"], "n": 3}
        save_model(est, tmp_path / "m.pt", metadata=meta)
        loaded, read = load_model(tmp_path / "m.pt", return_metadata=True)
        assert read == meta
        _assert_same(est, loaded, X)
        # files without metadata (format 1 as first written) give {}
        assert load_model(REFERENCE_MODEL, return_metadata=True)[1] == {}

    def test_must_be_a_dict(self, tmp_path):
        est, _, _ = _fitted("LSTMClassifier")
        with pytest.raises(TypeError, match="metadata must be a dict"):
            save_model(est, tmp_path / "m.pt", metadata=["genre"])
        assert not (tmp_path / "m.pt").exists()


class TestUnsavedParams:
    def test_callbacks_and_init_from_are_dropped_with_a_note(self, tmp_path):
        from skorch.callbacks import EpochTimer

        X, y = _data()
        base = LSTMClassifier(hidden_size=3, **FAST).fit(X, y)
        est = LSTMClassifier(
            hidden_size=3, callbacks=[EpochTimer()], init_from=base, **FAST
        ).fit(X, y)
        save_model(est, tmp_path / "m.pt")
        notes = torch.load(tmp_path / "m.pt", weights_only=True)["notes"]
        assert any("callbacks" in n for n in notes)
        assert any("init_from" in n for n in notes)
        loaded = load_model(tmp_path / "m.pt")
        assert loaded.callbacks is None and loaded.init_from is None
        _assert_same(est, loaded, X)

    def test_torch_optimizer_class_round_trips(self, tmp_path):
        X, y = _data()
        est = LSTMRegressor(hidden_size=3, optimizer=torch.optim.SGD, **FAST)
        est.fit(X, y.astype(float))
        save_model(est, tmp_path / "m.pt")
        assert load_model(tmp_path / "m.pt").optimizer is torch.optim.SGD


@pytest.mark.slow  # fine-tunes the pretrained musicnn: ~10-30 s on 2 cores
def test_musicnn_save_load(tmp_path):
    from spectroclf.musicnn import MusicnnClassifier

    rng = np.random.default_rng(0)
    X = [rng.random(size=(190, 96)).astype(np.float32) for _ in range(6)]
    y = np.array(["calm", "loud"] * 3)
    est = MusicnnClassifier(freeze="backbone", max_epochs=1, batch_size=3,
                            random_state=0, device="cpu").fit(X, y)
    save_model(est, tmp_path / "m.pt")
    loaded = load_model(tmp_path / "m.pt")
    assert type(loaded) is MusicnnClassifier
    assert loaded.get_params() == est.get_params()
    _assert_same(est, loaded, X)

    # a joblib.Memory object is a cache handle, not a parameter value to save
    from joblib import Memory

    est.set_params(memory=Memory(tmp_path / "cache", verbose=0))
    save_model(est, tmp_path / "m2.pt")
    assert load_model(tmp_path / "m2.pt").memory is None
    notes = torch.load(tmp_path / "m2.pt", weights_only=True)["notes"]
    assert any("memory" in n for n in notes)
    est.set_params(memory=str(tmp_path / "cache"))  # a path is kept
    save_model(est, tmp_path / "m3.pt")
    assert load_model(tmp_path / "m3.pt").memory == str(tmp_path / "cache")


class TestReferenceFile:
    """The committed file of format 1 must load and predict the same forever."""

    def test_predicts_recorded_outputs(self):
        clf = load_model(REFERENCE_MODEL)
        X = reference_data()[0][:6]
        assert isinstance(clf, LSTMClassifier)
        assert clf.classes_.tolist() == ["blues", "jazz", "rock"]
        assert clf.predict(X).tolist() == REFERENCE_LABELS
        np.testing.assert_allclose(clf.predict_proba(X), REFERENCE_PROBA, atol=1e-5)

    def test_matches_a_fresh_fit(self):
        # guards the recorded numbers: the same seed trains the same model
        X = reference_data()[0][:6]
        np.testing.assert_allclose(
            make_reference_model().predict_proba(X), REFERENCE_PROBA, atol=1e-5
        )


class TestErrors:
    def test_newer_format_asks_to_upgrade(self, tmp_path):
        payload = torch.load(REFERENCE_MODEL, weights_only=True)
        payload["format_version"] = 99
        payload["spectroclf_version"] = "9.0"
        torch.save(payload, tmp_path / "future.pt")
        with pytest.raises(
            ValueError,
            match=r"saved by spectroclf 9\.0 with format 99; this is spectroclf "
            r"\S+, which reads format <= 1: upgrade",
        ):
            load_model(tmp_path / "future.pt")

    @pytest.mark.parametrize(
        "content, why",
        [
            (b"", "empty"),
            (b"Id\tGenre\n1\tRock\n", "not a torch.save archive; it starts with b'Id"),
            ("pickle", "pickled Python objects"),
            ("state_dict", "no 'format'"),
            ("truncated", "truncated or corrupt"),
            ("zip", "torch.load could not read it"),
        ],
    )
    def test_not_a_model_file(self, tmp_path, content, why):
        path = tmp_path / "x.pt"
        if content == "pickle":
            torch.save(LSTMClassifier(), path)  # pickles an object
        elif content == "state_dict":
            torch.save({"weight": torch.zeros(2)}, path)
        elif content == "zip":
            import zipfile

            with zipfile.ZipFile(path, "w") as z:
                z.writestr("hello.txt", "not a model")
        elif content == "truncated":
            path.write_bytes(REFERENCE_MODEL.read_bytes()[:3000])
        else:
            path.write_bytes(content)
        with pytest.raises(ValueError, match="is not a spectroclf model file") as exc:
            load_model(path)
        assert why in str(exc.value)
        assert str(path) in str(exc.value)

    def test_checkpoint_file_is_named_as_such(self, tmp_path):
        torch.save({"meta": {}, "module": {}, "optimizer": {}, "history": []},
                   tmp_path / "checkpoint.pt")
        with pytest.raises(ValueError, match="training checkpoint"):
            load_model(tmp_path / "checkpoint.pt")

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="nope.pt' does not exist"):
            load_model(tmp_path / "nope.pt")

    def test_unknown_estimator(self, tmp_path):
        payload = torch.load(REFERENCE_MODEL, weights_only=True)
        payload["estimator"] = "TransformerClassifier"
        torch.save(payload, tmp_path / "m.pt")
        with pytest.raises(ValueError, match="'TransformerClassifier'.*known estimators: "
                           "LSTMClassifier"):
            load_model(tmp_path / "m.pt")

    def test_unfitted(self, tmp_path):
        with pytest.raises(NotFittedError, match="call fit before save_model"):
            save_model(LSTMClassifier(), tmp_path / "m.pt")
        assert not list(tmp_path.iterdir())

    def test_not_a_spectroclf_estimator(self, tmp_path):
        from sklearn.linear_model import LogisticRegression

        with pytest.raises(TypeError, match="LogisticRegression. Use joblib.dump"):
            save_model(LogisticRegression(), tmp_path / "m.pt")

    def test_missing_folder(self, tmp_path):
        est, _, _ = _fitted("LSTMClassifier")
        with pytest.raises(FileNotFoundError, match="folder .*no' does not exist"):
            save_model(est, tmp_path / "no" / "m.pt")


def _as_if_trained_on_cuda(est, tmp_path):
    """Save ``est`` with ``device_ = 'cuda'`` recorded, as a GPU fit would."""
    est.device_ = "cuda"
    try:
        save_model(est, tmp_path / "gpu.pt")
    finally:
        est.device_ = "cpu"
    assert torch.load(tmp_path / "gpu.pt", weights_only=True)["fitted"]["device_"] == "cuda"
    return tmp_path / "gpu.pt"


class TestCudaModelOnCpu:
    def test_map_location_cpu(self, tmp_path):
        est, X, _ = _fitted("CNNClassifier")
        path = _as_if_trained_on_cuda(est, tmp_path)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an explicit map_location is silent
            loaded = load_model(path, map_location="cpu")
        assert loaded.device_ == "cpu"
        assert str(loaded.net_.device) == "cpu"
        _assert_same(est, loaded, X)

    def test_falls_back_to_cpu_with_a_warning(self, tmp_path, monkeypatch):
        est, X, _ = _fitted("LSTMRegressor")
        path = _as_if_trained_on_cuda(est, tmp_path)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.warns(UserWarning, match="trained on device 'cuda' but CUDA is "
                          "not available.*loading it on the CPU"):
            loaded = load_model(path)
        assert loaded.device_ == "cpu"
        assert next(loaded.net_.module_.parameters()).device.type == "cpu"
        _assert_same(est, loaded, X)

    def test_map_location_cuda_without_gpu(self, tmp_path, monkeypatch):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.raises(ValueError, match="CUDA is not available.*map_location='cpu'"):
            load_model(REFERENCE_MODEL, map_location="cuda")

    @pytest.mark.filterwarnings("ignore:Setting self.device = cpu")
    def test_unpickle_cuda_net_on_cpu(self):
        # skorch's __setstate__ maps a CUDA net to the CPU when there is no GPU
        est, X, _ = _fitted("LSTMClassifier")
        expected = est.predict_proba(X)
        est.net_.device = "cuda"  # as after a GPU fit (the weights are saved alike)
        blob = pickle.dumps(est)
        est.net_.device = "cpu"
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(torch.cuda, "is_available", lambda: False)
            with pytest.warns(UserWarning, match="no CUDA devices are available"):
                loaded = pickle.loads(blob)
        assert str(loaded.net_.device) == "cpu"
        np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-6)

    def test_unpickled_device_attribute_matches_net(self):
        est, _, _ = _fitted("LSTMClassifier")
        est.net_.device, est.device_ = "cuda", "cuda"
        blob = pickle.dumps(est)
        est.net_.device, est.device_ = "cpu", "cpu"
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(torch.cuda, "is_available", lambda: False)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loaded = pickle.loads(blob)
        assert loaded.device_ == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_fit_loads_on_cpu(tmp_path):
    X, y = _data()
    est = LSTMClassifier(hidden_size=3, max_epochs=2, random_state=0, device="cuda")
    est.fit(X, y)
    assert est.device_ == "cuda"
    gpu_proba = est.predict_proba(X)
    save_model(est, tmp_path / "m.pt")
    loaded = load_model(tmp_path / "m.pt", map_location="cpu")
    assert next(loaded.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(loaded.predict_proba(X), gpu_proba, atol=1e-5)
    # pickle keeps the GPU; unpickling it on the same machine still works
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(again.predict_proba(X), gpu_proba, atol=1e-5)
    buf = io.BytesIO()
    joblib.dump(est, buf)
    buf.seek(0)
    np.testing.assert_allclose(joblib.load(buf).predict_proba(X), gpu_proba, atol=1e-5)


if __name__ == "__main__":  # regenerate tests/data/model_v1.pt (see the docstring)
    model = make_reference_model()
    save_model(model, REFERENCE_MODEL)
    print(model.predict(reference_data()[0][:6]).tolist())
    print(np.array2string(model.predict_proba(reference_data()[0][:6]),
                          precision=8, separator=", ", floatmode="fixed"))


class TestTamperedFiles:
    """A valid archive with contents no fit could have written: the library's own
    error, naming the entry, before anything is built in torch or skorch."""

    def _tampered(self, tmp_path, edit, kind="LSTMRegressor"):
        est, _, _ = _fitted(kind)
        path = save_model(est, tmp_path / "m.pt")
        payload = torch.load(path, weights_only=True)
        edit(payload)
        torch.save(payload, path)
        return path

    @pytest.mark.parametrize(
        "edit, entry",
        [
            (lambda p: p["params"].update(hidden_size=-1), r"params\['hidden_size'\]"),
            (lambda p: p["params"].update(lr="fast"), r"params\['lr'\]"),
            (lambda p: p["params"].update(optimizer="torch.optim.Nope"),
             r"params\['optimizer'\].*'torch.optim.Nope', not a torch optimizer"),
            (lambda p: p["params"].update(optimizer="os.system"), r"params\['optimizer'\]"),
            (lambda p: p["params"].update(callbacks=["evil"]), r"params\['callbacks'\]"),
            (lambda p: p.update(params=[1, 2]), "params is a list"),
        ],
    )
    def test_bad_params(self, tmp_path, edit, entry):
        path = self._tampered(tmp_path, edit)
        with pytest.raises(ValueError, match=f"{path.name}' is damaged: entry {entry}"):
            load_model(path)

    @pytest.mark.parametrize(
        "edit, what",
        [
            (lambda p: p["fitted"].update(y_mean_=torch.zeros(5)),
             r"fitted\['y_mean_'\] must be 2 finite floats"),
            (lambda p: p["fitted"].update(n_outputs_="two"),
             r"fitted\['n_outputs_'\] must be a non-negative integer"),
            (lambda p: p["fitted"].update(n_features_in_=0),
             r"fitted\['n_features_in_'\] must be a positive integer"),
            (lambda p: p["state_dict"].pop(next(iter(p["state_dict"]))), "Missing key"),
            (lambda p: p.update(fitted="x"), r"entry fitted is a str"),
        ],
    )
    def test_bad_fitted_state(self, tmp_path, edit, what):
        path = self._tampered(tmp_path, edit)
        with pytest.raises(ValueError, match=f"{path.name}' is damaged: .*{what}"):
            load_model(path)

    def test_a_single_class(self, tmp_path):
        def edit(p):
            p["fitted"]["classes_"] = {"values": ["pop"], "dtype": "<U3"}

        path = self._tampered(tmp_path, edit, kind="CNNClassifier")
        with pytest.raises(ValueError, match=r"damaged: fitted\['classes_'\] must be"):
            load_model(path)
