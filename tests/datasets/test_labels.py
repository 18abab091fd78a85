"""Tests of spectroclf.datasets._labels: CLASS_MAPPING and merge_classes."""

import warnings

import numpy as np
import pytest

from spectroclf.datasets import CLASS_MAPPING, load_genre_spectrograms, merge_classes

GENRES = ["Classical", "Electronic", "Pop", "Rock"]


@pytest.fixture(scope="module")
def genre_beat_train(shared_data):
    """The emotify-lab genre_beat training split (real data)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no unlabelled-file warnings
        return load_genre_spectrograms(shared_data / "emotify-lab" / "genre_beat")


class TestMergeClasses:
    def test_class_mapping_table(self):
        assert len(CLASS_MAPPING) == 20
        kept = {v for v in CLASS_MAPPING.values() if v is not None}
        assert kept == {
            "Rock",
            "Folk",
            "Metal",
            "Electronic",
            "Trip-Hop",
            "Pop",
            "Hip-Hop",
            "Classical",
            "Blues",
            "Jazz",
        }
        assert sorted(k for k, v in CLASS_MAPPING.items() if v is None) == [
            "Indie-Rock",
            "International",
            "Old-Time",
            "Post-Punk",
            "Soundtrack",
        ]
        assert CLASS_MAPPING["Psych-Rock"] == CLASS_MAPPING["Post-Rock"] == "Rock"
        assert (
            CLASS_MAPPING["Punk"] == "Metal"
            and CLASS_MAPPING["Chiptune"] == "Electronic"
        )
        assert CLASS_MAPPING["Psych-Folk"] == "Folk"

    def test_list_keeps_type_and_order(self):
        X = [np.full((2, 3), i) for i in range(6)]
        y = ["Punk", "Metal", "Soundtrack", "Rock", "Post-Rock", "Jazz"]
        X_new, y_new = merge_classes(X, y, CLASS_MAPPING)
        assert isinstance(X_new, list) and isinstance(y_new, np.ndarray)
        assert [int(x[0, 0]) for x in X_new] == [0, 1, 3, 4, 5]
        assert y_new.tolist() == ["Metal", "Metal", "Rock", "Rock", "Jazz"]

    def test_min_count_after_merging(self):
        X = np.arange(7)
        y = np.array(
            ["Punk", "Metal", "Rock", "Psych-Rock", "Post-Rock", "Jazz", "Indie-Rock"]
        )
        X_new, y_new = merge_classes(X, y, CLASS_MAPPING, min_count=3)
        assert isinstance(X_new, np.ndarray)
        assert X_new.tolist() == [2, 3, 4] and y_new.tolist() == ["Rock"] * 3
        X_new, y_new = merge_classes(X, y, CLASS_MAPPING, min_count=2)
        assert y_new.tolist() == ["Metal", "Metal", "Rock", "Rock", "Rock"]

    def test_identity_mapping_with_min_count(self):
        X = np.arange(12).reshape(6, 2)
        y = ["a", "b", "a", "c", "a", "b"]
        X_new, y_new = merge_classes(X, y, min_count=2)
        assert X_new.shape == (5, 2) and y_new.tolist() == ["a", "b", "a", "a", "b"]
        X_new, y_new = merge_classes(X, y)
        np.testing.assert_array_equal(X_new, X)

    def test_dict_and_tuple_inputs(self):
        X = {"X": np.zeros((4, 3, 2)), "lengths": np.array([3, 2, 1, 3])}
        X_new, y_new = merge_classes(
            X, ["a", "b", "a", "c"], {"a": "A", "b": None, "c": "C"}
        )
        assert X_new["X"].shape == (3, 3, 2) and X_new["lengths"].tolist() == [3, 1, 3]
        X_new, _ = merge_classes(("p", "q", "r"), ["a", "b", "a"], min_count=2)
        assert X_new == ("p", "r")

    def test_errors(self):
        with pytest.raises(ValueError, match="X has 3 samples but y has 2"):
            merge_classes([1, 2, 3], ["a", "b"])
        with pytest.raises(ValueError, match="'Zydeco' is not in `mapping`.*None"):
            merge_classes([1, 2], ["Rock", "Zydeco"], CLASS_MAPPING)
        with pytest.raises(ValueError, match="mapped to None"):
            merge_classes([1, 2], ["Soundtrack", "Old-Time"], CLASS_MAPPING)
        with pytest.raises(ValueError, match="min_count must be a positive int"):
            merge_classes([1, 2], ["a", "b"], min_count=0)
        with pytest.raises(ValueError, match="no samples left"):
            merge_classes([1, 2], ["a", "b"], min_count=5)
        with pytest.raises(ValueError, match="1-D"):
            merge_classes([1, 2], [["a"], ["b"]])
        with pytest.raises(ValueError, match="different lengths"):
            merge_classes({"X": np.zeros(3), "lengths": np.zeros(2)}, ["a", "b", "c"])


@pytest.mark.data
def test_merge_classes_on_real_labels(genre_beat_train):
    b = genre_beat_train
    keep4 = {
        "Classical": "Classical",
        "Electronic": "Electronic",
        "Pop": "Pop",
        "Rock": "Rock",
    }
    y = b.target.copy()
    y[:5] = "Rare"  # 5 of the 60 classical tracks
    X_new, y_new = merge_classes(b.data, y, {**keep4, "Rare": "Odd"}, min_count=10)
    assert isinstance(X_new, list) and len(X_new) == len(y_new) == 235
    assert set(y_new) == set(GENRES)
    assert X_new[0] is b.data[5]


class TestMergeClassesEdges:
    """Whole error messages and the boundaries of merge_classes' arguments."""

    def test_error_messages_in_full(self):
        with pytest.raises(ValueError, match=(
                r"^label 'c' is not in `mapping`; the mapping must list every genre "
                r"\(map a genre to itself to keep it, or to None to drop it\)\. "
                r"Known: \['a'\]$")):
            merge_classes([1, 2], ["a", "c"], {"a": "a"})
        unhashable = np.empty(2, dtype=object)
        unhashable[0], unhashable[1] = ["u"], ["v"]
        with pytest.raises(ValueError, match=r"^label \['u'\] is not hashable$"):
            merge_classes([1, 2], unhashable, {"a": "a"})
        with pytest.raises(ValueError, match=(
                r"^every label of y is mapped to None \(dropped\); nothing to encode$")):
            merge_classes([1, 2], ["a", "b"], {"a": None, "b": None})
        with pytest.raises(ValueError, match=r"^y is empty: expected at least one label$"):
            merge_classes({}, [])
        with pytest.raises(ValueError, match=r"^y is empty"):
            merge_classes([], [])

    def test_a_label_mapped_to_none_cannot_be_encoded(self):
        from spectroclf.preprocessing import LabelTransformer

        lt = LabelTransformer(mapping={"a": "a", "b": None}).fit(["a", "b"])
        with pytest.raises(ValueError, match=(
                r"^label 'b' is mapped to None \(a dropped class\) and cannot be "
                r"encoded; remove those samples first, e.g. with "
                r"spectroclf\.datasets\.merge_classes\(X, y, mapping\)$")):
            lt.transform(["b"])

    def test_min_count_boundaries(self):
        X, y = merge_classes([1, 2], ["a", "b"], min_count=1)
        assert X == [1, 2] and y.tolist() == ["a", "b"]
        X, y = merge_classes([1, 2, 3], ["a", "b", "a"], min_count=2)
        assert X == [1, 3] and y.tolist() == ["a", "a"]
        for bad in (2.0, 0, True):
            with pytest.raises(ValueError, match=(
                    rf"^min_count must be a positive int or None, got {bad!r}$")):
                merge_classes([1, 2], ["a", "b"], min_count=bad)
        X, y = merge_classes([1, 2], ["a", "b"], min_count=np.int64(1))
        assert X == [1, 2]

    def test_one_sample(self):
        X, y = merge_classes([7], ["a"])
        assert X == [7] and y.tolist() == ["a"]
