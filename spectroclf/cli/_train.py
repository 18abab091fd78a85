"""``spectroclf train DATA_DIR -o MODEL.pt``: fit an LSTM/CNN, report, save it."""

import math
import time
from pathlib import Path

from ._common import (
    CLIError,
    _add_command,
    _case_clashes,
    _check_device,
    _load_split,
    _plural,
    _positive_int,
    _say,
)

EPILOG = """\
DATA_DIR holds train/ and train_labels.txt (a folder written by 'extract',
e.g. OUT_DIR/genre_beat). 20% of the clips are held out as validation data
(--validation-fraction): the learning curves (MODEL.png beside the model)
and the printed report use them; data too small for that (a stratified split
needs a clip of every class on each side) trains on every clip, without a
validation report. --cv K reports K-fold cross-validated scores (K + 1 fits).

The model file is spectroclf's versioned, pickle-free format (the one of
spectroclf.persistence.save_model): loading it runs no code from the file, so
a model from someone else is safe to load, on a CPU-only machine too. Load it
in Python with spectroclf.persistence.load_model(MODEL, return_metadata=True).
--pickle writes a joblib pickle of the whole pipeline instead: loading a
pickle runs code from the file, so load only pickles you trust.

Labels are classes exactly as written: 'Classical' and 'classical' are two
classes (a warning says so), and predictions use the training spelling.

examples:
  spectroclf train lab/genre_beat --model lstm --feature fused --task genre -o genre.pt
  spectroclf train lab/genre --model cnn --feature mel --task genre \\
      --max-len 256 --max-epochs 20 -o cnn.pt
  spectroclf train lab/multitask_beat --model lstm --feature fused \\
      --task emotion --cv 5 -o emotion.pt
  spectroclf train lab/genre_beat --model lstm --feature fused --task genre \\
      --min-count 10 --validation-fraction 0.25 -o genre.pt
"""

_ESTIMATORS = {
    ("lstm", "genre"): "LSTMClassifier",
    ("lstm", "emotion"): "LSTMRegressor",
    ("cnn", "genre"): "CNNClassifier",
    ("cnn", "emotion"): "CNNRegressor",
}

#: held out for validation unless --validation-fraction says otherwise
DEFAULT_FRACTION = 0.2


def _fraction(text):
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 0 and below 1 (0: no validation split), got {value}"
        )
    return value


def _at_least_two(text):
    value = _positive_int(text)
    if value < 2:
        import argparse

        raise argparse.ArgumentTypeError(
            f"must be 2 or more (K folds, each held out once), got {value}"
        )
    return value


def add_parser(subparsers, common):
    p = _add_command(
        subparsers,
        "train",
        common,
        epilog=EPILOG,
        help="train an LSTM or CNN, report its scores and save it",
        description="Train a genre classifier or an emotion regressor on "
        "DATA_DIR/train, print a classification report (genre) or Spearman's "
        "rho per target (emotion), and save the model (a pickle-free file) "
        "and its learning curves.",
    )
    p.add_argument("data_dir", metavar="DATA_DIR", help="lab-layout data folder")
    p.add_argument("--model", choices=["lstm", "cnn"], required=True)
    p.add_argument(
        "--feature",
        choices=["mel", "chroma", "fused"],
        required=True,
        help="mel: 128 bins, chroma: 12, fused: 140",
    )
    p.add_argument(
        "--task",
        choices=["genre", "emotion"],
        required=True,
        help="genre: classifier on Id<TAB>Genre labels; emotion: "
        "regressor on Id,<targets> labels",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="MODEL",
        help="where to save the model, e.g. genre.pt: spectroclf's pickle-free "
        "model file (safe to load; see below), the learning curves beside it "
        "(.png)",
    )
    p.add_argument(
        "--pickle",
        action="store_true",
        help="save a joblib pickle of the fitted pipeline instead (for "
        "joblib.load in Python); loading a pickle runs code from the file: "
        "load only pickles you trust",
    )
    p.add_argument(
        "--max-epochs",
        type=_positive_int,
        default=30,
        metavar="N",
        help="training epochs (default 30)",
    )
    p.add_argument(
        "--max-len",
        type=_positive_int,
        metavar="N",
        help="crop/pad every clip to N frames (PadTruncate); advised for "
        "full-length input (1292 frames per 30 s)",
    )
    p.add_argument(
        "--validation-fraction",
        type=_fraction,
        metavar="F",
        help="share of the clips held out for validation (default 0.2 where "
        "the data allows it; 0: none, train on every clip)",
    )
    p.add_argument(
        "--min-count",
        type=_positive_int,
        metavar="N",
        help="genre: leave out the classes with fewer than N clips",
    )
    p.add_argument(
        "--cv",
        type=_at_least_two,
        metavar="K",
        help="report K-fold cross-validated scores (then fit on all clips)",
    )
    p.add_argument(
        "--random-state",
        type=int,
        metavar="S",
        help="seed of weights, shuffling and splits",
    )
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="auto: CUDA when available (default)",
    )
    p.add_argument("--verbose", action="store_true", help="one line per epoch")
    p.set_defaults(func=_cmd_train)
    return p


