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


def _load_split(data_dir, task, split, feature):
    """One split of a lab folder: genre labels or emotion targets."""
    from ..datasets import load_genre_spectrograms, load_multitask_spectrograms

    loader = load_genre_spectrograms if task == "genre" else load_multitask_spectrograms
    return loader(data_dir, split=split, feature=feature)
