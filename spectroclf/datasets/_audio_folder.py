"""Audio files -> the lab layout: :func:`extract_lab_layout`, the library side of
``spectroclf extract``.

A folder of audio files, and optionally a labels CSV (one row per clip: id,
genre, split, emotion values), become lab-layout folders of fused
spectrograms, full-length and beat-synced, with their labels files.
"""

import csv
import os
import re
import shutil
import time
import warnings
from pathlib import Path
from typing import NamedTuple

from joblib import Parallel, delayed
from sklearn.utils import Bunch

from .. import features
from .._io import atomic_write
from ._folder import _leading_id, _natural_key
from ._lab import write_lab_layout

AUDIO_SUFFIXES = (".ogg", ".wav", ".mp3", ".flac")
SUFFIX = ".fused.full.npy.gz"
_INT_RE = re.compile(r"[+-]?\d+")

#: (full-length folder, beat-synced folder) of each kind of labels
_FOLDERS = {
    None: ("full", "beat"),
    "genre": ("genre", "genre_beat"),
    "multitask": ("multitask", "multitask_beat"),
}


class _Clip(NamedTuple):
    """One row of the clip table."""

    id: str
    path: Path
    split: str
    genre: str | None  # None: no genre label
    target: list | None  # emotion values, or None: unlabelled


def _list_audio(audio_dir):
    """``audio_dir`` -> {id: path}; the id is the file name up to its first '.'."""
    d = Path(audio_dir)
    if not d.exists():
        raise FileNotFoundError(f"audio folder '{d}' does not exist")
    if not d.is_dir():
        raise NotADirectoryError(
            f"'{d}' is not a folder; audio_dir must be a folder of audio files"
        )
    files = sorted(
        p
        for p in d.iterdir()
        if p.suffix.lower() in AUDIO_SUFFIXES
        and not p.name.startswith(".")
        and p.is_file()
    )
    if not files:
        raise ValueError(
            f"audio folder '{d}' holds no audio files "
            f"(looked for {', '.join('*' + s for s in AUDIO_SUFFIXES)})"
        )
    by_id = {}
    for p in files:
        sid = _leading_id(p.name)
        if any(c in sid for c in ",\t\r\n"):
            raise ValueError(
                f"audio file '{p}': its id {sid!r} holds a comma, TAB or newline, "
                "which the labels files cannot hold; rename the file"
            )
        if sid in by_id:
            raise ValueError(
                f"audio files '{by_id[sid].name}' and '{p.name}' in '{d}' share the id "
                f"{sid!r} (the name up to its first '.'); keep one file per id"
            )
        by_id[sid] = p
    return by_id


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _target_columns(path, header, cells, skip, targets):
    """Indices of the emotion columns: those named, or every column of decimals.

    Returns ``(columns, ignored)``, ``ignored`` describing the columns passed
    over (empty when ``targets`` names the columns).
    """
    if targets is not None:
        missing = [t for t in targets if t not in header]
        if missing:
            raise ValueError(
                f"target column(s) {missing} are not in labels CSV '{path}' "
                f"(columns: {', '.join(header)})"
            )
        return [header.index(t) for t in targets], []
    columns, ignored = [], []
    for j, name in enumerate(header):
        if j in skip:
            continue
        values = [v for v in cells[j] if v]
        if not values:
            ignored.append(f"{name!r} (empty)")
        elif not all(_is_float(v) for v in values):
            ignored.append(f"{name!r} (not numbers)")
        elif all(_INT_RE.fullmatch(v) for v in values):
            ignored.append(f"{name!r} (integers, e.g. counts)")
        else:
            columns.append(j)
    return columns, ignored