# ---------------------------------------------------------------------------
# small data: what a validation split and cross-validation need


def _class_counts(y):
    import numpy as np

    classes, counts = np.unique(y, return_counts=True)
    return dict(zip(classes.tolist(), counts.tolist(), strict=True))


def _pct(fraction):
    return f"{100 * fraction:g}%"


def _split_problem(fraction, y, task):
    """Why ``fraction`` cannot be held out of ``y`` (None: it can).

    Mirrors the stratified split of the classifiers (scikit-learn's
    StratifiedShuffleSplit: ``ceil(fraction * n)`` clips held out, at least
    one of every class on each side, two clips of every class).
    """
    n = len(y)
    n_valid = math.ceil(fraction * n)
    n_train = n - n_valid
    if task != "genre":
        if n_train < 2:
            return f"{_pct(fraction)} of {n} clips leaves {n_train} to train on"
        return None
    counts = _class_counts(y)
    rare = [c for c, k in counts.items() if k < 2]
    if rare:
        return (
            f"class {rare[0]!r} has 1 clip; a stratified split needs 2 of every class"
        )
    n_classes = len(counts)
    if n_valid < n_classes:
        return (
            f"{_pct(fraction)} of {n} clips is {n_valid}, fewer than the "
            f"{n_classes} classes; a stratified split holds out one clip of each"
        )
    if n_train < n_classes:
        return (
            f"{_pct(fraction)} of {n} clips leaves {n_train} to train on, fewer "
            f"than the {n_classes} classes"
        )
    return None


def _feasible_fraction(y, task):
    """The smallest fraction (2 decimals) that can be held out, or None."""
    counts = _class_counts(y) if task == "genre" else {}
    n, need = len(y), max(len(counts), 1)
    fraction = math.ceil(100 * need / n) / 100
    if fraction < 1 and _split_problem(fraction, y, task) is None:
        return fraction
    return None


def _validation_fraction(args, y):
    """The validation fraction to train with (None: no split), said in a line."""
    requested = args.validation_fraction
    if requested == 0:
        return None
    fraction = DEFAULT_FRACTION if requested is None else requested
    problem = _split_problem(fraction, y, args.task)
    if problem is None:
        return fraction
    if requested is None:  # the default: small data trains on every clip
        _say(
            f"train: too few clips to hold out {_pct(fraction)} for validation "
            f"({problem}); training on all {len(y)}, without a validation report"
        )
        return None
    better = _feasible_fraction(y, args.task)
    options = [f"--validation-fraction {better:g}"] if better else []
    if args.task == "genre" and min(_class_counts(y).values()) < 2:
        options.append("--min-count 2 (leaves out classes of one clip)")
    options.append("--validation-fraction 0 (no validation split)")
    raise CLIError(
        f"--validation-fraction {requested:g}: {problem}; use " + ", or ".join(options)
    )


