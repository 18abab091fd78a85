"""Saving and loading fitted estimators: save_model/load_model, pickle, joblib.

``tests/data/model_v1.pt`` is a model file written by spectroclf 0.1.0
(format version 1). It must stay loadable by every later version; regenerate
it only when the format changes, with ``python tests/test_persistence.py``,
and then add a new file instead of replacing the old one.
"""

import io
import os
import pickle
import re
import warnings
from enum import IntEnum
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


def _points_here(warning):
    """The warning is reported at the line of this file that called spectroclf.

    Under mutation testing mutmut's trampolines add frames to every call, so
    there the check cannot hold and is left out (the normal suite makes it).
    """
    return "MUTANT_UNDER_TEST" in os.environ or warning.filename == __file__


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
        # the reason, not the test's tmp_path (whose name holds the test id)
        message = str(exc.value)
        assert message.startswith(f"'{path}' is not a spectroclf model file (")
        assert why in message[len(str(path)):]
        assert message.endswith("); model files are written by spectroclf.save_model")

    def test_not_a_model_file_says_what_it_is(self, tmp_path):
        path = tmp_path / "x.pt"
        path.write_bytes(b"Id\tGenre\n1\tRock\n2\tJazz\n")  # the first 16 bytes shown
        with pytest.raises(ValueError) as exc:
            load_model(path)
        assert str(exc.value) == (
            f"'{path}' is not a spectroclf model file (it is not a torch.save archive; "
            "it starts with b'Id\\tGenre\\n1\\tRock\\n'); model files are written by "
            "spectroclf.save_model"
        )
        path.write_bytes(b"")
        with pytest.raises(ValueError, match=r"\(the file is empty \(0 bytes\)\);"):
            load_model(path)
        path.write_bytes(b"x")  # one byte is not empty
        with pytest.raises(ValueError, match=r"it starts with b'x'\);"):
            load_model(path)

    def test_a_folder(self, tmp_path):
        with pytest.raises(IsADirectoryError) as exc:
            load_model(tmp_path)
        assert str(exc.value) == f"'{tmp_path}' is a folder, not a model file"

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
            (lambda p: p["params"].update(callbacks=["evil"]),
             r"params\['callbacks'\] is \['evil'\]; save_model stores None there; the "
             "file was modified or written by an incompatible spectroclf$"),
            (lambda p: p["params"].update(init_from="evil"),
             r"params\['init_from'\] is 'evil'; save_model stores None there"),
            (lambda p: p["params"].update(accelerator="evil"),
             r"params\['accelerator'\] is 'evil'; save_model stores None there"),
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

    def test_invalid_parameter_message_in_full(self, tmp_path):
        path = self._tampered(tmp_path, lambda p: p["params"].update(hidden_size=-1))
        with pytest.raises(ValueError) as exc:
            load_model(path)
        assert re.fullmatch(
            rf"model file '{re.escape(str(path))}' is damaged: entry "
            r"params\['hidden_size'\] is invalid \(The 'hidden_size' parameter of "
            r"LSTMRegressor must be .* Got -1 instead\.\); the file was modified or "
            "written by an incompatible spectroclf",
            str(exc.value),
        )

    def test_an_unknown_parameter_is_ignored_with_a_warning(self, tmp_path):
        est, X, _ = _fitted("LSTMRegressor")
        path = save_model(est, tmp_path / "m.pt")
        payload = torch.load(path, weights_only=True)
        payload["params"]["colour"] = "blue"  # from a later version, say
        torch.save(payload, path)
        with pytest.warns(UserWarning) as record:
            loaded = load_model(path)
        assert [str(w.message) for w in record] == [
            "the model file sets parameters ['colour'] that this version of "
            "LSTMRegressor does not have; they are ignored"
        ]
        assert _points_here(record[0])  # at the caller's load_model
        assert loaded.get_params() == est.get_params()
        _assert_same(est, loaded, X)

    def test_a_missing_parameter_takes_its_default(self, tmp_path):
        """A file written before a parameter existed: the default, as for a new one."""
        X, _ = _data()
        est = CNNRegressor(max_epochs=1, random_state=0, device="cpu").fit(
            X, np.array([x.mean() for x in X]))
        path = save_model(est, tmp_path / "m.pt")
        payload = torch.load(path, weights_only=True)
        del payload["params"]["channels"], payload["params"]["lr"]
        torch.save(payload, path)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loaded = load_model(path)
        assert loaded.channels == CNNRegressor().channels
        assert loaded.lr == CNNRegressor().lr
        _assert_same(est, loaded, X)

    def test_channels_as_a_list_come_back_a_tuple(self, tmp_path):
        path = self._tampered(tmp_path, lambda p: p["params"].update(channels=[3]),
                              kind="CNNRegressor")
        assert load_model(path).channels == (3,)

    def test_feature_names_as_a_list(self, tmp_path):
        """spectroclf 0.1 stored ``feature_names_in_`` as a list of str."""
        names = [f"bin{i}" for i in range(5)]
        path = self._tampered(
            tmp_path, lambda p: p["fitted"].update(feature_names_in_=names))
        loaded = load_model(path)
        assert isinstance(loaded.feature_names_in_, np.ndarray)
        assert loaded.feature_names_in_.dtype == object
        assert loaded.feature_names_in_.tolist() == names


