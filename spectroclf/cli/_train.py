"""``spectroclf train DATA_DIR -o MODEL.pt``: fit a model, report, save it.

DATA_DIR is an audio folder with a labels CSV (``--labels``; the pretrained
musicnn by default) or a lab-layout folder of spectrograms (a CNN by default).
"""

import tempfile
import time
from pathlib import Path

from ._common import (
    CLIError,
    _add_command,
    _at_least_two,
    _case_clashes,
    _channels,
    _check_device,
    _check_output,
    _fraction,
    _n_jobs,
    _pct,
    _plural,
    _positive_float,
    _positive_int,
    _say,
)
from ._data import _read_audio, _read_lab, folder_kind
from ._split import _apply_min_count, _check_cv, _class_counts, _validation_fraction

EPILOG = """\
DATA_DIR is either
  - a folder of audio files (ogg, wav, mp3, flac) with --labels CSV: the CSV
    that 'extract' reads (columns id, genre and/or emotion columns, split;
    the clips of split 'train' are trained on). --model musicnn, the default
    here, trains a new output layer on the pretrained musicnn network, straight
    from the audio (0.80 cross-validated genre accuracy on the Emotify clips,
    against 0.61-0.67 for an LSTM or CNN trained from scratch);
  - a lab-layout folder written by 'extract' (e.g. OUT_DIR/genre_beat: train/
    and train_labels.txt). --model cnn is the default here: 5-fold
    cross-validation on the Emotify train clips gave the CNN 0.665 genre
    accuracy and the LSTM 0.610 (benchmarks/bench_quality.py); --feature fused
    (mel + chroma, 140 bins) is the default.
The task is read from the labels: genre for a genre column (Id<TAB>Genre in a
lab folder), emotion for columns of decimal numbers; --task chooses when the
labels have both. The first line printed lists every setting, defaults
included, as options that reproduce the run.

20% of the clips are held out as validation data (--validation-fraction):
the learning curves (MODEL.png beside the model) and the printed validation
scores use them; data too small for that (a stratified split needs a clip of
every class on each side; Spearman's rho needs 2 validation clips) trains on
every clip, without a validation report. The validation report gives the
accuracy (genre) or mean Spearman rho (emotion) at the last and the best
epoch; --cv K prints K-fold cross-validated scores, a classification report
or rho per target (K + 1 fits), and 'predict --score' the same on a labelled
split. --early-stopping stops when the validation loss stops improving
(--patience epochs) and keeps the best weights.

The model file is spectroclf's versioned, pickle-free format (the one of
spectroclf.persistence.save_model): loading it runs no code from the file, so
a model from someone else is safe to load, on a CPU-only machine too. Load it
in Python with spectroclf.persistence.load_model(MODEL, return_metadata=True).
It records the training clips' frame range: 'predict' warns on input far
outside it (beat-synced against full-length clips). --pickle writes a joblib
pickle of the whole pipeline instead: loading a pickle
runs code from the file, so load only pickles you trust. The folder of MODEL
must exist (train creates no folders).

Labels are classes exactly as written: 'Classical' and 'classical' are two
classes (a warning says so), and predictions use the training spelling.

examples:
  spectroclf train audio/ --labels clips.csv -o genre.pt
  spectroclf train audio/ --labels clips.csv --task emotion --cv 5 -o emotion.pt
  spectroclf train lab/genre_beat -o cnn.pt
  spectroclf train lab/genre --model cnn --feature mel --crop-frames 128 \\
      --max-epochs 20 -o cnn.pt
  spectroclf train lab/multitask_beat --model lstm --hidden-size 32 \\
      --early-stopping --lr 3e-3 -o emotion.pt
  spectroclf train lab/genre_beat --min-count 10 --validation-fraction 0.25 \\
      -o genre.pt
"""

_ESTIMATORS = {
    ("lstm", "genre"): "LSTMClassifier",
    ("lstm", "emotion"): "LSTMRegressor",
    ("cnn", "genre"): "CNNClassifier",
    ("cnn", "emotion"): "CNNRegressor",
    ("musicnn", "genre"): "MusicnnClassifier",
    ("musicnn", "emotion"): "MusicnnRegressor",
}

