"""Plots of spectrograms, class distributions, learning curves and results.

Every function draws into ``ax`` when given, creates a new figure
(``matplotlib.pyplot.subplots``) otherwise, and returns the matplotlib
object it drew on; nothing calls ``plt.show``. Spectrograms are time first,
``(n_frames, n_bins)``, as everywhere in spectroclf.
"""

import numpy as np

from . import features

__all__ = [
    "plot_spectrogram",
    "plot_class_distribution",
    "plot_history",
    "plot_confusion",
    "plot_predictions",
]

_FEATURES = ("mel", "chroma", "fused")


def _check_spectrogram(S, feature):
    if feature not in _FEATURES:
        raise ValueError(
            f"unknown feature {feature!r}; expected one of {list(_FEATURES)}"
        )
    S = np.asarray(S)
    if S.ndim != 2:
        raise ValueError(
            f"S must be a 2-D time-first (n_frames, n_bins) spectrogram, got shape "
            f"{S.shape}"
        )
    if S.shape[0] == 0 or S.shape[1] == 0:
        raise ValueError(f"S is empty (shape {S.shape})")
    n_bins = S.shape[1]
    if feature == "chroma" and n_bins != features.N_CHROMA:
        raise ValueError(
            f"a chroma spectrogram has {features.N_CHROMA} bins; S has shape "
            f"{S.shape}. Select the chroma columns first "
            "(spectroclf.features.select_feature(S, 'chroma'))"
        )
    if feature == "fused" and n_bins <= features.N_CHROMA:
        raise ValueError(
            f"a fused spectrogram has n_mels + {features.N_CHROMA} bins (140 by "
            f"default); S has shape {S.shape}"
        )
    return S.astype(np.float32, copy=False)


def _specshow(S, *, y_axis, sr, hop_length, ax, beat_synced, colorbar, label):
    import librosa.display

    x_axis = "frames" if beat_synced else "time"
    img = librosa.display.specshow(
        S.T, sr=sr, hop_length=hop_length, x_axis=x_axis, y_axis=y_axis, ax=ax
    )
    if beat_synced:
        ax.set_xlabel("beats")
    if colorbar:
        ax.figure.colorbar(
            img, ax=ax, format="%+2.0f dB" if y_axis == "mel" else None, label=label
        )
    return img


def plot_spectrogram(
    S,
    *,
    feature="mel",
    sr=features.SR,
    hop_length=features.HOP_LENGTH,
    ax=None,
    title=None,
    colorbar=True,
    beat_synced=False,
):
    """Show a time-first spectrogram with ``librosa.display.specshow``.

    Parameters
    ----------
    S : array-like of shape (n_frames, n_bins)
        Time-first spectrogram: log-mel in dB (``feature="mel"``, any number
        of bands), chroma (``"chroma"``, 12 bins) or fused (``"fused"``,
        ``n_mels`` mel columns then the 12 chroma ones).
    feature : {"mel", "chroma", "fused"}, default="mel"
        What ``S`` holds; selects the frequency axis (``y_axis="mel"`` or
        ``"chroma"``). A fused spectrogram is drawn as **two stacked
        panels**, mel on top, chroma below, sharing the time axis.
    sr : int, default=22050
        Sample rate, for the time and mel axes.
    hop_length : int, default=512
        Samples between frames, for the time axis.
    ax : matplotlib Axes, or a sequence of two Axes for ``"fused"``, default=None
        Where to draw; ``None`` creates a new figure.
    title : str or None, default=None
        Title of the (top) axes.
    colorbar : bool, default=True
        Add a colour bar (dB for mel).
    beat_synced : bool, default=False
        The frames are inter-beat segments, not equally spaced in time:
        the x axis counts them and is labelled ``"beats"``.

    Returns
    -------
    ax : matplotlib.axes.Axes or ndarray of shape (2,) of Axes
        The axes drawn on: one for mel and chroma, ``[mel_ax, chroma_ax]``
        for fused.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.plotting import plot_spectrogram
    >>> S = np.random.default_rng(0).uniform(-80, 0, (100, 128))
    >>> ax = plot_spectrogram(S, feature="mel", title="noise")
    >>> ax.get_title()
    'noise'
    """
    import matplotlib.pyplot as plt

    S = _check_spectrogram(S, feature)
    common = dict(
        sr=sr, hop_length=hop_length, beat_synced=beat_synced, colorbar=colorbar
    )
    if feature != "fused":
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3))
        elif not hasattr(ax, "figure"):
            raise TypeError(
                f"ax must be a matplotlib Axes for feature={feature!r}, got "
                f"{type(ax).__name__}"
            )
        _specshow(
            S,
            y_axis=feature,
            ax=ax,
            label="dB" if feature == "mel" else "chroma energy",
            **common,
        )
        if title is not None:
            ax.set_title(title)
        return ax

    n_mels = S.shape[1] - features.N_CHROMA
    if ax is None:
        _, ax = plt.subplots(
            2,
            1,
            figsize=(8, 5),
            sharex=True,
            height_ratios=[3, 1],
            layout="constrained",
        )
    axes = np.asarray(ax, dtype=object).ravel()
    if axes.shape != (2,) or not all(hasattr(a, "figure") for a in axes):
        raise ValueError(
            "for feature='fused', ax must be None or a sequence of two Axes "
            "(mel panel, chroma panel)"
        )
    _specshow(S[:, :n_mels], y_axis="mel", ax=axes[0], label="dB", **common)
    _specshow(
        S[:, n_mels:], y_axis="chroma", ax=axes[1], label="chroma energy", **common
    )
    axes[0].set_xlabel("")
    if title is not None:
        axes[0].set_title(title)
    return axes


