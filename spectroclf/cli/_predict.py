"""``spectroclf predict MODEL DATA_DIR``: write a submission file
(``Id,Genre`` or ``Id,<targets>``), and with ``--score`` the scores."""

import csv
import time
import zipfile
from pathlib import Path

from ._common import (
    CLIError,
    _add_command,
    _case_clashes,
    _check_device,
    _check_output,
    _n_jobs,
    _say,
)
from ._data import ClipTable, folder_kind, list_audio, split_files

EPILOG = """\
DATA_DIR is what the model was trained on: a folder of audio files for a
musicnn model (trained on audio), a lab-layout folder of spectrograms for an
LSTM or CNN (its SPLIT sub-folder, default test, is predicted). A model given
the other kind of folder is refused.

Writes one line per clip, comma-separated: header Id,Genre (genre models) or
Id,<target names> (emotion models); Id is the file name, e.g.
123.fused.full.npy.gz or 123.ogg. Labels are not needed and not read, unless
--score asks for the scores: then the labels of the clips (SPLIT_labels.txt
of a lab folder, or --labels CSV of an audio folder, its SPLIT clips) give a
classification report (genre) or Spearman's rho per target (emotion).

MODEL is a model file of 'spectroclf train': spectroclf's pickle-free format,
which runs no code when loaded, so models from others are safe to use. A
pickle (written with 'train --pickle') is refused unless --allow-pickle:
loading a pickle runs code from the file. A warning says so when the clips
are far longer or shorter than those the model was trained on (e.g. a model
of beat-synced clips given full-length ones). The folder of SOLUTION must
exist.

Genre predictions are spelled as the training labels were: a model trained
on 'Classical' predicts 'Classical', never 'classical' (with --score, a
warning says so when the labels differ from the model's only in case).

examples:
  spectroclf predict genre.pt audio/ -o solution.csv
  spectroclf predict genre.pt audio/ --labels clips.csv --score -o solution.csv
  spectroclf predict cnn.pt lab/genre_beat -o solution.txt
  spectroclf predict emotion.pt lab/multitask_beat --split train --score -o e.txt
"""


def add_parser(subparsers, common):
    p = _add_command(
        subparsers,
        "predict",
        common,
        epilog=EPILOG,
        help="predict every clip of a folder and write a submission file",
        description="Predict the clips of DATA_DIR (an audio folder, or a "
        "lab-layout folder's SPLIT) with a model saved by 'spectroclf train' and "
        "write the lab's submission format; --score prints the scores.",
    )
    p.add_argument("model", metavar="MODEL", help="model saved by 'spectroclf train'")
    p.add_argument(
        "data_dir", metavar="DATA_DIR", help="audio folder or lab-layout folder"
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="SOLUTION",
        help="submission file to write (CSV; its folder must exist)",
    )
    p.add_argument(
        "--split",
        help="lab folders: sub-folder to predict (default test); audio folders "
        "with --labels: the CSV's clips of this split (default: every clip)",
    )
    p.add_argument(
        "--labels",
        metavar="CSV",
        help="audio folders: labels CSV (id, genre and/or emotion columns, split) "
        "for --split and --score",
    )
    p.add_argument(
        "--score",
        action="store_true",
        help="also print the scores against the labels of the clips",
    )
    p.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="audio clips decoded in parallel (-1: all cores; default 1)",
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
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_cmd_predict)
    return p


_NOT_A_MODEL = "train one with 'spectroclf train ... -o {name}.pt'"


def _load_pickle(path, args):
    """The dict that 'spectroclf train --pickle' saved, checked."""
    if not args.allow_pickle:
        raise CLIError(
            f"'{path}' is a pickle, not spectroclf's pickle-free model file; "
            "loading a pickle runs code from it. If you trust where it comes "
            "from, run again with --allow-pickle; otherwise "
            + _NOT_A_MODEL.format(name=path.stem)
        )
    import joblib

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


def _check_model_path(path):
    path = Path(path)
    if not path.exists():
        raise CLIError(f"model file '{path}' does not exist")
    if not path.is_file():
        raise CLIError(f"model file '{path}' is not a file")
    return path


