"""
====================================
Genre labels: encoding and merging
====================================

Genre labels are strings, and real label sets are messy: too fine
(*Post-Rock* next to *Rock*), unbalanced, with genres too rare to learn.
spectroclf keeps label handling out of the pipelines (scikit-learn
pipelines never transform ``y``) and offers

- :func:`~spectroclf.merge_classes`, a function on ``(X, y)`` that merges
  classes through a mapping, drops classes mapped to ``None`` and, with
  ``min_count``, classes left with too few samples;
- :class:`~spectroclf.LabelTransformer`, which encodes (merged) labels as
  integers ``0 .. n_classes - 1`` and back;
- :data:`~spectroclf.CLASS_MAPPING`, the lab's merge of its 20 genres into
  10.

The classifiers take string labels directly; encoding is for when you
need the codes yourself.
"""

# %%
# The genre data set
# ------------------
# ``lazy=True`` gives the file paths instead of the arrays: labels are all
# we need here, and :func:`~spectroclf.merge_classes` filters paths as well
# as arrays. Without the real data the example writes generated music of
# three genres (:func:`~spectroclf.make_music`, short clips: only the
# labels matter here) in the same layout with
# :func:`~spectroclf.make_lab_data`.
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from spectroclf import (
    CLASS_MAPPING,
    LabelTransformer,
    load_genre_spectrograms,
    make_lab_data,
    merge_classes,
    plot_class_distribution,
    shared_data_dir,
)

data_dir = shared_data_dir()
lab = None if data_dir is None else data_dir / "emotify-lab"
if lab is None or not (lab / "genre").is_dir():
    print(
        "NOTE: the real data (../shared/data/emotify-lab) was not found; using "
        "generated music of three genres in the lab layout instead "
        "(spectroclf.make_lab_data)."
    )
    lab = make_lab_data(
        tempfile.mkdtemp(prefix="spectroclf-lab-"),
        n_train=36,
        n_test=0,
        duration=3.0,
        genres=["classical", "electronic", "rock"],
        random_state=0,
    )

genre = load_genre_spectrograms(lab / "genre", lazy=True)
print(genre.DESCR)
X, y = genre.filenames, genre.target

genres, counts = np.unique(y, return_counts=True)
print(dict(zip(genres.tolist(), counts.tolist(), strict=True)))

# %%
# Encoding labels as integers
# ---------------------------
# :class:`~spectroclf.LabelTransformer` works like scikit-learn's
# ``LabelEncoder``: ``classes_`` is sorted and code ``i`` stands for
# ``classes_[i]``.
encoder = LabelTransformer()
codes = encoder.fit_transform(y)
print("classes_:", encoder.classes_)
some = np.linspace(0, len(y) - 1, 4).astype(int)  # four samples across the set
print("labels", y[some], "-> codes", codes[some])
last = len(encoder.classes_) - 1
print(f"codes [0, {last}] decode to", encoder.inverse_transform([0, last]))

# %%
# Merging classes with a mapping
# ------------------------------
# A mapping of our own for these genres: keep *Electronic*, call the
# classical clips *Acoustic* and put *Pop* and *Rock* together -- two
# genres that share instruments and song forms. The mapping must list
# every genre that occurs (map a genre to itself to keep it); a missing one
# is an error naming it.
mapping = {
    "Classical": "Acoustic",
    "Electronic": "Electronic",
    "Pop": "Pop/Rock",
    "Rock": "Pop/Rock",
}
X_merged, y_merged = merge_classes(X, y, mapping)
print(f"{len(X_merged)} samples, classes {sorted(set(y_merged.tolist()))}")

# The same mapping inside LabelTransformer encodes the merged classes:
merged_encoder = LabelTransformer(mapping=mapping).fit(y)
print("merged classes_:", merged_encoder.classes_)
print("labels", y[some], "-> codes", merged_encoder.transform(y[some]))

# %%
# Dropping rare classes
# ---------------------
# The Emotify genres are balanced, 60 training clips each. To see
# ``min_count`` at work, take a subset where electronic music is rare: all
# clips of the other genres but only the first 6 electronic ones (their
# labels are unchanged). Classes with fewer than ``min_count`` samples
# *after* merging are then removed, with their samples.
electronic = np.flatnonzero(y == "Electronic")
subset = np.setdiff1d(np.arange(len(y)), electronic[6:])
X_sub = [X[i] for i in subset]
y_sub = y[subset]
X_kept, y_kept = merge_classes(X_sub, y_sub, mapping, min_count=10)
print(
    f"subset: {len(y_sub)} samples -> {len(y_kept)} after merging and "
    f"min_count=10; classes {sorted(set(y_kept.tolist()))}"
)

# %%
# Before and after
# ----------------
# :func:`~spectroclf.plot_class_distribution` puts the counts before and
# after side by side; a class that exists on one side only gets a zero bar
# on the other.
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
plot_class_distribution(
    y, y_after=y_merged, ax=axes[0], title="Merging: Pop + Rock, Classical -> Acoustic"
)
plot_class_distribution(
    y_sub,
    y_after=y_kept,
    ax=axes[1],
    title="Rare Electronic (6 clips) dropped by min_count=10",
)
for ax in axes:
    ax.tick_params(axis="x", labelrotation=20)
plt.show()

# %%
# The lab's mapping
# -----------------
# The lab's own genre data set has 20 genres; :data:`~spectroclf.CLASS_MAPPING`
# merges them into 10 and drops five that are too vague or too rare
# (mapped to ``None``). Pass it as ``class_mapping=CLASS_MAPPING`` to
# :func:`~spectroclf.load_genre_spectrograms`, or to
# :func:`~spectroclf.merge_classes`.
for source, target in CLASS_MAPPING.items():
    print(f"{source:>14} -> {target if target is not None else '(dropped)'}")

# %%
# As a table, sorted by merged class:
rows = sorted(CLASS_MAPPING.items(), key=lambda kv: (kv[1] is None, kv[1] or "", kv[0]))
cells = [[src, dst if dst is not None else "(dropped)"] for src, dst in rows]
fig, ax = plt.subplots(figsize=(5, 6.2), layout="constrained")
ax.axis("off")
table = ax.table(
    cellText=cells,
    colLabels=["lab genre", "merged class"],
    loc="center",
    cellLoc="left",
    colLoc="left",
)
table.auto_set_font_size(False)
table.set_fontsize(10)
table.scale(1, 1.35)
for (row, _), cell in table.get_celld().items():
    if row == 0:
        cell.set_text_props(weight="bold")
        cell.set_facecolor("#dde6f0")
    elif cells[row - 1][1] == "(dropped)":
        cell.set_text_props(color="0.45")
ax.set_title("spectroclf.CLASS_MAPPING: 20 lab genres -> 10 classes")
plt.show()

# %%
# The four Emotify genres are among the lab's, and the lab's mapping keeps
# each of them as it is:
X_lab, y_lab = merge_classes(X, y, CLASS_MAPPING)
print(f"{len(y_lab)} of {len(y)} samples kept, classes {sorted(set(y_lab.tolist()))}")