def _check_labels(y, name):
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of class labels, got shape {y.shape}"
        )
    if y.size == 0:
        raise ValueError(f"{name} is empty: expected at least one label")
    return y


def plot_class_distribution(y, *, y_after=None, ax=None, title=None):
    """Bar chart of the number of samples per class.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    y_after : array-like of shape (n_samples_after,) or None, default=None
        Labels after merging or dropping classes (e.g. the ``y`` of
        :func:`spectroclf.datasets.merge_classes`). When given, each class
        gets two bars side by side, "before" and "after"; a class present
        in only one of them gets 0 in the other.
    ax : matplotlib Axes or None, default=None
        Where to draw; ``None`` creates a new figure.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes with one bar container per series (``ax.containers``),
        one bar per class, counts written on the bars.

    Examples
    --------
    >>> from spectroclf.plotting import plot_class_distribution
    >>> ax = plot_class_distribution(["rock", "pop", "rock"],
    ...                              y_after=["guitar", "pop", "guitar"])
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['guitar', 'pop', 'rock']
    """
    import matplotlib.pyplot as plt

    y = _check_labels(y, "y")
    series = [("before" if y_after is not None else "samples", y)]
    if y_after is not None:
        series.append(("after", _check_labels(y_after, "y_after")))
    # sort as strings so mixed label types still order
    classes = sorted({c for _, labels in series for c in labels.tolist()}, key=str)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4, 0.7 * len(classes) + 2), 3.5))
    x = np.arange(len(classes))
    width = 0.8 / len(series)
    for k, (label, labels) in enumerate(series):
        values, counts = np.unique(labels, return_counts=True)
        lookup = dict(zip(values.tolist(), counts.tolist(), strict=True))
        heights = [lookup.get(c, 0) for c in classes]
        bars = ax.bar(
            x + (k - (len(series) - 1) / 2) * width, heights, width, label=label
        )
        ax.bar_label(bars, fontsize="small")
    ax.set_xticks(x, [str(c) for c in classes])
    ax.set_xlabel("class")
    ax.set_ylabel("samples")
    if len(series) > 1:
        ax.legend()
    if title is not None:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------
# learning curves

# panel name -> (title, y label, [(history key, line label), ...]); "acc" is
# the validation score, accuracy for classifiers, Spearman rho for regressors
_HISTORY_PANELS = {
    "loss": ("Loss", "loss", [("train_loss", "train"), ("valid_loss", "valid")]),
    "acc": (
        "Validation score",
        "score",
        [("valid_acc", "valid accuracy"), ("valid_spearman", "valid Spearman rho")],
    ),
}


def _as_history(history):
    """A list of per-epoch dicts from a History, an estimator or a skorch net."""
    obj = history
    if hasattr(obj, "history_"):  # a fitted spectroclf estimator
        obj = obj.history_
    elif hasattr(obj, "net_") or hasattr(obj, "_parameter_constraints"):
        raise ValueError(
            f"{type(history).__name__} is not fitted (it has no history_); "
            "call fit first, with validation_fraction set for validation curves"
        )
    elif hasattr(obj, "history") and not isinstance(obj, (list, tuple)):
        obj = obj.history  # a skorch NeuralNet
    if not isinstance(obj, (list, tuple)) or not all(
        isinstance(row, dict) for row in obj
    ):
        raise TypeError(
            "history must be a skorch History (an estimator's history_), a list "
            "of per-epoch dicts, or a fitted estimator; got "
            f"{type(history).__name__}"
        )
    if len(obj) == 0:
        raise ValueError("history is empty: no epoch was trained")
    return list(obj)