#: options that only some models have -> those models
_MODEL_OPTIONS = {
    "hidden_size": ("--hidden-size", ("lstm",)),
    "channels": ("--channels", ("cnn",)),
    "crop_frames": ("--crop-frames", ("lstm", "cnn")),
    "feature": ("--feature", ("lstm", "cnn")),
    "max_len": ("--max-len", ("lstm", "cnn")),
}


def add_parser(subparsers, common):
    p = _add_command(
        subparsers,
        "train",
        common,
        epilog=EPILOG,
        help="train a model (pretrained musicnn, CNN or LSTM), report, save it",
        description="Train a genre classifier or an emotion regressor on an audio "
        "folder with a labels CSV (pretrained musicnn) or on a lab-layout folder "
        "of spectrograms (CNN or LSTM), print its validation or cross-validated "
        "scores, and save the model (a pickle-free file) and its learning curves.",
    )
    p.add_argument(
        "data_dir",
        metavar="DATA_DIR",
        help="audio folder (with --labels) or lab-layout folder",
    )
    p.add_argument(
        "--labels",
        metavar="CSV",
        help="labels CSV of an audio folder: id, genre and/or emotion columns, "
        "split (default train)",
    )
    p.add_argument(
        "--targets",
        metavar="NAMES",
        help="comma-separated emotion columns of --labels (default: every "
        "column of decimal numbers)",
    )
    p.add_argument(
        "--model",
        choices=["musicnn", "cnn", "lstm"],
        help="default: musicnn for an audio folder, cnn for a lab folder",
    )
    p.add_argument(
        "--feature",
        choices=["mel", "chroma", "fused"],
        help="lab folders: mel (128 bins), chroma (12) or fused (140, default)",
    )
    p.add_argument(
        "--task",
        choices=["genre", "emotion"],
        help="default: read from the labels (genre: a genre column or "
        "Id<TAB>Genre; emotion: columns of numbers)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="MODEL",
        help="where to save the model, e.g. genre.pt (its folder must exist): "
        "spectroclf's pickle-free model file (safe to load; see below), the "
        "learning curves beside it (.png)",
    )
    p.add_argument(
        "--pickle",
        action="store_true",
        help="save a joblib pickle of the fitted pipeline instead (for "
        "joblib.load in Python); loading a pickle runs code from the file: "
        "load only pickles you trust",
    )
    train = p.add_argument_group("training (defaults: the estimator's, printed first)")
    train.add_argument(
        "--max-epochs", type=_positive_int, metavar="N", help="training epochs"
    )
    train.add_argument("--lr", type=_positive_float, metavar="LR", help="learning rate")
    train.add_argument(
        "--batch-size", type=_positive_int, metavar="N", help="clips per batch"
    )
    train.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop when the validation loss has not improved for --patience "
        "epochs and keep the best weights (needs a validation split)",
    )
    train.add_argument(
        "--patience",
        type=_positive_int,
        metavar="N",
        help="epochs without improvement before --early-stopping stops (default 5)",
    )
    train.add_argument(
        "--hidden-size",
        type=_positive_int,
        metavar="N",
        help="lstm: units of the LSTM (default 64)",
    )
    train.add_argument(
        "--channels",
        type=_channels,
        metavar="C1,C2,...",
        help="cnn: channels of the convolution blocks (default 16,32,64,64)",
    )
    train.add_argument(
        "--crop-frames",
        type=_positive_int,
        metavar="N",
        help="lstm/cnn: train on random crops of N frames, predict by averaging "
        "over crops (full-length clips: e.g. 128)",
    )
    train.add_argument(
        "--max-len",
        type=_positive_int,
        metavar="N",
        help="lstm/cnn: crop/pad every clip to N frames (PadTruncate)",
    )
    train.add_argument(
        "--validation-fraction",
        type=_fraction,
        metavar="F",
        help="share of the clips held out for validation (default 0.2 where "
        "the data allows it; 0: none, train on every clip)",
    )
    train.add_argument(
        "--min-count",
        type=_positive_int,
        metavar="N",
        help="genre: leave out the classes with fewer than N clips",
    )
    train.add_argument(
        "--cv",
        type=_at_least_two,
        metavar="K",
        help="report K-fold cross-validated scores (then fit on all clips)",
    )
    train.add_argument(
        "--random-state",
        type=int,
        metavar="S",
        help="seed of weights, shuffling and splits",
    )
    p.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="musicnn: audio clips decoded in parallel (-1: all cores; default 1)",
    )
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="auto: CUDA when available (default)",
    )
    p.add_argument("--verbose", action="store_true", help="one line per epoch")
    p.add_argument(
        "--quiet", action="store_true", help="no progress lines (warnings and scores only)"
    )
    p.set_defaults(func=_cmd_train)
    return p


