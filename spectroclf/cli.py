"""The ``spectroclf`` command line: a thin layer of argparse over the public API.

Subcommands::

    spectroclf extract AUDIO_DIR OUT_DIR    audio files -> lab-layout spectrograms
    spectroclf train DATA_DIR -o model.pkl  fit an LSTM/CNN, report, save it
    spectroclf predict model.pkl DATA_DIR   write a submission file (Id,Genre | Id,<targets>)
    spectroclf demo                         synthetic music -> LSTM genre classifier
    spectroclf tag AUDIO...                 top musicnn tags of each clip

``main(argv)`` returns the exit status: 0 on success, 1 when ``extract``
could not decode some clips (the others are written), 2 on a usage or input
error, reported as one line ``spectroclf: error: ...`` on stderr (``--debug``
shows the traceback instead).
"""

import argparse
import csv
import os
import re
import shutil
import sys
import time
import warnings
from pathlib import Path

from . import __version__
from ._io import atomic_write

__all__ = ["main"]

AUDIO_SUFFIXES = (".ogg", ".wav", ".mp3", ".flac")
SUFFIX = ".fused.full.npy.gz"
_INT_RE = re.compile(r"[+-]?\d+")


class _Formatter(argparse.HelpFormatter):
    """Wrap one-line descriptions; print multi-line epilogs (examples) as written."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class CLIError(Exception):
    """An input problem reported as one ``spectroclf: error:`` line (exit 2)."""


def _say(*parts):
    """A progress or notice line on stderr."""
    print(*parts, file=sys.stderr, flush=True)


def _natural(sample_id):
    return (0, int(sample_id), "") if sample_id.isdigit() else (1, 0, sample_id)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value == 0:
        raise argparse.ArgumentTypeError("must be >= 1, or -1 for all cores")
    return value


# ---------------------------------------------------------------------------
# extract


def _list_audio(audio_dir):
    """AUDIO_DIR -> {id: path}; the id is the file name up to its first '.'."""
    d = Path(audio_dir)
    if not d.exists():
        raise CLIError(f"audio folder '{d}' does not exist")
    if not d.is_dir():
        raise CLIError(
            f"'{d}' is not a folder; AUDIO_DIR must be a folder of audio files"
        )
    files = sorted(
        p
        for p in d.iterdir()
        if p.suffix.lower() in AUDIO_SUFFIXES
        and not p.name.startswith(".")
        and p.is_file()
    )
    if not files:
        raise CLIError(
            f"audio folder '{d}' holds no audio files "
            f"(looked for {', '.join('*' + s for s in AUDIO_SUFFIXES)})"
        )
    by_id = {}
    for p in files:
        sid = p.name.split(".", 1)[0]
        if any(c in sid for c in ",\t\r\n"):
            raise CLIError(
                f"audio file '{p}': its id {sid!r} holds a comma, TAB or newline, "
                "which the labels files cannot hold; rename the file"
            )
        if sid in by_id:
            raise CLIError(
                f"audio files '{by_id[sid].name}' and '{p.name}' in '{d}' share the id "
                f"{sid!r} (the name up to its first '.'); keep one file per id"
            )
        by_id[sid] = p
    return by_id


def _read_clip_table(csv_path, audio, targets):
    """Read the --labels CSV.

    Returns ``(clips, target_names, has_genre)`` where ``clips`` is a list of
    ``(id, path, split, genre or None, target row or None)``.
    """
    path = Path(csv_path)
    if not path.is_file():
        raise CLIError(f"labels CSV '{path}' does not exist")
    with open(path, newline="", encoding="utf-8-sig") as f:
        table = [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
    if not table:
        raise CLIError(f"labels CSV '{path}' is empty; expected a header line")
    header = [h.strip() for h in table[0]]
    rows = table[1:]
    lower = [h.lower() for h in header]
    for lineno, row in enumerate(rows, 2):
        if len(row) != len(header):
            raise CLIError(
                f"labels CSV '{path}' line {lineno}: {len(row)} fields, but the header "
                f"has {len(header)} ({', '.join(header)})"
            )
    if "id" not in lower:
        raise CLIError(
            f"labels CSV '{path}' has no 'id' column (columns: {', '.join(header)}); "
            "it needs 'id' (the audio file name without extension) and 'genre', "
            "'split' and/or float emotion columns"
        )
    col = {
        name: lower.index(name) for name in ("id", "genre", "split") if name in lower
    }
    cells = {j: [row[j].strip() for row in rows] for j in range(len(header))}

    if targets is not None:
        names = [t.strip() for t in targets.split(",") if t.strip()]
        missing = [t for t in names if t not in header]
        if missing:
            raise CLIError(
                f"--targets column(s) {missing} are not in labels CSV '{path}' "
                f"(columns: {', '.join(header)})"
            )
        target_cols = [header.index(t) for t in names]
    else:
        target_cols, ignored = [], []
        for j, name in enumerate(header):
            if j in col.values():
                continue
            values = [v for v in cells[j] if v]
            if not values:
                ignored.append(f"{name!r} (empty)")
                continue
            try:
                [float(v) for v in values]
            except ValueError:
                ignored.append(f"{name!r} (not numbers)")
                continue
            if all(_INT_RE.fullmatch(v) for v in values):
                ignored.append(f"{name!r} (integers, e.g. counts)")
                continue
            target_cols.append(j)
        if ignored:
            _say(
                f"extract: ignoring column(s) {', '.join(ignored)} of '{path}'; "
                "choose the emotion columns with --targets"
            )
    if "genre" not in col and not target_cols:
        raise CLIError(
            f"labels CSV '{path}' has no label columns (columns: {', '.join(header)}); "
            "expected 'genre' and/or float emotion columns"
        )

    clips, seen = [], {}
    for i, lineno in enumerate(range(2, len(rows) + 2)):
        sid = cells[col["id"]][i]
        if not sid:
            raise CLIError(f"labels CSV '{path}' line {lineno}: empty id")
        if sid in seen:
            raise CLIError(
                f"labels CSV '{path}' line {lineno}: duplicate id {sid!r} "
                f"(first on line {seen[sid]})"
            )
        seen[sid] = lineno
        split = cells[col["split"]][i] if "split" in col else "train"
        if not split or any(c in split for c in "/\\.") or split.endswith("_labels"):
            raise CLIError(
                f"labels CSV '{path}' line {lineno}: split {split!r} is not a plain "
                "folder name such as 'train' or 'test'"
            )
        genre = (cells[col["genre"]][i] or None) if "genre" in col else None
        row = None
        if target_cols:
            values = [cells[j][i] for j in target_cols]
            if any(values):
                try:
                    row = [float(v) for v in values]
                except ValueError:
                    bad = [
                        header[j]
                        for j, v in zip(target_cols, values, strict=True)
                        if not _is_float(v)
                    ]
                    raise CLIError(
                        f"labels CSV '{path}' line {lineno} (id {sid!r}): column(s) "
                        f"{bad} are empty or not numbers; give all emotion values of "
                        "a clip or none"
                    ) from None
        clips.append((sid, audio.get(sid), split, genre, row))

    unmatched = [sid for sid, p, *_ in clips if p is None]
    if unmatched:
        shown = ", ".join(repr(s) for s in unmatched[:10])
        more = f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else ""
        raise CLIError(
            f"{len(unmatched)} id(s) of labels CSV '{path}' match no audio file: "
            f"{shown}{more} (an id is the audio file name without extension)"
        )
    extra = sorted(set(audio) - set(seen), key=_natural)
    if extra:
        shown = ", ".join(audio[s].name for s in extra[:5])
        more = f" and {len(extra) - 5} more" if len(extra) > 5 else ""
        _say(
            f"extract: {len(extra)} audio file(s) not in '{path}' are skipped: {shown}{more}"
        )

    # a split's labels: every clip labelled, or none (an unlabelled test split)
    for what, k in (("genre", 3), ("emotion values", 4)):
        for split in sorted({c[2] for c in clips}):
            part = [c for c in clips if c[2] == split]
            missing = [c[0] for c in part if c[k] is None]
            if missing and len(missing) < len(part):
                raise CLIError(
                    f"labels CSV '{path}': {len(missing)} clip(s) of split {split!r} "
                    f"have no {what} ({', '.join(missing[:5])}), the others do; label "
                    "every clip of a split, or none (an unlabelled split)"
                )
    target_names = [header[j] for j in target_cols]
    return clips, target_names, "genre" in col


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _extract_clip(path, sid, split, full_dir, beat_dir):
    """Worker: one audio file -> full-length and beat-synced arrays on disk.

    Returns ``(sid, error message or None, seconds)``.
    """
    from . import datasets, features

    start = time.perf_counter()
    try:
        y = features.load_audio(path)
        S = features.fused_spectrogram(y=y)
        S_beat = features.beat_sync(S, features.beat_frames(y=y))
        # full-length first: a clip counts as done once its beat-synced file exists
        datasets.write_lab_layout(full_dir, [S], [sid], split=split, suffix=SUFFIX)
        datasets.write_lab_layout(beat_dir, [S_beat], [sid], split=split, suffix=SUFFIX)
    except (ValueError, OSError) as exc:
        return sid, str(exc), time.perf_counter() - start
    return sid, None, time.perf_counter() - start


def _link_split(target, link):
    """``link`` -> ``target`` as a relative symbolic link (a copy if links fail)."""
    if link.is_symlink():
        return
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.symlink(
                os.path.relpath(target, link.parent), link, target_is_directory=True
            )
            return
        except OSError:
            pass
    shutil.copytree(target, link, dirs_exist_ok=True)


def _cmd_extract(args):
    from joblib import Parallel, delayed

    audio = _list_audio(args.audio_dir)
    out = Path(args.out_dir)
    if out.exists() and not out.is_dir():
        raise CLIError(f"OUT_DIR '{out}' exists and is not a folder")
    if args.labels is None:
        if args.targets is not None:
            raise CLIError("--targets needs --labels CSV")
        clips = [(sid, p, "train", None, None) for sid, p in audio.items()]
        target_names, kinds = [], [("full", "beat")]
    else:
        clips, target_names, has_genre = _read_clip_table(
            args.labels, audio, args.targets
        )
        kinds = ([("genre", "genre_beat")] if has_genre else []) + (
            [("multitask", "multitask_beat")] if target_names else []
        )
    clips.sort(key=lambda c: (c[2], _natural(c[0])))
    full_dir, beat_dir = out / kinds[0][0], out / kinds[0][1]

    def done(sid, split):
        return all(
            (d / split / f"{sid}{SUFFIX}").is_file() for d in (full_dir, beat_dir)
        )

    todo = [c for c in clips if not done(c[0], c[2])]
    _say(
        f"extract: {len(clips)} clip(s) from '{args.audio_dir}', "
        f"{len(clips) - len(todo)} already done, {len(todo)} to extract "
        f"(n_jobs={args.n_jobs})"
    )
    failed = {}
    if todo:
        jobs = (
            delayed(_extract_clip)(str(path), sid, split, full_dir, beat_dir)
            for sid, path, split, _, _ in todo
        )
        results = Parallel(n_jobs=args.n_jobs, return_as="generator")(jobs)
        names = {c[0]: c[1].name for c in todo}
        start, step, tty = (
            time.perf_counter(),
            max(1, len(todo) // 10),
            sys.stderr.isatty(),
        )
        for i, (sid, error, seconds) in enumerate(results, 1):
            if error is not None:
                failed[sid] = error
            elapsed = time.perf_counter() - start
            if args.verbose:
                status = "FAILED" if error else f"{seconds:.1f} s"
                _say(f"[{i}/{len(todo)}] {names[sid]}: {status}")
            elif tty:
                end = "\n" if i == len(todo) else ""
                print(
                    f"\rextract: {i}/{len(todo)} clips ({elapsed:.0f} s)",
                    end=end,
                    file=sys.stderr,
                    flush=True,
                )
            elif i % step == 0 or i == len(todo):
                _say(f"extract: {i}/{len(todo)} clips ({elapsed:.0f} s)")

    # labels files list the clips whose arrays exist (failures excluded)
    ok = [c for c in clips if c[0] not in failed and done(c[0], c[2])]
    splits = sorted({c[2] for c in ok})
    for kind, beat_kind in kinds:
        for split in splits:
            part = [c for c in ok if c[2] == split]
            lines = None
            if kind == "genre" and part[0][3] is not None:
                lines = ["Id\tGenre"] + [f"{c[0]}{SUFFIX}\t{c[3]}" for c in part]
            elif kind == "multitask" and part[0][4] is not None:
                lines = ["Id," + ",".join(target_names)] + [
                    c[0] + "," + ",".join(repr(v) for v in c[4]) for c in part
                ]
            data = None if lines is None else ("\n".join(lines) + "\n").encode()
            for name in (kind, beat_kind):
                d = out / name
                if d not in (full_dir, beat_dir):  # shares the first kind's arrays
                    _link_split(
                        full_dir / split if name == kind else beat_dir / split,
                        d / split,
                    )
                if data is not None:
                    atomic_write(d / f"{split}_labels.txt", lambda f, data=data: f.write(data))

    n_new = len(todo) - len(failed)
    print(
        f"extracted {n_new} clip(s), kept {len(clips) - len(todo)} already done, "
        f"into '{out}'" + (":" if splits else "")
    )
    for kind, beat_kind in kinds if splits else []:
        for name, what in ((kind, "full-length"), (beat_kind, "beat-synced")):
            labelled = sorted(
                s for s in splits if (out / name / f"{s}_labels.txt").is_file()
            )
            print(
                f"  {out / name}/{{{','.join(splits)}}}/  {what} arrays"
                + (
                    f"; labels: {', '.join(s + '_labels.txt' for s in labelled)}"
                    if labelled
                    else "; unlabelled"
                )
            )
    if failed:
        for _, error in sorted(failed.items(), key=lambda kv: _natural(kv[0])):
            _say(f"spectroclf: error: {error}")
        _say(
            f"spectroclf: error: {len(failed)} of {len(clips)} clip(s) failed and were "
            "left out (the others are written; run again to retry only the missing ones)"
        )
        return 1
    return 0


# ---------------------------------------------------------------------------
# train / predict

_ESTIMATORS = {
    ("lstm", "genre"): "LSTMClassifier",
    ("lstm", "emotion"): "LSTMRegressor",
    ("cnn", "genre"): "CNNClassifier",
    ("cnn", "emotion"): "CNNRegressor",
}


def _load_split(data_dir, task, split, feature):
    from . import datasets

    loader = (
        datasets.load_genre_spectrograms
        if task == "genre"
        else datasets.load_multitask_spectrograms
    )
    return loader(data_dir, split=split, feature=feature)


def _report(task, y_true, y_pred, target_names, title):
    print(title)
    if task == "genre":
        from sklearn.metrics import accuracy_score, classification_report

        print(classification_report(y_true, y_pred, zero_division=0))
        print(f"accuracy: {accuracy_score(y_true, y_pred):.3f}")
        return
    from .metrics import spearman_score

    rhos = spearman_score(y_true, y_pred, multioutput="raw_values")
    width = max(len(n) for n in target_names + ["mean"])
    print(f"{'target':<{width}}  Spearman rho")
    for name, rho in zip(target_names, rhos, strict=True):
        print(f"{name:<{width}}  {rho:+.3f}")
    print(f"{'mean':<{width}}  {rhos.mean():+.3f}")


def _plot_learning_curves(estimator, path, title):
    """Save the estimator's learning curves as a PNG (an Agg canvas, no pyplot figure)."""
    from matplotlib.figure import Figure

    from .plotting import plot_history

    fig = Figure(figsize=(9, 3.6), layout="constrained")
    # validation_fraction is set, so both panels (loss, validation score) exist
    plot_history(estimator, metrics=("loss", "acc"), ax=fig.subplots(1, 2))
    fig.suptitle(title)
    fig.savefig(path, dpi=100)