def plot_history(history, *, metrics=("loss", "acc"), ax=None):
    """Learning curves: loss and validation score per epoch.

    Parameters
    ----------
    history : skorch History, list of dict, or fitted estimator
        The ``history_`` of a fitted :class:`~spectroclf.LSTMClassifier`,
        :class:`~spectroclf.CNNRegressor`, ..., the estimator itself, a
        skorch net, or any list of per-epoch dicts with keys such as
        ``"epoch"``, ``"train_loss"``, ``"valid_loss"``, ``"valid_acc"``,
        ``"valid_spearman"``.
    metrics : sequence of {"loss", "acc"}, default=("loss", "acc")
        Panels to draw, one axes each, side by side:

        - ``"loss"``: ``train_loss`` and, when present, ``valid_loss``;
        - ``"acc"``: the validation score, ``valid_acc`` (classifiers)
          and/or ``valid_spearman`` (regressors). The panel is left out
          when the history has neither (no ``validation_fraction``).
    ax : matplotlib Axes, sequence of Axes or None, default=None
        Where to draw: one Axes per drawn panel. ``None`` creates a figure.

    Returns
    -------
    axes : ndarray of shape (n_panels,) of matplotlib Axes
        One axes per drawn panel, in the order of ``metrics``; the x axis
        counts epochs.

    Raises
    ------
    ValueError
        Unknown metric, an empty history or unfitted estimator, no panel
        to draw, or a wrong number of given axes.

    See Also
    --------
    skorch.history.History : Where the values come from.

    Examples
    --------
    >>> from spectroclf.plotting import plot_history
    >>> history = [{"epoch": 1, "train_loss": 1.2, "valid_loss": 1.3, "valid_acc": 0.4},
    ...            {"epoch": 2, "train_loss": 0.9, "valid_loss": 1.1, "valid_acc": 0.6}]
    >>> axes = plot_history(history)
    >>> [a.get_title() for a in axes]
    ['Loss', 'Validation score']
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    rows = _as_history(history)
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in _HISTORY_PANELS]
    if unknown or not metrics:
        raise ValueError(
            f"unknown metrics {unknown}; choose from {list(_HISTORY_PANELS)}"
            if unknown
            else "metrics is empty; choose from ['loss', 'acc']"
        )
    keys = set().union(*(row.keys() for row in rows))
    panels = []
    for m in metrics:
        title, ylabel, lines = _HISTORY_PANELS[m]
        lines = [(k, label) for k, label in lines if k in keys]
        if lines:
            panels.append((title, ylabel, lines))
    if not panels:
        raise ValueError(
            f"the history has none of the values of metrics={metrics} "
            f"(its keys: {sorted(keys)})"
        )
    if ax is None:
        _, ax = plt.subplots(
            1, len(panels), figsize=(4.5 * len(panels), 3.5), layout="constrained"
        )
    axes = np.asarray(ax, dtype=object).ravel()
    if len(axes) != len(panels) or not all(hasattr(a, "plot") for a in axes):
        raise ValueError(
            f"ax must be None or {len(panels)} Axes (one per panel: "
            f"{[p[0] for p in panels]}); got {len(axes)}"
        )
    epochs = np.array(
        [row.get("epoch", i + 1) for i, row in enumerate(rows)], dtype=float
    )
    for a, (title, ylabel, lines) in zip(axes, panels, strict=True):
        for key, label in lines:
            values = np.array(
                [np.nan if row.get(key) is None else row[key] for row in rows],
                dtype=float,
            )
            a.plot(epochs, values, marker="o", markersize=3, label=label)
        a.set_title(title)
        a.set_xlabel("epoch")
        a.set_ylabel(ylabel)
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.grid(True, alpha=0.3)
        a.legend()
        if len(epochs) > 1:
            a.set_xlim(epochs.min(), epochs.max())
    return axes


# ---------------------------------------------------------------------------
# classification and regression results


def plot_confusion(y_true, y_pred, *, labels=None, normalize=None, ax=None, title=None):
    """Confusion matrix of class predictions.

    Draws :meth:`sklearn.metrics.ConfusionMatrixDisplay.from_predictions`
    with the counts (or fractions) written in the cells.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels, e.g. ``clf.predict(X_test)``.
    labels : array-like of shape (n_classes,) or None, default=None
        Classes to show, in this order; ``None`` uses the sorted union of
        ``y_true`` and ``y_pred``.
    normalize : {"true", "pred", "all"} or None, default=None
        Normalise over the true labels (rows: each row is the recall of
        its class), the predictions (columns) or all cells; ``None`` shows
        counts.
    ax : matplotlib Axes or None, default=None
        Where to draw; ``None`` creates a new figure.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes of the matrix (rows: true label, columns: predicted).

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : The display used.

    Examples
    --------
    >>> from spectroclf.plotting import plot_confusion
    >>> ax = plot_confusion(["rock", "pop", "rock"], ["rock", "rock", "rock"],
    ...                     title="genres")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Predicted label', 'True label')
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    y_true = _check_labels(y_true, "y_true")
    y_pred = _check_labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}; "
            "they must match"
        )
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(
            f"normalize must be 'true', 'pred', 'all' or None, got {normalize!r}"
        )
    n_classes = (
        len(labels)
        if labels is not None
        else len(set(y_true.tolist()) | set(y_pred.tolist()))
    )
    if ax is None:
        size = max(4.0, 0.55 * n_classes + 2.5)
        _, ax = plt.subplots(figsize=(size + 1, size), layout="constrained")
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        normalize=normalize,
        ax=ax,
        values_format=".2f" if normalize is not None else "d",
        xticks_rotation=45 if n_classes > 4 else "horizontal",
        cmap="Blues",
        colorbar=True,
    )
    if title is not None:
        ax.set_title(title)
    return ax


