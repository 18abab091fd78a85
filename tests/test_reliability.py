"""Long fits on shared machines: determinism, checkpoints that survive
interruptions and killed processes, and parallel grid searches."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from spectroclf.nets import CNNRegressor

ROOT = Path(__file__).resolve().parents[1]

# Shared by this process and the subprocesses: tiny data, tiny models.
SETUP = textwrap.dedent(
    """
    import numpy as np
    from spectroclf.nets import LSTMClassifier

    def make_data():
        rng = np.random.default_rng(0)
        X = [rng.normal(size=(int(rng.integers(3, 7)), 5)).astype(np.float32) + i % 2
             for i in range(24)]
        return X, np.array(["pop" if i % 2 else "rock" for i in range(24)])

    def make_clf(**kw):
        params = dict(hidden_size=3, batch_size=8, random_state=7, device="cpu")
        params.update(kw)
        return LSTMClassifier(**params)
    """
)
_ns = {}
exec(SETUP, _ns)  # noqa: S102 - our own constant code
make_data, make_clf = _ns["make_data"], _ns["make_clf"]


def _python(code, **popen_kw):
    """Start ``python -c code`` in a fresh interpreter with this checkout first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen_kw,
    )


# ---------------------------------------------------------------------------
# determinism


class TestDeterminism:
    def test_same_seed_same_predictions(self):
        X, y = make_data()
        a = make_clf(max_epochs=3).fit(X, y).predict_proba(X)
        b = make_clf(max_epochs=3).fit(X, y).predict_proba(X)
        np.testing.assert_array_equal(a, b)
        c = make_clf(max_epochs=3, random_state=8).fit(X, y).predict_proba(X)
        assert not np.array_equal(a, c)

    def test_same_seed_same_predictions_cnn_with_validation(self):
        X, y = make_data()
        target = np.array([x.mean() for x in X])
        kw = dict(channels=(3,), max_epochs=2, batch_size=8, validation_fraction=0.25,
                  random_state=3, device="cpu")
        a = CNNRegressor(**kw).fit(X, target)
        b = CNNRegressor(**kw).fit(X, target)
        np.testing.assert_array_equal(a.predict(X), b.predict(X))
        assert a.history_[:, "valid_loss"] == b.history_[:, "valid_loss"]

    def test_global_random_state_is_untouched(self):
        X, y = make_data()
        torch.manual_seed(123)
        expected = torch.rand(3)
        torch.manual_seed(123)
        make_clf(max_epochs=1).fit(X, y)
        np.testing.assert_array_equal(torch.rand(3), expected)

    @pytest.mark.slow  # two fresh interpreters import torch: ~10-30 s
    def test_same_predictions_across_processes(self):
        code = SETUP + textwrap.dedent(
            """
            X, y = make_data()
            proba = make_clf(max_epochs=3).fit(X, y).predict_proba(X)
            print(" ".join(float(v).hex() for v in proba.ravel()))
            """
        )
        procs = [_python(code) for _ in range(2)]  # in parallel: 2 cores
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=240)
            assert p.returncode == 0, err
            outs.append(out.strip().splitlines()[-1])
        assert outs[0] == outs[1]
        X, y = make_data()
        here = make_clf(max_epochs=3).fit(X, y).predict_proba(X)
        assert " ".join(float(v).hex() for v in here.ravel()) == outs[0]


# ---------------------------------------------------------------------------
# checkpoints

