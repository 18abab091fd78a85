"""``spectroclf tag AUDIO...``: the top musicnn tags of each clip."""

from pathlib import Path

from ._common import _add_command, _plural, _positive_int, _say

EPILOG = """\
Prints the most likely tags of each clip from a pretrained musicnn
(probabilities averaged over the clip's 3-s patches). A file that cannot be
read is reported (with its position among the AUDIO arguments, from 1) after
the others are tagged, and the exit status is then 1.

examples:
  spectroclf tag song.ogg
  spectroclf tag *.ogg --model MTT_musicnn --top 5
"""


def add_parser(subparsers, common):
    p = _add_command(
        subparsers,
        "tag",
        common,
        epilog=EPILOG,
        help="top musicnn tags of audio clips",
        description="Print the most likely tags of each audio file.",
    )
    p.add_argument("audio", nargs="+", metavar="AUDIO", help="audio files")
    p.add_argument(
        "--model",
        choices=["MSD_musicnn", "MTT_musicnn"],
        default="MSD_musicnn",
        help="pretrained network (default MSD_musicnn)",
    )
    p.add_argument(
        "--top",
        type=_positive_int,
        default=5,
        metavar="N",
        help="tags per clip (default 5)",
    )
    p.set_defaults(func=_cmd_tag)
    return p


def _not_audio(path):
    """Why ``path`` is not something to tag (None: try it)."""
    name = Path(path).name
    if name.endswith((".npy", ".npy.gz")):
        return (
            "it is a spectrogram (a .npy array, e.g. from 'spectroclf extract'), "
            "not audio; tag reads audio files (ogg, wav, mp3, flac)"
        )
    if not Path(path).exists():
        return "it does not exist"
    if Path(path).is_dir():
        return "it is a folder; give the audio files (e.g. folder/*.ogg)"
    return None


def _cmd_tag(args):
    from ..musicnn import predict_tags

    paths = list(args.audio)
    failed = {i: why for i, p in enumerate(paths) if (why := _not_audio(p))}
    todo = [i for i in range(len(paths)) if i not in failed]
    tags = {}
    if todo:
        try:  # one pass over every file
            batch = predict_tags([paths[i] for i in todo], model=args.model, top_n=args.top)
            tags = dict(zip(todo, batch, strict=True))
        except (ValueError, OSError):  # some file is bad: one at a time, to name it
            for i in todo:
                try:
                    tags[i] = predict_tags([paths[i]], model=args.model, top_n=args.top)[0]
                except (ValueError, OSError) as exc:
                    failed[i] = str(exc)
    for i in sorted(tags):
        print(f"{paths[i]}: " + ", ".join(f"{t} ({p:.2f})" for t, p in tags[i]))
    if not failed:
        return 0
    for i in sorted(failed):
        _say(f"spectroclf: error: AUDIO {i + 1} '{paths[i]}': {failed[i]}")
    _say(
        f"spectroclf: error: tagged {len(tags)} of {_plural(len(paths), 'file')}; "
        f"{len(failed)} could not be read"
    )
    return 1