def _read_clip_table(csv_path, audio, targets, notify):
    """Read the labels CSV.

    Returns ``(clips, target_names, has_genre)``: a list of :class:`_Clip`,
    the emotion column names, and whether the CSV has a 'genre' column.
    """
    path = Path(csv_path)
    if not path.is_file():
        raise FileNotFoundError(f"labels CSV '{path}' does not exist")
    with open(path, newline="", encoding="utf-8-sig") as f:
        table = [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
    if not table:
        raise ValueError(f"labels CSV '{path}' is empty; expected a header line")
    header = [h.strip() for h in table[0]]
    rows = table[1:]
    if not rows:
        raise ValueError(
            f"labels CSV '{path}' has a header ({', '.join(header)}) but no rows; "
            "add one line per audio file (or leave out the labels CSV to extract "
            "every audio file unlabelled)"
        )
    lower = [h.lower() for h in header]
    for lineno, row in enumerate(rows, 2):
        if len(row) != len(header):
            raise ValueError(
                f"labels CSV '{path}' line {lineno}: {len(row)} fields, but the header "
                f"has {len(header)} ({', '.join(header)})"
            )
    if "id" not in lower:
        raise ValueError(
            f"labels CSV '{path}' has no 'id' column (columns: {', '.join(header)}); "
            "it needs 'id' (the audio file name without extension) and 'genre', "
            "'split' and/or float emotion columns"
        )
    col = {
        name: lower.index(name) for name in ("id", "genre", "split") if name in lower
    }
    cells = {j: [row[j].strip() for row in rows] for j in range(len(header))}
    target_cols, ignored = _target_columns(
        path, header, cells, set(col.values()), targets
    )
    if ignored:
        notify(
            f"ignoring column(s) {', '.join(ignored)} of '{path}'; "
            "choose the emotion columns with targets=[...]"
        )
    if "genre" not in col and not target_cols:
        raise ValueError(
            f"labels CSV '{path}' has no label columns (columns: {', '.join(header)}); "
            "expected 'genre' and/or float emotion columns"
        )

    clips, seen = [], {}
    for i, lineno in enumerate(range(2, len(rows) + 2)):
        sid = cells[col["id"]][i]
        if not sid:
            raise ValueError(f"labels CSV '{path}' line {lineno}: empty id")
        if sid in seen:
            raise ValueError(
                f"labels CSV '{path}' line {lineno}: duplicate id {sid!r} "
                f"(first on line {seen[sid]})"
            )
        seen[sid] = lineno
        split = cells[col["split"]][i] if "split" in col else "train"
        if not split or any(c in split for c in "/\\.") or split.endswith("_labels"):
            raise ValueError(
                f"labels CSV '{path}' line {lineno}: split {split!r} is not a plain "
                "folder name such as 'train' or 'test'"
            )
        genre = (cells[col["genre"]][i] or None) if "genre" in col else None
        values = [cells[j][i] for j in target_cols]
        bad = [
            header[j]
            for j, v in zip(target_cols, values, strict=True)
            if not _is_float(v)
        ]
        if any(values) and bad:
            raise ValueError(
                f"labels CSV '{path}' line {lineno} (id {sid!r}): column(s) "
                f"{bad} are empty or not numbers; give all emotion values of "
                "a clip or none"
            )
        target = [float(v) for v in values] if any(values) else None
        clips.append(_Clip(sid, audio.get(sid), split, genre, target))

    unmatched = [c.id for c in clips if c.path is None]
    if unmatched:
        shown = ", ".join(repr(s) for s in unmatched[:10])
        more = f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else ""
        raise FileNotFoundError(
            f"{len(unmatched)} id(s) of labels CSV '{path}' match no audio file: "
            f"{shown}{more} (an id is the audio file name without extension)"
        )
    extra = sorted(set(audio) - set(seen), key=_natural_key)
    if extra:
        shown = ", ".join(audio[s].name for s in extra[:5])
        more = f" and {len(extra) - 5} more" if len(extra) > 5 else ""
        notify(f"{len(extra)} audio file(s) not in '{path}' are skipped: {shown}{more}")

    # a split's labels: every clip labelled, or none (an unlabelled test split)
    for what, field in (("genre", "genre"), ("emotion values", "target")):
        for split in sorted({c.split for c in clips}):
            part = [c for c in clips if c.split == split]
            missing = [c.id for c in part if getattr(c, field) is None]
            if missing and len(missing) < len(part):
                raise ValueError(
                    f"labels CSV '{path}': {len(missing)} clip(s) of split {split!r} "
                    f"have no {what} ({', '.join(missing[:5])}), the others do; label "
                    "every clip of a split, or none (an unlabelled split)"
                )
    return clips, [header[j] for j in target_cols], "genre" in col


def _said(caught):
    """The distinct messages of caught warnings meant for users (not deprecations)."""
    return list(dict.fromkeys(
        str(w.message) for w in caught
        if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))
    ))


def _extract_clip(path, sid, split, full_dir, beat_dir):
    """Worker: one audio file -> full-length and beat-synced arrays on disk.

    Returns ``(error message or None, notices, seconds)``; the messages name
    the file (librosa's warnings are caught and returned as notices).
    """
    from librosa.util.exceptions import ParameterError

    start = time.perf_counter()
    notices = []
    # librosa's warnings name no file: caught here and said with the clip's name
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            y = features.load_audio(path)
            S = features.fused_spectrogram(y=y)
            S_beat = features.beat_sync(S, features.beat_frames(y=y))
            # full-length first: a clip counts as done once its beat-synced file exists
            write_lab_layout(full_dir, [S], [sid], split=split, suffix=SUFFIX)
            write_lab_layout(beat_dir, [S_beat], [sid], split=split, suffix=SUFFIX)
        except (ValueError, OSError, ParameterError) as exc:
            message = str(exc)
            if str(path) not in message:  # librosa's messages name no file
                message = f"audio file '{path}': {message}"
            said = _said(caught)
            if said:  # e.g. a clip too short for the FFT window
                message += f" (librosa warned: {said[0]})"
            return message, notices, time.perf_counter() - start
    said = _said(caught)
    if said:
        more = f" (and {len(said) - 1} more warning(s))" if len(said) > 1 else ""
        notices.append(f"audio file '{path}': {said[0]}{more}")
    if len(S_beat) <= 1:
        notices.append(
            f"audio file '{path}': beat tracking found no beats, so its "
            f"beat-synced array has {len(S_beat)} frame (the whole clip in one); "
            "a pure tone or silence? Its full-length array is as usual"
        )
    return None, notices, time.perf_counter() - start


