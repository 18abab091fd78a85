"""Tests of spectroclf/utils/_parallel.py: ``map_cached``, the one cached parallel map."""

import threading
import time

import pytest
from joblib import Memory, parallel_config
from threadpoolctl import threadpool_info, threadpool_limits

from spectroclf.utils import map_cached

CALLS = []


def _square(x):
    """Records its calls (in this process: the tests use the threading backend)."""
    CALLS.append((x, threading.get_ident()))
    time.sleep(0.02)
    return x * x


def _blas_threads(x):
    return x, max((p["num_threads"] for p in threadpool_info()), default=None)


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def _run(calls, **kwargs):
    return list(map_cached(_square, [{"x": x} for x in calls], **kwargs))


def test_results_in_order_without_memory():
    assert _run([3, 1, 2], memory=None, n_jobs=None) == [9, 1, 4]
    assert _run([3, 1, 2], memory=None, n_jobs=None) == [9, 1, 4]
    assert [x for x, _ in CALLS] == [3, 1, 2, 3, 1, 2]  # nothing cached


@pytest.mark.parametrize("memory", ["path", "str", "Memory"])
def test_hits_are_loaded_and_only_misses_computed(tmp_path, memory):
    location = {"path": tmp_path, "str": str(tmp_path),
                "Memory": Memory(tmp_path, verbose=0)}[memory]
    assert _run([1, 2], memory=location, n_jobs=None) == [1, 4]
    CALLS.clear()
    with parallel_config(backend="threading"):
        assert _run([2, 3, 1, 4], memory=location, n_jobs=2) == [4, 9, 1, 16]
    assert sorted(x for x, _ in CALLS) == [3, 4]
    CALLS.clear()
    assert _run([4, 3], memory=location, n_jobs=2) == [16, 9]  # all hits:
    assert CALLS == []  # no worker started, nothing computed


def test_n_jobs_spreads_the_misses():
    with parallel_config(backend="threading"):
        assert _run(range(8), memory=None, n_jobs=2) == [x * x for x in range(8)]
    assert len({thread for _, thread in CALLS}) == 2
    CALLS.clear()
    with parallel_config(backend="threading"):
        _run(range(4), memory=None, n_jobs=1)
    assert {thread for _, thread in CALLS} == {threading.get_ident()}


def test_one_process_runs_under_one_blas_thread():
    if not threadpool_info():
        pytest.skip("no BLAS / OpenMP thread pool loaded")
    calls = [{"x": 0}, {"x": 1}]
    with threadpool_limits(limits=2):
        if max(p["num_threads"] for p in threadpool_info()) < 2:
            pytest.skip("threadpoolctl cannot set the BLAS / OpenMP pools to 2 threads here")
        limited = list(map_cached(_blas_threads, calls, memory=None, n_jobs=1))
        free = list(map_cached(_blas_threads, calls, memory=None, n_jobs=1,
                               one_thread=False))
        assert max(p["num_threads"] for p in threadpool_info()) == 2  # restored
    assert limited == [(0, 1), (1, 1)]
    assert free == [(0, 2), (1, 2)]


def test_results_are_yielded_as_they_come():
    results = map_cached(_square, [{"x": 1}, {"x": 2}], memory=None, n_jobs=None)
    assert CALLS == []  # a generator: nothing computed before it is read
    assert next(results) == 1 and [x for x, _ in CALLS] == [1]


def test_hits_start_no_worker_and_only_misses_go_to_one(tmp_path, monkeypatch):
    import joblib

    assert _run([1, 2], memory=tmp_path, n_jobs=None) == [1, 4]
    sent = []

    class Recording(joblib.Parallel):
        def __call__(self, iterable):
            tasks = list(iterable)
            sent.append(len(tasks))
            return super().__call__(tasks)

    monkeypatch.setattr(joblib, "Parallel", Recording)
    with parallel_config(backend="threading"):
        assert _run([2, 1], memory=tmp_path, n_jobs=2) == [4, 1]
        assert sent == []
        assert _run([2, 5, 1, 6], memory=tmp_path, n_jobs=2) == [4, 25, 1, 36]
    assert sent == [2]


def test_a_memory_without_a_cache_lookup():
    """Any object with joblib.Memory's ``cache`` is a memory (scikit-learn's
    check_memory); one that cannot look the cache up computes every call."""

    class Plain:
        def cache(self, func):
            return func

    assert _run([2, 3], memory=Plain(), n_jobs=None) == [4, 9]
    assert [x for x, _ in CALLS] == [2, 3]
