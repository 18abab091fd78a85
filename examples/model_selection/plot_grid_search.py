"""
=====================================================
Tuning an LSTM genre classifier with GridSearchCV
=====================================================

The estimators of spectroclf are ordinary scikit-learn estimators with
flat hyperparameters, so scikit-learn's model selection works on them
unchanged -- here :class:`~sklearn.model_selection.GridSearchCV` over a
:class:`~sklearn.pipeline.Pipeline` that selects the columns of the
beat-synced fused spectrograms (all 140: mel and chroma) and ends in an
:class:`~spectroclf.LSTMClassifier`. Each combination of hyperparameters
is scored by its accuracy in 3-fold cross-validation on the training
clips; the best one is refitted on all of them and scored once on the
test clips.

The grid is tiny and the networks small so that the 12 fits of the
search run in seconds; a real search would try more values and train
longer.
"""

# %%
# Load the beat-synced fused spectrograms
# ---------------------------------------
# Without the real data the example writes generated music (4-s clips of
# :func:`~spectroclf.make_music`) in the lab layout with
# :func:`~spectroclf.make_lab_data`.
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from spectroclf import (
    LSTMClassifier,
    SpectrogramLoader,
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
    lab = make_lab_data(tempfile.mkdtemp(prefix="spectroclf-lab-"), random_state=0)

train = load_genre_spectrograms(lab / "genre_beat", split="train")
test = load_genre_spectrograms(lab / "genre_beat", split="test")
print(f"{len(train.data)} training and {len(test.data)} test clips")

# %%
# The pipeline and the grid
# -------------------------
# Parameters of a pipeline step are addressed as ``<step>__<parameter>``.
# We try two sizes of the LSTM (``clf__hidden_size``) with and without
# dropout before the output layer (``clf__dropout``); the genre labels go
# to ``fit`` as they are, the classifier encodes them itself. The
# ``select`` step's ``feature`` could be searched the same way
# (``"select__feature": ["mel", "chroma", "fused"]``).
pipe = Pipeline(
    [
        ("select", SpectrogramLoader(feature="fused")),
        (
            "clf",
            LSTMClassifier(
                bidirectional=False,
                lr=3e-3,
                max_epochs=8,
                batch_size=64,
                random_state=0,
            ),
        ),
    ]
)
param_grid = {"clf__hidden_size": [16, 32], "clf__dropout": [0.0, 0.3]}
search = GridSearchCV(
    pipe,
    param_grid,
    scoring="accuracy",
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
)
search.fit(train.data, train.target)

# %%
# The cross-validation results
# ----------------------------
# ``cv_results_`` holds, per combination, the accuracy on each of the
# three validation folds, their mean and standard deviation, the rank and
# the time each fit took.
res = search.cv_results_
print(
    f"{'hidden_size':>11} {'dropout':>8} {'mean acc':>9} {'std':>6} {'rank':>5} {'fit s':>6}"
)
for i, params in enumerate(res["params"]):
    print(
        f"{params['clf__hidden_size']:>11} {params['clf__dropout']:>8} "
        f"{res['mean_test_score'][i]:>9.3f} {res['std_test_score'][i]:>6.3f} "
        f"{res['rank_test_score'][i]:>5} {res['mean_fit_time'][i]:>6.1f}"
    )
print(f"best parameters: {search.best_params_}")
print(f"best cross-validated accuracy: {search.best_score_:.3f}")
print(
    f"test accuracy of the refitted best pipeline: {search.score(test.data, test.target):.3f}"
)

# %%
# Mean accuracy with its spread over the folds, per combination.
labels = [
    f"hidden {p['clf__hidden_size']}\ndropout {p['clf__dropout']}"
    for p in res["params"]
]
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.bar(
    np.arange(len(labels)),
    res["mean_test_score"],
    yerr=res["std_test_score"],
    capsize=4,
    color=["tab:orange" if r == 1 else "tab:blue" for r in res["rank_test_score"]],
)
ax.set_xticks(np.arange(len(labels)), labels)
ax.set_ylabel("3-fold CV accuracy")
ax.set_ylim(0, 1)
ax.axhline(
    1 / len(train.target_names),
    color="gray",
    ls="--",
    lw=1,
    label="chance (1 / genres)",
)
ax.legend(loc="upper left")
ax.set_title("Grid search over the LSTM (best in orange)")
plt.show()

# %%
# Read the differences between the combinations against the error bars,
# the spread over the three folds: with about 160 clips per fit and a few
# epochs, the ranking can change with the seed or the folds. More folds
# (``RepeatedStratifiedKFold``), more epochs or early stopping make it
# steadier. The same search works for the regressors with
# ``scoring=spectroclf.spearman_scorer``, the lab's metric for the emotion
# targets.
