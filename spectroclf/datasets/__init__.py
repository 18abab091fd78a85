"""Data sets: the lab's on-disk spectrogram layout, a synthetic music generator,
and genre merging.

Lab layout
----------
A data folder holds one folder per split and one labels file per labelled
split::

    data_dir/
        train/<id>.fused.full.npy.gz     one np.save'd (140, n_frames) array each,
        test/<id>.fused.full.npy.gz      optionally in a gzip stream
        train_labels.txt                 labels of train/ (see below)
        test_labels.txt                  optional: without it, target is None

Arrays on disk are librosa's ``(n_bins, n_frames)`` layout (rows 0-127
log-mel, rows 128-139 chroma); :func:`load_spectrogram` returns them time
first, ``(n_frames, n_bins)`` float32, like every spectrogram in spectroclf.

Labels files have a header line and are either TAB-separated
``Id<TAB>Genre`` (genre labels) or comma-separated ``Id,<name>,<name>,...``
with float columns (regression targets); the separator is detected from the
header. Labels are matched to files by the leading ``<id>`` (the file name
up to its first ``.``), so ``12.beatsync.fused.npy.gz`` in a labels file
matches the file ``12.fused.full.npy.gz``, and ``12`` matches it too.

A split folder may also be a *link placeholder*: a small text file holding
a relative path to the real folder, which is what git writes for a symbolic
link when symlinks are disabled (the lab's ``multitask/train`` is a link to
``genre/train``). The loaders follow such placeholders like links.
"""

from ._arrays import SpectrogramFiles, load_spectrogram
from ._audio_folder import extract_lab_layout
from ._generate import make_lab_data, make_music
from ._lab import (
    load_genre_spectrograms,
    load_multitask_spectrograms,
    write_lab_layout,
)
from ._labels import CLASS_MAPPING, merge_classes
from ._shared import shared_data_dir

__all__ = [
    "CLASS_MAPPING",
    "load_spectrogram",
    "SpectrogramFiles",
    "load_genre_spectrograms",
    "load_multitask_spectrograms",
    "merge_classes",
    "make_music",
    "write_lab_layout",
    "extract_lab_layout",
    "make_lab_data",
    "shared_data_dir",
]