class InterruptAt(Callback):
    """Raise KeyboardInterrupt (as Ctrl-C would) at the end of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def _checkpoint_epochs(directory):
    state = torch.load(Path(directory) / "checkpoint.pt", weights_only=True)
    return [row["epoch"] for row in state["history"]]


def _no_temporary_files(directory):
    return [p.name for p in Path(directory).iterdir() if p.name.endswith(".tmp")] == []


class TestCheckpoint:
    def test_interrupted_fit_resumes(self, tmp_path):
        X, y = make_data()
        # skorch catches KeyboardInterrupt and returns: fit ends early
        clf = make_clf(max_epochs=6, checkpoint=tmp_path, callbacks=[InterruptAt(3)])
        with pytest.warns(UserWarning, match="interrupted after epoch 3 of 6"):
            clf.fit(X, y)
        assert clf.n_epochs_ == 3
        # the user's callback ran before the checkpoint of epoch 3 was written
        assert _checkpoint_epochs(tmp_path) in ([1, 2], [1, 2, 3])
        assert _no_temporary_files(tmp_path)

        resumed = make_clf(max_epochs=6, checkpoint=tmp_path).fit(X, y)
        assert resumed.n_epochs_ == 6
        assert resumed.history_[:, "epoch"] == [1, 2, 3, 4, 5, 6]
        assert _checkpoint_epochs(tmp_path) == [1, 2, 3, 4, 5, 6]
        assert _no_temporary_files(tmp_path)
        # fitting again once max_epochs is reached trains nothing more
        again = make_clf(max_epochs=6, checkpoint=tmp_path).fit(X, y)
        assert again.n_epochs_ == 6
        np.testing.assert_array_equal(again.predict_proba(X), resumed.predict_proba(X))

    def test_interrupted_fit_warns(self):
        X, y = make_data()
        with pytest.warns(UserWarning, match="interrupted") as record:
            make_clf(max_epochs=4, callbacks=[InterruptAt(2)]).fit(X, y)
        assert record[0].filename == __file__  # the caller's fit

    def test_checkpoint_of_another_model_is_refused(self, tmp_path):
        X, y = make_data()
        make_clf(max_epochs=1, checkpoint=tmp_path).fit(X, y)
        with pytest.raises(ValueError, match="checkpoint .* (written by a different "
                           "model|could not be read)"):
            make_clf(max_epochs=2, hidden_size=4, checkpoint=tmp_path).fit(X, y)

    def test_corrupt_checkpoint_is_named(self, tmp_path):
        X, y = make_data()
        (tmp_path / "checkpoint.pt").write_bytes(b"garbage")
        with pytest.raises(ValueError, match="(?s)checkpoint .*checkpoint.pt could not "
                           "be read .*delete it to start training afresh"):
            make_clf(max_epochs=1, checkpoint=tmp_path).fit(X, y)

    def test_corrupt_checkpoint_message_is_short_and_safe(self, tmp_path):
        X, y = make_data()
        (tmp_path / "checkpoint.pt").write_bytes(b"garbage")
        with pytest.raises(ValueError) as excinfo:
            make_clf(max_epochs=1, checkpoint=tmp_path).fit(X, y)
        assert "weights_only" not in str(excinfo.value)
        assert "\n" not in str(excinfo.value)

    def test_killed_process_resumes(self, tmp_path):
        code = SETUP + textwrap.dedent(
            f"""
            X, y = make_data()
            make_clf(max_epochs=100000, checkpoint={str(tmp_path)!r}).fit(X, y)
            """
        )
        proc = _python(code, start_new_session=True)
        checkpoint = tmp_path / "checkpoint.pt"
        try:
            deadline = time.monotonic() + 240
            while not checkpoint.exists():
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "no checkpoint after 240 s"
                time.sleep(0.05)
            time.sleep(0.5)  # let it write a few more, maybe die mid-write
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL

        done = _checkpoint_epochs(tmp_path)  # complete despite the kill
        k = len(done)
        assert k >= 1 and done == list(range(1, k + 1))
        X, y = make_data()
        resumed = make_clf(max_epochs=k + 2, checkpoint=tmp_path).fit(X, y)
        assert resumed.n_epochs_ == k + 2
        assert resumed.history_[:, "epoch"] == list(range(1, k + 3))
        assert _checkpoint_epochs(tmp_path) == list(range(1, k + 3))
        assert _no_temporary_files(tmp_path)


# ---------------------------------------------------------------------------
# parallel grid search


class RecordThreads(Callback):
    """Record torch's intra-op thread count into the history."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("torch_threads", torch.get_num_threads())


def _torch_threads(estimator, X, y):
    """A 'scorer' that reports the thread count the worker trained with."""
    return float(estimator.history_[-1, "torch_threads"])


@pytest.mark.slow
def test_grid_search_in_parallel_uses_one_thread_per_worker():
    from joblib import cpu_count
    from sklearn.model_selection import GridSearchCV

    X, y = make_data()
    n_jobs = 2
    search = GridSearchCV(
        make_clf(max_epochs=1, callbacks=[RecordThreads()]),
        {"hidden_size": [2, 3]},
        cv=2,
        n_jobs=n_jobs,
        scoring={"accuracy": "accuracy", "threads": _torch_threads},
        refit="accuracy",
        error_score="raise",  # a crashed worker fails the test
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X, y)
    threads = search.cv_results_["split0_test_threads"].tolist()
    threads += search.cv_results_["split1_test_threads"].tolist()
    assert np.isfinite(search.cv_results_["mean_test_accuracy"]).all()
    # no oversubscription: the workers share the cores
    assert max(threads) * n_jobs <= max(cpu_count(), n_jobs)
    if cpu_count() <= n_jobs:
        assert threads == [1.0] * len(threads)
    assert search.best_estimator_.predict(X[:2]).shape == (2,)