# ---------------------------------------------------------------------------
# reading the input


def _resolve(args):
    """Input kind, model and task, checked against the options given."""
    kind = folder_kind(args.data_dir)
    if kind == "audio":
        if args.labels is None:
            raise CLIError(
                f"DATA_DIR '{args.data_dir}' is a folder of audio files; training "
                "needs their labels: --labels CSV (columns id, genre and/or "
                "emotion columns, split)"
            )
        model = args.model or "musicnn"
        if model != "musicnn":
            raise CLIError(
                f"--model {model} trains on spectrograms, and DATA_DIR "
                f"'{args.data_dir}' is a folder of audio files: use --model musicnn "
                "(the default here), or extract spectrograms first ('spectroclf "
                "extract AUDIO_DIR OUT_DIR --labels CSV') and train on "
                "OUT_DIR/genre_beat"
            )
    else:
        if args.labels is not None:
            raise CLIError(
                f"--labels is the CSV of an audio folder; DATA_DIR "
                f"'{args.data_dir}' is a lab-layout folder, whose labels are its "
                "train_labels.txt: leave out --labels"
            )
        if args.targets is not None:
            raise CLIError("--targets names columns of --labels CSV (audio folders)")
        model = args.model or "cnn"
        if model == "musicnn":
            raise CLIError(
                f"--model musicnn trains on audio, and DATA_DIR '{args.data_dir}' "
                "is a lab-layout folder of spectrograms: give the audio folder and "
                "its labels CSV (spectroclf train AUDIO_DIR --labels CSV), or use "
                "--model cnn or lstm here"
            )
    for name, (option, models) in _MODEL_OPTIONS.items():
        if getattr(args, name) is not None and model not in models:
            raise CLIError(f"{option} applies to --model {' or '.join(models)}, not {model}")
    if args.min_count and args.task == "emotion":
        raise CLIError("--min-count applies to --task genre (it leaves out rare classes)")
    return kind, model


# ---------------------------------------------------------------------------
# the estimator and its settings


def _estimator(args, model, task, fraction, memory):
    from .. import musicnn, nets

    module = musicnn if model == "musicnn" else nets
    cls = getattr(module, _ESTIMATORS[model, task])
    params = {
        "validation_fraction": fraction,
        "device": args.device,
        "random_state": args.random_state,
        "verbose": int(args.verbose),
        "early_stopping": args.early_stopping,
    }
    options = {
        "max_epochs": args.max_epochs,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "n_iter_no_change": args.patience,
        "hidden_size": args.hidden_size,
        "channels": args.channels,
        "crop_frames": args.crop_frames,
    }
    params.update({k: v for k, v in options.items() if v is not None})
    if model == "musicnn":
        params.update(n_jobs=args.n_jobs, memory=memory)
    estimator = cls(**params)
    if not (args.quiet or args.verbose):
        from ._progress import EpochProgress

        epochs = estimator.get_params()["max_epochs"]
        estimator.set_params(callbacks=[("progress", EpochProgress(epochs))])
    return estimator


#: settings printed on the first line: (option, estimator parameter)
_SHOWN = (
    ("--max-epochs", "max_epochs"),
    ("--lr", "lr"),
    ("--batch-size", "batch_size"),
    ("--hidden-size", "hidden_size"),
    ("--channels", "channels"),
    ("--crop-frames", "crop_frames"),
    ("--patience", "n_iter_no_change"),
)