def _load_model(path, args):
    """``{"model": pipeline, "task", "feature", "target_names", ...}`` of a
    model file of 'spectroclf train' (pickle-free, or a pickle if allowed)."""
    path = _check_model_path(path)
    with open(path, "rb") as f:
        head = f.read(2)
    if head[:1] == b"\x80" and not zipfile.is_zipfile(path):  # a pickle protocol
        bundle = _load_pickle(path, args)
    else:
        from ..persistence import load_model

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
            import numpy as np

            from ..preprocessing import PadTruncate

            crop = PadTruncate(max_len=meta["max_len"])
            blank = np.zeros((1, estimator.n_features_in_), np.float32)
            steps.insert(0, ("crop", crop.fit([blank])))
        from sklearn.pipeline import Pipeline

        bundle = {**meta, "model": Pipeline(steps)}
    from .. import __version__

    saved = bundle.get("spectroclf_version")
    if saved != __version__:
        _say(
            f"spectroclf: warning: '{path}' was saved by spectroclf {saved}; "
            f"this is {__version__}"
        )
    return bundle


def _model_words(bundle):
    """``"a musicnn model trained on audio"`` / ``"a CNNClassifier ... on fused
    spectrograms"``."""
    name = type(bundle["model"][-1]).__name__
    if bundle.get("input") == "audio":
        return f"a {name} trained on audio"
    return f"a {name} trained on {bundle['feature']} spectrograms"


def _check_input(bundle, kind, args):
    """Refuse an audio model on spectrograms, or the reverse, naming both."""
    audio_model = bundle.get("input") == "audio"
    if audio_model and kind != "audio":
        raise CLIError(
            f"model '{args.model}' is {_model_words(bundle)}, and DATA_DIR "
            f"'{args.data_dir}' is a lab-layout folder of spectrograms: give it a "
            "folder of audio files (the kind it was trained on)"
        )
    if not audio_model and kind == "audio":
        raise CLIError(
            f"model '{args.model}' is {_model_words(bundle)}, and DATA_DIR "
            f"'{args.data_dir}' is a folder of audio files: extract them first "
            "('spectroclf extract AUDIO_DIR OUT_DIR') and predict OUT_DIR's "
            "folder of the kind the model was trained on, or train a musicnn "
            "model on the audio ('spectroclf train AUDIO_DIR --labels CSV')"
        )


def _warn_case(bundle, labels, where):
    """Say so when the labels and the model's classes differ only in case."""
    if bundle["task"] != "genre":
        return
    ours = {str(c) for c in bundle["target_names"]}
    theirs = {str(c) for c in labels}
    # a spelling of the model's next to one of the data only
    pairs = _case_clashes(sorted(ours | theirs), keep=lambda g: g & ours and g - ours)
    if pairs:
        _say(
            f"spectroclf: warning: the labels of '{where}' and the model's classes "
            f"differ only in case ({pairs}); predictions are spelled as the "
            "model's classes, so compare them ignoring case"
        )


def _warn_frames(bundle, X, names, args, where):
    """A warning when clips are far outside the training clips' frame range."""
    frames = bundle.get("frames")
    if not frames:
        return
    low, high = frames
    far = [(n, len(S)) for n, S in zip(names, X, strict=True)
           if len(S) > 2 * high or 2 * len(S) < low]
    if not far:
        return
    name, n = far[0]
    _say(
        f"spectroclf: warning: model '{args.model}' was trained on clips of "
        f"{low}-{high} frames; {len(far)} of {len(X)} clips of '{where}' are far "
        f"outside that (e.g. '{name}': {n} frames). Beat-synced and full-length "
        "spectrograms do not mix: predict the kind of folder the model was "
        "trained on (e.g. genre_beat for a model of genre_beat)"
    )


def _read_spectrograms(bundle, args, say):
    """(X, ids, labels or None, where) of a lab folder's split."""
    from ..datasets import load_spectrogram

    split = args.split or "test"
    if args.labels is not None:
        raise CLIError(
            f"--labels is the CSV of an audio folder; '{args.data_dir}' is a "
            f"lab-layout folder, whose labels are its {split}_labels.txt"
        )
    files = split_files(args.data_dir, split)
    where = Path(args.data_dir) / split
    feature = bundle["feature"]
    X = [load_spectrogram(f, feature=feature) for f in files]
    n_bins = bundle.get("n_bins") or bundle["model"][-1].n_features_in_
    if X[0].shape[1] != n_bins:
        raise CLIError(
            f"model '{args.model}' expects {n_bins} bins per frame (feature "
            f"{feature!r}) but '{files[0]}' gives {X[0].shape[1]}"
        )
    ids = [f.name for f in files]
    _warn_frames(bundle, X, ids, args, where)
    labels = None
    if args.score:
        labels = _lab_labels(bundle, args, split, ids)
    return X, ids, labels, where


