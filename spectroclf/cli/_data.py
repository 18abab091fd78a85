"""What the commands read: audio folders with a labels CSV, lab-layout folders,
and the task their labels imply.

Only the standard library here: the commands decide what a folder is (and
refuse a wrong one) before torch or scikit-learn are imported.
"""

import csv
import re
from pathlib import Path

from ._common import CLIError, _load_split

#: audio files read by the commands (librosa decodes them)
AUDIO_SUFFIXES = (".ogg", ".wav", ".mp3", ".flac")
SPECTROGRAM_SUFFIXES = (".npy", ".npy.gz")


def _natural_key(text):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text)]


def _is_spectrogram(path):
    return path.is_file() and path.name.endswith(SPECTROGRAM_SUFFIXES)


def _follow(path):
    """A lab link placeholder (a small text file holding a relative path, what git
    writes for a symbolic link when links are off) -> the folder it names."""
    if path.is_file() and path.stat().st_size < 1024:
        try:
            target = path.parent / path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return path
        if target.is_dir():
            return target
    return path


def list_audio(folder):
    """``{id: path}`` of the audio files of ``folder`` (id: name without extension)."""
    folder = Path(folder)
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES),
        key=lambda p: _natural_key(p.name),
    )
    return {p.stem: p for p in files}


def folder_kind(path, what="DATA_DIR"):
    """``"audio"`` (a folder of audio files) or ``"lab"`` (a lab-layout folder)."""
    path = Path(path)
    if not path.exists():
        raise CLIError(f"{what} '{path}' does not exist")
    if not path.is_dir():
        raise CLIError(f"{what} '{path}' is not a folder")
    if list_audio(path):
        return "audio"
    entries = list(path.iterdir())
    if any(p.name.endswith("_labels.txt") for p in entries) or any(
        _follow(p).is_dir() for p in entries
    ):
        return "lab"
    if any(_is_spectrogram(p) for p in entries):
        raise CLIError(
            f"{what} '{path}' holds spectrogram files directly; spectroclf reads "
            f"them from a lab-layout folder: put them in '{path / 'test'}' (or "
            "train/) and give the folder above it"
        )
    raise CLIError(
        f"{what} '{path}' holds neither audio files ({', '.join(AUDIO_SUFFIXES)}) "
        "nor a lab layout (train/, test/, <split>_labels.txt)"
    )


def split_files(data_dir, split):
    """Spectrogram files of ``data_dir/split``, sorted by id; no labels read."""
    data_dir = _follow(Path(data_dir))
    split_dir = _follow(data_dir / split)
    if not split_dir.is_dir():
        found = sorted(p.name for p in data_dir.iterdir() if _follow(p).is_dir())
        raise CLIError(
            f"split folder '{data_dir / split}' does not exist; folders in "
            f"'{data_dir}': {found} (choose one with --split)"
        )
    files = sorted(
        (p for p in split_dir.iterdir() if _is_spectrogram(p)),
        key=lambda p: _natural_key(p.name),
    )
    if not files:
        raise CLIError(f"split folder '{split_dir}' holds no .npy or .npy.gz files")
    return files


def lab_task(data_dir, split="train"):
    """The task a lab folder's labels file implies: ``"genre"`` for
    ``Id<TAB>Genre`` (or a 2-column CSV of words), ``"emotion"`` for
    ``Id,<target>,...`` with numbers; None when the split has no labels file."""
    labels = _follow(Path(data_dir)) / f"{split}_labels.txt"
    if not labels.is_file():
        return None
    with open(labels, encoding="utf-8-sig") as f:
        lines = [line.rstrip("\r\n") for line, _ in zip(f, range(3), strict=False)]
    lines = [line for line in lines if line.strip()]
    if len(lines) < 2:
        raise CLIError(f"labels file '{labels}' has no rows after its header")
    sep = "\t" if "\t" in lines[0] else ","
    values = lines[1].split(sep)[1:]
    numbers = [v for v in values if _is_float(v)]
    if values and len(numbers) == len(values):
        return "emotion"
    if len(values) == 1:
        return "genre"
    raise CLIError(
        f"cannot tell the task from '{labels}': its first row {lines[1]!r} is "
        "neither Id<TAB>Genre nor Id,<numbers>; choose with --task genre or "
        "--task emotion"
    )


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() != ""


