"""
==========================================
From your lab code to spectroclf
==========================================

A student solution of the lab is several hundred lines: a ``Dataset``
that pads, a CNN class with an MLP head, a training loop with early
stopping, a weighted sum of per-target losses, and the genre network's
weights copied into an emotion network. Each of those choices is a
parameter here; this example ports one such pipeline step by step, on the
beat-synced fused spectrograms of the shared data.

- ``Conv2d, BatchNorm2d, ReLU, MaxPool2d(3)`` blocks:
  ``CNNClassifier(channels=..., pool_size=3, batch_norm=True)``;
- an MLP head ``Linear(., 128), ReLU, Dropout, Linear(128, 64), ...``:
  ``head_hidden=(128, 64), dropout=0.3``;
- a loop that stops when the validation loss has not improved by 0.01 for
  3 epochs: ``early_stopping=True, tol=1e-2, n_iter_no_change=3`` (the
  weights of the lowest validation loss are restored);
- ``model.load_state_dict(genre_net)`` and a new last layer:
  ``init_from=genre_clf``;
- ``nn.L1Loss()``: ``criterion="l1"``;
- ``2 * loss_v + 2 * loss_e + loss_d``: ``target_weights=[2, 2, 1, ...]``.
"""

# %%
# Genres and emotion scores of the same clips
# -------------------------------------------
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from spectroclf import (
    CNNClassifier,
    CNNRegressor,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    make_lab_data,
    plot_history,
    shared_data_dir,
    spearman_score,
)

data_dir = shared_data_dir()
lab = None if data_dir is None else data_dir / "emotify-lab"
if lab is None or not (lab / "genre_beat").is_dir() or not (lab / "multitask_beat").is_dir():
    print("NOTE: the real data was not found; using generated music instead.")
    lab = make_lab_data(tempfile.mkdtemp(prefix="spectroclf-lab-"), n_test=0, random_state=0)

genre = load_genre_spectrograms(lab / "genre_beat", split="train")
emotion = load_multitask_spectrograms(lab / "multitask_beat", split="train")
X, genres, Y = genre.data, genre.target, emotion.target
train, test = train_test_split(np.arange(len(X)), test_size=0.25, stratify=genres,
                               random_state=0)
X_train, X_test = [X[i] for i in train], [X[i] for i in test]
print(f"{len(train)} training and {len(test)} test clips; targets {emotion.target_names}")

# %%
# The student's genre CNN
# -----------------------
# Three Conv -> BatchNorm -> ReLU -> MaxPool(3) blocks, an MLP head with
# dropout, and early stopping with a tolerance of 0.01 on the validation
# loss (a tenth of the clips held out, stratified).
genre_clf = CNNClassifier(
    channels=(8, 16, 32), pool_size=3, head_hidden=(128, 64), dropout=0.3,
    lr=3e-3, max_epochs=40, early_stopping=True, tol=1e-2, n_iter_no_change=3,
    random_state=0,
).fit(X_train, genres[train])
best = int(np.argmin(genre_clf.history_[:, "valid_loss"])) + 1
print(f"stopped after {genre_clf.n_epochs_} epochs; restored epoch {best}, the "
      "lowest validation loss")
print(f"genre test accuracy: {accuracy_score(genres[test], genre_clf.predict(X_test)):.3f}")
plot_history(genre_clf)

# %%
# Transfer, an L1 loss and weighted targets
# -----------------------------------------
# Everything but the output layer comes from the genre network, MLP head
# included. The student weighted valence and energy twice as much as the
# other targets; here the first two targets get weight 2.
weights = np.ones(Y.shape[1])
weights[:2] = 2.0
emotion_reg = CNNRegressor(
    channels=(8, 16, 32), pool_size=3, head_hidden=(128, 64), dropout=0.3,
    init_from=genre_clf, criterion="l1", target_weights=weights,
    lr=1e-3, max_epochs=40, early_stopping=True, tol=1e-2, n_iter_no_change=3,
    random_state=0,
).fit(X_train, Y[train])
pred = emotion_reg.predict(X_test)
rho = [spearman_score(Y[test][:, j], pred[:, j]) for j in range(Y.shape[1])]
print(f"mean Spearman rho {np.mean(rho):.3f}; weighted targets "
      f"{emotion.target_names[:2]}: {rho[0]:.3f}, {rho[1]:.3f}")

# %%
# Per-target scores
# -----------------
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(range(len(rho)), rho, color=["C1" if w > 1 else "C0" for w in weights])
ax.set_xticks(range(len(rho)), emotion.target_names, rotation=45, ha="right")
ax.set_ylabel("Spearman rho (test)")
ax.set_title("Emotion regression fine-tuned from the genre CNN (orange: weight 2)")
fig.tight_layout()
