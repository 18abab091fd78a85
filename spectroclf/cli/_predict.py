"""``spectroclf predict MODEL DATA_DIR``: write a submission file
(``Id,Genre`` or ``Id,<targets>``)."""

import csv
import zipfile
from pathlib import Path

from ._common import (
    CLIError,
    _add_command,
    _case_clashes,
    _check_device,
    _load_split,
    _say,
)

EPILOG = """\
Writes one line per file of DATA_DIR/SPLIT/, comma-separated: header Id,Genre
(genre models) or Id,<target names> (emotion models); Id is the file name,
e.g. 123.fused.full.npy.gz. Labels are not needed.

MODEL is a model file of 'spectroclf train': spectroclf's pickle-free format,
which runs no code when loaded, so models from others are safe to use. A
pickle (written with 'train --pickle') is refused unless --allow-pickle:
loading a pickle runs code from the file.

Genre predictions are spelled as the training labels were: a model trained
on 'Classical' predicts 'Classical', never 'classical' (a warning says so
when the labels of DATA_DIR differ from the model's only in case).

examples:
  spectroclf predict genre.pt lab/genre_beat -o solution.txt
  spectroclf predict emotion.pt lab/multitask_beat --split test -o emotion.txt
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
    p.add_argument("model", metavar="MODEL", help="model saved by 'spectroclf train'")
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
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="auto: CUDA when available (default)",
    )
    p.add_argument(
        "--allow-pickle",
        action="store_true",
        help="also read a pickled model (from 'train --pickle'); loading a "
        "pickle runs code from the file: only for files you trust",
    )
    p.set_defaults(func=_cmd_predict)
    return p


_NOT_A_MODEL = "train one with 'spectroclf train ... -o {name}.pt'"


def _load_pickle(path, args):
    """The dict that 'spectroclf train --pickle' saved, checked."""
    import joblib

    if not args.allow_pickle:
        raise CLIError(
            f"'{path}' is a pickle, not spectroclf's pickle-free model file; "
            "loading a pickle runs code from it. If you trust where it comes "
            "from, run again with --allow-pickle; otherwise "
            + _NOT_A_MODEL.format(name=path.stem)
        )
    try:
        bundle = joblib.load(path)
    except Exception as exc:  # pickle raises many types on foreign files
        raise CLIError(
            f"'{path}' is not a spectroclf model file (it could not be unpickled: "
            f"{type(exc).__name__}); " + _NOT_A_MODEL.format(name=path.stem)
        ) from exc
    keys = {"model", "task", "feature", "target_names"}
    if not isinstance(bundle, dict) or not keys <= set(bundle):
        raise CLIError(
            f"'{path}' is not a spectroclf model file (it holds a "
            f"{type(bundle).__name__}, not what 'spectroclf train' saves)"
        )
    return bundle


def _load_model(path, args):
    """``{"model": pipeline, "task", "feature", "target_names", ...}`` of a
    model file of 'spectroclf train' (pickle-free, or a pickle if allowed)."""
    import numpy as np
    from sklearn.pipeline import Pipeline

    from .. import __version__
    from ..persistence import load_model
    from ..preprocessing import PadTruncate

    path = Path(path)
    if not path.exists():
        raise CLIError(f"model file '{path}' does not exist")
    if not path.is_file():
        raise CLIError(f"model file '{path}' is not a file")
    with open(path, "rb") as f:
        head = f.read(2)
    if head[:1] == b"\x80" and not zipfile.is_zipfile(path):  # a pickle protocol
        bundle = _load_pickle(path, args)
    else:
        try:
            estimator, meta = load_model(
                path, map_location=args.device, return_metadata=True
            )
        except ValueError as exc:
            # load_model points Python users at save_model / joblib.load
            message = str(exc).replace(
                "model files are written by spectroclf.save_model",
                _NOT_A_MODEL.format(name=path.stem),
            )
            message = message.replace(
                "which load_model never executes; if it is a pickled estimator "
                "from a source you trust, read it with joblib.load or pickle.load",
                "which a model file never runs",
            )
            raise CLIError(message) from exc
        if meta.get("command") != "spectroclf train":
            raise CLIError(
                f"'{path}' is a spectroclf model file but was not written by "
                "'spectroclf train' (it does not record the task and feature); "
                + _NOT_A_MODEL.format(name=path.stem)
            )
        steps = [("model", estimator)]
        if meta.get("max_len"):  # train's --max-len: a fixed crop, fitted as such
            crop = PadTruncate(max_len=meta["max_len"])
            blank = np.zeros((1, estimator.n_features_in_), np.float32)
            steps.insert(0, ("crop", crop.fit([blank])))
        bundle = {**meta, "model": Pipeline(steps)}
    saved = bundle.get("spectroclf_version")
    if saved != __version__:
        _say(
            f"spectroclf: warning: '{path}' was saved by spectroclf {saved}; "
            f"this is {__version__}"
        )
    return bundle


def _warn_case(bundle, bunch, args):
    """Say so when DATA_DIR's labels and the model's classes differ only in case."""
    if bundle["task"] != "genre" or bunch.target is None:
        return
    ours = {str(c) for c in bundle["target_names"]}
    theirs = {str(c) for c in bunch.target}
    # a spelling of the model's next to one of the data only
    pairs = _case_clashes(sorted(ours | theirs), keep=lambda g: g & ours and g - ours)
    if pairs:
        _say(
            f"spectroclf: warning: the labels of '{Path(args.data_dir) / args.split}' "
            f"and the model's classes differ only in case ({pairs}); predictions "
            "are spelled as the model's classes, so compare them ignoring case"
        )


def _cmd_predict(args):
    _check_device(args.device)
    bundle = _load_model(args.model, args)
    pipe, task, feature = bundle["model"], bundle["task"], bundle["feature"]
    n_bins = bundle.get("n_bins") or pipe[-1].n_features_in_
    bunch = _load_split(args.data_dir, task, args.split, feature)
    X = bunch.data
    if X[0].shape[1] != n_bins:
        raise CLIError(
            f"model '{args.model}' expects {n_bins} bins per frame (feature "
            f"{feature!r}) but '{bunch.filenames[0]}' gives {X[0].shape[1]}"
        )
    _warn_case(bundle, bunch, args)
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
