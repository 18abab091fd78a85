"""Tests of spectroclf.nets._accelerate: training through Hugging Face Accelerate.

In this process an ``Accelerator(cpu=True)`` runs one process; the
data-parallel test launches two CPU processes (gloo) with ``accelerate
launch`` and compares them with a single-process fit.
"""

import os
import pickle
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.musicnn import MusicnnClassifier, MusicnnRegressor
from spectroclf.nets import CNNClassifier, CNNRegressor, LSTMClassifier, LSTMRegressor
from spectroclf.nets._accelerate import (
    AcceleratedNeuralNetClassifier,
    AcceleratedNeuralNetRegressor,
)
from spectroclf.persistence import load_model, save_model

accelerate = pytest.importorskip("accelerate")

ROOT = Path(__file__).resolve().parents[2]

# Shared by this process and the launched ones: 32 clips, a tiny LSTM, no
# dropout (each process would draw its own masks).
SETUP = textwrap.dedent(
    """
    import numpy as np
    from spectroclf.nets import LSTMClassifier

    def make_data():
        rng = np.random.default_rng(0)
        X = [rng.normal(size=(int(rng.integers(3, 9)), 5)).astype(np.float32) + i % 2
             for i in range(32)]
        return X, np.array(["pop" if i % 2 else "rock" for i in range(32)])

    def make_clf(**kw):
        params = dict(hidden_size=4, dropout=0.0, max_epochs=3, random_state=0)
        params.update(kw)
        return LSTMClassifier(**params)
    """
)
_ns = {}
exec(SETUP, _ns)  # noqa: S102 - our own constant code
make_data, make_clf = _ns["make_data"], _ns["make_clf"]


@pytest.fixture(scope="module")
def accelerator():
    return accelerate.Accelerator(cpu=True)