def _is_integer(text):
    return bool(re.fullmatch(r"[+-]?\d+", text.strip()))


class ClipTable:
    """The labels CSV of an audio folder (``id``, ``genre``, ``split``, emotions).

    Parameters
    ----------
    path : path-like
        The CSV: an ``id`` column (audio file name without extension),
        optional ``genre`` and ``split`` (default ``train``) columns, and
        emotion columns: every column of decimal numbers, or ``targets``.
    audio : dict
        ``{id: path}`` of the audio folder.
    targets : list of str or None
        The emotion columns, when given.
    targets_from : str
        Who named ``targets``, for the error when the CSV lacks them.

    Attributes
    ----------
    ids, splits, genres : list of str
    values : list of (list of float or None)
        Emotion values of each row (None: empty cells).
    target_names : list of str
    has_genre : bool
    """

    def __init__(self, path, audio, *, targets=None, targets_from="--targets"):
        self.path = path = Path(path)
        if not path.is_file():
            raise CLIError(f"labels CSV '{path}' does not exist")
        with open(path, newline="", encoding="utf-8-sig") as f:
            table = [row for row in csv.reader(f) if any(c.strip() for c in row)]
        if not table:
            raise CLIError(f"labels CSV '{path}' is empty; expected a header line")
        header = [h.strip() for h in table[0]]
        rows = table[1:]
        if not rows:
            raise CLIError(
                f"labels CSV '{path}' has a header ({', '.join(header)}) but no "
                "rows; add one line per audio file"
            )
        lower = [h.lower() for h in header]
        if "id" not in lower:
            raise CLIError(
                f"labels CSV '{path}' has no 'id' column (columns: "
                f"{', '.join(header)}); it needs 'id' (the audio file name without "
                "extension) and 'genre' and/or emotion columns"
            )
        for lineno, row in enumerate(rows, 2):
            if len(row) != len(header):
                raise CLIError(
                    f"labels CSV '{path}' line {lineno}: {len(row)} fields, but "
                    f"the header has {len(header)}"
                )
        col = {n: lower.index(n) for n in ("id", "genre", "split") if n in lower}
        cells = [[row[j].strip() for row in rows] for j in range(len(header))]
        if targets is not None:
            missing = [t for t in targets if t not in header]
            if missing:
                raise CLIError(
                    f"{targets_from} column(s) {missing} are not in labels CSV "
                    f"'{path}' (columns: {', '.join(header)})"
                )
            target_cols = [header.index(t) for t in targets]
        else:  # columns of decimal numbers; integers (counts) are not targets
            target_cols = [
                j
                for j in range(len(header))
                if j not in col.values()
                and any(cells[j])
                and all(_is_float(v) for v in cells[j] if v)
                and not all(_is_integer(v) for v in cells[j] if v)
            ]
        self.ids = cells[col["id"]]
        self.splits = (
            cells[col["split"]] if "split" in col else ["train"] * len(rows)
        )
        self.splits = [s or "train" for s in self.splits]
        self.genres = cells[col["genre"]] if "genre" in col else [""] * len(rows)
        self.has_genre = "genre" in col and any(self.genres)
        self.target_names = [header[j] for j in target_cols]
        self.values = []
        for i, lineno in enumerate(range(2, len(rows) + 2)):
            values = [cells[j][i] for j in target_cols]
            if any(values) and not all(_is_float(v) for v in values):
                raise CLIError(
                    f"labels CSV '{path}' line {lineno} (id {self.ids[i]!r}): "
                    "emotion values are empty or not numbers; give all of a clip "
                    "or none"
                )
            self.values.append([float(v) for v in values] if any(values) else None)
        unmatched = [s for s in self.ids if s not in audio]
        if unmatched:
            shown = ", ".join(map(repr, unmatched[:5]))
            raise CLIError(
                f"{len(unmatched)} id(s) of labels CSV '{path}' match no audio file "
                f"of the folder: {shown} (an id is the audio file name without "
                "extension)"
            )
        self.audio = {s: audio[s] for s in self.ids}
        #: audio files of the folder that the CSV does not list
        self.unlisted = [p.name for s, p in audio.items() if s not in set(self.ids)]

    def task(self, task=None):
        """The task: ``task`` if given (checked), else inferred from the columns."""
        emotions = bool(self.target_names)
        if task is None:
            if self.has_genre and emotions:
                raise CLIError(
                    f"labels CSV '{self.path}' has a 'genre' column and emotion "
                    f"columns ({', '.join(self.target_names)}); choose with --task "
                    "genre or --task emotion"
                )
            if not self.has_genre and not emotions:
                raise CLIError(
                    f"cannot tell the task from labels CSV '{self.path}': it has "
                    "no 'genre' column and no columns of decimal numbers (emotion "
                    "values); add one, or name the emotion columns with --targets"
                )
            return "genre" if self.has_genre else "emotion"
        if task == "genre" and not self.has_genre:
            raise CLIError(f"--task genre: labels CSV '{self.path}' has no 'genre' column")
        if task == "emotion" and not emotions:
            raise CLIError(
                f"--task emotion: labels CSV '{self.path}' has no columns of "
                "decimal numbers (emotion values); name them with --targets"
            )
        return task

    def split(self, split, task):
        """``(paths, y, ids)`` of the labelled clips of ``split``; y is None when
        the split has no labels for ``task``."""
        rows = [i for i, s in enumerate(self.splits) if s == split]
        if not rows:
            found = sorted(set(self.splits))
            raise CLIError(
                f"labels CSV '{self.path}' has no clips of split {split!r} "
                f"(splits: {', '.join(found)})"
            )
        paths = [str(self.audio[self.ids[i]]) for i in rows]
        ids = [self.ids[i] for i in rows]
        if task == "genre":
            labels = [self.genres[i] for i in rows]
            y = labels if all(labels) else None
        else:
            values = [self.values[i] for i in rows]
            y = values if all(v is not None for v in values) else None
        return paths, y, ids