def _settings(args, model, task, fraction, estimator):
    """Every setting of the run, defaults included, as options."""
    params = estimator.get_params()
    parts = [f"--model {model}", f"--task {task}"]
    if model != "musicnn":
        parts.append(f"--feature {args.feature or 'fused'}")
    else:
        parts.append(f"--labels {args.labels}")
    for option, name in _SHOWN:
        if name not in params or (name == "n_iter_no_change" and not args.early_stopping):
            continue
        value = params[name]
        if value is None:
            continue
        if isinstance(value, (tuple, list)):
            value = ",".join(map(str, value))
        parts.append(f"{option} {value:g}" if isinstance(value, float) else f"{option} {value}")
    parts.append(f"--validation-fraction {fraction or 0:g}")
    if args.early_stopping:
        parts.append("--early-stopping")
    for option, value in (
        ("--max-len", args.max_len),
        ("--min-count", args.min_count),
        ("--cv", args.cv),
    ):
        if value is not None:
            parts.append(f"{option} {value}")
    parts.append(f"--random-state {args.random_state}")
    parts.append(f"--device {args.device}")
    if model == "musicnn":
        parts.append(f"--n-jobs {args.n_jobs}")
    return " ".join(parts)


# ---------------------------------------------------------------------------
# curves, model file