class Thing:
    def __repr__(self):
        return "<Thing>"


class ScaledSGD(torch.optim.SGD):
    """An optimizer class of the user's: code, so not saved; its state is."""

    def __init__(self, params, tag=None, **kwargs):
        super().__init__(params, **kwargs)
        for group in self.param_groups:
            group["tag"] = Thing() if tag is None else tag


class Level(IntEnum):
    HIGH = 2


class TestWhatIsSaved:
    """What the file holds for values that are not plain, and the notes naming them."""

    def test_notes_name_every_value_not_saved(self, tmp_path):
        from skorch.callbacks import EpochTimer

        X, y = _data()
        base = LSTMClassifier(hidden_size=3, **FAST).fit(X, y)
        est = LSTMClassifier(hidden_size=3, callbacks=[EpochTimer()], init_from=base,
                             optimizer=ScaledSGD, **FAST).fit(X, y)
        est.set_params(random_state=np.random.RandomState(0))  # as a user may
        save_model(est, tmp_path / "m.pt")
        payload = torch.load(tmp_path / "m.pt", weights_only=True)
        assert payload["notes"] == [
            "params['callbacks']: skorch callbacks are Python objects and were not "
            "saved (None); pass them again with set_params to train further",
            "params['init_from']: the LSTMClassifier the network was initialised from "
            "was not saved (None); its weights are part of this model already",
            f"params['optimizer']: the custom optimizer class {__name__}.ScaledSGD was "
            "not saved (None on load means 'adam'); set it again to train further",
            "params['random_state']: a RandomState instance was not saved (None)",
            "optimizer['param_groups'][0]['tag']: a Thing was saved as its repr",
        ]
        assert payload["optimizer"]["param_groups"][0]["tag"] == "<Thing>"
        for name in ("callbacks", "init_from", "optimizer", "random_state"):
            assert payload["params"][name] is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing unknown in the file
            loaded = load_model(tmp_path / "m.pt")
        # None for the optimizer means the default
        assert loaded.optimizer == LSTMClassifier().optimizer == "adam"
        assert loaded.random_state is None and loaded.callbacks is None
        assert loaded.init_from is None
        _assert_same(est, loaded, X)

    def test_an_accelerator_is_not_saved(self, tmp_path):
        class Accelerator:  # what the parameter asks of one
            def prepare(self, *args):
                return args

            def unwrap_model(self, model):
                return model

        est, _, _ = _fitted("LSTMClassifier")
        try:
            est.set_params(accelerator=Accelerator())
            save_model(est, tmp_path / "m.pt")
        finally:
            est.set_params(accelerator=None)
        payload = torch.load(tmp_path / "m.pt", weights_only=True)
        assert payload["params"]["accelerator"] is None
        assert payload["notes"] == [
            "params['accelerator']: the Accelerator belongs to the process that trained "
            "(None); pass a new one with set_params to train further"
        ]
        assert load_model(tmp_path / "m.pt").accelerator is None

    def test_a_memory_object_is_not_saved_a_path_is(self, tmp_path):
        from joblib import Memory

        from spectroclf.musicnn import MusicnnClassifier
        from spectroclf.persistence import _params_payload

        notes = []
        est = MusicnnClassifier(memory=Memory(tmp_path, verbose=0))
        assert _params_payload(est, notes)["memory"] is None
        assert notes == [
            "params['memory']: the joblib.Memory object was not saved (None); pass it "
            "again with set_params to cache"
        ]
        notes = []
        est.set_params(memory=tmp_path)
        assert _params_payload(est, notes)["memory"] == str(tmp_path)
        est.set_params(memory=None)
        assert _params_payload(est, notes)["memory"] is None
        assert notes == []

    def test_metadata_is_stored_as_primitives(self, tmp_path):
        est, _, _ = _fitted("LSTMClassifier")
        meta = {
            "path": Path("data") / "lab",
            "level": Level.HIGH,
            "score": np.float32(0.5),
            "pair": (1, [Thing()]),
            "nested": {"x": Thing()},
            7: "an int key",
            0.5: "a float key",
        }
        save_model(est, tmp_path / "m.pt", metadata=meta)
        _, read = load_model(tmp_path / "m.pt", return_metadata=True)
        assert read == {
            "path": str(Path("data") / "lab"),
            "level": 2,
            "score": 0.5,
            "pair": (1, ["<Thing>"]),
            "nested": {"x": "<Thing>"},
            7: "an int key",
            "0.5": "a float key",
        }
        assert type(read["level"]) is int and type(read["score"]) is float
        notes = torch.load(tmp_path / "m.pt", weights_only=True)["notes"]
        assert notes == [
            "metadata['pair'][1][0]: a Thing was saved as its repr",
            "metadata['nested']['x']: a Thing was saved as its repr",
        ]

    @pytest.mark.parametrize("dtype", [object, "<U10"])
    def test_label_dtype_round_trips(self, tmp_path, dtype):
        X, y = _data()
        y = np.where(y, "pop", "rock").astype(dtype)
        est = CNNClassifier(channels=(3,), **FAST).fit(X, y)
        assert est.classes_.dtype == np.dtype(dtype)
        loaded = load_model(save_model(est, tmp_path / "m.pt"))
        assert loaded.classes_.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(loaded.classes_, est.classes_)
        _assert_same(est, loaded, X)

    def test_loaded_estimator_has_the_same_attributes(self, tmp_path):
        est, X, _ = _fitted("CNNRegressor")
        loaded = load_model(save_model(est, tmp_path / "m.pt"))
        assert sorted(vars(loaded)) == sorted(vars(est))
        for name, value in vars(est).items():
            if name.endswith("_") and name not in ("net_", "history_"):
                np.testing.assert_array_equal(getattr(loaded, name), value)