def _lab_labels(bundle, args, split, ids):
    """The labels of a lab split, in the order of ``ids`` (for --score)."""
    from ..datasets import load_genre_spectrograms, load_multitask_spectrograms

    labels_file = Path(args.data_dir) / f"{split}_labels.txt"
    if not labels_file.is_file():
        raise CLIError(
            f"--score needs the labels of the clips: '{labels_file}' does not exist "
            "(predict without --score writes the predictions only)"
        )
    task = bundle["task"]
    loader = load_genre_spectrograms if task == "genre" else load_multitask_spectrograms
    try:
        bunch = loader(args.data_dir, split=split, lazy=True)
    except ValueError as exc:
        raise CLIError(
            f"--score: the labels of '{labels_file}' do not fit "
            f"{'a genre' if task == 'genre' else 'an emotion'} model ({exc})"
        ) from exc
    by_id = dict(zip((Path(f).name for f in bunch.filenames), bunch.target, strict=True))
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise CLIError(
            f"--score: {len(missing)} clip(s) of '{Path(args.data_dir) / split}' "
            f"have no labels in '{labels_file}' (e.g. '{missing[0]}')"
        )
    return [by_id[i] for i in ids]


def _read_audio(bundle, args):
    """(paths, ids, labels or None, where) of an audio folder."""
    audio = list_audio(args.data_dir)
    where = Path(args.data_dir)
    if args.labels is None:
        if args.split is not None:
            raise CLIError(
                "--split chooses clips of --labels CSV for an audio folder; give "
                "--labels, or leave out --split to predict every audio file"
            )
        if args.score:
            raise CLIError(
                "--score needs the labels of the clips: for an audio folder, "
                "--labels CSV (id, genre and/or emotion columns, split)"
            )
        paths = list(audio.values())
        return [str(p) for p in paths], [p.name for p in paths], None, where
    emotion = bundle["task"] == "emotion"
    table = ClipTable(
        args.labels,
        audio,
        targets=bundle["target_names"] if emotion else None,
        targets_from=f"the model's target (model '{args.model}')",
    )
    task = table.task(bundle["task"])
    if args.split is None:
        paths = [str(table.audio[i]) for i in table.ids]
        if task == "genre":
            y = table.genres if all(table.genres) else None
        else:
            y = table.values if all(v is not None for v in table.values) else None
    else:
        paths, y, _ = table.split(args.split, task)
    if args.score and y is None:
        raise CLIError(
            f"--score: labels CSV '{args.labels}' has no "
            f"{'genre' if task == 'genre' else 'emotion values'} for every clip "
            f"{'of split ' + repr(args.split) if args.split else ''}".rstrip()
        )
    return paths, [Path(p).name for p in paths], y if args.score else None, where


def _predict_audio(pipe, paths, args, say):
    """Predictions of audio clips in chunks, with a progress line per chunk."""
    import numpy as np

    estimator = pipe[-1]
    estimator.set_params(n_jobs=args.n_jobs)
    chunk = max(8, 4 * abs(args.n_jobs))
    start, parts = time.perf_counter(), []
    for i in range(0, len(paths), chunk):
        parts.append(pipe.predict(paths[i : i + chunk]))
        done = min(i + chunk, len(paths))
        if len(paths) > chunk:
            say(f"predict: {done}/{len(paths)} clips ({time.perf_counter() - start:.0f} s)")
    return np.concatenate(parts)


def _cmd_predict(args):
    out = _check_output(args.output)
    kind = folder_kind(args.data_dir)
    _check_model_path(args.model)
    _check_device(args.device)
    say = (lambda *a: None) if args.quiet else _say
    bundle = _load_model(args.model, args)
    _check_input(bundle, kind, args)
    pipe, task = bundle["model"], bundle["task"]
    if kind == "audio":
        X, ids, labels, where = _read_audio(bundle, args)
        say(f"predict: {len(X)} audio clips of '{where}' ({task})")
        y_pred = _predict_audio(pipe, X, args, say)
    else:
        X, ids, labels, where = _read_spectrograms(bundle, args, say)
        say(f"predict: {len(X)} clips of '{where}' ({task}, {bundle['feature']})")
        y_pred = pipe.predict(X)
    if task == "genre":
        rows = [["Id", "Genre"]] + [
            [i, str(p)] for i, p in zip(ids, y_pred, strict=True)
        ]
    else:
        y_pred = y_pred.reshape(len(ids), -1)
        rows = [["Id", *bundle["target_names"]]] + [
            [i, *(f"{v:.6f}" for v in row)] for i, row in zip(ids, y_pred, strict=True)
        ]
    with open(out, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    if labels is not None:
        from ._report import print_report

        if task == "genre":
            _warn_case(bundle, labels, where)
        print_report(
            task,
            labels,
            y_pred,
            bundle["target_names"],
            f"scores on the {len(ids)} clips of '{where}':",
        )
    print(f"wrote {len(ids)} predictions to {out}")
    return 0
