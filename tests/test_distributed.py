"""Searches over spectroclf pipelines on a local Dask cluster (loopback only),
budgeted searches over epochs, and the errors of a cluster run.

One ``LocalCluster`` of 2 worker processes serves the module; the local
reference runs train on one torch thread, as the workers do, so that
``cv_results_`` agree.
"""

import os
import signal
import sys
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
)
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from spectroclf.nets import LSTMClassifier, dask_client
from spectroclf.preprocessing import SpectrogramLoader

N_CLIPS = 24


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """The workers' rule (one torch thread per fit) for the local runs too."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def lab_urls(tmp_path_factory):
    """24 lab-layout files as ``file://`` URLs, and their labels."""
    root = tmp_path_factory.mktemp("shared")
    rng = np.random.default_rng(0)
    urls = []
    for i in range(N_CLIPS):
        arr = rng.normal(size=(140, int(rng.integers(3, 7)))).astype(np.float32)
        arr[128 + 2 * (i % 2)] += 2.0  # the class shows in one chroma bin
        np.save(root / f"{i}.npy", arr)
        urls.append(f"file://{root / f'{i}.npy'}")
    return urls, np.array(["pop" if i % 2 else "rock" for i in range(N_CLIPS)])


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def make_pipe(**clf_params):
    params = dict(hidden_size=3, batch_size=8, max_epochs=2, random_state=7,
                  device="cpu")
    params.update(clf_params)
    return make_pipeline(SpectrogramLoader(feature="chroma"), LSTMClassifier(**params))


