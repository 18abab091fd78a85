"""Tests of spectroclf.plotting (Agg backend, figures closed after each test)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from spectroclf.plotting import plot_class_distribution, plot_spectrogram  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def fused():
    rng = np.random.default_rng(0)
    mel = rng.uniform(-80, 0, (60, 128))
    chroma = rng.uniform(0, 1, (60, 12))
    return np.hstack([mel, chroma]).astype(np.float32)


class TestPlotSpectrogram:
    def test_mel_returns_axes(self, fused):
        ax = plot_spectrogram(fused[:, :128], title="mel")
        assert isinstance(ax, Axes)
        assert ax.get_title() == "mel"
        assert ax.get_ylabel() == "Hz" and ax.get_xlabel() == "Time"
        assert len(ax.collections) == 1  # the QuadMesh
        assert len(ax.figure.axes) == 2  # + colour bar

    def test_chroma_on_given_axes_without_colorbar(self, fused):
        fig, ax = plt.subplots()
        out = plot_spectrogram(fused[:, 128:], feature="chroma", ax=ax, colorbar=False)
        assert out is ax
        assert ax.get_ylabel() == "Pitch class"
        assert len(fig.axes) == 1

    def test_fused_two_panels(self, fused):
        axes = plot_spectrogram(fused, feature="fused", title="track 1")
        assert isinstance(axes, np.ndarray) and axes.shape == (2,)
        assert all(isinstance(a, Axes) for a in axes)
        assert axes[0].get_title() == "track 1"
        assert axes[0].get_ylabel() == "Hz" and axes[1].get_ylabel() == "Pitch class"
        # the panels show the mel and chroma columns (image shape = bins x frames)
        assert axes[0].collections[0].get_array().shape == (128, 60)
        assert axes[1].collections[0].get_array().shape == (12, 60)

    def test_fused_on_given_pair(self, fused):
        fig, pair = plt.subplots(2, 1)
        out = plot_spectrogram(fused, feature="fused", ax=pair, colorbar=False)
        assert list(out) == list(pair)

    def test_beat_synced_axis(self, fused):
        ax = plot_spectrogram(fused[:20, :128], beat_synced=True)
        assert ax.get_xlabel() == "beats"

    @pytest.mark.parametrize(
        "S, feature, match",
        [
            (np.zeros(10), "mel", r"2-D time-first .* got shape \(10,\)"),
            (np.zeros((2, 10, 3)), "mel", r"got shape \(2, 10, 3\)"),
            (np.zeros((0, 128)), "mel", "empty"),
            (np.zeros((10, 140)), "chroma", r"12 bins; S has shape \(10, 140\)"),
            (np.zeros((10, 12)), "fused", "n_mels \\+ 12"),
            (np.zeros((10, 12)), "mfcc", "unknown feature 'mfcc'"),
        ],
    )
    def test_bad_input(self, S, feature, match):
        with pytest.raises(ValueError, match=match):
            plot_spectrogram(S, feature=feature)

    def test_bad_ax_for_fused(self, fused):
        _, ax = plt.subplots()
        with pytest.raises(ValueError, match="two Axes"):
            plot_spectrogram(fused, feature="fused", ax=ax)


class TestPlotClassDistribution:
    def test_counts(self):
        y = ["rock", "pop", "rock", "jazz", "rock"]
        ax = plot_class_distribution(y, title="genres")
        assert isinstance(ax, Axes) and ax.get_title() == "genres"
        assert len(ax.containers) == 1
        bars = ax.containers[0]
        assert len(bars) == 3  # one bar per class
        labels = [t.get_text() for t in ax.get_xticklabels()]
        assert labels == ["jazz", "pop", "rock"]
        assert [b.get_height() for b in bars] == [1, 1, 3]
        assert ax.get_legend() is None

    def test_before_and_after_side_by_side(self):
        y = np.array(["rock", "metal", "pop", "pop"])
        y_after = np.array(["guitar", "guitar", "pop", "pop"])
        ax = plot_class_distribution(y, y_after=y_after)
        assert len(ax.containers) == 2
        before, after = ax.containers
        labels = [t.get_text() for t in ax.get_xticklabels()]
        assert labels == ["guitar", "metal", "pop", "rock"]
        assert len(before) == len(after) == len(labels)
        assert [b.get_height() for b in before] == [0, 1, 2, 1]
        assert [b.get_height() for b in after] == [2, 0, 2, 0]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [
            "before",
            "after",
        ]
        # bars of one class sit side by side, not on top of each other
        assert before[0].get_x() < after[0].get_x()

    def test_integer_labels_and_given_ax(self):
        fig, ax = plt.subplots()
        out = plot_class_distribution([0, 2, 2, 1], ax=ax)
        assert out is ax
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            ({"y": np.zeros((3, 2))}, r"y must be a 1-D .* shape \(3, 2\)"),
            ({"y": []}, "y is empty"),
            ({"y": ["a"], "y_after": [["a"]]}, r"y_after must be a 1-D"),
        ],
    )
    def test_bad_input(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            plot_class_distribution(**kwargs)
