"""
=====================================================
Multitask learning: one network, one head per emotion
=====================================================

Lab step 10. The emotion targets are related: music that feels powerful
is rarely tender, calm music is rarely tense. Instead of training one
network per emotion, a *multitask* network shares one body -- here an LSTM
over the beat-synced frames -- between all targets and gives each target
its own output (its *head*). The body then learns from every target's
error at once, and the whole model costs about as much as a single one.

:class:`~spectroclf.LSTMRegressor` is such a network whenever ``y`` has
several columns. We compare one of them, trained on all targets, with one
network of the same size per target.
"""

# %%
# Load the beat-synced spectrograms and the emotion targets
# ---------------------------------------------------------
# Without the real data the example writes generated music (4-s clips of
# :func:`~spectroclf.make_music`, three emotion targets) in the lab layout
# with :func:`~spectroclf.make_lab_data`.
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from spectroclf import (
    CNNClassifier,
    CNNRegressor,
    JointCNN,
    LSTMRegressor,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    make_lab_data,
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
X_train, X_held, Y_train, Y_held = train_test_split(
    data.data, data.target, test_size=0.25, random_state=0
)
print(f"{len(names)} targets; {len(X_train)} clips to train on, {len(X_held)} held out")

# %%
# How related are the targets?
# ----------------------------
# Spearman correlations between the targets over the training clips: the
# more the targets share, the more a shared body can gain.
corr = np.corrcoef(rankdata(Y_train, axis=0), rowvar=False)  # ranks: Spearman
fig, ax = plt.subplots(figsize=(6.5, 5.5), layout="constrained")
img = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
ax.set_yticks(range(len(names)), names)
fig.colorbar(img, ax=ax, label="Spearman correlation")
ax.set_title("Correlation between the emotion targets")
plt.show()

# %%
# One multitask network against one network per target
# ----------------------------------------------------
# Every network has the same small body (a one-directional LSTM with 32
# units) and the same training; only the number of heads differs.
base = LSTMRegressor(
    hidden_size=32,
    bidirectional=False,
    lr=3e-3,
    max_epochs=8,
    batch_size=64,
    random_state=0,
)

multitask = clone(base).fit(X_train, Y_train)
rho_multi = spearman_score(Y_held, multitask.predict(X_held), multioutput="raw_values")

rho_single = np.empty(len(names))
for j in range(len(names)):
    single = clone(base).fit(X_train, Y_train[:, j])
    rho_single[j] = spearman_score(Y_held[:, j], single.predict(X_held))


def n_weights(model):
    return sum(p.numel() for p in model.net_.module_.parameters())


print(
    f"multitask network: {multitask.n_outputs_} heads, {n_weights(multitask)} weights"
)
print(f"one network per target: {len(names)} x {n_weights(single)} weights")
print(f"{'target':<20}{'multitask':>10}{'single':>10}")
for name, r_m, r_s in zip(names, rho_multi, rho_single, strict=True):
    print(f"{name:<20}{r_m:>10.3f}{r_s:>10.3f}")
print(f"{'mean':<20}{rho_multi.mean():>10.3f}{rho_single.mean():>10.3f}")

# %%
# Spearman's rho per target, side by side
# ---------------------------------------
x = np.arange(len(names))
fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
ax.bar(
    x - 0.2,
    rho_multi,
    0.4,
    label=f"one multitask network (mean {rho_multi.mean():.2f})",
)
ax.bar(
    x + 0.2,
    rho_single,
    0.4,
    label=f"one network per target (mean {rho_single.mean():.2f})",
)
ax.set_xticks(x, names, rotation=30, ha="right")
ax.set_ylabel("Spearman rho (held-out clips)")
ax.axhline(0, color="black", lw=0.8)
ax.set_title("LSTM emotion regression: multitask vs single-task")
ax.legend()
plt.show()

# %%
# The multitask network is trained once instead of once per target, and
# its body sees the error of every target in every batch: a target with a
# weak or noisy signal borrows the features that the other targets need.
# A single-task network can instead specialise its whole body on its one
# target. Which wins for a given emotion varies from run to run with so
# few clips; the mean over targets is the steadier comparison, and the
# multitask model reaches it at a fraction of the training cost.

# %%
# Genre and emotions in one network
# ---------------------------------
# The same clips also carry a genre. :class:`~spectroclf.JointCNN` trains
# one CNN with a genre head and the emotion heads together: its ``y`` holds
# the genre first, then the targets. It is compared with a
# :class:`~spectroclf.CNNClassifier` and a :class:`~spectroclf.CNNRegressor`
# of the same size, each trained on one kind of label. All three hold out a
# fifth of their training clips to report validation scores.
genres = load_genre_spectrograms(lab / "genre_beat", split="train")
genre_of = dict(zip(genres.ids, genres.target, strict=True))
labels = np.array([genre_of[i] for i in data.ids])
# the same split as above: same size, same random_state
idx_train, idx_held = train_test_split(np.arange(len(labels)), test_size=0.25, random_state=0)
g_train, g_held = labels[idx_train], labels[idx_held]

cnn = dict(channels=(8, 16, 32), lr=3e-3, max_epochs=10, validation_fraction=0.2,
           random_state=0)
joint = JointCNN(**cnn).fit(
    X_train, np.column_stack([g_train.astype(object), Y_train])
)
genre_only = CNNClassifier(**cnn).fit(X_train, g_train)
emotion_only = CNNRegressor(**cnn).fit(X_train, Y_train)
print(f"{'':<22}{'genre accuracy':>15}{'emotion rho':>13}")
print(f"{'JointCNN':<22}{joint.score(X_held, g_held):>15.3f}"
      f"{spearman_score(Y_held, joint.predict_targets(X_held)):>13.3f}")
print(f"{'CNNClassifier':<22}{genre_only.score(X_held, g_held):>15.3f}{'':>13}")
print(f"{'CNNRegressor':<22}{'':>15}"
      f"{spearman_score(Y_held, emotion_only.predict(X_held)):>13.3f}")

# %%
# ``history_`` records each head's validation score every epoch: the genre
# accuracy and the mean Spearman rho of the emotions.
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
epochs = joint.history_[:, "epoch"]
ax.plot(epochs, joint.history_[:, "valid_acc"], "o-", label="genre head: valid_acc")
ax.plot(epochs, joint.history_[:, "valid_spearman"], "s-",
        label="emotion heads: valid_spearman")
ax.set_xlabel("epoch")
ax.set_title("JointCNN: one validation score per head")
ax.legend()
plt.show()

# %%
# On about 140 training clips the three are within a few clips of each
# other: the joint model costs one training instead of two and gives both
# answers, and its loss weights (``label_weight``, ``target_weights``) let
# one kind of label count for more when it matters more.