class TestOneProcess:
    def test_same_predictions_as_without(self, accelerator):
        X, y = make_data()
        plain = make_clf(batch_size=8, device="cpu").fit(X, y)
        acc = make_clf(batch_size=8, accelerator=accelerator).fit(X, y)
        assert isinstance(acc.net_, AcceleratedNeuralNetClassifier)
        np.testing.assert_allclose(acc.predict_proba(X), plain.predict_proba(X),
                                   atol=1e-6)
        assert acc.device_ == str(accelerator.device)
        # after fit the network is plain again: no DDP, no accelerate optimizer
        assert type(acc.net_.module_).__name__ == "LSTM"
        assert type(acc.net_.optimizer_) is torch.optim.Adam

    def test_clone_pickle_and_save_model(self, accelerator, tmp_path):
        X, y = make_data()
        clf = make_clf(batch_size=8, max_epochs=1, accelerator=accelerator).fit(X, y)
        assert clone(clf).get_params()["accelerator"] is accelerator
        assert type(clone(clf.net_)) is type(clf.net_)  # skorch's get_params
        again = pickle.loads(pickle.dumps(clf))
        np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
        path = save_model(clf, tmp_path / "m.pt")
        loaded = load_model(path)
        assert loaded.accelerator is None
        np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X),
                                   atol=1e-6)

    def test_validation_early_stopping_checkpoint(self, accelerator, tmp_path):
        X, y = make_data()
        clf = make_clf(batch_size=8, max_epochs=4, validation_fraction=0.25,
                       early_stopping=True, n_iter_no_change=2,
                       checkpoint=tmp_path, accelerator=accelerator).fit(X, y)
        assert len(clf.history_[:, "valid_acc"]) == clf.n_epochs_
        state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
        # plain keys, not DDP's "module." ones
        assert set(state["module"]) == set(clf.net_.module_.state_dict())
        resumed = make_clf(batch_size=8, max_epochs=5, validation_fraction=0.25,
                           checkpoint=tmp_path, accelerator=accelerator).fit(X, y)
        assert resumed.history_[:, "epoch"] == list(range(1, 6))

    def test_regressor_transfer_and_freeze(self, accelerator):
        X, y = make_data()
        target = np.array([x.mean() for x in X])
        cnn = CNNClassifier(channels=(3,), max_epochs=1, batch_size=8, random_state=0,
                            accelerator=accelerator).fit(X, y)
        reg = CNNRegressor(channels=(3,), max_epochs=2, batch_size=8, random_state=0,
                           validation_fraction=0.25, init_from=cnn, freeze=True,
                           accelerator=accelerator).fit(X, target)
        assert isinstance(reg.net_, AcceleratedNeuralNetRegressor)
        assert np.isfinite(reg.history_[:, "valid_spearman"]).all()
        body = dict(reg.net_.module_.named_parameters())
        for key, value in cnn.net_.module_.named_parameters():
            if not key.startswith("head."):  # frozen: transferred, not trained
                torch.testing.assert_close(body[key], value)
        lstm = LSTMRegressor(hidden_size=3, max_epochs=1, accelerator=accelerator)
        assert lstm.fit(X, target).predict(X).shape == (32,)

    def test_bad_accelerator(self):
        X, y = make_data()
        with pytest.raises(InvalidParameterError, match="accelerator"):
            make_clf(accelerator="cuda").fit(X, y)

    def test_every_estimator_has_the_option(self):
        for cls in (LSTMClassifier, LSTMRegressor, CNNClassifier, CNNRegressor,
                    MusicnnClassifier, MusicnnRegressor):
            assert cls().get_params()["accelerator"] is None
            assert "accelerator" in cls._parameter_constraints
            assert "accelerator : accelerate.Accelerator" in cls.__doc__


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LAUNCHED = SETUP + textwrap.dedent(
    """
    import sys
    import numpy as np
    from accelerate import Accelerator
    import spectroclf.nets._callbacks as base  # where checkpoints are written

    out = sys.argv[1]
    accelerator = Accelerator(cpu=True)  # on GPUs: Accelerator()
    real_write = base.atomic_write

    def logged_write(path, write):  # who writes the checkpoints?
        with open(f"{out}/writes-{accelerator.process_index}.txt", "a") as f:
            f.write(f"{path}\\n")
        return real_write(path, write)

    base.atomic_write = logged_write
    X, y = make_data()
    clf = make_clf(batch_size=16, accelerator=accelerator,
                   checkpoint=f"{out}/checkpoint").fit(X, y)
    np.save(f"{out}/proba-{accelerator.process_index}.npy", clf.predict_proba(X))
    if accelerator.is_main_process:
        print("processes:", accelerator.num_processes, accelerator.distributed_type)
    """
)


def test_two_processes_match_one(tmp_path):
    """2 CPU processes (gloo) x 16 clips == 1 process x 32 clips, same seed."""
    script = tmp_path / "train.py"
    script.write_text(LAUNCHED)
    # no accelerate config of the user's; gloo on the loopback interface
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), OMP_NUM_THREADS="1")
    if sys.platform.startswith("linux"):
        env["GLOO_SOCKET_IFNAME"] = "lo"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p
    )
    cmd = [
        sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
        "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
        "--dynamo_backend", "no", "--main_process_ip", "127.0.0.1",
        "--main_process_port", str(_free_port()), str(script), str(tmp_path),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "processes: 2 DistributedType.MULTI_CPU" in proc.stdout

    X, y = make_data()
    single = make_clf(batch_size=32, device="cpu").fit(X, y).predict_proba(X)
    for rank in (0, 1):  # every process returns every prediction
        np.testing.assert_allclose(np.load(tmp_path / f"proba-{rank}.npy"), single,
                                   atol=1e-5)
    # the checkpoint: written by the main process only, once per epoch
    assert not (tmp_path / "writes-1.txt").exists()
    writes = (tmp_path / "writes-0.txt").read_text().splitlines()
    assert len(writes) == 3 and set(writes) == {
        str(tmp_path / "checkpoint" / "checkpoint.pt")
    }
    state = torch.load(tmp_path / "checkpoint" / "checkpoint.pt", weights_only=True)
    assert [row["epoch"] for row in state["history"]] == [1, 2, 3]
