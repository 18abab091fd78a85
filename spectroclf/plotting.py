"""Plots of spectrograms and class distributions.

Every function draws into ``ax`` when given, creates a new figure
(``matplotlib.pyplot.subplots``) otherwise, and returns the matplotlib
object it drew on; nothing calls ``plt.show``. Spectrograms are time first,
``(n_frames, n_bins)``, as everywhere in spectroclf.
"""

import numpy as np

from . import features

__all__ = ["plot_spectrogram", "plot_class_distribution"]

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
