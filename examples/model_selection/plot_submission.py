"""
========================================
Writing the lab's submission files
========================================

Lab step 11. The last step trains a final model on all training clips,
predicts the test clips and hands in the predictions as comma-separated
files:

* genre: header ``Id,Genre``, then one line per test file, such as
  ``123.fused.full.npy.gz,Rock``;
* emotion: header ``Id,<target names>``, then the file name and one
  predicted score per target.

The test clips of the emotion task come without targets -- they are
scored by the lab, not by us -- so the submission is all we can produce
for them. Here the files go to a temporary folder.
"""

# %%
# Load the training and test splits
# ---------------------------------
# The Bunch of each split lists the clips' files in ``filenames``, in the
# order of ``data``. Without the real data the example writes generated
# music (4-s clips of :func:`~spectroclf.make_music`) in the lab layout with
# :func:`~spectroclf.make_lab_data`.
import csv
import tempfile
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from spectroclf import (
    LSTMClassifier,
    LSTMRegressor,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    make_lab_data,
    plot_class_distribution,
    shared_data_dir,
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
    lab = make_lab_data(tempfile.mkdtemp(prefix="spectroclf-lab-"), random_state=0)

genre_train = load_genre_spectrograms(lab / "genre_beat", split="train")
genre_test = load_genre_spectrograms(lab / "genre_beat", split="test")
emotion_train = load_multitask_spectrograms(lab / "multitask_beat", split="train")
emotion_test = load_multitask_spectrograms(lab / "multitask_beat", split="test")
print(
    f"genre: {len(genre_train.data)} training clips, {len(genre_test.data)} test clips"
)
print(
    f"emotion: {len(emotion_train.data)} training clips, {len(emotion_test.data)} "
    f"test clips, test targets given: {emotion_test.target is not None}"
)

# %%
# Train the final models
# ----------------------
# Hyperparameters would come from model selection on the training clips
# (see :ref:`sphx_glr_auto_examples_model_selection_plot_grid_search.py`);
# the final models are then trained on all of them. Both read the
# beat-synced fused spectrograms.
clf = LSTMClassifier(hidden_size=32, lr=3e-3, max_epochs=8, random_state=0)
clf.fit(genre_train.data, genre_train.target)
genre_pred = clf.predict(genre_test.data)

reg = LSTMRegressor(hidden_size=32, lr=3e-3, max_epochs=8, random_state=0)
reg.fit(emotion_train.data, emotion_train.target)
emotion_pred = reg.predict(emotion_test.data)
print(f"predicted genres of the test clips: {dict(Counter(genre_pred.tolist()))}")
print(f"predicted emotion scores: {emotion_pred.shape} (clips, targets)")

# %%
# A quick look before writing: the lab's test split is balanced (20 clips
# per genre), so a model that piles its predictions onto one or two genres
# would show here.
fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
plot_class_distribution(genre_pred, ax=ax, title="Predicted genres of the test clips")
plt.show()

# %%
# Write the submission files
# --------------------------
# The ``Id`` is the name of the test file. :mod:`csv` takes care of the
# separators; the scores are written with four decimals, like the
# training labels.
out_dir = Path(tempfile.mkdtemp(prefix="spectroclf-submission-"))

genre_file = out_dir / "genre_submission.csv"
with open(genre_file, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["Id", "Genre"])
    for path, genre in zip(genre_test.filenames, genre_pred, strict=True):
        writer.writerow([Path(path).name, genre])

emotion_file = out_dir / "emotion_submission.csv"
with open(emotion_file, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["Id", *emotion_train.target_names])
    for path, scores in zip(emotion_test.filenames, emotion_pred, strict=True):
        writer.writerow([Path(path).name, *(f"{s:.4f}" for s in scores)])

for path, n_test in (
    (genre_file, len(genre_test.data)),
    (emotion_file, len(emotion_test.data)),
):
    lines = path.read_text().splitlines()
    assert len(lines) == n_test + 1  # the header and one line per test file
    print(f"{path} ({len(lines) - 1} rows):")
    print("\n".join(lines[:4]))
    print("...")

# %%
# Before handing in, read the files back the way a grader would: every
# test file exactly once, the labels among the training genres, the
# emotion columns in the order of the training labels' header.
with open(genre_file, newline="") as f:
    rows = list(csv.DictReader(f))
assert sorted(r["Id"] for r in rows) == sorted(
    Path(p).name for p in genre_test.filenames
)
assert {r["Genre"] for r in rows} <= set(genre_train.target_names)
scores = np.loadtxt(
    emotion_file, delimiter=",", skiprows=1, usecols=range(1, reg.n_outputs_ + 1)
)
print(
    f"emotion scores read back: {scores.shape}, range {scores.min():.3f} to {scores.max():.3f}"
)

# %%
# The targets are shares of listeners, between 0 and 1, but the
# regressor's linear outputs are not bounded: a few predictions may fall
# slightly outside that range. Spearman's rho, the lab's score, only uses
# the order of the predictions, so they need no clipping.
