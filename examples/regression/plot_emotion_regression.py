"""
==============================================
Emotion regression with a CNN and an LSTM
==============================================

Lab step 8. Besides a genre, every clip of the data set carries emotion
scores: for each category of the Geneva Emotional Music Scale (GEMS) --
amazement, solemnity, tenderness, ... -- the share of listeners who said
the music made them feel it. Predicting these numbers from the spectrogram
is a regression with several targets at once.

:class:`~spectroclf.CNNRegressor` and :class:`~spectroclf.LSTMRegressor`
are the networks of the genre classifiers with one linear output per
target, trained with the mean squared error. The lab scores them with
Spearman's rank correlation per target (:func:`~spectroclf.spearman_score`):
does the model *order* the clips the way the listeners did?

The emotion scores of the test clips are withheld (as in the lab), so a
quarter of the training clips is held out for scoring.
"""

# %%
# Load the beat-synced spectrograms and the emotion targets
# ---------------------------------------------------------
# ``multitask_beat/train_labels.txt`` holds one column per target; the
# loader returns them as ``target`` (one row per clip) and their names as
# ``target_names``. Without the real data the example writes generated
# music (4-s clips of :func:`~spectroclf.make_music`, three emotion targets)
# in the same layout with :func:`~spectroclf.make_lab_data`.
import tempfile

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from spectroclf import (
    CNNRegressor,
    LSTMRegressor,
    load_multitask_spectrograms,
    make_lab_data,
    plot_predictions,
    shared_data_dir,
    spearman_score,
)

data_dir = shared_data_dir()
lab = None if data_dir is None else data_dir / "emotify-lab"
if lab is None or not (lab / "multitask_beat").is_dir():
    print(
        "NOTE: the real data (../shared/data/emotify-lab) was not found; using "
        "generated music in the lab layout instead (spectroclf.make_lab_data)."
    )
    lab = make_lab_data(
        tempfile.mkdtemp(prefix="spectroclf-lab-"), n_test=0, random_state=0
    )

data = load_multitask_spectrograms(lab / "multitask_beat", split="train")
names = data.target_names
print(f"{len(data.data)} clips, {len(names)} targets: {', '.join(names)}")
print(f"target range: {data.target.min():.2f} to {data.target.max():.2f}")

X_train, X_held, Y_train, Y_held = train_test_split(
    data.data, data.target, test_size=0.25, random_state=0
)
print(f"{len(X_train)} clips to train on, {len(X_held)} held out")

# %%
# Train both networks on all targets
# ----------------------------------
# Each network has one shared body and one output per target; the targets
# are standardised inside ``fit`` and the predictions mapped back. Small
# networks and few epochs keep this fast.
models = {
    "CNN": CNNRegressor(channels=(8, 16, 32), lr=3e-3, max_epochs=10, random_state=0),
    "LSTM": LSTMRegressor(hidden_size=32, lr=3e-3, max_epochs=10, random_state=0),
}
rho, predictions = {}, {}
for name, model in models.items():
    model.fit(X_train, Y_train)
    predictions[name] = model.predict(X_held)
    rho[name] = spearman_score(Y_held, predictions[name], multioutput="raw_values")
    print(f"{name}: mean Spearman rho {rho[name].mean():.3f} on the held-out clips")

# %%
# Spearman's rho per target
# -------------------------
# 1 means the model ranks the held-out clips exactly as the listeners'
# scores do, 0 that its ranking is unrelated to theirs.
print(f"{'target':<20}" + "".join(f"{name:>8}" for name in models))
for j, target in enumerate(names):
    print(f"{target:<20}" + "".join(f"{rho[name][j]:>8.3f}" for name in models))
print(f"{'mean':<20}" + "".join(f"{rho[name].mean():>8.3f}" for name in models))

# %%
# Predicted against true scores
# -----------------------------
# :func:`~spectroclf.plot_predictions` draws one scatter plot per target
# for the network with the higher mean rho, with the diagonal of perfect
# predictions and the target's rho in the title.
best = max(rho, key=lambda name: rho[name].mean())
axes = plot_predictions(Y_held, predictions[best], target_names=names)
axes[0].figure.suptitle(f"{best} regressor on {len(X_held)} held-out clips")
plt.show()

# %%
# The predictions cluster in a narrower range than the true scores: with
# few clips and a noisy target (each score comes from a few dozen
# listeners), a regressor trained on the squared error stays close to the
# mean. Spearman's rho does not mind that shrinkage -- only the order
# counts. Much of what a spectrogram reveals is the genre, and the
# targets whose average differs most between the four genres (power and
# tension, high in electronic music; tenderness, low in it) tend to be
# easier than amazement, whose average hardly differs between genres. The
# examples on transfer learning and multitask learning build on that.