def _plot_learning_curves(estimator, path, title, validated):
    """Save the estimator's learning curves as a PNG (an Agg canvas, no pyplot figure)."""
    from matplotlib.figure import Figure

    from ..plotting import plot_history

    metrics = ("loss", "acc") if validated else ("loss",)
    fig = Figure(figsize=(9 if validated else 4.8, 3.6), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    plot_history(estimator, metrics=metrics, ax=axes)
    fig.suptitle(title)
    fig.savefig(path, dpi=100)


def _save(args, out, pipe, metadata):
    """Write the model file: save_model's format, or a pickle with --pickle."""
    if args.pickle:
        import joblib

        joblib.dump({"model": pipe, **metadata}, out)
        _say(
            f"spectroclf: warning: '{out}' is a pickle: loading it runs code from "
            "the file, so load only pickles you trust ('spectroclf predict' "
            "reads it with --allow-pickle); without --pickle, train writes a "
            "pickle-free model file"
        )
        return out
    from ..persistence import save_model

    return save_model(pipe[-1], out, metadata=metadata)


def _cmd_train(args):
    args.notices = []  # notices found while reading, said after the settings
    kind, model = _resolve(args)
    out = _check_output(args.output)
    _check_device(args.device)
    say = (lambda *a: None) if args.quiet else _say
    if kind == "audio":
        X, y, task, target_names, labels_file = _read_audio(args)
    else:
        X, y, task, target_names, labels_file = _read_lab(args)
    if args.min_count and task != "genre":
        raise CLIError("--min-count applies to --task genre (it leaves out rare classes)")

    import numpy as np
    from sklearn.pipeline import Pipeline

    from .. import __version__
    from ..preprocessing import PadTruncate

    if task == "genre":
        pairs = _case_clashes(np.unique(y).tolist())
        if pairs:
            args.notices.append(
                f"spectroclf: warning: labels of '{labels_file}' differ only in "
                f"case ({pairs}); they are trained as different classes (spell "
                "them the same there to merge them)"
            )
        if args.min_count:
            X, y = _apply_min_count(args, X, y, labels_file)
        classes = np.unique(y).tolist()
        if len(classes) < 2:
            raise CLIError(
                f"'{labels_file}' has one class only ({classes[0]!r}); a genre "
                "classifier needs clips of at least two"
            )
        target_names = [str(c) for c in classes]
    if args.cv:
        _check_cv(args, y, task)
    fraction = _validation_fraction(args, y, task)
    cache = tempfile.TemporaryDirectory(prefix="spectroclf-") if model == "musicnn" else None
    try:
        estimator = _estimator(args, model, task, fraction, cache and cache.name)
        # the first line: every setting, defaults included (a reproducible run)
        _say(f"train: {_settings(args, model, task, fraction, estimator)}")
        for notice in args.notices:  # said after the settings
            _say(notice)
        what = (
            f"classes: {', '.join(target_names)}"
            if task == "genre"
            else f"targets: {', '.join(target_names)}"
        )
        if kind == "audio":
            say(f"train: {len(X)} audio clips of '{args.data_dir}' (split train); {what}")
            frames = None
        else:
            lengths = [len(S) for S in X]
            frames = [int(min(lengths)), int(max(lengths))]
            say(
                f"train: {len(X)} clips from '{args.data_dir}' ({args.feature or 'fused'}, "
                f"{X[0].shape[1]} bins, {frames[0]}-{frames[1]} frames); {what}"
            )
        steps = [("crop", PadTruncate(max_len=args.max_len))] if args.max_len else []
        pipe = Pipeline(steps + [("model", estimator)])
        name = type(estimator).__name__
        if args.cv:
            from sklearn.base import clone
            from sklearn.model_selection import (
                KFold,
                StratifiedKFold,
                cross_val_predict,
            )

            splitter = StratifiedKFold if task == "genre" else KFold
            cv = splitter(args.cv, shuffle=True, random_state=args.random_state)
            say(
                f"train: {args.cv}-fold cross-validation of {name} (each fold "
                "trains on all its training clips) ..."
            )
            start = time.perf_counter()
            fold_pipe = clone(pipe).set_params(
                model__validation_fraction=None, model__callbacks=None
            )
            y_pred = cross_val_predict(fold_pipe, X, y, cv=cv)
            say(f"train: cross-validation done ({time.perf_counter() - start:.0f} s)")
        held_out = (
            f"{_pct(fraction)} held out for validation" if fraction else "no validation split"
        )
        epochs = estimator.get_params()["max_epochs"]
        if model == "musicnn":
            say(
                f"train: musicnn features of {len(X)} clips (about 0.1-0.3 s per "
                "3-s patch on a CPU core, once per clip), then "
                f"{_plural(epochs, 'epoch')} of the output layer ({held_out}) ..."
            )
        else:
            say(
                f"train: fitting {name} on {len(X)} clips ({held_out}, "
                f"{_plural(epochs, 'epoch')}) ..."
            )
        start = time.perf_counter()
        pipe.fit(X, y)
        fitted = pipe[-1]
        say(
            f"train: {fitted.n_epochs_} epoch(s) in {time.perf_counter() - start:.0f} s "
            f"on {fitted.device_}"
        )
    finally:
        if cache is not None:
            cache.cleanup()
    if model == "musicnn":
        fitted.set_params(memory=None)  # the run's cache folder is gone
    fitted.set_params(callbacks=None)  # the progress lines belong to this run

    from ._report import print_report, print_validation

    if args.cv:
        print_report(
            task,
            y,
            y_pred,
            target_names,
            f"{args.cv}-fold cross-validated predictions ({len(X)} clips):",
        )
    if fraction:
        print_validation(task, fitted.history_, len(X), early_stopping=args.early_stopping)
    elif not args.cv:
        counts = _class_counts(y) if task == "genre" else {None: len(y)}
        k = min(5, min(counts.values()))
        hint = f" (--cv {k} gives cross-validated scores)" if k >= 2 else ""
        print(f"no validation report: all {len(X)} clips were used for training{hint}")

    metadata = {
        "command": "spectroclf train",
        "task": task,
        "input": kind if kind == "audio" else "spectrogram",
        "feature": "musicnn" if model == "musicnn" else (args.feature or "fused"),
        "target_names": target_names,
        "n_bins": int(fitted.n_features_in_),
        "max_len": args.max_len,
        "frames": frames,
        "spectroclf_version": __version__,
    }
    out = _save(args, out, pipe, metadata)
    png = out.with_suffix(".png")
    source = Path(args.data_dir).name or args.data_dir
    _plot_learning_curves(
        fitted,
        png,
        f"{name} on {source} ({metadata['feature']})",
        validated=bool(fraction),
    )
    print(f"model saved to {out}")
    print(f"learning curves saved to {png}")
    return 0
