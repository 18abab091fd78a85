"""
==========================================
Add your own network
==========================================

Every spectroclf estimator is one fit path -- validate the spectrograms,
encode the labels or scale the targets, standardise and pad the input,
build a skorch net, train -- around a torch module. Bring your own module
and :class:`~spectroclf.NetClassifier` / :class:`~spectroclf.NetRegressor`
train it: label encoding, padding with true lengths, validation splits,
early stopping, ``GridSearchCV``, ``init_from`` transfer and devices come
with it. The module is the only code you write.

The contract: the module is built as ``module(n_bins=..., n_outputs=...,
**module_params)``; ``forward(X, lengths)`` receives a padded batch ``X``
of shape ``(batch, max_len, n_bins)``, already standardised per bin
(padded frames are zero), and the valid frames of each clip, and returns
``(batch, n_outputs)``. Name the output layer ``head`` so that
``init_from`` copies everything else and ``freeze`` trains only it.
"""

# %%
# A temporal convolution over the frames
# --------------------------------------
# One convolution along time with the bins as channels, then the mean over
# each clip's valid frames: ``lengths`` says where the padding starts.
import tempfile

import numpy as np
import torch
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, train_test_split
from torch import nn

from spectroclf import (
    NetClassifier,
    NetRegressor,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    make_lab_data,
    shared_data_dir,
    spearman_score,
)


class TemporalConv(nn.Module):
    def __init__(self, n_bins, n_outputs, channels=32, kernel_size=3):
        super().__init__()
        self.conv = nn.Conv1d(n_bins, channels, kernel_size, padding=kernel_size // 2)
        self.head = nn.Linear(channels, n_outputs)

    def forward(self, X, lengths):
        h = torch.relu(self.conv(X.transpose(1, 2)))  # (batch, channels, max_len)
        valid = torch.arange(X.shape[1], device=X.device)[None, :] < lengths[:, None]
        pooled = (h * valid[:, None]).sum(2) / lengths[:, None]
        return self.head(pooled)


# %%
# Genres and emotions of the same clips
# -------------------------------------
# The beat-synced fused spectrograms of the shared data (or generated music
# in the same layout when it is absent).
data_dir = shared_data_dir()
lab = None if data_dir is None else data_dir / "emotify-lab"
if lab is None or not (lab / "genre_beat").is_dir() or not (lab / "multitask_beat").is_dir():
    print("NOTE: the real data was not found; using generated music instead.")
    lab = make_lab_data(tempfile.mkdtemp(prefix="spectroclf-lab-"), n_test=0, random_state=0)

genre = load_genre_spectrograms(lab / "genre_beat", split="train")
emotion = load_multitask_spectrograms(lab / "multitask_beat", split="train")
X, genres, Y = genre.data, genre.target, emotion.target
idx_train, idx_test = train_test_split(
    np.arange(len(X)), test_size=0.25, stratify=genres, random_state=0
)
X_train, X_test = [X[i] for i in idx_train], [X[i] for i in idx_test]
print(f"{len(X_train)} training and {len(X_test)} test clips of {X[0].shape[1]} bins")

# %%
# A classifier, searched like any scikit-learn estimator
# ------------------------------------------------------
# ``module_params`` are the module's own hyperparameters; a grid search
# tries them as a whole.
clf = NetClassifier(module=TemporalConv, lr=3e-3, max_epochs=20, random_state=0)
search = GridSearchCV(
    clf, {"module_params": [{"channels": 16}, {"channels": 32, "kernel_size": 5}]}, cv=3
).fit(X_train, genres[idx_train])
print(f"best: {search.best_params_}, CV accuracy {search.best_score_:.3f}")
y_pred = search.predict(X_test)
print(f"test accuracy: {accuracy_score(genres[idx_test], y_pred):.3f} "
      f"(chance {1 / len(np.unique(genres)):.2f})")

# %%
# The same module as a regressor, started from the genre network
# ---------------------------------------------------------------
# ``init_from`` copies every weight but ``head``; predictions come back in
# the units of the targets.
reg = NetRegressor(
    module=TemporalConv, module_params=search.best_params_["module_params"],
    init_from=search.best_estimator_, lr=1e-3, max_epochs=15, random_state=0,
).fit(X_train, Y[idx_train])
rho = spearman_score(Y[idx_test], reg.predict(X_test))
print(f"mean Spearman rho over {Y.shape[1]} emotion targets: {rho:.3f}")