def _check_cv(args, y):
    """An error naming options the user can type, when --cv K cannot split y."""
    k = args.cv
    if args.task != "genre":
        if k > len(y):
            raise CLIError(
                f"--cv {k} needs at least {k} clips; DATA_DIR has {len(y)}: "
                f"use --cv {len(y)} or fewer"
            )
        return
    counts = _class_counts(y)
    smallest = min(counts, key=counts.get)
    if counts[smallest] >= k:
        return
    options = [f"--cv {counts[smallest]}"] if counts[smallest] >= 2 else []
    if sum(n >= k for n in counts.values()) >= 2:
        options.append(
            f"--min-count {k} (leaves out the classes with fewer than {k} clips)"
        )
    if not options:
        options.append("more clips of every class")
    raise CLIError(
        f"--cv {k} needs at least {k} clips of every class (each fold holds "
        f"out one); class {smallest!r} has {counts[smallest]}: use "
        + ", or ".join(options)
    )


def _apply_min_count(args, X, y, labels_file):
    from ..datasets import merge_classes

    counts = _class_counts(y)
    dropped = {c: k for c, k in counts.items() if k < args.min_count}
    kept = len(counts) - len(dropped)
    if kept < 2:
        raise CLIError(
            f"--min-count {args.min_count} leaves {kept} class(es) of "
            f"'{labels_file}' (largest: {max(counts.values())} clips); a genre "
            "classifier needs 2: use a smaller --min-count"
        )
    if not dropped:
        return X, y
    X, y = merge_classes(X, y, min_count=args.min_count)
    shown = ", ".join(f"{c!r} ({k})" for c, k in sorted(dropped.items()))
    _say(
        f"train: --min-count {args.min_count} leaves out {len(dropped)} "
        f"class(es): {shown}; {len(y)} clips of {kept} classes left"
    )
    return X, y


# ---------------------------------------------------------------------------
# report, curves, model file


def _report(task, y_true, y_pred, target_names, title):
    print(title)
    if task == "genre":
        from sklearn.metrics import accuracy_score, classification_report

        print(classification_report(y_true, y_pred, zero_division=0))
        print(f"accuracy: {accuracy_score(y_true, y_pred):.3f}")
        return
    from ..metrics import spearman_score

    rhos = spearman_score(y_true, y_pred, multioutput="raw_values")
    width = max(len(n) for n in target_names + ["mean"])
    print(f"{'target':<{width}}  Spearman rho")
    for name, rho in zip(target_names, rhos, strict=True):
        print(f"{name:<{width}}  {rho:+.3f}")
    print(f"{'mean':<{width}}  {rhos.mean():+.3f}")


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


