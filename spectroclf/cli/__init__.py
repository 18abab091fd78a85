"""The ``spectroclf`` command line: a thin layer of argparse over the public API.

Subcommands, one private module each::

    spectroclf extract AUDIO_DIR OUT_DIR    audio files -> lab-layout spectrograms
    spectroclf train DATA_DIR -o model.pt   fit musicnn (audio + --labels CSV) or a
                                            CNN/LSTM (lab folder), report, save it
    spectroclf predict model.pt DATA_DIR    write a submission file (Id,Genre | Id,<targets>)
    spectroclf demo                         synthetic music -> LSTM genre classifier
    spectroclf tag AUDIO...                 top musicnn tags of each clip

Shared helpers: ``_common`` (errors, argument types, output paths), ``_data``
(audio folders, labels CSVs, lab folders; standard library only, so input
errors come before torch is imported) and ``_report`` (the printed scores).

``main(argv)`` returns the exit status: 0 on success, 1 when ``extract`` or
``tag`` could not read some clips (each named; the others are done), 2 on a
usage or input error, reported as one line ``spectroclf: error: ...`` on
stderr (``--debug`` shows the traceback instead).
"""

import argparse
import sys
import warnings

from .. import __version__
from . import _demo, _extract, _predict, _tag, _train
from ._common import CLIError, _say

__all__ = ["main", "build_parser"]

_COMMANDS = (_extract, _train, _predict, _demo, _tag)


def build_parser():
    """The argparse parser of the ``spectroclf`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        One subparser per command; the parsed namespace's ``func`` runs it.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    parser = argparse.ArgumentParser(
        prog="spectroclf",
        description="Genre classification and emotion regression from audio "
        "spectrograms (scikit-learn estimators on skorch).",
        epilog="Run 'spectroclf COMMAND --help' for the options and examples of "
        "each command.",
    )
    parser.add_argument(
        "--version", action="version", version=f"spectroclf {__version__}"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.add_parser(sub, common)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"spectroclf: warning: {message}", file=sys.stderr)


def main(argv=None):
    """Run the ``spectroclf`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 1 when ``extract`` or ``tag`` failed on some clips, 2
        on a usage or input error (one ``spectroclf: error:`` line on stderr).

    Examples
    --------
    >>> from spectroclf.cli import main
    >>> main(["demo", "--n-samples", "40"])  # doctest: +SKIP
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return args.func(args)
        except KeyboardInterrupt:
            _say("spectroclf: interrupted")
            return 130
        except (CLIError, ValueError, OSError) as exc:
            if args.debug:
                raise
            message = str(exc) or type(exc).__name__
            _say(f"spectroclf: error: {message}")
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
