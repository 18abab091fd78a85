"""``spectroclf predict model.pkl DATA_DIR``: write a submission file
(``Id,Genre`` or ``Id,<targets>``)."""

import csv
from pathlib import Path

from ._common import CLIError, _add_command, _load_split, _say

EPILOG = """\
Writes one line per file of DATA_DIR/SPLIT/, comma-separated: header Id,Genre
(genre models) or Id,<target names> (emotion models); Id is the file name,
e.g. 123.fused.full.npy.gz. Labels are not needed.

examples:
  spectroclf predict genre.pkl lab/genre_beat -o solution.txt
  spectroclf predict emotion.pkl lab/multitask_beat --split test -o emotion.txt
"""


def add_parser(subparsers, common):
    p = _add_command(
        subparsers,
        "predict",
        common,
        epilog=EPILOG,
        help="predict every file of a split and write a submission file",
        description="Predict the files of DATA_DIR/SPLIT with a model saved by "
        "'spectroclf train' and write the lab's submission format.",
    )
    p.add_argument(
        "model", metavar="MODEL.pkl", help="model saved by 'spectroclf train'"
    )
    p.add_argument("data_dir", metavar="DATA_DIR", help="lab-layout data folder")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="SOLUTION",
        help="submission file to write (CSV)",
    )
    p.add_argument(
        "--split", default="test", help="sub-folder to predict (default test)"
    )
    p.set_defaults(func=_cmd_predict)
    return p


def _load_model(path):
    """The dict that 'spectroclf train' saved, checked."""
    import joblib

    from .. import __version__

    path = Path(path)
    if not path.exists():
        raise CLIError(f"model file '{path}' does not exist")
    if not path.is_file():
        raise CLIError(f"model file '{path}' is not a file")
    try:
        bundle = joblib.load(path)
    except Exception as exc:  # pickle raises many types on foreign files
        raise CLIError(
            f"'{path}' is not a spectroclf model file (it could not be unpickled: "
            f"{type(exc).__name__}); train one with 'spectroclf train ... -o {path.name}'"
        ) from exc
    keys = {"model", "task", "feature", "target_names"}
    if not isinstance(bundle, dict) or not keys <= set(bundle):
        raise CLIError(
            f"'{path}' is not a spectroclf model file (it holds a "
            f"{type(bundle).__name__}, not what 'spectroclf train' saves)"
        )
    saved = bundle.get("spectroclf_version")
    if saved != __version__:
        _say(
            f"spectroclf: warning: '{path}' was saved by spectroclf {saved}; "
            f"this is {__version__}"
        )
    return bundle


def _cmd_predict(args):
    bundle = _load_model(args.model)
    pipe, task, feature = bundle["model"], bundle["task"], bundle["feature"]
    n_bins = bundle.get("n_bins") or pipe[-1].n_features_in_
    bunch = _load_split(args.data_dir, task, args.split, feature)
    X = bunch.data
    if X[0].shape[1] != n_bins:
        raise CLIError(
            f"model '{args.model}' expects {n_bins} bins per frame (feature "
            f"{feature!r}) but '{bunch.filenames[0]}' gives {X[0].shape[1]}"
        )
    _say(
        f"predict: {len(X)} clips of '{Path(args.data_dir) / args.split}' "
        f"({task}, {feature})"
    )
    y_pred = pipe.predict(X)
    ids = [Path(f).name for f in bunch.filenames]
    if task == "genre":
        rows = [["Id", "Genre"]] + [
            [i, str(p)] for i, p in zip(ids, y_pred, strict=True)
        ]
    else:
        y_pred = y_pred.reshape(len(ids), -1)
        rows = [["Id", *bundle["target_names"]]] + [
            [i, *(f"{v:.6f}" for v in row)] for i, row in zip(ids, y_pred, strict=True)
        ]
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    print(f"wrote {len(ids)} predictions to {out}")
    return 0
