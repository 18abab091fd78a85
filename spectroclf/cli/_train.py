"""``spectroclf train DATA_DIR -o model.pkl``: fit an LSTM/CNN, report, save it."""

import time
from pathlib import Path

from ._common import CLIError, _add_command, _load_split, _positive_int, _say

EPILOG = """\
DATA_DIR holds train/ and train_labels.txt (a folder written by 'extract',
e.g. OUT_DIR/genre_beat). 20% of the clips are held out as validation data:
the learning curves (MODEL.png beside MODEL.pkl) and the printed report use
them, or use --cv K for a K-fold cross-validated report (K + 1 fits). The
model file holds a dict {"model": fitted Pipeline, "task", "feature",
"target_names", "n_bins", "spectroclf_version"} (load it with joblib.load;
unpickling runs code: load only files you trust).

examples:
  spectroclf train lab/genre_beat --model lstm --feature fused --task genre -o genre.pkl
  spectroclf train lab/genre --model cnn --feature mel --task genre \\
      --max-len 256 --max-epochs 20 -o cnn.pkl
  spectroclf train lab/multitask_beat --model lstm --feature fused \\
      --task emotion --cv 5 -o emotion.pkl
"""

_ESTIMATORS = {
    ("lstm", "genre"): "LSTMClassifier",
    ("lstm", "emotion"): "LSTMRegressor",
    ("cnn", "genre"): "CNNClassifier",
    ("cnn", "emotion"): "CNNRegressor",
}


def add_parser(subparsers, common):
    p = _add_command(
        subparsers,
        "train",
        common,
        epilog=EPILOG,
        help="train an LSTM or CNN, report its scores and save it",
        description="Train a genre classifier or an emotion regressor on "
        "DATA_DIR/train, print a classification report (genre) or Spearman's "
        "rho per target (emotion), and save the fitted pipeline and its "
        "learning curves.",
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
        metavar="MODEL.pkl",
        help="where to save the model (the learning curves go to MODEL.png)",
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
        "--cv",
        type=_positive_int,
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


def _plot_learning_curves(estimator, path, title):
    """Save the estimator's learning curves as a PNG (an Agg canvas, no pyplot figure)."""
    from matplotlib.figure import Figure

    from ..plotting import plot_history

    fig = Figure(figsize=(9, 3.6), layout="constrained")
    # validation_fraction is set, so both panels (loss, validation score) exist
    plot_history(estimator, metrics=("loss", "acc"), ax=fig.subplots(1, 2))
    fig.suptitle(title)
    fig.savefig(path, dpi=100)


def _cmd_train(args):
    import joblib
    import numpy as np
    from sklearn.pipeline import Pipeline

    from .. import __version__, nets
    from ..preprocessing import PadTruncate

    bunch = _load_split(args.data_dir, args.task, "train", args.feature)
    if bunch.target is None:
        kind = "Id<TAB>Genre" if args.task == "genre" else "Id,<target>,..."
        raise CLIError(
            f"'{Path(args.data_dir) / 'train_labels.txt'}' does not exist: training "
            f"needs labels ({kind}); for --task {args.task} point DATA_DIR at a "
            f"folder such as OUT_DIR/{'genre' if args.task == 'genre' else 'multitask'}"
        )
    X, y = bunch.data, bunch.target
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
    estimator = getattr(nets, _ESTIMATORS[args.model, args.task])(
        max_epochs=args.max_epochs,
        validation_fraction=0.2,
        device=args.device,
        random_state=args.random_state,
        verbose=int(args.verbose),
    )
    steps = [("crop", PadTruncate(max_len=args.max_len))] if args.max_len else []
    pipe = Pipeline(steps + [("model", estimator)])

    if args.cv:
        from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

        splitter = StratifiedKFold if args.task == "genre" else KFold
        cv = splitter(args.cv, shuffle=True, random_state=args.random_state)
        _say(
            f"train: {args.cv}-fold cross-validation of {type(estimator).__name__} ..."
        )
        start = time.perf_counter()
        y_pred = cross_val_predict(pipe, X, y, cv=cv)
        _say(f"train: cross-validation done ({time.perf_counter() - start:.0f} s)")
        y_true = y
    _say(
        f"train: fitting {type(estimator).__name__} on {len(X)} clips "
        f"(validation_fraction=0.2, max_epochs={args.max_epochs}) ..."
    )
    start = time.perf_counter()
    pipe.fit(X, y)
    model = pipe[-1]
    _say(
        f"train: {model.n_epochs_} epoch(s) in {time.perf_counter() - start:.0f} s "
        f"on {model.device_}"
    )
    if args.cv:
        title = f"{args.cv}-fold cross-validated predictions ({len(X)} clips):"
    else:
        # the clips the network held out for validation: skorch's split of the
        # same data with the same seed (net_.train_split is deterministic)
        _, valid = model.net_.train_split(np.arange(len(X)), y=np.asarray(y))
        idx = np.asarray(valid.indices)
        y_true = y[idx]
        y_pred = pipe.predict([X[i] for i in idx])
        title = f"held-out validation clips ({len(idx)} of {len(X)}):"
    _report(args.task, y_true, y_pred, target_names, title)

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    bundle = {
        "model": pipe,
        "task": args.task,
        "feature": args.feature,
        "target_names": target_names,
        "n_bins": int(model.n_features_in_),
        "spectroclf_version": __version__,
    }
    joblib.dump(bundle, out)
    png = out.with_suffix(".png")
    _plot_learning_curves(
        model,
        png,
        f"{type(model).__name__} on {Path(args.data_dir).name or args.data_dir}"
        f" ({args.feature})",
    )
    print(f"model saved to {out}")
    print(f"learning curves saved to {png}")
    return 0
