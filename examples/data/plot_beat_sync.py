"""
=============================
Beat-synchronous spectrograms
=============================

A 30-second clip has 1292 spectrogram frames of 23 ms. Most of what makes
a genre -- instruments, harmony, rhythm -- changes at the pace of the
beat, not every 23 ms. *Beat syncing* replaces the frames between two
consecutive beats by their median, so a clip becomes one frame per beat:
about 60 frames instead of 1292. Sequences twenty times shorter train an
LSTM twenty times faster, and each frame is a steadier summary of one beat.

The lab ships beat-synced arrays (``genre_beat``), computed from the audio
(beats tracked on the percussive part of the waveform). When only
full-length spectrograms are at hand, :class:`~spectroclf.BeatSync` does
the same from the spectrogram alone. This example compares both on the two
clips of :ref:`sphx_glr_auto_examples_data_plot_mel_spectrograms.py`.
"""

# %%
# Load the full-length and the shipped beat-synced arrays
# --------------------------------------------------------
# The two folders hold the same clips. Note that the labels file of
# ``genre_beat`` names its files ``<id>.beatsync.fused.npy.gz`` while they
# are stored as ``<id>.fused.full.npy.gz``: the loader matches them by the
# leading id. Without the real data the example writes two generated 30-s
# clips (:func:`~spectroclf.make_music`) in the same layout with
# :func:`~spectroclf.make_lab_data`, which beat-syncs them from the audio
# as the lab did.
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from spectroclf import (
    BeatSync,
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
assert full.ids == beat.ids  # the same clips, in the same order
picks = [int(np.flatnonzero(full.target == g)[0]) for g in GENRES]
names = [f"{full.target[i]} (clip {full.ids[i]})" for i in picks]
clips = [load_spectrogram(full.filenames[i]) for i in picks]
shipped = [load_spectrogram(beat.filenames[i]) for i in picks]
all_beat_lengths = [len(load_spectrogram(p)) for p in beat.filenames]

# %%
# Beat sync from the spectrogram
# ------------------------------
# :class:`~spectroclf.BeatSync` tracks the beats on the onset strength of
# the mel columns, then takes the median of each inter-beat segment
# (including the segments before the first and after the last beat). It is
# a scikit-learn transformer, so it fits in a pipeline before an estimator.
synced = BeatSync().fit_transform(clips)

for name, S, S_lab, S_ours in zip(names, clips, shipped, synced, strict=True):
    print(f"{name}:")
    print(f"  full length            {S.shape}   (n_frames, n_bins)")
    print(f"  shipped beat-synced    {S_lab.shape}")
    print(f"  BeatSync (from S)      {S_ours.shape}")
print(
    f"beat-synced lengths of the {len(all_beat_lengths)} training clips: median "
    f"{np.median(all_beat_lengths):.0f}, range {min(all_beat_lengths)}-"
    f"{max(all_beat_lengths)} frames"
)

# %%
# Sequences shrink from 1292 frames to one per beat: a clip at 120 beats
# per minute has 60 beats in 30 s. Slow or free-tempo music (much of the
# classical set) yields fewer, longer segments. The two beat trackers need
# not agree -- the lab's ran on the percussive part of the audio, BeatSync
# on the spectrogram -- so their frame counts can differ somewhat, most on
# music without drums.
#
# What beat syncing keeps
# -----------------------
# The mel bands of the full clip (top), the shipped beat-synced array
# (middle) and BeatSync's (bottom). The x axis of the beat-synced panels
# counts beats, not seconds, so the whole clip fits in far fewer columns;
# the coarse structure -- which bands are loud, where the music changes --
# survives, the detail within a beat does not.
fig, axes = plt.subplots(3, 2, figsize=(11, 8.5), layout="constrained")
for col, (name, S, S_lab, S_ours) in enumerate(
    zip(names, clips, shipped, synced, strict=True)
):
    rows = [
        (S, False, f"{name}: full length, {len(S)} frames"),
        (S_lab, True, f"shipped beat-synced, {len(S_lab)} frames"),
        (S_ours, True, f"BeatSync on the spectrogram, {len(S_ours)} frames"),
    ]
    for row, (spec, is_beat, title) in enumerate(rows):
        plot_spectrogram(
            select_feature(spec, "mel"),
            feature="mel",
            beat_synced=is_beat,
            ax=axes[row, col],
            title=title,
            colorbar=col == 1,
        )
        if col == 1:
            axes[row, col].set_ylabel("")
plt.show()

# %%
# Frame counts of the whole data set
# ----------------------------------
# The distribution of the number of beats per clip, the sequence lengths
# the estimators see on ``genre_beat``.
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
ax.hist(all_beat_lengths, bins=20, color="tab:blue", edgecolor="white")
ax.axvline(
    np.median(all_beat_lengths),
    color="k",
    linestyle="--",
    label=f"median {np.median(all_beat_lengths):.0f}",
)
ax.set_xlabel("frames per clip after beat syncing")
ax.set_ylabel("clips")
ax.set_title("Beat-synced sequence lengths (full length: 1292 frames)")
ax.legend()
plt.show()
