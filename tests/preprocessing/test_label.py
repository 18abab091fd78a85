"""Tests of spectroclf.preprocessing._label: LabelTransformer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from spectroclf.datasets import CLASS_MAPPING
from spectroclf.preprocessing import LabelTransformer

HYPOTHESIS = settings.get_profile("spectroclf-preprocessing")  # see conftest.py


class TestLabelTransformer:
    def test_identity_encoding(self):
        lt = LabelTransformer()
        codes = lt.fit_transform(["rock", "pop", "rock", "classical"])
        assert codes.dtype == np.int64
        np.testing.assert_array_equal(lt.classes_, ["classical", "pop", "rock"])
        np.testing.assert_array_equal(codes, [2, 1, 2, 0])
        np.testing.assert_array_equal(
            lt.inverse_transform(codes), ["rock", "pop", "rock", "classical"]
        )

    def test_mapping_merges_and_drops(self):
        mapping = {"rock": "guitar", "metal": "guitar", "pop": "pop", "noise": None}
        lt = LabelTransformer(mapping=mapping).fit(["rock", "metal", "pop", "noise"])
        np.testing.assert_array_equal(lt.classes_, ["guitar", "pop"])
        np.testing.assert_array_equal(lt.transform(["metal", "pop"]), [0, 1])
        np.testing.assert_array_equal(lt.inverse_transform([1, 0]), ["pop", "guitar"])

    def test_integer_labels(self):
        lt = LabelTransformer().fit([10, 3, 3])
        np.testing.assert_array_equal(lt.transform([3, 10]), [0, 1])

    def test_class_mapping_of_datasets(self):
        labels = [k for k, v in CLASS_MAPPING.items() if v is not None]
        lt = LabelTransformer(mapping=CLASS_MAPPING).fit(labels)
        expected = sorted({CLASS_MAPPING[k] for k in labels})
        np.testing.assert_array_equal(lt.classes_, expected)

    def test_label_missing_from_mapping(self):
        lt = LabelTransformer(mapping={"rock": "rock"})
        with pytest.raises(ValueError, match="'jazz' is not in `mapping`.*every genre"):
            lt.fit(["rock", "jazz"])

    def test_dropped_label_in_transform(self):
        lt = LabelTransformer(mapping={"rock": "rock", "noise": None})
        lt.fit(["rock", "noise"])
        with pytest.raises(ValueError, match="'noise' is mapped to None"):
            lt.transform(["noise"])

    def test_unseen_label(self):
        lt = LabelTransformer().fit(["rock", "pop"])
        with pytest.raises(ValueError, match="unseen in fit: \\['metal'\\]"):
            lt.transform(["rock", "metal"])

    def test_bad_codes(self):
        lt = LabelTransformer().fit(["rock", "pop"])
        with pytest.raises(ValueError, match=r"outside \[0, 2\): \[2\]"):
            lt.inverse_transform([0, 2])
        with pytest.raises(ValueError, match="integers"):
            lt.inverse_transform([0.5])

    def test_empty_and_all_dropped(self):
        with pytest.raises(ValueError, match="y is empty"):
            LabelTransformer().fit([])
        with pytest.raises(ValueError, match="every label of y is mapped to None"):
            LabelTransformer(mapping={"a": None}).fit(["a"])
        lt = LabelTransformer().fit(["a"])
        assert lt.transform([]).shape == (0,)

    def test_column_vectors_warn_as_in_scikit_learn(self):
        from sklearn.exceptions import DataConversionWarning

        lt = LabelTransformer().fit(["rock", "pop"])
        with pytest.warns(DataConversionWarning, match="column-vector y"):
            codes = lt.transform(np.array([["rock"], ["pop"]]))
        np.testing.assert_array_equal(codes, [1, 0])
        with pytest.warns(DataConversionWarning, match="column-vector y"):
            labels = lt.inverse_transform(np.array([[1], [0]]))
        assert labels.tolist() == ["rock", "pop"]

    def test_empty_input_keeps_dtypes(self):
        lt = LabelTransformer().fit(["rock", "pop"])
        assert lt.transform([]).dtype == np.int64
        empty = lt.inverse_transform([])
        assert empty.shape == (0,) and empty.dtype == lt.classes_.dtype

    def test_unseen_label_of_another_type(self):
        lt = LabelTransformer().fit(np.array(["rock", "pop"], dtype=object))
        with pytest.raises(ValueError, match=r"unseen in fit: \[1\]; known classes are "
                                             r"\['pop', 'rock'\]"):
            lt.transform(np.array(["rock", 1], dtype=object))

    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    def test_whole_float_codes(self, dtype):
        lt = LabelTransformer().fit(["rock", "pop"])
        codes = np.array([1.0, 0.0, 1.0], dtype=dtype)
        assert lt.inverse_transform(codes).tolist() == ["rock", "pop", "rock"]

    @pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf % 1
    @pytest.mark.parametrize("codes", [["a"], [True, False], [np.nan], [np.inf], [0.5]])
    def test_codes_that_are_not_integers(self, codes):
        lt = LabelTransformer().fit(["rock", "pop"])
        with pytest.raises(ValueError, match="codes must be integers, got dtype"):
            lt.inverse_transform(np.array(codes))

    def test_invalid_mapping_param(self):
        with pytest.raises(InvalidParameterError, match="mapping"):
            LabelTransformer(mapping=["rock"]).fit(["rock"])

    def test_unfitted(self):
        with pytest.raises(NotFittedError):
            LabelTransformer().transform(["a"])

    def test_tags_say_labels_only(self):
        tags = LabelTransformer().__sklearn_tags__()
        assert tags.input_tags.two_d_array is False
        assert tags.target_tags.one_d_labels is True

    @HYPOTHESIS
    @given(
        y=st.lists(
            st.sampled_from(["rock", "pop", "jazz", "metal", "folk"]), min_size=1
        ),
        merge=st.booleans(),
    )
    def test_round_trip(self, y, merge):
        mapping = (
            {
                "rock": "guitar",
                "metal": "guitar",
                "pop": "pop",
                "jazz": "jazz",
                "folk": "folk",
            }
            if merge
            else None
        )
        lt = LabelTransformer(mapping=mapping)
        codes = lt.fit_transform(y)
        assert codes.dtype == np.int64
        assert codes.min() >= 0 and codes.max() < len(lt.classes_)
        assert list(lt.classes_) == sorted(lt.classes_)
        expected = [mapping[v] for v in y] if merge else y
        np.testing.assert_array_equal(lt.inverse_transform(codes), expected)