def _cmd_train(args):
    import joblib
    import numpy as np
    from sklearn.pipeline import Pipeline

    from . import estimators
    from .preprocessing import PadTruncate

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
    estimator = getattr(estimators, _ESTIMATORS[args.model, args.task])(
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


def _load_model(path):
    import joblib

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


# ---------------------------------------------------------------------------
# demo / tag


def _cmd_demo(args):
    import numpy as np
    import torch
    from sklearn.dummy import DummyClassifier
    from sklearn.metrics import accuracy_score, classification_report
    from sklearn.model_selection import train_test_split

    from .datasets import make_music
    from .estimators import LSTMClassifier
    from .preprocessing import SpectrogramExtractor

    total = time.perf_counter()
    rs = args.random_state
    start = time.perf_counter()
    music = make_music(args.n_samples, duration=args.duration, random_state=rs)
    print(
        f"[demo] generated {len(music.data)} synthetic clips of {args.duration:g} s "
        f"({', '.join(music.target_names)}) in {time.perf_counter() - start:.1f} s"
    )
    start = time.perf_counter()
    specs = SpectrogramExtractor(feature="mel").fit_transform(music.data)
    print(
        f"[demo] extracted log-mel spectrograms {specs[0].shape} "
        f"(frames x bins) in {time.perf_counter() - start:.1f} s"
    )
    X_train, X_test, y_train, y_test = train_test_split(
        specs, music.target, test_size=0.25, stratify=music.target, random_state=rs
    )
    start = time.perf_counter()
    # one torch thread: for a network this small, more threads only add
    # synchronisation (on a busy 2-core machine 2 threads were 20x slower)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        clf = LSTMClassifier(
            hidden_size=16,
            max_epochs=args.max_epochs,
            lr=3e-3,
            random_state=rs,
            device="cpu",
        ).fit(X_train, y_train)
    finally:
        torch.set_num_threads(threads)
    print(
        f"[demo] trained an LSTMClassifier on {len(X_train)} clips for "
        f"{clf.n_epochs_} epochs in {time.perf_counter() - start:.1f} s"
    )
    y_pred = clf.predict(X_test)
    baseline = DummyClassifier(strategy="most_frequent").fit(
        np.zeros((len(y_train), 1)), y_train
    )
    base_acc = accuracy_score(y_test, baseline.predict(np.zeros((len(y_test), 1))))
    print(f"\ntest set ({len(X_test)} clips):")
    print(classification_report(y_test, y_pred, zero_division=0))
    print(
        f"accuracy: {accuracy_score(y_test, y_pred):.3f}  "
        f"(majority-class baseline: {base_acc:.3f})"
    )
    print(f"[demo] done in {time.perf_counter() - total:.1f} s")
    return 0


