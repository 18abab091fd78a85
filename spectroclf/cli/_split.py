"""How much of a small training set ``train`` can hold out: the validation
split and cross-validation the estimators would make, checked before training,
with errors that name options the user can type."""

import math

from ._common import CLIError, _pct

#: validation fraction of ``train`` when the data allow one
DEFAULT_FRACTION = 0.2


def _class_counts(y):
    import numpy as np

    classes, counts = np.unique(y, return_counts=True)
    return dict(zip(classes.tolist(), counts.tolist(), strict=True))


def _split_problem(fraction, y, task):
    """Why ``fraction`` cannot be held out of ``y`` (None: it can).

    Mirrors the validation split of the estimators (scikit-learn's
    (Stratified)ShuffleSplit: ``ceil(fraction * n)`` clips held out; for
    genre at least one of every class on each side, two clips of every
    class; for emotion two validation clips, which Spearman's rho needs).
    """
    n = len(y)
    n_valid = math.ceil(fraction * n)
    n_train = n - n_valid
    if task != "genre":
        if n_valid < 2:
            return (
                f"{_pct(fraction)} of {n} clips is {n_valid}; Spearman's rho of "
                "the validation clips needs 2"
            )
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
    n, need = len(y), max(len(counts), 2)
    fraction = math.ceil(100 * need / n) / 100
    if fraction < 1 and _split_problem(fraction, y, task) is None:
        return fraction
    return None


def _validation_fraction(args, y, task):
    """The validation fraction to train with (None: no split); a fallback to no
    split is added to ``args.notices``, to be said after the settings."""
    requested = args.validation_fraction
    if requested == 0:
        if args.early_stopping:
            raise CLIError(
                "--early-stopping needs a validation split; leave out "
                "--validation-fraction 0"
            )
        return None
    fraction = DEFAULT_FRACTION if requested is None else requested
    problem = _split_problem(fraction, y, task)
    if problem is None:
        return fraction
    if requested is None and not args.early_stopping:
        # the default: small data trains on every clip, said after the settings
        args.notices.append(
            f"train: too few clips to hold out {_pct(fraction)} for validation "
            f"({problem}); training on all {len(y)}, without a validation report"
        )
        return None
    better = _feasible_fraction(y, task)
    options = [f"--validation-fraction {better:g}"] if better else []
    if task == "genre" and min(_class_counts(y).values()) < 2:
        options.append("--min-count 2 (leaves out classes of one clip)")
    if args.early_stopping:
        options.append("no --early-stopping")
        what = f"--early-stopping (validation fraction {fraction:g})"
    else:
        options.append("--validation-fraction 0 (no validation split)")
        what = f"--validation-fraction {requested:g}"
    raise CLIError(f"{what}: {problem}; use " + ", or ".join(options))


def _check_cv(args, y, task):
    """An error naming options the user can type, when --cv K cannot split y."""
    k = args.cv
    if task != "genre":
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
    args.notices.append(
        f"train: --min-count {args.min_count} leaves out {len(dropped)} "
        f"class(es): {shown}; {len(y)} clips of {kept} classes left"
    )
    return X, y