def _read_audio(args):
    """(paths, y, task, target_names, labels file) of an audio folder's train split."""
    targets = None
    if args.targets is not None:
        targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    table = ClipTable(args.labels, list_audio(args.data_dir), targets=targets)
    if table.unlisted:
        n = len(table.unlisted)
        args.notices.append(
            f"train: {n} audio file(s) of '{args.data_dir}' are not in "
            f"'{args.labels}' and are left out: {', '.join(table.unlisted[:5])}"
            + (f" and {n - 5} more" if n > 5 else "")
        )
    task = table.task(args.task)
    paths, y, _ = table.split("train", task)
    if y is None:
        what = "genre" if task == "genre" else "emotion values"
        raise CLIError(
            f"labels CSV '{args.labels}': the clips of split 'train' have no "
            f"{what} (every clip of the split needs them to train)"
        )
    import numpy as np

    y = np.asarray(y, dtype=str if task == "genre" else float)
    names = table.target_names if task == "emotion" else None
    return paths, y, task, names, Path(args.labels)


def _read_lab(args):
    """(X, y, task, target_names, labels file) of a lab folder's train split."""
    task = args.task or lab_task(args.data_dir)
    labels_file = Path(args.data_dir) / "train_labels.txt"
    if task is None:
        raise CLIError(
            f"'{labels_file}' does not exist: training needs labels (Id<TAB>Genre "
            "or Id,<target>,...); point DATA_DIR at a folder written by 'extract' "
            "with --labels, such as OUT_DIR/genre_beat"
        )
    bunch = _load_split(args.data_dir, task, "train", args.feature or "fused")
    names = list(bunch.target_names) if task == "emotion" else None
    return bunch.data, bunch.target, task, names, labels_file
