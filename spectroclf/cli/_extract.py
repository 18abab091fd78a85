"""``spectroclf extract AUDIO_DIR OUT_DIR``: audio files -> lab-layout spectrograms,
over :func:`spectroclf.datasets.extract_lab_layout`."""

import sys
import time
from pathlib import Path

from ._common import CLIError, _add_command, _n_jobs, _plural, _say

EPILOG = """\
output layout (arrays: np.save'd (140, n_frames) float32 in gzip, named
<id>.fused.full.npy.gz, <id> being the audio file name without extension):
  no --labels          OUT_DIR/full/train/       full-length, unlabelled
                       OUT_DIR/beat/train/       beat-synced, unlabelled
  CSV with 'genre'     OUT_DIR/genre/<split>/ + <split>_labels.txt (Id<TAB>Genre)
                       OUT_DIR/genre_beat/<split>/ + <split>_labels.txt
  CSV with emotions    OUT_DIR/multitask/<split>/ + <split>_labels.txt (Id,<targets>)
                       OUT_DIR/multitask_beat/<split>/ + <split>_labels.txt
With both genre and emotion columns, multitask*/<split> are symbolic links to
genre*/<split> (copies where links are not possible). A split whose clips have
no genre (or no emotion values) gets no labels file, like the lab's test set.

labels CSV: column 'id' (required), 'genre' and 'split' (optional; default
train), and emotion columns: every column of decimal numbers, or those named
by --targets (empty cells: an unlabelled clip).

Extraction resumes: clips whose two arrays exist are skipped (files are
written atomically). Undecodable files are reported at the end (exit 1).

examples:
  spectroclf extract music/ lab/
  spectroclf extract emotify/audio emotify-lab --labels emotify/metadata.csv \\
      --n-jobs 2
  spectroclf extract audio/ lab/ --labels clips.csv --targets valence,energy
  spectroclf train emotify-lab/genre_beat --model lstm --feature fused \\
      --task genre -o genre.pt
"""


def add_parser(subparsers, common):
    p = _add_command(
        subparsers,
        "extract",
        common,
        epilog=EPILOG,
        help="audio files -> spectrograms in the lab layout",
        description="Compute fused (128 log-mel + 12 chroma) spectrograms, "
        "full-length and beat-synced, of every audio file (ogg, wav, mp3, flac) "
        "of AUDIO_DIR, and write them in the lab's layout under OUT_DIR.",
    )
    p.add_argument("audio_dir", metavar="AUDIO_DIR", help="folder of audio files")
    p.add_argument(
        "out_dir",
        metavar="OUT_DIR",
        help="output folder (created; the folder above it must exist)",
    )
    p.add_argument(
        "--labels",
        metavar="CSV",
        help="CSV with an 'id' column and 'genre', 'split' and/or emotion columns",
    )
    p.add_argument(
        "--targets",
        metavar="NAMES",
        help="comma-separated emotion columns of the CSV "
        "(default: every column of decimal numbers)",
    )
    p.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="clips extracted in parallel (-1: all cores; default 1)",
    )
    p.add_argument("--verbose", action="store_true", help="one progress line per clip")
    p.add_argument(
        "--quiet", action="store_true", help="no progress lines (notices and errors only)"
    )
    p.set_defaults(func=_cmd_extract)
    return p


def _progress(args):
    """The callback of extract_lab_layout: notices and progress lines on stderr."""
    state = {}

    def callback(event, info):
        if event == "notice":
            _say(f"extract: {_cli_words(info['message'])}")
        elif args.quiet:
            return
        elif event == "start":
            _say(
                f"extract: {info['n_clips']} clip(s) from '{args.audio_dir}', "
                f"{info['n_done']} already done, {info['n_todo']} to extract "
                f"(n_jobs={args.n_jobs})"
            )
            state.update(
                start=time.perf_counter(),
                step=max(1, info["n_todo"] // 10),
                tty=sys.stderr.isatty(),
            )
        elif event == "clip":
            i, n = info["index"], info["n_todo"]
            elapsed = time.perf_counter() - state["start"]
            if args.verbose:
                status = "FAILED" if info["error"] else f"{info['seconds']:.1f} s"
                _say(f"[{i}/{n}] {info['path'].name}: {status}")
            elif state["tty"]:
                print(
                    f"\rextract: {i}/{n} clips ({elapsed:.0f} s)",
                    end="\n" if i == n else "",
                    file=sys.stderr,
                    flush=True,
                )
            elif i % state["step"] == 0 or i == n:
                _say(f"extract: {i}/{n} clips ({elapsed:.0f} s)")

    return callback


#: the library's words for its parameters -> the command's options and
#: arguments (extract_lab_layout names ``audio_dir``, ``out_dir``, ``targets``)
_CLI_WORDS = (
    ("audio_dir must be", "AUDIO_DIR must be"),
    ("out_dir '", "OUT_DIR '"),
    ("target column(s) ", "--targets column(s) "),
    ("with targets=[...]", "with --targets NAMES"),
)


def _cli_words(message):
    """A message of :func:`extract_lab_layout` in the command's words."""
    for library, command in _CLI_WORDS:
        message = message.replace(library, command)
    return message


def _cmd_extract(args):
    from ..datasets import extract_lab_layout

    if args.targets is not None and args.labels is None:
        raise CLIError("--targets needs --labels CSV")
    parent = Path(args.out_dir).absolute().parent
    if not parent.is_dir():
        raise CLIError(
            f"OUT_DIR '{args.out_dir}': the folder '{parent}' does not exist; "
            "extract creates OUT_DIR itself but no folders above it: create it "
            f"first (mkdir -p '{parent}') or choose another OUT_DIR"
        )
    targets = args.targets
    if targets is not None:
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    try:
        result = extract_lab_layout(
            args.audio_dir,
            args.out_dir,
            clips=args.labels,
            targets=targets,
            n_jobs=args.n_jobs,
            callback=_progress(args),
        )
    except (ValueError, OSError) as exc:
        raise CLIError(_cli_words(str(exc))) from exc

    splits = result.splits
    if result.folders:
        # {a,b} is shell brace expansion: only for two splits or more
        split_part = splits[0] if len(splits) == 1 else "{" + ",".join(splits) + "}"
        print(
            f"extracted {_plural(result.n_extracted, 'clip')}, kept "
            f"{result.n_kept} already done, into '{result.out_dir}':"
        )
        for folder in result.folders.values():
            what = "beat-synced" if folder.beat_synced else "full-length"
            labelled = sorted(folder.labels)
            print(
                f"  {folder.path}/{split_part}/  {what} arrays"
                + (
                    f"; labels: {', '.join(s + '_labels.txt' for s in labelled)}"
                    if labelled
                    else "; unlabelled"
                )
            )
    if result.failed:
        for error in result.failed.values():
            _say(f"spectroclf: error: {error}")
        n_failed = len(result.failed)
        n_clips = result.n_extracted + result.n_kept + n_failed
        if result.folders:
            _say(
                f"spectroclf: error: {result.n_extracted + result.n_kept} of "
                f"{_plural(n_clips, 'clip')} written to '{result.out_dir}'; "
                f"{n_failed} failed and {'was' if n_failed == 1 else 'were'} left "
                "out (run the same command again to retry only those)"
            )
        else:
            _say(
                f"spectroclf: error: 0 of {_plural(n_clips, 'clip')} written; "
                f"nothing written to '{result.out_dir}'"
            )
        return 1
    return 0