class RecordThreads(Callback):
    """Record torch's intra-op thread count into the history."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("torch_threads", torch.get_num_threads())


def _torch_threads(estimator, X, y):
    """A 'scorer' that reports the thread count the fit trained with."""
    return float(estimator[-1].history_[-1, "torch_threads"])


def _fit(search, X, y, backend=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if backend is None:
            return search.fit(X, y)
        with joblib.parallel_backend(backend):
            return search.fit(X, y)


RESULT_KEYS = ("mean_test_score", "std_test_score", "rank_test_score",
               "split0_test_score", "split1_test_score")


def assert_same_results(ours, theirs, keys=RESULT_KEYS):
    assert list(ours.cv_results_["params"]) == list(theirs.cv_results_["params"])
    for key in keys:
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key],
                                   atol=1e-6, err_msg=key)
    assert ours.best_params_ == theirs.best_params_


# ---------------------------------------------------------------------------
# searches on the cluster give the local results


class TestSearchesOnDask:
    def test_grid_search(self, client, lab_urls):
        X, y = lab_urls

        def search():
            return GridSearchCV(
                make_pipe(callbacks=[RecordThreads()]),
                {"lstmclassifier__hidden_size": [2, 3]}, cv=2,
                scoring={"score": "accuracy", "threads": _torch_threads},
                refit="score", error_score="raise",
            )

        local = _fit(search(), X, y)
        on_dask = _fit(search(), X, y, backend="dask")
        assert_same_results(on_dask, local)
        # each worker trains on its one thread: no oversubscription
        for split in (0, 1):
            assert on_dask.cv_results_[f"split{split}_test_threads"].tolist() == [1, 1]
        assert on_dask.best_estimator_.predict(X[:2]).shape == (2,)

    def test_randomized_search(self, client, lab_urls):
        X, y = lab_urls

        def search():
            return RandomizedSearchCV(
                make_pipe(), {"lstmclassifier__hidden_size": [2, 3, 4],
                              "lstmclassifier__lr": [1e-3, 1e-2]},
                n_iter=3, cv=2, random_state=0, error_score="raise",
            )

        assert_same_results(_fit(search(), X, y, backend="dask"), _fit(search(), X, y))


class TestBudgetedSearch:
    """HalvingGridSearchCV with epochs as the resource: few epochs for all
    candidates, more for the best."""

    @staticmethod
    def search():
        return HalvingGridSearchCV(
            make_pipe(), {"lstmclassifier__hidden_size": [2, 3, 4, 5]},
            resource="lstmclassifier__max_epochs", min_resources=1,
            max_resources=4, factor=2, cv=2, error_score="raise",
        )

    def test_locally(self, lab_urls):
        X, y = lab_urls
        search = _fit(self.search(), X, y)
        assert search.n_resources_ == [1, 2, 4]
        assert search.n_candidates_ == [4, 2, 1]
        assert sorted(set(search.cv_results_["n_resources"])) == [1, 2, 4]
        best = search.best_estimator_[-1]
        assert best.max_epochs == 4 and best.n_epochs_ == 4
        assert search.best_params_["lstmclassifier__max_epochs"] == 4

    def test_on_dask(self, client, lab_urls):
        X, y = lab_urls
        assert_same_results(_fit(self.search(), X, y, backend="dask"),
                            _fit(self.search(), X, y),
                            keys=RESULT_KEYS + ("n_resources", "iter"))


# ---------------------------------------------------------------------------
# the helper, and what goes wrong on a cluster


class TestDaskClient:
    def test_connects_and_sets_torch_threads(self, client):
        address = client.scheduler.address
        with dask_client(address, torch_threads=2) as ours:
            assert list(ours.run(torch.get_num_threads).values()) == [2, 2]
        with dask_client(address) as ours:  # the default: one thread per fit
            assert list(ours.run(torch.get_num_threads).values()) == [1, 1]
        with pytest.raises(TypeError, match="local cluster only"):
            dask_client(address, n_workers=2)

    def test_starts_a_local_cluster(self):
        pytest.importorskip("distributed")
        # threads of this process, in-process comms: quick to start; its HTTP
        # server on loopback (searches want worker processes, as above)
        with dask_client(n_workers=1, processes=False,
                         dashboard_address="127.0.0.1:0") as ours:
            assert list(ours.run(torch.get_num_threads).values()) == [1]
            assert len(ours.scheduler_info()["workers"]) == 1

    def test_without_dask_names_the_extra(self, monkeypatch):
        monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
        with pytest.raises(ImportError, match=r'pip install "spectroclf\[distributed\]"'):
            dask_client()


def test_path_unreachable_from_a_worker_names_path_and_worker(client, lab_urls):
    fsspec = pytest.importorskip("fsspec")
    _, y = lab_urls
    # memory:// lives in this process: reachable here, not on the workers
    fs = fsspec.filesystem("memory")
    urls = []
    for i in range(N_CLIPS):
        fs.pipe(f"/spectroclf-test/{i}.npy", _npy_bytes(np.ones((140, 3))))
        urls.append(f"memory://spectroclf-test/{i}.npy")
    search = GridSearchCV(make_pipe(max_epochs=1), {"lstmclassifier__hidden_size": [2]},
                          cv=2, error_score="raise")
    _fit(search, urls, y)  # fine here
    with pytest.raises(
        FileNotFoundError,
        match=r"'memory://spectroclf-test/\d+\.npy' does not exist "
        r"\(on dask worker tcp://127\.0\.0\.1:\d+",
    ):
        _fit(search, urls, y, backend="dask")


def _npy_bytes(arr):
    import io

    buf = io.BytesIO()
    np.save(buf, arr.astype(np.float32))
    return buf.getvalue()


class KillWorkerOnce(Callback):
    """SIGKILL the dask worker process that runs the first epoch, once."""

    def __init__(self, marker):
        self.marker = marker

    def on_epoch_end(self, net, **kwargs):
        distributed = sys.modules.get("distributed")
        try:
            distributed.get_worker()
        except (AttributeError, ValueError):  # not on a dask worker
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


def test_killed_worker_fails_loudly_or_retries(client, lab_urls, tmp_path):
    """Last in this module: it costs a worker restart."""
    X, y = lab_urls
    marker = str(tmp_path / "killed")

    def search():
        return GridSearchCV(make_pipe(callbacks=[KillWorkerOnce(marker)]),
                            {"lstmclassifier__hidden_size": [2, 3]}, cv=2,
                            error_score="raise")

    local = _fit(search(), X, y)
    try:
        on_dask = _fit(search(), X, y, backend="dask")
    except Exception as exc:  # a loud failure is fine (dask's KilledWorker)
        assert "Killed" in type(exc).__name__ or "killed" in str(exc).lower(), exc
    else:  # dask retried the lost fit elsewhere: complete, equal results
        assert_same_results(on_dask, local)
        assert len(on_dask.cv_results_["params"]) == 2
        assert not np.isnan(on_dask.cv_results_["mean_test_score"]).any()
    assert os.path.exists(marker)  # a worker really was killed