def _as_targets(y, name):
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise ValueError(
            f"{name} must be 1-D (n_samples,) or 2-D (n_samples, n_targets), "
            f"got shape {y.shape}"
        )
    return y


def plot_predictions(y_true, y_pred, *, target_names=None, axes=None):
    """Predicted against true values, one scatter plot per target.

    Each panel shows the samples, the diagonal ``y_pred = y_true`` and,
    in its title, Spearman's rank correlation (the lab's metric, see
    :func:`spectroclf.spearman_score`).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_targets)
        True targets.
    y_pred : array-like of the same shape
        Predicted targets, e.g. ``reg.predict(X_test)``.
    target_names : sequence of str or None, default=None
        One name per target, for the titles; default ``target 0``, ...
    axes : sequence of matplotlib Axes or None, default=None
        At least ``n_targets`` axes (extra ones are hidden); ``None``
        creates a grid of up to 3 columns.

    Returns
    -------
    axes : ndarray of shape (n_targets,) of matplotlib Axes
        One axes per target, titled ``"<name>: Spearman ρ = <rho>"``.

    Raises
    ------
    ValueError
        If the shapes of ``y_true`` and ``y_pred`` differ, there are fewer
        than two samples, or ``target_names`` or ``axes`` are too short.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.plotting import plot_predictions
    >>> y_true = np.array([[0.1, 0.5], [0.4, 0.2], [0.8, 0.9]])
    >>> y_pred = np.array([[0.2, 0.4], [0.3, 0.3], [0.7, 0.6]])
    >>> axes = plot_predictions(y_true, y_pred, target_names=["calm", "power"])
    >>> [a.get_title() for a in axes]
    ['calm: Spearman ρ = 1.00', 'power: Spearman ρ = 1.00']
    """
    import matplotlib.pyplot as plt

    from .metrics import spearman_score

    yt = _as_targets(y_true, "y_true")
    yp = _as_targets(y_pred, "y_pred")
    if yt.shape != yp.shape:
        raise ValueError(
            f"y_true has shape {np.shape(y_true)} but y_pred has "
            f"{np.shape(y_pred)}; they must match"
        )
    n_samples, n_targets = yt.shape
    if n_samples < 2:
        raise ValueError(
            f"need at least 2 samples for Spearman's rho, got {n_samples}"
        )
    if target_names is None:
        target_names = [f"target {j}" for j in range(n_targets)]
    target_names = [str(t) for t in target_names]
    if len(target_names) != n_targets:
        raise ValueError(
            f"target_names has {len(target_names)} names but there are "
            f"{n_targets} targets"
        )
    if axes is None:
        ncols = min(n_targets, 3)
        nrows = int(np.ceil(n_targets / ncols))
        _, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(3.6 * ncols, 3.4 * nrows),
            layout="constrained",
            squeeze=False,
        )
    all_axes = np.asarray(axes, dtype=object).ravel()
    if len(all_axes) < n_targets or not all(hasattr(a, "scatter") for a in all_axes):
        raise ValueError(
            f"axes must hold at least {n_targets} Axes (one per target), got "
            f"{len(all_axes)}"
        )
    rhos = spearman_score(yt, yp, multioutput="raw_values")
    for j, (a, name) in enumerate(zip(all_axes, target_names, strict=False)):
        a.scatter(yt[:, j], yp[:, j], s=14, alpha=0.7, edgecolors="none")
        lo = float(min(yt[:, j].min(), yp[:, j].min()))
        hi = float(max(yt[:, j].max(), yp[:, j].max()))
        pad = 0.05 * (hi - lo) if hi > lo else 0.5
        lims = (lo - pad, hi + pad)
        a.plot(lims, lims, color="0.4", linestyle="--", linewidth=1, label="y = x")
        a.set_xlim(lims)
        a.set_ylim(lims)
        a.set_title(f"{name}: Spearman \u03c1 = {rhos[j]:.2f}")
        a.set_xlabel("true")
        a.set_ylabel("predicted")
    for a in all_axes[n_targets:]:
        a.set_visible(False)
    return all_axes[:n_targets]
