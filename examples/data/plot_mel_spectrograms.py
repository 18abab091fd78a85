"""
=====================================
Mel spectrograms of two music genres
=====================================

A mel spectrogram shows how the energy of a clip spreads over time and
over frequency bands spaced like human pitch perception (the mel scale).
It is the input of most music models, including spectroclf's LSTMs and
CNNs. Here we draw the log-mel spectrograms of two 30-second clips of
different genres from the lab's data set, side by side.
"""

# %%
# Find the data
# -------------
# :func:`~spectroclf.shared_data_dir` locates the real music data
# (``../shared/data``). The ``genre`` folder holds the **full-length**
# spectrograms in the lab's layout; ``lazy=True`` returns the file paths
# and labels without reading the 240 arrays. Without the real data the
# example writes two generated 30-s clips (:func:`~spectroclf.make_music`)
# in the same layout with :func:`~spectroclf.make_lab_data`.
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from spectroclf import (
    load_genre_spectrograms,
    load_spectrogram,
    make_lab_data,
    plot_spectrogram,
    select_feature,
    shared_data_dir,
)

GENRES = ("Classical", "Electronic")

data_dir = shared_data_dir()
lab = None if data_dir is None else data_dir / "emotify-lab"
if lab is None or not (lab / "genre").is_dir():
    print(
        "NOTE: the real data (../shared/data/emotify-lab) was not found; using "
        "two generated 30-s clips in the lab layout instead "
        "(spectroclf.make_lab_data)."
    )
    lab = make_lab_data(
        tempfile.mkdtemp(prefix="spectroclf-lab-"),
        n_train=2,
        n_test=0,
        duration=30.0,
        genres=["classical", "electronic"],
        random_state=0,
    )

paths, y = load_genre_spectrograms(lab / "genre", lazy=True, return_X_y=True)
print(f"{len(paths)} training clips in {lab / 'genre'}")
# the first clip of each genre (files are sorted by id)
picks = [int(np.flatnonzero(y == g)[0]) for g in GENRES]
names = [f"{y[i]} (clip {paths[i].rsplit('/', 1)[-1].split('.')[0]})" for i in picks]
clips = [load_spectrogram(paths[i]) for i in picks]

# %%
# Each array is a *fused* spectrogram, **time first**: 1292 frames of 23 ms
# (30 s) by 140 columns, the 128 mel bands followed by 12 chroma bins.
# :func:`~spectroclf.select_feature` keeps the mel columns.
mels = [select_feature(S, "mel") for S in clips]
for name, S, mel in zip(names, clips, mels, strict=True):
    print(
        f"{name}: fused {S.shape}, mel {mel.shape}, "
        f"values from {mel.min():.0f} to {mel.max():.0f} dB"
    )

# %%
# Side by side
# ------------
# :func:`~spectroclf.plot_spectrogram` draws a time-first spectrogram with
# librosa's ``specshow``: time on the x axis, mel frequency on the y axis,
# loudness in dB relative to the loudest moment of the clip.
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, layout="constrained")
for ax, name, mel in zip(axes, names, mels, strict=True):
    plot_spectrogram(mel, feature="mel", ax=ax, title=name, colorbar=ax is axes[-1])
axes[1].set_ylabel("")
fig.suptitle("Log-mel spectrograms, full length (128 bands, 23 ms frames)")
plt.show()

# %%
# The classical clip shows sustained harmonics -- long horizontal lines --
# and little energy above a few kHz, while the electronic clip has sharp
# vertical stripes: drum hits that spread energy over the whole frequency
# range at a regular pulse. These textures (stable partials versus
# periodic broadband onsets) are what a genre classifier learns to tell
# apart.
#
# A closer look
# -------------
# The first five seconds of each clip, where single notes and beats are
# visible.
n_frames = int(5.0 * 22050 / 512)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True, layout="constrained")
for ax, name, mel in zip(axes, names, mels, strict=True):
    plot_spectrogram(
        mel[:n_frames],
        feature="mel",
        ax=ax,
        title=f"{name}, first 5 s",
        colorbar=ax is axes[-1],
    )
axes[1].set_ylabel("")
plt.show()
