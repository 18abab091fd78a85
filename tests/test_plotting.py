"""Tests of spectroclf.plotting (Agg backend, figures closed after each test)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from spectroclf.plotting import (  # noqa: E402
    plot_class_distribution,
    plot_confusion,
    plot_history,
    plot_predictions,
    plot_spectrogram,
)


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


def _history(n_epochs=4, score="valid_acc", valid=True):
    rows = []
    for e in range(1, n_epochs + 1):
        row = {"epoch": e, "train_loss": 1.0 / e}
        if valid:
            row["valid_loss"] = 1.2 / e
            row[score] = 0.5 + 0.1 * e
        rows.append(row)
    return rows


class TestPlotHistory:
    def test_loss_and_score_panels(self):
        axes = plot_history(_history())
        assert isinstance(axes, np.ndarray) and axes.shape == (2,)
        assert all(isinstance(a, Axes) for a in axes)
        assert [a.get_title() for a in axes] == ["Loss", "Validation score"]
        loss, score = axes
        assert [t.get_text() for t in loss.get_legend().get_texts()] == [
            "train",
            "valid",
        ]
        x, y = loss.lines[0].get_data()
        assert list(x) == [1, 2, 3, 4]
        np.testing.assert_allclose(y, [1.0, 0.5, 1 / 3, 0.25])
        assert score.get_xlabel() == "epoch"
        assert [t.get_text() for t in score.get_legend().get_texts()] == [
            "valid accuracy"
        ]

    def test_regressor_spearman(self):
        axes = plot_history(_history(score="valid_spearman"))
        labels = [t.get_text() for t in axes[1].get_legend().get_texts()]
        assert labels == ["valid Spearman rho"]

    def test_no_validation_drops_score_panel(self):
        axes = plot_history(_history(valid=False))
        assert axes.shape == (1,)
        assert len(axes[0].lines) == 1  # train loss only

    def test_given_axes_and_single_metric(self):
        fig, ax = plt.subplots()
        axes = plot_history(_history(), metrics=("loss",), ax=ax)
        assert list(axes) == [ax]

    def test_from_fitted_estimator(self):
        from spectroclf import LSTMClassifier

        rng = np.random.default_rng(0)
        X = [rng.normal(size=(6, 4)).astype("float32") + i % 2 for i in range(20)]
        y = ["a" if i % 2 else "b" for i in range(20)]
        clf = LSTMClassifier(
            hidden_size=4, max_epochs=2, validation_fraction=0.2, random_state=0
        ).fit(X, y)
        axes = plot_history(clf)
        assert axes.shape == (2,)
        assert len(axes[0].lines[0].get_xdata()) == 2
        # the skorch History itself works too
        assert plot_history(clf.history_).shape == (2,)

    def test_unfitted_estimator(self):
        from spectroclf import LSTMClassifier

        with pytest.raises(ValueError, match="not fitted"):
            plot_history(LSTMClassifier())

    @pytest.mark.parametrize(
        "history, kwargs, err, match",
        [
            ([], {}, ValueError, "empty"),
            (_history(), {"metrics": ("f1",)}, ValueError, "unknown metrics"),
            (_history(valid=False), {"metrics": ("acc",)}, ValueError, "none of"),
            ("loss", {}, TypeError, "skorch History"),
        ],
    )
    def test_bad_input(self, history, kwargs, err, match):
        with pytest.raises(err, match=match):
            plot_history(history, **kwargs)

    def test_wrong_number_of_axes(self):
        _, ax = plt.subplots()
        with pytest.raises(ValueError, match="2 Axes"):
            plot_history(_history(), ax=ax)


class TestPlotConfusion:
    def test_counts(self):
        y_true = ["rock", "pop", "rock", "jazz"]
        y_pred = ["rock", "rock", "rock", "jazz"]
        ax = plot_confusion(y_true, y_pred, title="genres")
        assert isinstance(ax, Axes)
        assert ax.get_title() == "genres"
        assert ax.get_xlabel() == "Predicted label"
        assert ax.get_ylabel() == "True label"
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert ticks == ["jazz", "pop", "rock"]
        texts = sorted(t.get_text() for t in ax.texts)
        assert texts == sorted(["1", "0", "0", "0", "0", "1", "0", "0", "2"])

    def test_normalized_with_labels_on_given_ax(self):
        fig, ax = plt.subplots()
        out = plot_confusion(
            [0, 0, 1, 1], [0, 1, 1, 1], labels=[1, 0], normalize="true", ax=ax
        )
        assert out is ax
        assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "0"]
        assert "0.50" in [t.get_text() for t in ax.texts]

    @pytest.mark.parametrize(
        "y_true, y_pred, kwargs, match",
        [
            (["a", "b"], ["a"], {}, "y_true has 2 labels but y_pred has 1"),
            ([["a"]], ["a"], {}, "y_true must be a 1-D"),
            (["a"], ["a"], {"normalize": "rows"}, "normalize must be"),
        ],
    )
    def test_bad_input(self, y_true, y_pred, kwargs, match):
        with pytest.raises(ValueError, match=match):
            plot_confusion(y_true, y_pred, **kwargs)


class TestPlotPredictions:
    def test_one_panel_per_target(self):
        rng = np.random.default_rng(0)
        y_true = rng.uniform(size=(30, 4))
        y_pred = y_true + rng.normal(0, 0.1, size=(30, 4))
        names = ["calm", "power", "tension", "sadness"]
        axes = plot_predictions(y_true, y_pred, target_names=names)
        assert isinstance(axes, np.ndarray) and axes.shape == (4,)
        assert all(isinstance(a, Axes) and a.get_visible() for a in axes)
        # a 2 x 3 grid: the two unused panels are hidden, not returned
        fig = axes[0].figure
        assert sum(a.get_visible() for a in fig.axes) == 4
        for a, name in zip(axes, names, strict=True):
            assert a.get_title().startswith(f"{name}: Spearman \u03c1 = ")
            assert a.get_xlabel() == "true" and a.get_ylabel() == "predicted"
            assert len(a.collections) == 1  # the scatter
            assert len(a.lines) == 1  # the diagonal
            x, y = a.lines[0].get_data()
            assert list(x) == list(y)

    def test_rho_value_in_title(self):
        y_true = np.array([1.0, 2.0, 3.0, 4.0])
        axes = plot_predictions(y_true, y_true[::-1])
        assert axes.shape == (1,)
        assert axes[0].get_title() == "target 0: Spearman \u03c1 = -1.00"

    def test_given_axes(self):
        fig, pair = plt.subplots(1, 2)
        out = plot_predictions([[0, 1], [1, 0], [2, 2]], [[0, 1], [1, 1], [2, 0]],
                               axes=pair)
        assert list(out) == list(pair)

    @pytest.mark.parametrize(
        "y_true, y_pred, kwargs, match",
        [
            (np.zeros((5, 2)), np.zeros((5, 3)), {}, r"shape \(5, 2\) but y_pred"),
            (np.zeros(5), np.zeros(4), {}, r"shape \(5,\) but y_pred has \(4,\)"),
            (np.zeros((5, 2, 1)), np.zeros((5, 2, 1)), {}, "1-D .* or 2-D"),
            ([1.0], [1.0], {}, "at least 2 samples"),
            (np.zeros((5, 2)), np.zeros((5, 2)), {"target_names": ["a"]},
             "1 names but there are 2 targets"),
        ],
    )
    def test_bad_input(self, y_true, y_pred, kwargs, match):
        with pytest.raises(ValueError, match=match):
            plot_predictions(y_true, y_pred, **kwargs)

    def test_too_few_axes(self):
        _, ax = plt.subplots()
        with pytest.raises(ValueError, match="at least 2 Axes"):
            plot_predictions(np.zeros((4, 2)), np.zeros((4, 2)), axes=ax)
