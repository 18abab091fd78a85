"""
==========================================================
A budgeted hyperparameter search on a Dask cluster
==========================================================

A search over deep models is many independent fits, which a
`Dask <https://distributed.dask.org>`_ cluster runs side by side on as
many machines as it has: scikit-learn's searches hand their fits to
joblib, and joblib hands them to the cluster inside
``joblib.parallel_backend("dask")``. Nothing else changes, and the
results are those of the same search run locally.

The search here is *budgeted*:
:class:`~sklearn.model_selection.HalvingGridSearchCV` with the training
epochs as its resource (``resource="clf__max_epochs"``) trains every
candidate for a few epochs, keeps the better half, trains those twice as
long, and so on -- the cheap way to search deep models.

The cluster is a scheduler and two worker processes on this machine,
talking over the loopback interface only; on a real cluster the same code
connects to the scheduler's address. The data stays on storage that every
worker can read: the search gets file URLs, and each worker reads the
clips its fits need. Install the extra with
``pip install "spectroclf[distributed]"``; see :ref:`scaling`.
"""

# %%
# The clips, as URLs on shared storage
# ------------------------------------
# ``lazy=True`` returns the files instead of the arrays; a ``file://`` URL
# (or ``s3://``, ``gs://``, ... through fsspec) names each one the same way
# on every worker. Without the real data the example writes a few clips
# of generated music in the lab layout.
import subprocess
import sys
import tempfile

import joblib
import matplotlib.pyplot as plt
import numpy as np
from distributed import LocalCluster
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from spectroclf import (
    LSTMClassifier,
    SpectrogramLoader,
    dask_client,
    load_genre_spectrograms,
    make_lab_data,
    shared_data_dir,
)

data_dir = shared_data_dir()
lab = None if data_dir is None else data_dir / "emotify-lab"
if lab is None or not (lab / "genre_beat").is_dir():
    print(
        "NOTE: the real data (../shared/data/emotify-lab) was not found; using "
        "generated music in the lab layout instead (spectroclf.make_lab_data)."
    )
    lab = make_lab_data(
        tempfile.mkdtemp(prefix="spectroclf-lab-"), n_train=48, n_test=16,
        duration=2.0, random_state=0,
    )
url = f"file://{(lab / 'genre_beat').resolve()}"
train = load_genre_spectrograms(url, lazy=True)
test = load_genre_spectrograms(url, split="test", lazy=True)
print(f"{len(train.data)} training clips, e.g. {train.data[0]}")

# %%
# A scheduler and two workers
# ---------------------------
# On a cluster you would run ``dask scheduler`` on one machine and
# ``dask worker tcp://<scheduler>:8786 --nthreads <cores>`` on the others.
# Here the scheduler runs in this process and the workers in a
# ``dask worker`` process beside it, one fit at a time each
# (``--nthreads 1``). :func:`~spectroclf.dask_client` connects and makes
# every worker train on one torch thread per fit, so the fits share the
# cores instead of fighting over them.
scheduler = LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None)
workers = subprocess.Popen(
    [sys.executable, "-m", "distributed.cli.dask_worker", scheduler.scheduler_address,
     "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1",
     "--no-dashboard", "--death-timeout", "60"],
    stderr=subprocess.DEVNULL,  # the workers' log
)
client = dask_client(scheduler.scheduler_address)
client.wait_for_workers(2, timeout=120)
print(client)

# %%
# The budgeted search
# -------------------
# Four LSTMs (two sizes, two learning rates) on the chroma columns: in the
# first round all four train for 2 epochs in 3-fold cross-validation, then
# the best two for 4 epochs, then the best one for 8; that is 21 fits of
# 2 to 8 epochs instead of the 12 fits of 8 epochs of a full grid search.
pipe = Pipeline(
    [
        ("load", SpectrogramLoader(feature="chroma")),
        ("clf", LSTMClassifier(bidirectional=False, batch_size=32, random_state=0)),
    ]
)
search = HalvingGridSearchCV(
    pipe,
    {"clf__hidden_size": [8, 32], "clf__lr": [3e-3, 1e-2]},
    resource="clf__max_epochs",
    min_resources=2,
    max_resources=8,
    factor=2,
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
    error_score="raise",  # a failed fit stops the search instead of scoring NaN
)
with joblib.parallel_backend("dask"):
    search.fit(train.data, train.target)

res = search.cv_results_
print(f"{'round':>5} {'epochs':>6} {'hidden':>6} {'lr':>6} {'mean acc':>9}")
for i, params in enumerate(res["params"]):
    print(f"{res['iter'][i]:>5} {res['n_resources'][i]:>6} "
          f"{params['clf__hidden_size']:>6} {params['clf__lr']:>6} "
          f"{res['mean_test_score'][i]:>9.3f}")
print(f"best: {search.best_params_}")
print(f"test accuracy of the refitted best: {search.score(test.data, test.target):.3f}")

# %%
# Each line follows one candidate through the rounds: the ones that stop
# early were dropped after few epochs, which is where the budget is saved.
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for params in {tuple(sorted(p.items())) for p in res["params"]}:
    rows = [i for i, p in enumerate(res["params"]) if tuple(sorted(p.items())) == params]
    p = dict(params)
    ax.plot(res["n_resources"][rows], res["mean_test_score"][rows], "o-",
            label=f"hidden {p['clf__hidden_size']}, lr {p['clf__lr']}")
ax.set_xscale("log", base=2)
ax.set_xticks(search.n_resources_, [str(n) for n in search.n_resources_])
ax.axhline(1 / len(train.target_names), color="gray", ls="--", lw=1, label="chance")
ax.set_xlabel("training epochs (the resource)")
ax.set_ylabel("3-fold CV accuracy")
ax.set_ylim(0, 1)
ax.legend(fontsize="small")
ax.set_title("Successive halving over epochs, on two Dask workers")
plt.show()

# %%
# Shut the cluster down
# ---------------------
# Stop the workers first (``dask worker`` leaves the cluster cleanly on
# SIGTERM), then the client and the scheduler.
workers.terminate()
workers.wait(timeout=60)
client.close()
scheduler.close()
n_fits = search.n_splits_ * len(res["params"])
print(f"{n_fits} fits of {np.mean(res['mean_fit_time']):.1f} s on average")