def _link_split(target, link):
    """``link`` -> ``target`` as a relative symbolic link (a copy if links fail)."""
    if link.is_symlink():
        return
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.symlink(
                os.path.relpath(target, link.parent), link, target_is_directory=True
            )
            return
        except OSError:
            pass
    shutil.copytree(target, link, dirs_exist_ok=True)


def _labels_text(kind, clips, target_names):
    """The bytes of one split's labels file, or None for an unlabelled split."""
    if kind == "genre" and clips[0].genre is not None:
        lines = ["Id\tGenre"] + [f"{c.id}{SUFFIX}\t{c.genre}" for c in clips]
    elif kind == "multitask" and clips[0].target is not None:
        lines = ["Id," + ",".join(target_names)] + [
            c.id + "," + ",".join(repr(v) for v in c.target) for c in clips
        ]
    else:
        return None
    return ("\n".join(lines) + "\n").encode()


def extract_lab_layout(
    audio_dir, out_dir, *, clips=None, targets=None, n_jobs=1, callback=None
):
    """Extract fused spectrograms of audio files into the lab layout.

    Every audio file (``.ogg``, ``.wav``, ``.mp3``, ``.flac``) of
    ``audio_dir`` gets a fused spectrogram (128 log-mel + 12 chroma bins),
    full-length and beat-synced, stored as an ``np.save``'d float32
    ``(140, n_frames)`` array in gzip at ``<folder>/<split>/<id>.fused.full.npy.gz``,
    ``<id>`` being the file name up to its first ``.``, in these folders of
    ``out_dir``:

    - without ``clips``: ``full/train`` and ``beat/train``, unlabelled;
    - ``clips`` with a 'genre' column: ``genre/<split>`` and
      ``genre_beat/<split>``, with ``<split>_labels.txt`` files
      (``Id<TAB>Genre``);
    - ``clips`` with emotion columns: ``multitask/<split>`` and
      ``multitask_beat/<split>``, with ``<split>_labels.txt`` files
      (``Id,<target_names>``).

    With both genre and emotion columns the ``multitask*/<split>`` folders
    are relative symbolic links to ``genre*/<split>`` (copies where links
    fail). A split whose clips have no genre (or no emotion values) gets no
    labels file, like the lab's test split. Read the folders back with
    :func:`load_genre_spectrograms` and :func:`load_multitask_spectrograms`.

    Extraction resumes: a clip whose two arrays exist is not extracted again
    (files are written atomically). A clip that cannot be decoded is left
    out of the layout and reported in ``failed``; the others are written.

    Parameters
    ----------
    audio_dir : str or path-like
        Folder of audio files.
    out_dir : str or path-like
        Output folder (created if needed).
    clips : str or path-like, optional
        Labels CSV with one row per clip and a header line: column ``id``
        (required: the audio file name without extension), ``genre`` and
        ``split`` (optional; default ``"train"``), and emotion columns
        (empty cells: an unlabelled clip). Audio files not listed are
        skipped. Without it every audio file goes to ``full``/``beat``,
        split ``train``, unlabelled.
    targets : list of str, optional
        The emotion columns of ``clips``. Default: every column of decimal
        numbers other than id, genre and split (columns of integers, such as
        counts, are ignored with a notice).
    n_jobs : int, default=1
        Clips extracted in parallel (joblib; -1: all cores).
    callback : callable, optional
        Progress reports, called as ``callback(event, info)`` with ``info`` a
        dict:

        - ``"notice"``, ``{"message"}``: an ignored column or a skipped
          audio file (without a callback, a :class:`UserWarning`);
        - ``"start"``, ``{"n_clips", "n_done", "n_todo"}``: before
          extracting; ``n_done`` clips were extracted by an earlier run;
        - ``"clip"``, ``{"index", "n_todo", "id", "path", "error",
          "seconds"}``: after each clip extracted (``error`` is None or the
          message of a failed clip).

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        out_dir : pathlib.Path
            The output folder.
        folders : dict of str -> Bunch
            Each folder written (``"genre"``, ``"genre_beat"``, ...; none
            when no clip could be written): ``path`` (pathlib.Path),
            ``beat_synced`` (bool) and ``labels`` (dict split -> path of
            its labels file, for the labelled splits).
        splits : list of str
            The splits written, sorted.
        ids : dict of str -> list of str
            The ids of each split in the layout, in natural order.
        target_names : list of str
            The emotion columns (empty without emotion values).
        n_extracted : int
            Clips extracted by this call.
        n_kept : int
            Clips found already extracted, and kept.
        failed : dict of str -> str
            Id -> error message of each clip that could not be extracted.

    Raises
    ------
    FileNotFoundError
        If ``audio_dir`` or ``clips`` does not exist, or an id of ``clips``
        matches no audio file.
    ValueError
        If ``audio_dir`` holds no audio files or two files share an id, or a
        row of ``clips`` is malformed (the message names the file and line).

    See Also
    --------
    write_lab_layout : Write spectrograms already in memory.

    Examples
    --------
    >>> from spectroclf.datasets import extract_lab_layout, load_genre_spectrograms
    >>> result = extract_lab_layout(
    ...     "emotify/audio", "emotify-lab", clips="emotify/metadata.csv", n_jobs=2
    ... )  # doctest: +SKIP
    >>> result.splits  # doctest: +SKIP
    ['test', 'train']
    >>> load_genre_spectrograms(result.folders["genre_beat"].path)  # doctest: +SKIP
    """
    audio = _list_audio(audio_dir)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"out_dir '{out}' exists and is not a folder")
    if isinstance(targets, str):
        targets = [targets]

    def notify(message):
        if callback is None:
            warnings.warn(message, UserWarning, stacklevel=4)
        else:
            callback("notice", {"message": message})

    if clips is None:
        if targets is not None:
            raise ValueError("targets needs clips, the labels CSV")
        table = [_Clip(sid, p, "train", None, None) for sid, p in audio.items()]
        target_names, kinds = [], [None]
    else:
        table, target_names, has_genre = _read_clip_table(clips, audio, targets, notify)
        kinds = (["genre"] if has_genre else []) + (
            ["multitask"] if target_names else []
        )
    table.sort(key=lambda c: (c.split, _natural_key(c.id)))
    full_dir, beat_dir = (out / name for name in _FOLDERS[kinds[0]])

    def done(c):
        return all(
            (d / c.split / f"{c.id}{SUFFIX}").is_file() for d in (full_dir, beat_dir)
        )

    todo = [c for c in table if not done(c)]
    report = callback or (lambda event, info: None)
    report(
        "start",
        {"n_clips": len(table), "n_done": len(table) - len(todo), "n_todo": len(todo)},
    )
    failed = {}
    if todo:
        jobs = (
            delayed(_extract_clip)(str(c.path), c.id, c.split, full_dir, beat_dir)
            for c in todo
        )
        results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
        for i, (c, (error, notices, seconds)) in enumerate(
            zip(todo, results, strict=True), 1
        ):
            if error is not None:
                failed[c.id] = error
            for notice in notices:
                notify(notice)
            info = {"index": i, "n_todo": len(todo), "id": c.id, "path": c.path}
            report("clip", {**info, "error": error, "seconds": seconds})

    # labels files list the clips whose arrays exist (failures excluded)
    ok = [c for c in table if c.id not in failed and done(c)]
    splits = sorted({c.split for c in ok})
    ids = {s: [c.id for c in ok if c.split == s] for s in splits}
    for kind in kinds:
        for split in splits:
            part = [c for c in ok if c.split == split]
            data = _labels_text(kind, part, target_names)
            for name, source in zip(_FOLDERS[kind], (full_dir, beat_dir), strict=True):
                if out / name != source:  # shares the first kind's arrays
                    _link_split(source / split, out / name / split)
                if data is not None:
                    atomic_write(
                        out / name / f"{split}_labels.txt",
                        lambda f, data=data: f.write(data),
                    )

    folders = {}
    for kind in kinds if splits else []:
        for name, beat_synced in zip(_FOLDERS[kind], (False, True), strict=True):
            labels = {s: out / name / f"{s}_labels.txt" for s in splits}
            folders[name] = Bunch(
                path=out / name,
                beat_synced=beat_synced,
                labels={s: p for s, p in labels.items() if p.is_file()},
            )
    return Bunch(
        out_dir=out,
        folders=folders,
        splits=splits,
        ids=ids,
        target_names=target_names,
        n_extracted=len(todo) - len(failed),
        n_kept=len(table) - len(todo),
        failed=dict(sorted(failed.items(), key=lambda kv: _natural_key(kv[0]))),
    )