def _cmd_tag(args):
    from .embedding import predict_tags

    tags = predict_tags(args.audio, model=args.model, top_n=args.top)
    for path, clip_tags in zip(args.audio, tags, strict=True):
        print(f"{path}: " + ", ".join(f"{tag} ({p:.2f})" for tag, p in clip_tags))
    return 0


# ---------------------------------------------------------------------------
# parser

_EXTRACT_EPILOG = """\
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
      --task genre -o genre.pkl
"""

_TRAIN_EPILOG = """\
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

_PREDICT_EPILOG = """\
Writes one line per file of DATA_DIR/SPLIT/, comma-separated: header Id,Genre
(genre models) or Id,<target names> (emotion models); Id is the file name,
e.g. 123.fused.full.npy.gz. Labels are not needed.

examples:
  spectroclf predict genre.pkl lab/genre_beat -o solution.txt
  spectroclf predict emotion.pkl lab/multitask_beat --split test -o emotion.txt
"""

_DEMO_EPILOG = """\
Generates synthetic music (spectroclf.datasets.make_music), extracts log-mel
spectrograms, trains a small LSTMClassifier on 75% of the clips and reports
on the other 25%, against the majority-class baseline.

examples:
  spectroclf demo
  spectroclf demo --n-samples 200 --random-state 1
