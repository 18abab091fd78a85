"""
==================================================
Transfer learning: from genres to emotions
==================================================

Lab step 9. Genre labels are cheap and plentiful; emotion scores, which
need dozens of listeners per clip, are not. A network trained to tell
genres apart has already learned what to listen for -- drums, loudness,
harmony -- and that knowledge may help it predict emotions from few
examples. This is *transfer learning*: train a
:class:`~spectroclf.CNNClassifier` on the genres, then start a
:class:`~spectroclf.CNNRegressor` for the emotion scores from its weights
(``init_from``), replacing only the output layer. The body can keep
training (*fine-tuning*, ``freeze=False``) or stay fixed so that only the
new output layer learns (``freeze=True``).

We compare both with the same regressor trained from random weights, on
the same clips.
"""

# %%
# Load genres and emotion scores of the same clips
# ------------------------------------------------
# ``genre_beat`` and ``multitask_beat`` hold the same beat-synced clips
# here, with genre labels and emotion scores respectively. Without the
# real data the example writes generated music (4-s clips of
# :func:`~spectroclf.make_music`) in the same layout with
# :func:`~spectroclf.make_lab_data`.
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from spectroclf import (
    CNNClassifier,
    CNNRegressor,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    make_lab_data,
    shared_data_dir,
    spearman_score,
)

data_dir = shared_data_dir()
lab = None if data_dir is None else data_dir / "emotify-lab"
if (
    lab is None
    or not (lab / "genre_beat").is_dir()
    or not (lab / "multitask_beat").is_dir()
):
    print(
        "NOTE: the real data (../shared/data/emotify-lab) was not found; using "
        "generated music in the lab layout instead (spectroclf.make_lab_data)."
    )
    lab = make_lab_data(
        tempfile.mkdtemp(prefix="spectroclf-lab-"), n_test=0, random_state=0
    )

genre = load_genre_spectrograms(lab / "genre_beat", split="train")
emotion = load_multitask_spectrograms(lab / "multitask_beat", split="train")
assert genre.ids == emotion.ids  # the same clips, in the same order
X, genres, Y = genre.data, genre.target, emotion.target
print(
    f"{len(X)} clips: genres {genre.target_names}; {len(emotion.target_names)} emotion targets"
)

# %%
# One split for everything: the held-out clips are used neither to train
# the genre network nor the emotion regressors, so the genre network
# cannot leak anything about them.
idx_train, idx_held = train_test_split(
    np.arange(len(X)), test_size=0.25, stratify=genres, random_state=0
)
X_train = [X[i] for i in idx_train]
X_held = [X[i] for i in idx_held]
print(f"{len(idx_train)} clips to train on, {len(idx_held)} held out")

# %%
# Step 1: a genre network
# -----------------------
# The regressors must have the same architecture (``channels``,
# ``kernel_size``) to inherit its weights.
ARCH = dict(channels=(8, 16, 32), kernel_size=3)
clf = CNNClassifier(**ARCH, lr=3e-3, max_epochs=6, random_state=0)
clf.fit(X_train, genres[idx_train])
print(
    f"genre accuracy on the held-out clips: {clf.score(X_held, genres[idx_held]):.3f}"
)

# %%
# Step 2: three emotion regressors
# --------------------------------
# The same regressor, trained for the same number of epochs on the same
# clips, from three starting points. ``init_from`` copies every weight but
# the output layer, and also the input standardisation the genre network
# learned.
regressors = {
    "from scratch": CNNRegressor(**ARCH, lr=3e-3, max_epochs=6, random_state=0),
    "fine-tuned": CNNRegressor(
        **ARCH, lr=3e-3, max_epochs=6, init_from=clf, random_state=0
    ),
    "frozen body": CNNRegressor(
        **ARCH, lr=3e-3, max_epochs=6, init_from=clf, freeze=True, random_state=0
    ),
}
rho = {}
for name, reg in regressors.items():
    reg.fit(X_train, Y[idx_train])
    rho[name] = spearman_score(
        Y[idx_held], reg.predict(X_held), multioutput="raw_values"
    )
    print(f"{name:>13}: mean Spearman rho {rho[name].mean():.3f}")

# %%
# Per target
# ----------
# Spearman's rho of each emotion on the held-out clips, for the three
# starting points.
names = emotion.target_names
x = np.arange(len(names))
width = 0.8 / len(rho)
fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
for k, (name, values) in enumerate(rho.items()):
    ax.bar(
        x + (k - (len(rho) - 1) / 2) * width,
        values,
        width,
        label=f"{name} (mean {values.mean():.2f})",
    )
ax.set_xticks(x, names, rotation=30, ha="right")
ax.set_ylabel("Spearman rho (held-out clips)")
ax.axhline(0, color="black", lw=0.8)
ax.set_title("CNN emotion regressor: three starting points")
ax.legend()
plt.show()

# %%
# Starting from the genre network gives the regressor a body that already
# separates the genres -- and the genres explain much of the variation of
# the emotion scores. With only a frozen body, the regressor is a linear
# model on the genre network's summary of a clip: cheap to train and
# unable to overfit much, but limited to what genre recognition needed.
# Fine-tuning lets the body adapt as well. With 180 training clips and a
# handful of epochs the differences between the three are of the order of
# the noise of 60 held-out clips; run with more epochs, other seeds or
# cross-validation before drawing conclusions.
