"""One split folder of the lab layout: its spectrogram files by id (links and
placeholders followed, ids in natural order), and its labels file, parsed and
matched to the files by id."""

import os
import re
import warnings
from pathlib import Path, PurePath

import numpy as np

from ._storage import as_path, where

_SPECTROGRAM_SUFFIXES = (".npy", ".npy.gz")


def _follow_placeholder(path):
    """Follow git's text-file stand-ins for symbolic links to directories."""
    path = as_path(path)
    if not isinstance(path, Path):  # a URL: object stores have no such stand-ins
        return path
    for _ in range(8):
        if path.is_dir() or not path.is_file():
            return path
        try:
            if path.stat().st_size > 1024:
                return path
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return path
        if not text or "\n" in text or "\0" in text:
            return path
        target = Path(os.path.normpath(path.parent / text))
        if not (target.is_dir() or target.is_file()):
            return path
        path = target
    return path


def _leading_id(name):
    return PurePath(name).name.split(".", 1)[0]


def _natural_key(sample_id):
    """Numeric ids by value, others by natural (digit-aware) order."""
    if sample_id.isdigit():
        return (0, int(sample_id), sample_id)
    parts = re.split(r"(\d+)", sample_id)
    return (
        1,
        tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p),
        sample_id,
    )


def _is_spectrogram_file(p):
    return (
        not p.name.startswith(".")
        and p.name.endswith(_SPECTROGRAM_SUFFIXES)
        and p.is_file()
    )


def _list_split(data_dir, split):
    """-> (resolved data_dir, split folder, {id: path}) with checks."""
    if not isinstance(split, str) or not split:
        raise ValueError(
            f"split must be a non-empty str such as 'train', got {split!r}"
        )
    given = as_path(data_dir)  # a Path, or a URL read through fsspec
    data_dir = _follow_placeholder(given)
    if not data_dir.exists():
        raise FileNotFoundError(
            f"data_dir '{given}' does not exist{where()}; expected a folder holding "
            "train/, test/ and <split>_labels.txt"
        )
    if not data_dir.is_dir():
        raise NotADirectoryError(f"data_dir '{given}' is not a folder")
    split_dir = _follow_placeholder(data_dir / split)
    if not split_dir.is_dir():
        found = sorted(
            p.name for p in data_dir.iterdir() if _follow_placeholder(p).is_dir()
        )
        raise FileNotFoundError(
            f"split folder '{data_dir / split}' does not exist; "
            f"folders in '{data_dir}': {found}"
        )
    files = {}
    for p in sorted(split_dir.iterdir()):
        if not _is_spectrogram_file(p):
            continue
        sid = _leading_id(p.name)
        if not sid:
            raise ValueError(f"spectrogram file '{p}' has no id before its first '.'")
        if sid in files:
            raise ValueError(
                f"duplicate id {sid!r} in '{split_dir}': files '{files[sid].name}' "
                f"and '{p.name}' (files are matched to labels by the part of the "
                "name before the first '.'; keep one file per id)"
            )
        files[sid] = p
    return data_dir, split_dir, files


def _read_labels(path):
    """Parse a labels file -> (header, [(lineno, fields)]); separator sniffed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"labels file '{path}' is not UTF-8 text ({exc})") from exc
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ValueError(
            f"labels file '{path}' is empty; expected a header line "
            "('Id<TAB>Genre' or 'Id,<target>,...') and one line per file"
        )
    header_line = lines[start]
    if "\t" in header_line:
        sep, sep_name = "\t", "TAB"
    elif "," in header_line:
        sep, sep_name = ",", "comma"
    else:
        raise ValueError(
            f"labels file '{path}' line {start + 1}: header {header_line!r} has "
            "neither a TAB nor a comma; expected 'Id<TAB>Genre' or 'Id,<target>,...'"
        )
    header = [h.strip() for h in header_line.split(sep)]
    if any(not h for h in header):
        raise ValueError(
            f"labels file '{path}' line {start + 1}: empty column name in header "
            f"{header_line!r}"
        )
    first = header[0]
    if ".npy" in first or re.fullmatch(r"[+-]?\d+(\.\d*)?", first):
        raise ValueError(
            f"labels file '{path}' has no header line: line {start + 1} "
            f"{header_line!r} looks like data; add a header such as "
            "'Id<TAB>Genre' or 'Id,<target>,...'"
        )
    rows = []
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(sep)]
        if len(fields) != len(header):
            raise ValueError(
                f"labels file '{path}' line {i + 1}: expected {len(header)} "
                f"{sep_name}-separated fields ({', '.join(header)}), got "
                f"{len(fields)}: {line!r}"
            )
        if not fields[0] or not _leading_id(fields[0]):
            raise ValueError(f"labels file '{path}' line {i + 1}: empty Id in {line!r}")
        rows.append((i + 1, fields))
    return header, rows


def _match_labels(labels_path, rows, files, split_dir):
    """Match label rows to files by leading id -> {id: (lineno, fields)}."""
    by_id = {}
    for row in rows:
        lineno, fields = row[0], row[1]
        sid = _leading_id(fields[0])
        if sid in by_id:
            raise ValueError(
                f"labels file '{labels_path}' line {lineno}: duplicate id {sid!r} "
                f"({fields[0]!r}; first seen on line {by_id[sid][0]})"
            )
        by_id[sid] = row
    missing = [(by_id[s][0], by_id[s][1][0]) for s in by_id if s not in files]
    if missing:
        shown = ", ".join(f"{name!r} (line {ln})" for ln, name in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise FileNotFoundError(
            f"labels file '{labels_path}' lists {len(missing)} file(s) absent from "
            f"'{split_dir}': {shown}{more}; every labelled id needs a "
            "'<id>.npy' or '<id>.*.npy.gz' file"
        )
    unlabelled = sorted((s for s in files if s not in by_id), key=_natural_key)
    if unlabelled:
        shown = ", ".join(files[s].name for s in unlabelled[:5])
        more = f" and {len(unlabelled) - 5} more" if len(unlabelled) > 5 else ""
        warnings.warn(
            f"{len(unlabelled)} file(s) in '{split_dir}' have no entry in "
            f"'{labels_path}' and are skipped: {shown}{more}",
            UserWarning,
            stacklevel=4,
        )
    return by_id


def _parse_genres(labels_path, header, rows):
    if len(header) != 2:
        raise ValueError(
            f"labels file '{labels_path}' has {len(header)} columns "
            f"({', '.join(header)}); genre labels need 2 (Id, Genre). "
            "For float regression targets use load_multitask_spectrograms"
        )
    for lineno, fields in rows:
        if not fields[1]:
            raise ValueError(
                f"labels file '{labels_path}' line {lineno}: empty genre for "
                f"{fields[0]!r}"
            )
    return [fields[1] for _, fields in rows]


def _parse_targets(labels_path, header, rows):
    names = header[1:]
    values = []
    for lineno, fields in rows:
        row = []
        for name, value in zip(names, fields[1:], strict=True):
            try:
                v = float(value)
            except ValueError:
                raise ValueError(
                    f"labels file '{labels_path}' line {lineno}: column "
                    f"{name!r} value {value!r} is not a number; multitask targets "
                    "must be floats (for genre labels use load_genre_spectrograms)"
                ) from None
            if not np.isfinite(v):
                raise ValueError(
                    f"labels file '{labels_path}' line {lineno}: column "
                    f"{name!r} value {value!r} is not finite"
                )
            row.append(v)
        values.append(row)
    return values
