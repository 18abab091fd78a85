"""Tests of spectroclf.preprocessing._pad: PadTruncate."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.preprocessing import PadTruncate

HYPOTHESIS = settings.get_profile("spectroclf-preprocessing")  # see conftest.py


class TestPadTruncate:
    @HYPOTHESIS
    @given(
        data=st.data(),
        max_len=st.one_of(st.none(), st.integers(1, 50)),
        crop=st.sampled_from(["start", "center", "random"]),
        pad_value=st.sampled_from([0.0, -80.0]),
    )
    def test_shape_and_crop_invariants(
        self, spectrogram_lists, data, max_len, crop, pad_value
    ):
        specs = data.draw(spectrogram_lists(), label="specs")
        pt = PadTruncate(
            max_len=max_len, crop=crop, pad_value=pad_value, random_state=0
        )
        out = pt.fit_transform(specs)
        L = max_len if max_len is not None else max(len(S) for S in specs)
        n_bins = specs[0].shape[1]
        assert pt.max_len_ == L and pt.n_features_in_ == n_bins
        assert out["X"].shape == (len(specs), L, n_bins)
        assert out["X"].dtype == np.float32 and out["lengths"].dtype == np.int64
        for S, x, n in zip(specs, out["X"], out["lengths"], strict=True):
            assert n == min(len(S), L)
            assert np.all(x[n:] == pad_value)
            if len(S) <= L:
                np.testing.assert_array_equal(x[:n], S)
                continue
            offsets = {"start": [0], "center": [(len(S) - L) // 2]}.get(
                crop, range(len(S) - L + 1)
            )
            assert any(np.array_equal(x, S[o : o + L]) for o in offsets)
        # transform after fit gives the fit_transform result (crops included)
        again = pt.transform(specs)
        np.testing.assert_array_equal(again["X"], out["X"])

    @HYPOTHESIS
    @given(
        data=st.data(),
        max_len=st.one_of(st.none(), st.integers(1, 50)),
        crop=st.sampled_from(["start", "center", "random"]),
    )
    def test_idempotent(self, spectrogram_lists, data, max_len, crop):
        """Its own output goes through unchanged, and fitting twice changes nothing."""
        specs = data.draw(spectrogram_lists(), label="specs")
        pt = PadTruncate(max_len=max_len, crop=crop, pad_value=-1.0, random_state=0)
        out = pt.fit_transform(specs)
        twice = pt.transform(out)
        np.testing.assert_array_equal(twice["X"], out["X"])
        np.testing.assert_array_equal(twice["lengths"], out["lengths"])
        refit = pt.fit(specs).transform(specs)
        np.testing.assert_array_equal(refit["X"], out["X"])

    @HYPOTHESIS
    @given(
        data=st.data(),
        max_len=st.integers(1, 50),
        crop=st.sampled_from(["start", "center"]),
    )
    def test_order_and_subset_invariant(self, spectrogram_lists, data, max_len, crop):
        """Each spectrogram's output depends on it alone, not on its neighbours."""
        specs = data.draw(spectrogram_lists(), label="specs")
        order = data.draw(st.permutations(range(len(specs))), label="order")
        pt = PadTruncate(max_len=max_len, crop=crop).fit(specs)
        out = pt.transform(specs)
        shuffled = pt.transform([specs[i] for i in order])
        np.testing.assert_array_equal(shuffled["X"], out["X"][order])
        np.testing.assert_array_equal(shuffled["lengths"], out["lengths"][order])
        one = pt.transform(specs[-1:])
        np.testing.assert_array_equal(one["X"][0], out["X"][-1])

    def test_max_len_none_is_longest(self):
        specs = [np.ones((n, 2), np.float32) for n in (3, 9, 4)]
        pt = PadTruncate().fit(specs)
        assert pt.max_len_ == 9
        # longer samples at transform time are cropped to the fitted length
        out = pt.transform([np.ones((20, 2), np.float32)])
        assert out["X"].shape == (1, 9, 2) and out["lengths"][0] == 9

    def test_random_crop_reproducible(self):
        specs = [np.arange(1000, dtype=np.float32)[:, None] + i for i in range(5)]
        a = PadTruncate(max_len=10, crop="random", random_state=1).fit_transform(specs)
        b = PadTruncate(max_len=10, crop="random", random_state=1).fit_transform(specs)
        c = PadTruncate(max_len=10, crop="random", random_state=2).fit_transform(specs)
        np.testing.assert_array_equal(a["X"], b["X"])
        assert not np.array_equal(a["X"], c["X"])

    def test_input_forms(self):
        X3 = np.random.default_rng(0).normal(size=(4, 6, 3))
        out = PadTruncate(max_len=4, crop="center").fit_transform(X3)
        np.testing.assert_allclose(out["X"], X3[:, 1:5].astype(np.float32))
        # 2-D (n, n_bins): one frame per sample
        X2 = np.arange(12.0).reshape(4, 3)
        out2 = PadTruncate(max_len=2, pad_value=-1).fit_transform(X2)
        assert out2["X"].shape == (4, 2, 3)
        np.testing.assert_array_equal(out2["lengths"], [1, 1, 1, 1])
        np.testing.assert_array_equal(out2["X"][:, 0], X2)
        assert np.all(out2["X"][:, 1] == -1)
        # its own dict output is cut back to the lengths and padded again
        out3 = PadTruncate(max_len=3).fit_transform(out2)
        np.testing.assert_array_equal(out3["X"][:, 0], X2)
        np.testing.assert_array_equal(out3["lengths"], [1, 1, 1, 1])

    def test_feature_names(self):
        pt = PadTruncate().fit(np.zeros((2, 3)))
        np.testing.assert_array_equal(pt.get_feature_names_out(), ["x0", "x1", "x2"])
        np.testing.assert_array_equal(
            pt.get_feature_names_out(["a", "b", "c"]), ["a", "b", "c"]
        )
        with pytest.raises(ValueError, match="3 bins"):
            pt.get_feature_names_out(["a"])

    def test_ragged_bins(self):
        specs = [np.zeros((5, 3)), np.zeros((4, 2))]
        with pytest.raises(ValueError, match=r"spectrogram 1 has shape \(4, 2\)"):
            PadTruncate().fit(specs)

    def test_bins_differ_from_fit(self):
        pt = PadTruncate().fit([np.zeros((5, 3))])
        with pytest.raises(
            ValueError,
            match="X has 2 features, but PadTruncate is expecting 3 features",
        ):
            pt.transform([np.zeros((5, 2))])

    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_nan_inf(self, bad):
        S = np.zeros((5, 3))
        S[2, 1] = bad
        with pytest.raises(ValueError, match="spectrogram 1 contains NaN or inf"):
            PadTruncate().fit([np.zeros((5, 3)), S])
        X = np.zeros((4, 3))
        X[0, 0] = bad
        with pytest.raises(ValueError, match="NaN|inf"):
            PadTruncate().fit(X)

    def test_empty_and_zero_frames(self):
        with pytest.raises(ValueError, match="X is empty"):
            PadTruncate().fit([])
        with pytest.raises(ValueError, match="spectrogram 1 has 0 frames"):
            PadTruncate().fit([np.zeros((3, 2)), np.zeros((0, 2))])
        with pytest.raises(ValueError, match="has 0 frames"):
            PadTruncate().fit(np.zeros((2, 0, 3)))

    def test_1d_input(self):
        with pytest.raises(ValueError, match="Expected 2D array"):
            PadTruncate().fit(np.zeros(5))

    @pytest.mark.parametrize(
        "params, match",
        [
            ({"crop": "end"}, "crop"),
            ({"max_len": 0}, "max_len"),
            ({"pad_value": "zero"}, "pad_value"),
        ],
    )
    def test_invalid_params(self, params, match):
        with pytest.raises(InvalidParameterError, match=match):
            PadTruncate(**params).fit([np.zeros((3, 2))])

    def test_unfitted(self):
        with pytest.raises(NotFittedError):
            PadTruncate().transform([np.zeros((3, 2))])


def test_default_pads_with_zeros():
    out = PadTruncate().fit_transform([np.ones((2, 3)), np.ones((4, 3))])
    np.testing.assert_array_equal(out["X"][0, 2:], 0.0)
    np.testing.assert_array_equal(out["lengths"], [2, 4])


def test_a_clip_of_max_len_is_not_cropped_and_draws_no_crop():
    """A clip of exactly max_len frames is kept whole, and the random crops of the
    longer clips after it are those they get without it."""
    rng = np.random.default_rng(0)
    exact, long = rng.normal(size=(5, 2)), rng.normal(size=(40, 2))
    pt = PadTruncate(max_len=5, crop="random", random_state=0).fit([exact, long])
    both = pt.transform([exact, long])
    np.testing.assert_array_equal(both["X"][0], exact.astype(np.float32))
    np.testing.assert_array_equal(both["X"][1], pt.transform([long])["X"][0])


def test_tags():
    from sklearn.utils import get_tags

    tags = get_tags(PadTruncate())
    assert tags.input_tags.three_d_array is True and tags.input_tags.dict is True
    assert tags.transformer_tags.preserves_dtype == ["float32"]
