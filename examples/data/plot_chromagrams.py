"""
=============================
Chromagrams: harmony in time
=============================

A chromagram folds the spectrum onto the 12 pitch classes of western
music (C, C#, ..., B), whatever the octave: it shows which notes and
chords sound when, and ignores timbre. The lab's fused spectrograms carry
a chromagram (CQT chroma, values in [0, 1]) in their last 12 columns,
next to the 128 mel bands. Here we look at it for two clips, full length
and beat-synced, and at each clip's overall pitch-class profile.
"""

# %%
# Load two clips
# --------------
# The same two clips as in the other data examples: the first classical and
# the first electronic clip of the training set, from the full-length
# (``genre``) and the beat-synced (``genre_beat``) folders.
# ``feature="chroma"`` keeps the 12 chroma columns only. Without the real
# data the example writes two generated 30-s clips
# (:func:`~spectroclf.make_music`) in the same layout with
# :func:`~spectroclf.make_lab_data`.
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from spectroclf import (
    load_genre_spectrograms,
    load_spectrogram,
    make_lab_data,
    plot_spectrogram,
    shared_data_dir,
)

GENRES = ("Classical", "Electronic")
PITCH_CLASSES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]

data_dir = shared_data_dir()
lab = None if data_dir is None else data_dir / "emotify-lab"
if lab is None or not (lab / "genre").is_dir() or not (lab / "genre_beat").is_dir():
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

full = load_genre_spectrograms(lab / "genre", lazy=True)
beat = load_genre_spectrograms(lab / "genre_beat", lazy=True)
picks = [int(np.flatnonzero(full.target == g)[0]) for g in GENRES]
names = [f"{full.target[i]} (clip {full.ids[i]})" for i in picks]
chroma_full = [load_spectrogram(full.filenames[i], feature="chroma") for i in picks]
chroma_beat = [load_spectrogram(beat.filenames[i], feature="chroma") for i in picks]

for name, C, C_beat in zip(names, chroma_full, chroma_beat, strict=True):
    print(
        f"{name}: full {C.shape}, beat-synced {C_beat.shape}, "
        f"values in [{C.min():.2f}, {C.max():.2f}]"
    )

# %%
# Full length and beat-synced
# ---------------------------
# Rows are pitch classes, bright cells the notes sounding at that moment.
# Beat syncing takes the median chroma of each beat, which smooths out
# passing notes and leaves the chord of each beat: the harmonic rhythm is
# easier to read, and the sequence is some 20 times shorter.
fig, axes = plt.subplots(2, 2, figsize=(11, 5.5), layout="constrained")
for col, (name, C, C_beat) in enumerate(
    zip(names, chroma_full, chroma_beat, strict=True)
):
    plot_spectrogram(
        C,
        feature="chroma",
        ax=axes[0, col],
        colorbar=col == 1,
        title=f"{name}: full length, {len(C)} frames",
    )
    plot_spectrogram(
        C_beat,
        feature="chroma",
        beat_synced=True,
        ax=axes[1, col],
        colorbar=col == 1,
        title=f"beat-synced, {len(C_beat)} frames",
    )
    if col == 1:
        axes[0, col].set_ylabel("")
        axes[1, col].set_ylabel("")
plt.show()

# %%
# Pitch-class profiles
# --------------------
# Averaging the chromagram over time gives a clip's pitch-class profile: a
# few strong pitch classes hint at the key (the tonic, its fifth and its
# third stand out in tonal music), a flat profile at noise-like or
# percussive sound. Drums spread energy over all 12 bins, which is why the
# chroma of music with a strong beat looks less peaked.
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
width = 0.4
x = np.arange(12)
for k, (name, C) in enumerate(zip(names, chroma_full, strict=True)):
    profile = C.mean(axis=0)
    ax.bar(x + (k - 0.5) * width, profile, width, label=name)
    print(
        f"{name}: strongest pitch classes "
        f"{[PITCH_CLASSES[j] for j in np.argsort(profile)[::-1][:3]]}"
    )
ax.set_xticks(x, PITCH_CLASSES)
ax.set_xlabel("pitch class")
ax.set_ylabel("mean chroma energy")
ax.set_title("Pitch-class profiles (chromagram averaged over the clip)")
ax.set_ylim(0, 1.25 * max(C.mean(axis=0).max() for C in chroma_full))
ax.legend(loc="upper center", ncols=2, frameon=False)
plt.show()