"""

_TAG_EPILOG = """\
Prints the most likely tags of each clip from a pretrained musicnn
(probabilities averaged over the clip's 3-s patches).

examples:
  spectroclf tag song.ogg
  spectroclf tag *.ogg --model MTT_musicnn --top 5
"""


def build_parser():
    """The argparse parser of the ``spectroclf`` command."""
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

    p = sub.add_parser(
        "extract",
        parents=[common],
        formatter_class=_Formatter,
        epilog=_EXTRACT_EPILOG,
        help="audio files -> spectrograms in the lab layout",
        description="Compute fused (128 log-mel + 12 chroma) spectrograms, "
        "full-length and beat-synced, of every audio file (ogg, wav, mp3, flac) "
        "of AUDIO_DIR, and write them in the lab's layout under OUT_DIR.",
    )
    p.add_argument("audio_dir", metavar="AUDIO_DIR", help="folder of audio files")
    p.add_argument("out_dir", metavar="OUT_DIR", help="output folder (created)")
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
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser(
        "train",
        parents=[common],
        formatter_class=_Formatter,
        epilog=_TRAIN_EPILOG,
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

    p = sub.add_parser(
        "predict",
        parents=[common],
        formatter_class=_Formatter,
        epilog=_PREDICT_EPILOG,
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

    p = sub.add_parser(
        "demo",
        parents=[common],
        formatter_class=_Formatter,
        epilog=_DEMO_EPILOG,
        help="synthetic music -> LSTM genre classifier, end to end",
        description="Generate synthetic music, train an LSTMClassifier on log-mel "
        "spectrograms and report its test accuracy (no data needed).",
    )
    p.add_argument(
        "--n-samples",
        type=_positive_int,
        default=80,
        metavar="N",
        help="number of clips (default 80)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="clip length (default 2)",
    )
    p.add_argument(
        "--max-epochs",
        type=_positive_int,
        default=8,
        metavar="N",
        help="training epochs (default 8)",
    )
    p.add_argument(
        "--random-state", type=int, default=0, metavar="S", help="seed (default 0)"
    )
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "tag",
        parents=[common],
        formatter_class=_Formatter,
        epilog=_TAG_EPILOG,
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
        0 on success, 1 when ``extract`` failed on some clips, 2 on a usage
        or input error (one ``spectroclf: error:`` line on stderr).

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
