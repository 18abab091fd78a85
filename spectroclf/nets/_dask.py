"""Searches on a Dask cluster: a client whose workers train on one torch thread per task.

scikit-learn's searches (``GridSearchCV``, ``RandomizedSearchCV``,
``HalvingGridSearchCV``) run their fits through joblib, and joblib runs them
on a ``dask.distributed`` cluster inside ``joblib.parallel_backend("dask")``;
nothing of spectroclf is needed for that. :func:`dask_client` adds the one
rule that training on a cluster needs: a worker runs as many fits at once as
it has threads, so each fit trains on ``torch_threads`` (1) torch threads,
and a worker's threads are its share of the cores. dask's nanny already
starts worker processes with ``OMP_NUM_THREADS=1`` (its
``distributed.nanny.pre-spawn-environ`` setting), which torch reads at
import; the worker plugin registered here also covers workers started
without a nanny, and workers restarted later.

dask is an optional dependency (the ``[distributed]`` extra), imported only
here, only when called.
"""

__all__ = ["dask_client"]

INSTALL_DISTRIBUTED = 'pip install "spectroclf[distributed]"'
PLUGIN_NAME = "spectroclf-torch-threads"


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ImportError(
            "running spectroclf on a Dask cluster needs dask.distributed, which is "
            f"not installed; install the extra: {INSTALL_DISTRIBUTED}"
        ) from None
    return distributed


def _torch_threads_plugin(distributed, n_threads):
    class TorchThreads(distributed.WorkerPlugin):
        """Set torch's intra-op threads on every worker, now and after restarts."""

        name = PLUGIN_NAME

        def __init__(self, n_threads):
            self.n_threads = n_threads

        def setup(self, worker):
            import torch

            torch.set_num_threads(self.n_threads)

    return TorchThreads(n_threads)


def dask_client(address=None, *, torch_threads=1, **cluster_kwargs):
    """A ``dask.distributed`` client ready for searches over spectroclf estimators.

    Connects to the scheduler at ``address``, or starts a local cluster of
    worker processes, and registers a worker plugin that sets torch's
    threads on every worker (also on workers that join or restart later).
    Run a search on it with joblib's dask backend::

        with joblib.parallel_backend("dask"):
            search.fit(X, y)

    Parameters
    ----------
    address : str or None, default=None
        The scheduler, e.g. ``"tcp://10.0.0.5:8786"`` (started with
        ``dask scheduler`` and ``dask worker --nthreads <cores>``). ``None``
        starts a :class:`distributed.LocalCluster` on this machine.
    torch_threads : int, default=1
        torch intra-op threads per worker process. A worker runs one fit per
        thread (``--nthreads`` / ``threads_per_worker``) at once, so 1 keeps
        the fits from oversubscribing the worker's cores; raise it only for
        workers with one thread and big models.
    **cluster_kwargs
        Passed to :class:`distributed.LocalCluster` when ``address`` is None;
        the defaults here are ``processes=True`` and ``threads_per_worker=1``
        (one fit per worker process; ``n_workers`` defaults to the cores).

    Returns
    -------
    client : distributed.Client
        Close it (``client.close()``, or use it in a ``with`` block) to stop
        a local cluster.

    Raises
    ------
    ImportError
        If dask.distributed is not installed; the message names the extra:
        ``pip install "spectroclf[distributed]"``.

    See Also
    --------
    sklearn.model_selection.HalvingGridSearchCV : with
        ``resource="clf__max_epochs"``, the cheap way to search deep models.

    Examples
    --------
    >>> import joblib
    >>> from sklearn.model_selection import GridSearchCV
    >>> from spectroclf import LSTMClassifier, dask_client
    >>> client = dask_client(n_workers=2, dashboard_address=None)  # doctest: +SKIP
    >>> search = GridSearchCV(LSTMClassifier(max_epochs=5), {"hidden_size": [16, 32]})
    >>> with joblib.parallel_backend("dask"):  # doctest: +SKIP
    ...     search.fit(X, y)
    >>> client.close()  # doctest: +SKIP
    """
    distributed = _import_distributed()
    if address is None:
        # the client starts the LocalCluster, and closing it stops the cluster
        client = distributed.Client(
            **{"processes": True, "threads_per_worker": 1, **cluster_kwargs}
        )
    elif cluster_kwargs:
        raise TypeError(
            f"cluster_kwargs {sorted(cluster_kwargs)} apply to a local cluster only; "
            f"set them on the workers of {address!r}"
        )
    else:
        client = distributed.Client(address)
    client.register_plugin(_torch_threads_plugin(distributed, torch_threads),
                           name=PLUGIN_NAME)
    return client

