"""What the commands share: the help formatter, the error type, stderr lines,
argument types and the lab-folder loader."""

import argparse
import sys


class _Formatter(argparse.HelpFormatter):
    """Wrap one-line descriptions; print multi-line epilogs (examples) as written."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class CLIError(Exception):
    """An input problem reported as one ``spectroclf: error:`` line (exit 2)."""


def _say(*parts):
    """A progress or notice line on stderr."""
    print(*parts, file=sys.stderr, flush=True)


def _int(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _float(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _positive_int(text):
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _n_jobs(text):
    value = _int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be >= 1, or -1 for all cores")
    return value


def _add_command(subparsers, name, common, **kwargs):
    """A subcommand's parser, with ``--debug`` and the examples formatter."""
    return subparsers.add_parser(
        name, parents=[common], formatter_class=_Formatter, **kwargs
    )


def _check_device(device):
    """--device cuda on a machine without CUDA, in the command's words."""
    if device == "cuda":
        from ..utils import resolve_device

        try:
            resolve_device(device, name="--device")
        except ValueError as exc:
            raise CLIError(str(exc)) from None


def _case_clashes(labels, keep=lambda group: True):
    """Labels that differ only in case, as ``"'Rock' / 'rock', ..."`` ('' if
    none); ``keep(group)`` selects the groups to name."""
    groups = {}
    for label in dict.fromkeys(str(x) for x in labels):
        groups.setdefault(label.casefold(), []).append(label)
    clashes = [sorted(g) for g in groups.values() if len(g) > 1 and keep(set(g))]
    return ", ".join(" / ".join(map(repr, g)) for g in clashes)


def _plural(n, word):
    """``1 clip``, ``2 clips``."""
    return f"{n} {word}" + ("" if n == 1 else "s")


#: the loaders' Python advice -> the command's option
_LOADER_WORDS = (
    ("use load_multitask_spectrograms", "use --task emotion"),
    ("use load_genre_spectrograms", "use --task genre"),
)


def _load_split(data_dir, task, split, feature):
    """One split of a lab folder: genre labels or emotion targets."""
    from ..datasets import load_genre_spectrograms, load_multitask_spectrograms

    loader = load_genre_spectrograms if task == "genre" else load_multitask_spectrograms
    try:
        return loader(data_dir, split=split, feature=feature)
    except ValueError as exc:
        message = str(exc)
        for library, command in _LOADER_WORDS:
            message = message.replace(library, command)
        if message == str(exc):
            raise
        raise CLIError(message) from exc


def _check_output(path, option="-o"):
    """The path of an output file, refused when its folder does not exist.

    The command never creates folders for ``-o``: a typo in the folder name
    would otherwise leave a new folder anywhere on the disk.
    """
    from pathlib import Path

    out = Path(path)
    if out.is_dir():
        raise CLIError(
            f"{option} '{out}' is a folder; give a file name such as "
            f"'{out / 'model.pt'}'"
        )
    parent = out.parent
    if not parent.is_dir():
        raise CLIError(
            f"{option} '{out}': the folder '{parent}' does not exist (spectroclf "
            "creates no folders for its output files); create it first "
            f"(mkdir -p '{parent}') or choose another path"
        )
    return out


def _pct(fraction):
    return f"{100 * fraction:g}%"


def _fraction(text):
    value = _float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 0 and below 1 (0: no validation split), got {value}"
        )
    return value


def _positive_float(text):
    value = _float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def _channels(text):
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of integers such as 16,32,64,64"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"channels must be positive, got {text!r}")
    return values


def _at_least_two(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"must be 2 or more (K folds, each held out once), got {value}"
        )
    return value
