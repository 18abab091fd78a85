"""
==========================================
Genre classification with a CNN
==========================================

Lab step 7. A convolutional network reads a spectrogram as an image --
time along one axis, frequency along the other -- and learns small
two-dimensional patterns: a drum hit is a vertical stripe, a held note a
horizontal one, a chord a stack of them. :class:`~spectroclf.CNNClassifier`
stacks Conv2d -> BatchNorm -> ReLU -> MaxPool blocks, then averages and
maxes the last block's maps over time, so clips of any length work.

Here it reads the beat-synced fused spectrograms (128 mel + 12 chroma
bins, one column per beat), is scored on the test clips, and we look
inside: at the 3x3 kernels of its first convolution and at what they
respond to in one clip.
"""

# %%
# Load the beat-synced fused spectrograms
# ---------------------------------------
# Without the real data the example writes generated music (4-s clips of
# :func:`~spectroclf.make_music`) in the lab layout with
# :func:`~spectroclf.make_lab_data` and uses those.
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import accuracy_score, classification_report

from spectroclf import (
    CNNClassifier,
    load_genre_spectrograms,
    make_lab_data,
    plot_confusion,
    plot_history,
    plot_spectrogram,
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

train = load_genre_spectrograms(lab / "genre_beat", split="train", feature="fused")
test = load_genre_spectrograms(lab / "genre_beat", split="test", feature="fused")
X_train, y_train, X_test, y_test = train.data, train.target, test.data, test.target
print(
    f"{len(X_train)} training and {len(X_test)} test clips, genres {train.target_names}"
)
print(f"first clip: {X_train[0].shape} (beats, bins)")

# %%
# Train the CNN
# -------------
# Three blocks of 8, 16 and 32 channels keep the network small and fast
# on a CPU. The clips have different numbers of
# beats: the estimator pads each batch and the network ignores the padding.
# A fifth of the training clips is held out to follow the validation
# accuracy per epoch.
clf = CNNClassifier(
    channels=(8, 16, 32),
    lr=3e-3,
    max_epochs=10,
    validation_fraction=0.2,
    random_state=0,
)
clf.fit(X_train, y_train)
n_weights = sum(p.numel() for p in clf.net_.module_.parameters())
print(f"trained {clf.n_epochs_} epochs, {n_weights} weights")

y_pred = clf.predict(X_test)
print(f"test accuracy: {accuracy_score(y_test, y_pred):.3f}")
print(classification_report(y_test, y_pred, zero_division=0))

# %%
# Learning curves and confusion matrix
# ------------------------------------
# The loss per epoch on the training clips and the held-out fifth
# (:func:`~spectroclf.plot_history`), and which test genres the network
# confuses (:func:`~spectroclf.plot_confusion`; rows are the true genres).
# The validation curves of a network with batch normalisation are jumpy in
# the first epochs: validation uses the running statistics of the batches,
# which settle only after a few epochs; with 48 held-out clips one clip
# moves the accuracy by 0.02.
plot_history(clf)
plt.show()

plot_confusion(
    y_test,
    y_pred,
    title=f"CNN, beat-synced fused: accuracy {accuracy_score(y_test, y_pred):.2f}",
)
plt.show()

# %%
# The first convolution's kernels
# -------------------------------
# The torch module is ``clf.net_.module_``. Its first block starts with a
# ``Conv2d`` of one input channel: each of its 8 output channels is a
# 3x3 kernel that slides over the (standardised) spectrogram, 3 beats
# wide and 3 bins high. A kernel with a positive column next to a negative
# one responds to change over time (onsets, chord changes); one with a
# positive row next to a negative one to an edge across frequency.
module = clf.net_.module_.eval()
kernels = module.blocks[0][0].weight.detach().cpu().numpy()[:, 0]  # (8, 3, 3)
vmax = np.abs(kernels).max()
fig, axes = plt.subplots(
    1, len(kernels), figsize=(1.4 * len(kernels), 2.2), layout="constrained"
)
for k, (ax, kernel) in enumerate(zip(axes, kernels, strict=True)):
    # transposed so that time runs left to right and frequency bottom to top
    img = ax.imshow(
        kernel.T,
        cmap="RdBu_r",
        vmin=-vmax,
        vmax=vmax,
        origin="lower",
        interpolation="nearest",
    )
    ax.set_title(f"channel {k}", fontsize="small")
    ax.set_xticks([])
    ax.set_yticks([])
axes[0].set_xlabel("time")
axes[0].set_ylabel("frequency")
fig.colorbar(img, ax=axes, shrink=0.8, label="weight")
fig.suptitle("3x3 kernels of the first convolution")
plt.show()

# %%
# What the first block responds to
# --------------------------------
# The CNN module's ``feature_maps`` method returns the output of every
# block; the first one (after ReLU and 2x2 max pooling) has 8 maps of
# half the beats and half the bins of the input. Bright cells are where
# the kernel's pattern is found in this clip. The horizontal line at bin
# 64 of each map is the border between the 128 mel and the 12 chroma bins
# of the input (chroma fills the top 6 rows). We take the first rock clip
# of the test split, whose drums should show.
i = int(np.flatnonzero(y_test == "Rock")[0]) if "Rock" in y_test else 0
S = X_test[i]
with torch.no_grad():
    maps, _ = module.feature_maps(
        torch.as_tensor(S[None], dtype=torch.float32, device=clf.device_),
        torch.as_tensor([len(S)], device=clf.device_),
    )
first = maps[0][0].cpu().numpy()  # (channels, beats / 2, bins / 2)
print(
    f"clip {test.ids[i]} ({y_test[i]}, predicted {y_pred[i]}): input {S.shape}, "
    f"first block {first.shape} (channels, beats, bins)"
)

plot_spectrogram(
    S,
    feature="fused",
    beat_synced=True,
    title=f"Test clip {test.ids[i]} ({y_test[i]}), beat-synced fused input",
)
plt.show()

fig, axes = plt.subplots(
    2, 4, figsize=(11, 5), sharex=True, sharey=True, layout="constrained"
)
for k, ax in enumerate(axes.flat):
    img = ax.imshow(
        first[k].T,
        aspect="auto",
        origin="lower",
        interpolation="nearest",
        cmap="magma",
        vmin=0,
        vmax=np.percentile(first, 99.5),
    )
    ax.axhline(128 / 2 - 0.5, color="white", lw=0.6, ls="--")
    ax.set_title(f"channel {k}", fontsize="small")
for ax in axes[-1]:
    ax.set_xlabel("beat / 2")
for ax in axes[:, 0]:
    ax.set_ylabel("bin / 2")
fig.colorbar(img, ax=axes, shrink=0.8, label="activation (after ReLU)", extend="max")
fig.suptitle(f"First-block feature maps of test clip {test.ids[i]} ({y_test[i]})")
plt.show()

# %%
# Some channels light up along whole columns -- beats where the spectrum
# changes as a whole, such as a drum hit or a new chord -- others in bands
# of rows, following loud registers or, above the dashed line, the pitch
# classes. Deeper blocks combine these maps into larger patterns; the last
# block's maps are pooled over time, band by band, and fed to the linear
# layer that scores the genres.
