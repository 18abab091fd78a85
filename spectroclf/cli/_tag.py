"""``spectroclf tag AUDIO...``: the top musicnn tags of each clip."""

from ._common import _add_command, _positive_int

EPILOG = """\
Prints the most likely tags of each clip from a pretrained musicnn
(probabilities averaged over the clip's 3-s patches).

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


def _cmd_tag(args):
    from ..musicnn import predict_tags

    tags = predict_tags(args.audio, model=args.model, top_n=args.top)
    for path, clip_tags in zip(args.audio, tags, strict=True):
        print(f"{path}: " + ", ".join(f"{tag} ({p:.2f})" for tag, p in clip_tags))
    return 0