def _save(args, pipe, metadata):
    """Write the model file: save_model's format, or a pickle with --pickle."""
    out = Path(args.output)
    if out.is_dir():
        raise CLIError(
            f"-o '{out}' is a folder; give a file name such as '{out}/model.pt'"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
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
    import numpy as np
    from sklearn.pipeline import Pipeline

    from .. import __version__, nets
    from ..preprocessing import PadTruncate

    _check_device(args.device)
    if args.min_count and args.task != "genre":
        raise CLIError(
            "--min-count applies to --task genre (it leaves out rare classes)"
        )
    bunch = _load_split(args.data_dir, args.task, "train", args.feature)
    labels_file = Path(args.data_dir) / "train_labels.txt"
    if bunch.target is None:
        kind = "Id<TAB>Genre" if args.task == "genre" else "Id,<target>,..."
        raise CLIError(
            f"'{labels_file}' does not exist: training needs labels ({kind}); "
            f"for --task {args.task} point DATA_DIR at a folder such as "
            f"OUT_DIR/{'genre' if args.task == 'genre' else 'multitask'}"
        )
    X, y = bunch.data, bunch.target
    if args.task == "genre":
        pairs = _case_clashes(np.unique(y).tolist())
        if pairs:
            _say(
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
    else:
        target_names = list(bunch.target_names)
    lengths = [len(S) for S in X]
    _say(
        f"train: {len(X)} clips from '{args.data_dir}' ({args.feature}, "
        f"{X[0].shape[1]} bins, {min(lengths)}-{max(lengths)} frames); "
        + (
            f"classes: {', '.join(target_names)}"
            if args.task == "genre"
            else f"targets: {', '.join(target_names)}"
        )
    )
    if args.cv:
        _check_cv(args, y)
    fraction = _validation_fraction(args, y)
    estimator = getattr(nets, _ESTIMATORS[args.model, args.task])(
        max_epochs=args.max_epochs,
        validation_fraction=fraction,
        device=args.device,
        random_state=args.random_state,
        verbose=int(args.verbose),
    )
    steps = [("crop", PadTruncate(max_len=args.max_len))] if args.max_len else []
    pipe = Pipeline(steps + [("model", estimator)])

    if args.cv:
        from sklearn.base import clone
        from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

        splitter = StratifiedKFold if args.task == "genre" else KFold
        cv = splitter(args.cv, shuffle=True, random_state=args.random_state)
        _say(
            f"train: {args.cv}-fold cross-validation of {type(estimator).__name__} "
            "(each fold trains on all its training clips) ..."
        )
        start = time.perf_counter()
        fold_pipe = clone(pipe).set_params(model__validation_fraction=None)
        y_pred = cross_val_predict(fold_pipe, X, y, cv=cv)
        _say(f"train: cross-validation done ({time.perf_counter() - start:.0f} s)")
        y_true = y
    held_out = (
        f"{_pct(fraction)} held out for validation"
        if fraction
        else "no validation split"
    )
    _say(
        f"train: fitting {type(estimator).__name__} on {len(X)} clips "
        f"({held_out}, {_plural(args.max_epochs, 'epoch')}) ..."
    )
    start = time.perf_counter()
    pipe.fit(X, y)
    model = pipe[-1]
    _say(
        f"train: {model.n_epochs_} epoch(s) in {time.perf_counter() - start:.0f} s "
        f"on {model.device_}"
    )
    if args.cv:
        _report(
            args.task,
            y_true,
            y_pred,
            target_names,
            f"{args.cv}-fold cross-validated predictions ({len(X)} clips):",
        )
    elif fraction:
        # the clips the network held out for validation: skorch's split of the
        # same data with the same seed (net_.train_split is deterministic)
        _, valid = model.net_.train_split(np.arange(len(X)), y=np.asarray(y))
        idx = np.asarray(valid.indices)
        _report(
            args.task,
            y[idx],
            pipe.predict([X[i] for i in idx]),
            target_names,
            f"held-out validation clips ({len(idx)} of {len(X)}):",
        )
    else:
        counts = _class_counts(y) if args.task == "genre" else {None: len(y)}
        k = min(5, min(counts.values()))
        hint = f" (--cv {k} gives cross-validated scores)" if k >= 2 else ""
        print(f"no validation report: all {len(X)} clips were used for training{hint}")

    metadata = {
        "command": "spectroclf train",
        "task": args.task,
        "feature": args.feature,
        "target_names": target_names,
        "n_bins": int(model.n_features_in_),
        "max_len": args.max_len,
        "spectroclf_version": __version__,
    }
    out = _save(args, pipe, metadata)
    png = out.with_suffix(".png")
    _plot_learning_curves(
        model,
        png,
        f"{type(model).__name__} on {Path(args.data_dir).name or args.data_dir}"
        f" ({args.feature})",
        validated=bool(fraction),
    )
    print(f"model saved to {out}")
    print(f"learning curves saved to {png}")
    return 0