class TestLoadOptions:
    def test_map_location_forms(self, tmp_path):
        est, X, _ = _fitted("LSTMRegressor")
        path = save_model(est, tmp_path / "m.pt")
        for where in ("cpu", "auto" if not torch.cuda.is_available() else "cpu",
                      torch.device("cpu")):
            loaded = load_model(path, map_location=where)
            assert loaded.device_ == "cpu"
            _assert_same(est, loaded, X)

    def test_a_cpu_model_loads_silently(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert load_model(REFERENCE_MODEL).device_ == "cpu"

    def test_cuda_fallback_warning_points_at_the_caller(self, tmp_path, monkeypatch):
        est, _, _ = _fitted("LSTMRegressor")
        path = _as_if_trained_on_cuda(est, tmp_path)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.warns(UserWarning) as record:
            load_model(path)
        assert [str(w.message) for w in record] == [
            "the model was trained on device 'cuda' but CUDA is not available on this "
            "machine; loading it on the CPU. Pass map_location='cpu' to silence this "
            "warning"
        ]
        assert _points_here(record[0])

class TestNotAModelMessages:
    """Each file that is no model says what it is instead, in full."""

    def _message(self, path):
        with pytest.raises(ValueError) as exc:
            load_model(path)
        message = str(exc.value)
        head = f"'{path}' is not a spectroclf model file ("
        tail = "); model files are written by spectroclf.save_model"
        assert message.startswith(head) and message.endswith(tail), message
        return message[len(head):-len(tail)]

    def test_pickled_objects(self, tmp_path):
        torch.save(LSTMClassifier(), tmp_path / "x.pt")
        assert self._message(tmp_path / "x.pt") == (
            "it holds pickled Python objects, which load_model never executes; if it "
            "is a pickled estimator from a source you trust, read it with joblib.load "
            "or pickle.load"
        )

    def test_truncated(self, tmp_path):
        (tmp_path / "x.pt").write_bytes(REFERENCE_MODEL.read_bytes()[:3000])
        assert self._message(tmp_path / "x.pt") == (
            "it starts like a torch.save archive but is truncated or corrupt")

    def test_a_zip_torch_cannot_read(self, tmp_path):
        import zipfile

        with zipfile.ZipFile(tmp_path / "x.pt", "w") as z:
            z.writestr("hello.txt", "not a model")
        why = self._message(tmp_path / "x.pt")
        match = re.fullmatch(r"torch\.load could not read it: (\w+): (.+); the file "
                             "may be truncated or corrupt", why)
        assert match, why
        assert match[1] == "RuntimeError" and match[2].strip() and "\n" not in match[2]

    def test_an_error_without_text(self, tmp_path, monkeypatch):
        import zipfile

        with zipfile.ZipFile(tmp_path / "x.pt", "w") as z:
            z.writestr("data.pkl", "")

        def load(*args, **kwargs):
            raise OSError("")

        monkeypatch.setattr(torch, "load", load)
        assert self._message(tmp_path / "x.pt") == (
            "torch.load could not read it: OSError: ; the file may be truncated or "
            "corrupt")

    def test_not_a_dict(self, tmp_path):
        torch.save([1, 2], tmp_path / "x.pt")
        assert self._message(tmp_path / "x.pt") == "it holds a list, not a dict"

    def test_training_checkpoint(self, tmp_path):
        torch.save({"meta": {}, "module": {}, "optimizer": {}, "history": []},
                   tmp_path / "x.pt")
        assert self._message(tmp_path / "x.pt") == (
            "it is a training checkpoint written by fit(checkpoint=...); resume "
            "training with fit and the same checkpoint directory, then save the "
            "fitted estimator with save_model"
        )

    @pytest.mark.parametrize("payload, keys", [
        ({k: 0 for k in "abcdef"}, "'a', 'b', 'c', 'd', 'e'"),  # the first five
        ({}, "none"),
    ])
    def test_no_format_entry(self, tmp_path, payload, keys):
        torch.save(payload, tmp_path / "x.pt")
        assert self._message(tmp_path / "x.pt") == (
            f"no 'format': 'spectroclf-model' entry; its keys are {keys}")

    @pytest.mark.parametrize("version", [0, "1", None])
    def test_invalid_format_version(self, tmp_path, version):
        payload = torch.load(REFERENCE_MODEL, weights_only=True)
        payload["format_version"] = version
        torch.save(payload, tmp_path / "x.pt")
        assert self._message(tmp_path / "x.pt") == f"invalid format_version {version!r}"

    def test_missing_entries(self, tmp_path):
        payload = torch.load(REFERENCE_MODEL, weights_only=True)
        del payload["fitted"], payload["params"]
        torch.save(payload, tmp_path / "x.pt")
        assert self._message(tmp_path / "x.pt") == (
            "entries ['fitted', 'params'] are missing; the file is damaged")

    def test_newer_format_without_a_version(self, tmp_path):
        from spectroclf import __version__

        payload = torch.load(REFERENCE_MODEL, weights_only=True)
        payload["format_version"] = 2
        del payload["spectroclf_version"]
        torch.save(payload, tmp_path / "x.pt")
        with pytest.raises(ValueError) as exc:
            load_model(tmp_path / "x.pt")
        assert str(exc.value) == (
            f"model file '{tmp_path / 'x.pt'}' was saved by spectroclf ? with format 2; "
            f"this is spectroclf {__version__}, which reads format <= 1: upgrade "
            "spectroclf (pip install -U spectroclf) to load it"
        )

    def test_tensors_recorded_on_cuda_load_on_the_cpu(self, tmp_path, monkeypatch):
        """A file whose tensors say ``cuda:0`` (saved on a GPU) loads without one."""
        payload = torch.load(REFERENCE_MODEL, weights_only=True)
        with monkeypatch.context() as m:
            m.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
            torch.save(payload, tmp_path / "gpu.pt")
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        loaded = load_model(tmp_path / "gpu.pt")
        X = reference_data()[0][:6]
        np.testing.assert_allclose(loaded.predict_proba(X), REFERENCE_PROBA, atol=1e-5)

    @pytest.mark.parametrize("saved_by, shown", [("9.0", "9.0"), (None, "?")])
    def test_unknown_estimator_in_full(self, tmp_path, saved_by, shown):
        from spectroclf import __version__
        from spectroclf.persistence import _estimator_classes

        payload = torch.load(REFERENCE_MODEL, weights_only=True)
        payload["estimator"] = "TransformerClassifier"
        if saved_by is None:
            del payload["spectroclf_version"]
        else:
            payload["spectroclf_version"] = saved_by
        torch.save(payload, tmp_path / "m.pt")
        with pytest.raises(ValueError) as exc:
            load_model(tmp_path / "m.pt")
        known = ", ".join(_estimator_classes())
        assert known.startswith("LSTMClassifier, LSTMRegressor, CNNClassifier")
        assert str(exc.value) == (
            f"model file '{tmp_path / 'm.pt'}' holds a 'TransformerClassifier', which "
            f"this spectroclf ({__version__}) does not know; known estimators: {known}. "
            f"It was saved by spectroclf {shown}: use that version or newer"
        )


class TestTrainingState:
    """What a further fit relies on comes back: drop_last, loss weights, optimizer."""

    def test_drop_last_round_trips(self, tmp_path):
        # 17 clips in batches of 8 leave a batch of one, which batch norm refuses
        X, y = _data(n=17)
        est = CNNRegressor(channels=(3,), **FAST).fit(X, y.astype(float))
        assert est.net_.get_params()["iterator_train__drop_last"] is True
        path = save_model(est, tmp_path / "m.pt")
        loaded = load_model(path)
        assert loaded.net_.get_params()["iterator_train__drop_last"] is True
        # a file without the entry (as 0.1 wrote for other models) keeps every clip
        payload = torch.load(path, weights_only=True)
        del payload["fitted"]["drop_last"]
        torch.save(payload, path)
        assert load_model(path).net_.get_params()["iterator_train__drop_last"] is False

    def test_balanced_class_weights_and_optimizer_state(self, tmp_path):
        X, y = _data(n=16)
        y = np.where(np.arange(16) < 12, "pop", "rock")  # imbalanced: 12 to 4
        est = CNNClassifier(channels=(3,), class_weight="balanced", **FAST).fit(X, y)
        loaded = load_model(save_model(est, tmp_path / "m.pt"))
        weight = est.net_.criterion_.weight
        assert weight[0] < weight[1]  # the minority class weighs more
        torch.testing.assert_close(loaded.net_.criterion_.weight, weight)
        saved, restored = est.net_.optimizer_.state_dict(), loaded.net_.optimizer_.state_dict()
        assert saved["state"] and restored["state"].keys() == saved["state"].keys()
        for key, state in saved["state"].items():
            for name, value in state.items():
                torch.testing.assert_close(restored["state"][key][name], value)

    def test_a_file_without_device(self, tmp_path):
        est, X, _ = _fitted("LSTMRegressor")
        path = save_model(est, tmp_path / "m.pt")
        payload = torch.load(path, weights_only=True)
        del payload["fitted"]["device_"]
        torch.save(payload, path)
        loaded = load_model(path)
        assert loaded.device_ == "cpu"
        _assert_same(est, loaded, X)


class TestSaveErrors:
    def test_a_net_estimator_is_code(self, tmp_path):
        from spectroclf.nets import NetClassifier

        with pytest.raises(TypeError) as exc:
            save_model(NetClassifier(module=torch.nn.Linear), tmp_path / "m.pt")
        assert str(exc.value) == (
            "save_model stores no code, and a NetClassifier's network is a module class "
            "of yours; save it with joblib.dump (or torch.save of "
            "estimator.net_.module_.state_dict()) where that class can be imported"
        )

    def test_not_a_spectroclf_estimator_in_full(self, tmp_path):
        from sklearn.linear_model import LogisticRegression

        from spectroclf.persistence import _estimator_classes

        with pytest.raises(TypeError) as exc:
            save_model(LogisticRegression(), tmp_path / "m.pt")
        assert str(exc.value) == (
            f"save_model saves the spectroclf estimators "
            f"({', '.join(_estimator_classes())}); got a "
            "sklearn.linear_model._logistic.LogisticRegression. Use joblib.dump (or "
            "pickle) for other objects"
        )

    def test_half_fitted(self, tmp_path):
        est = LSTMClassifier()
        est.n_features_in_ = 5  # but no network
        with pytest.raises(NotFittedError) as exc:
            save_model(est, tmp_path / "m.pt")
        assert str(exc.value) == (
            "This LSTMClassifier instance is not fitted yet; call fit before save_model")


    def test_metadata_not_a_dict(self, tmp_path):
        est, _, _ = _fitted("LSTMClassifier")
        with pytest.raises(TypeError) as exc:
            save_model(est, tmp_path / "m.pt", metadata=["genre"])
        assert str(exc.value) == "metadata must be a dict of primitives, got a list"

    def test_a_folder(self, tmp_path):
        est, _, _ = _fitted("LSTMClassifier")
        with pytest.raises(IsADirectoryError) as exc:
            save_model(est, tmp_path)
        assert str(exc.value) == (
            f"'{tmp_path}' is a folder; pass a file name such as '{tmp_path / 'model.pt'}'")

    def test_missing_folder_in_full(self, tmp_path):
        est, _, _ = _fitted("LSTMClassifier")
        with pytest.raises(FileNotFoundError) as exc:
            save_model(est, tmp_path / "no" / "m.pt")
        assert str(exc.value) == (
            f"cannot save to '{tmp_path / 'no' / 'm.pt'}': the folder "
            f"'{tmp_path / 'no'}' does not exist; create it first")


class TestRebuildErrors:
    def test_long_errors_are_cut_to_400_characters(self, tmp_path):
        est, _, _ = _fitted("LSTMRegressor")
        path = save_model(est, tmp_path / "m.pt")
        payload = torch.load(path, weights_only=True)
        payload["state_dict"] = {f"layer{i}.weight": torch.zeros(1) for i in range(40)}
        torch.save(payload, path)
        with pytest.raises(ValueError) as exc:
            load_model(path)
        match = re.fullmatch(
            rf"model file '{re.escape(str(path))}' is damaged: (.*); it does not "
            "describe a LSTMRegressor that this spectroclf can rebuild \\(written by an "
            "incompatible spectroclf, or modified\\)", str(exc.value))
        assert match and len(match[1]) == 400
        assert match[1].startswith("Error(s) in loading state_dict")

    def test_an_error_without_text_is_named_by_its_type(self, tmp_path, monkeypatch):
        est, _, _ = _fitted("LSTMRegressor")
        path = save_model(est, tmp_path / "m.pt")

        def fail(*args, **kwargs):
            raise KeyError()

        monkeypatch.setattr(LSTMRegressor, "_from_state", fail)
        with pytest.raises(ValueError, match=f"{path.name}' is damaged: KeyError; it "
                           "does not describe a LSTMRegressor"):
            load_model(path)

    def test_rebuild_warnings_name_the_file_and_point_at_the_caller(self, tmp_path):
        est, X, _ = _fitted("LSTMRegressor")
        path = save_model(est, tmp_path / "m.pt")
        payload = torch.load(path, weights_only=True)
        payload["optimizer"]["param_groups"] = []
        torch.save(payload, path)
        with pytest.warns(UserWarning) as record:
            loaded = load_model(path)
        assert len(record) == 1 and record[0].category is UserWarning
        assert str(record[0].message) == (
            f"model file '{path}': the optimizer state could not be restored (loaded "
            "state dict has a different number of parameter groups); predictions are "
            "unaffected, further training starts with a fresh optimizer"
        )
        assert _points_here(record[0])
        _assert_same(est, loaded, X)

    def test_rebuild_warnings_keep_their_category(self, tmp_path, monkeypatch):
        est, _, _ = _fitted("LSTMRegressor")
        path = save_model(est, tmp_path / "m.pt")
        rebuild = LSTMRegressor._from_state.__func__

        def from_state(cls, *args, **kwargs):
            warnings.warn("going away", FutureWarning, stacklevel=2)
            return rebuild(cls, *args, **kwargs)

        monkeypatch.setattr(LSTMRegressor, "_from_state", classmethod(from_state))
        with pytest.warns(FutureWarning, match=f"model file '.*{path.name}': going away"):
            load_model(path)

class TestFileLayout:
    def test_entries(self, tmp_path):
        from spectroclf import __version__

        est, _, _ = _fitted("CNNClassifier")
        payload = torch.load(save_model(est, tmp_path / "m.pt"), weights_only=True)
        assert set(payload) == {
            "format", "format_version", "spectroclf_version", "torch_version",
            "estimator", "params", "notes", "fitted", "state_dict", "optimizer",
            "criterion", "history", "metadata",
        }
        assert payload["spectroclf_version"] == __version__
        assert payload["torch_version"] == str(torch.__version__)
        assert set(payload["fitted"]) == {
            "n_features_in_", "device_", "classes_", "n_epochs_", "drop_last"}
        assert payload["fitted"]["drop_last"] is False
        assert set(payload["optimizer"]) == {"state", "param_groups"}
        assert set(payload["criterion"]) == {"weight"}  # the balanced class weights
        assert payload["metadata"] == {} and payload["notes"] == []

    def test_a_fitted_attribute_of_the_users(self, tmp_path):
        """Every fitted (trailing underscore) attribute is kept, as a primitive."""
        est, _, _ = _fitted("LSTMRegressor")
        est.source_ = Thing()
        try:
            path = save_model(est, tmp_path / "m.pt")
        finally:
            del est.source_
        assert torch.load(path, weights_only=True)["notes"] == [
            "fitted['source_']: a Thing was saved as its repr"]
        assert load_model(path).source_ == "<Thing>"

    def test_history_values_of_a_callback(self, tmp_path):
        from skorch.callbacks import Callback

        class Tag(Callback):
            def on_epoch_end(self, net, **kwargs):
                net.history.record("tag", Thing())
                net.history.record("score", np.float32(0.25))

        X, y = _data()
        est = LSTMClassifier(hidden_size=3, callbacks=[Tag()], **FAST).fit(X, y)
        payload = torch.load(save_model(est, tmp_path / "m.pt"), weights_only=True)
        assert [n for n in payload["notes"] if "history" in n] == [
            "history[0]['tag']: a Thing was saved as its repr",
            "history[1]['tag']: a Thing was saved as its repr",
        ]
        loaded = load_model(tmp_path / "m.pt")
        assert loaded.history_[:, "tag"] == ["<Thing>", "<Thing>"]
        assert loaded.history_[:, "score"] == [0.25, 0.25]
        assert type(loaded.history_[-1, "score"]) is float

    def test_known_estimators(self, tmp_path):
        """Every estimator with a saved state, and none whose network is code."""
        from spectroclf.persistence import _estimator_classes

        assert list(_estimator_classes()) == [
            "LSTMClassifier", "LSTMRegressor", "CNNClassifier", "CNNRegressor",
            "JointCNN", "MusicnnClassifier", "MusicnnRegressor",
        ]
        payload = torch.load(REFERENCE_MODEL, weights_only=True)
        payload["estimator"] = "NetClassifier"
        torch.save(payload, tmp_path / "m.pt")
        with pytest.raises(ValueError, match="holds a 'NetClassifier', which this "
                           "spectroclf .* does not know"):
            load_model(tmp_path / "m.pt")


class TestLossClass:
    """``criterion`` may be a torch loss class (the regressors document it)."""

    def _fitted(self):
        X, y = _data()
        return LSTMRegressor(hidden_size=3, criterion=torch.nn.L1Loss, **FAST).fit(
            X, y.astype(float)), X

    def test_a_torch_loss_is_saved_by_name(self, tmp_path):
        est, _ = self._fitted()
        payload = torch.load(save_model(est, tmp_path / "m.pt"), weights_only=True)
        assert payload["params"]["criterion"] == "torch.nn.L1Loss"
        assert payload["notes"] == []

    def test_a_custom_loss_class_is_noted_and_loads_as_the_default(self, tmp_path):
        class MyLoss(torch.nn.L1Loss):
            pass

        X, y = _data()
        est = LSTMRegressor(hidden_size=3, criterion=MyLoss, **FAST).fit(X, y.astype(float))
        path = save_model(est, tmp_path / "m.pt")
        payload = torch.load(path, weights_only=True)
        assert payload["params"]["criterion"] is None
        assert payload["notes"] == [
            "params['criterion']: the custom loss class "
            f"{MyLoss.__module__}.{MyLoss.__qualname__} was not saved (None on load "
            "means the estimator's default loss); set it again to train further"]
        loaded = load_model(path)
        assert loaded.criterion == "mse"
        _assert_same(est, loaded, X)

    def test_a_tampered_loss_name_is_refused(self, tmp_path):
        est, _ = self._fitted()
        path = save_model(est, tmp_path / "m.pt")
        payload = torch.load(path, weights_only=True)
        payload["params"]["criterion"] = "torch.nn.Linear2"
        torch.save(payload, path)
        with pytest.raises(ValueError, match=rf"{path.name}' is damaged: entry "
                           r"params\['criterion'\] is 'torch.nn.Linear2', not a torch "
                           "loss"):
            load_model(path)

    def test_a_value_that_is_no_primitive_is_saved_as_its_repr(self, tmp_path):
        est, X, _ = _fitted("CNNClassifier")
        weights = est.class_weight
        try:
            est.set_params(class_weight={"pop": complex(2, 1)})  # after fit
            path = save_model(est, tmp_path / "m.pt")
        finally:
            est.set_params(class_weight=weights)
        payload = torch.load(path, weights_only=True)
        assert payload["params"]["class_weight"] == {"pop": "(2+1j)"}
        assert payload["notes"] == [
            "params['class_weight']['pop']: a complex was saved as its repr"]

    def test_round_trips(self, tmp_path):
        est, X = self._fitted()
        loaded = load_model(save_model(est, tmp_path / "m.pt"))
        assert loaded.criterion is torch.nn.L1Loss
        _assert_same(est, loaded, X)


class TestParameterValues:
    """Parameter values that are neither primitives nor arrays still round-trip."""

    def test_array_likes_and_other_numbers(self, tmp_path):
        import decimal
        import fractions

        X, _ = _data()
        y = np.array(["a", "b"] * (len(X) // 2))
        est = LSTMClassifier(
            hidden_size=3, head_hidden=range(2, 3), **FAST,
            class_weight={"a": fractions.Fraction(1, 2), "b": decimal.Decimal(2)},
        ).fit(X, y)
        path = save_model(est, tmp_path / "m.pt")
        assert torch.load(path, weights_only=True)["notes"] == []
        loaded = load_model(path)
        assert loaded.head_hidden == [2]
        assert loaded.class_weight == {"a": 0.5, "b": 2.0}
        _assert_same(est, loaded, X)

    def test_objects_with_an_array_interface_become_lists(self):
        from spectroclf.persistence import _plain

        class Column:  # e.g. a pandas Series
            def __array__(self, dtype=None, copy=None):
                return np.array([3, 1, 2])

        notes = []
        assert _plain({"w": Column()}, "params['x']", notes) == {"w": [3, 1, 2]}
        assert notes == []
