"""Tests of spectroclf.datasets: the lab layout (real and tiny files), merging,
the synthetic music generator and the data-folder lookup."""

import csv
import gzip
import time
import warnings

import numpy as np
import pytest

import spectroclf
from spectroclf import datasets as D
from spectroclf.datasets import (
    CLASS_MAPPING,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    load_spectrogram,
    make_lab_data,
    make_music,
    merge_classes,
    shared_data_dir,
    write_lab_layout,
)

GENRES = ["Classical", "Electronic", "Pop", "Rock"]
GEMS = [
    "amazement",
    "solemnity",
    "tenderness",
    "nostalgia",
    "calmness",
    "power",
    "joyful_activation",
    "tension",
    "sadness",
]
FOLDERS = ["genre", "genre_beat", "multitask", "multitask_beat"]


def save_gz(path, arr):
    with gzip.open(path, "wb") as f:
        np.save(f, arr)
    return path


def tiny(n_frames=5, n_rows=140, seed=0):
    """A lab-layout (n_rows, n_frames) array."""
    return np.random.default_rng(seed).random((n_rows, n_frames)).astype(np.float32)


def make_lab(
    root,
    ids=("1", "2", "10"),
    labels="Id\tGenre\n{rows}",
    genres=None,
    suffix=".fused.full.npy.gz",
):
    """Write a tiny lab folder: train/<id><suffix> and train_labels.txt."""
    (root / "train").mkdir(parents=True, exist_ok=True)
    genres = genres or ["Rock", "Pop", "Rock"][: len(ids)]
    for i, sid in enumerate(ids):
        save_gz(root / "train" / f"{sid}{suffix}", tiny(seed=i))
    if labels is not None:
        rows = "".join(
            f"{sid}{suffix}\t{g}\n" for sid, g in zip(ids, genres, strict=True)
        )
        (root / "train_labels.txt").write_text(labels.format(rows=rows))
    return root


# ---------------------------------------------------------------------------
# the real lab data


@pytest.fixture(scope="module")
def lab(shared_data):
    return shared_data / "emotify-lab"


@pytest.fixture(scope="module")
def loaded(lab):
    """Every folder x split of emotify-lab, each loaded once (about 4 s in all)."""
    out = {}
    for folder in FOLDERS:
        load = (
            load_genre_spectrograms
            if folder.startswith("genre")
            else load_multitask_spectrograms
        )
        for split in ("train", "test"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no unlabelled-file warnings
                out[folder, split] = load(lab / folder, split=split)
    return out


@pytest.fixture(scope="module")
def metadata(shared_data):
    with open(shared_data / "emotify" / "metadata.csv", newline="") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


ALL = [(f, s) for f in FOLDERS for s in ("train", "test")]


@pytest.mark.data
class TestRealLab:
    @pytest.mark.parametrize("folder, split", ALL)
    def test_counts_shapes_dtypes(self, loaded, folder, split):
        b = loaded[folder, split]
        n = 240 if split == "train" else 80
        assert len(b.data) == len(b.filenames) == len(b.ids) == n
        assert b.feature == "fused" and isinstance(b.DESCR, str)
        for sid, S, path in zip(b.ids, b.data, b.filenames, strict=True):
            assert S.dtype == np.float32 and S.ndim == 2 and S.shape[1] == 140
            assert S.flags.c_contiguous
            assert path.endswith(f"/{sid}.fused.full.npy.gz")
            if folder.endswith("_beat"):
                assert 15 <= S.shape[0] <= 121
            else:
                assert S.shape[0] == (1113 if sid == "66" else 1292)
        assert [int(i) for i in b.ids] == sorted(int(i) for i in b.ids)

    @pytest.mark.parametrize(
        "folder, split", [a for a in ALL if a[0].startswith("genre")]
    )
    def test_genre_labels(self, loaded, metadata, folder, split):
        b = loaded[folder, split]
        assert b.target_names == GENRES
        per = 60 if split == "train" else 20
        assert {g: int(np.sum(b.target == g)) for g in GENRES} == dict.fromkeys(
            GENRES, per
        )
        for sid, g in zip(b.ids, b.target, strict=True):
            assert metadata[sid]["genre"] == g.lower()
            assert metadata[sid]["split"] == split

    def test_beat_quirk_matches_same_ids(self, loaded):
        # genre_beat labels say <id>.beatsync.fused.npy.gz; files are <id>.fused.full...
        for split in ("train", "test"):
            full, beat = loaded["genre", split], loaded["genre_beat", split]
            assert full.ids == beat.ids
            np.testing.assert_array_equal(full.target, beat.target)

    @pytest.mark.parametrize("folder", ["multitask", "multitask_beat"])
    def test_multitask_targets(self, loaded, metadata, folder):
        b = loaded[folder, "train"]
        assert b.target.shape == (240, 9) and b.target.dtype == np.float64
        assert b.target_names == GEMS
        assert b.target.min() >= 0 and b.target.max() <= 1
        for sid, row in zip(b.ids, b.target, strict=True):
            expected = [float(metadata[sid][name]) for name in GEMS]
            np.testing.assert_allclose(row, expected)
        test = loaded[folder, "test"]
        assert test.target is None and test.target_names is None

    def test_multitask_folders_link_to_genre_files(self, loaded):
        a, b = loaded["multitask", "train"], loaded["genre", "train"]
        assert a.ids == b.ids
        np.testing.assert_array_equal(a.data[5], b.data[5])

    def test_lazy_reads_nothing(self, lab, monkeypatch):
        def fail(*args, **kwargs):
            raise AssertionError("lazy=True must not read files")

        monkeypatch.setattr(D, "load_spectrogram", fail)
        b = load_genre_spectrograms(lab / "genre", lazy=True)
        assert b.data == b.filenames and all(isinstance(p, str) for p in b.data)
        assert len(b.data) == 240 and len(b.target) == 240
        m = load_multitask_spectrograms(lab / "multitask", split="test", lazy=True)
        assert len(m.data) == 80 and m.target is None

    def test_lazy_paths_load_to_the_same_arrays(self, lab, loaded):
        b = load_genre_spectrograms(lab / "genre_beat", split="test", lazy=True)
        eager = loaded["genre_beat", "test"]
        assert b.ids == eager.ids
        for path, S in zip(b.data[:5], eager.data[:5], strict=True):
            np.testing.assert_array_equal(load_spectrogram(path), S)

    def test_return_X_y(self, lab, loaded):
        X, y = load_genre_spectrograms(lab / "genre_beat", return_X_y=True)
        np.testing.assert_array_equal(y, loaded["genre_beat", "train"].target)
        assert len(X) == 240 and X[0].shape[1] == 140
        X, y = load_multitask_spectrograms(
            lab / "multitask_beat", split="test", return_X_y=True
        )
        assert len(X) == 80 and y is None

    @pytest.mark.parametrize(
        "feature, width, cols",
        [("mel", 128, slice(0, 128)), ("chroma", 12, slice(128, 140))],
    )
    def test_feature_selection(self, lab, loaded, feature, width, cols):
        b = load_genre_spectrograms(lab / "genre_beat", split="test", feature=feature)
        full = loaded["genre_beat", "test"]
        assert b.feature == feature
        for S, F in zip(b.data, full.data, strict=True):
            assert S.shape == (F.shape[0], width) and S.flags.c_contiguous
            np.testing.assert_array_equal(S, F[:, cols])
        m = load_multitask_spectrograms(
            lab / "multitask_beat", split="test", feature=feature
        )
        assert m.data[0].shape[1] == width

    def test_class_mapping(self, lab):
        mapping = {
            "Classical": "Calm",
            "Electronic": "Beat",
            "Pop": "Beat",
            "Rock": None,
        }
        b = load_genre_spectrograms(lab / "genre_beat", class_mapping=mapping)
        assert b.target_names == ["Beat", "Calm"]
        assert len(b.data) == len(b.ids) == len(b.filenames) == 180
        assert int(np.sum(b.target == "Beat")) == 120
        assert "101" not in b.ids  # ids 101-200 are rock
        # the lab's 20 -> 10 mapping covers Emotify's four genres
        c = load_genre_spectrograms(
            lab / "genre_beat", split="test", class_mapping=CLASS_MAPPING
        )
        assert c.target_names == GENRES and len(c.data) == 80

    def test_class_mapping_must_cover_every_genre(self, lab):
        mapping = {"Classical": "Classical", "Electronic": "Electronic", "Pop": "Pop"}
        with pytest.raises(
            ValueError, match=r"\['Rock'\].*missing from class_mapping.*None to drop"
        ):
            load_genre_spectrograms(lab / "genre_beat", class_mapping=mapping)

    def test_merge_classes_on_real_labels(self, loaded):
        b = loaded["genre_beat", "train"]
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

    def test_shared_data_dir_finds_it(self, shared_data, monkeypatch):
        monkeypatch.delenv("SPECTROCLF_DATA", raising=False)
        found = shared_data_dir()
        assert found is not None and (found / "emotify-lab").is_dir()


# ---------------------------------------------------------------------------
# load_spectrogram on tiny files


class TestLoadSpectrogram:
    def test_gz_and_npy(self, tmp_path):
        arr = tiny(7)
        S = load_spectrogram(save_gz(tmp_path / "a.npy.gz", arr))
        assert S.shape == (7, 140) and S.dtype == np.float32 and S.flags.c_contiguous
        np.testing.assert_array_equal(S, arr.T)
        np.save(tmp_path / "b.npy", arr.astype(np.float16))
        np.testing.assert_array_equal(
            load_spectrogram(tmp_path / "b.npy"), arr.astype(np.float16).T
        )
        # gzip is sniffed from the content, not the name
        save_gz(tmp_path / "c.npy", arr)
        np.testing.assert_array_equal(load_spectrogram(str(tmp_path / "c.npy")), arr.T)

    def test_features(self, tmp_path):
        arr = tiny(4)
        path = save_gz(tmp_path / "a.npy.gz", arr)
        np.testing.assert_array_equal(
            load_spectrogram(path, feature="mel"), arr[:128].T
        )
        np.testing.assert_array_equal(
            load_spectrogram(path, feature="chroma"), arr[128:].T
        )
        mel = save_gz(tmp_path / "mel.npy.gz", tiny(4, 128))
        assert load_spectrogram(mel, feature="mel").shape == (4, 128)
        chroma = save_gz(tmp_path / "chroma.npy.gz", tiny(4, 12))
        assert load_spectrogram(chroma, feature="chroma").shape == (4, 12)

    def test_missing(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="nope.npy.gz"):
            load_spectrogram(tmp_path / "nope.npy.gz")

    def test_unknown_feature(self, tmp_path):
        path = save_gz(tmp_path / "a.npy.gz", tiny())
        with pytest.raises(
            ValueError, match="unknown feature 'mfcc'.*chroma.*fused.*mel"
        ):
            load_spectrogram(path, feature="mfcc")

    def _raw(self, tmp_path, name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    def _npy_bytes(self, arr):
        import io

        buf = io.BytesIO()
        np.save(buf, arr)
        return buf.getvalue()

    @pytest.mark.parametrize(
        "name, make, match",
        [
            ("empty.npy.gz", lambda self: b"", "empty.npy.gz' is empty"),
            (
                "empty_stream.npy.gz",
                lambda self: gzip.compress(b""),
                "empty gzip stream",
            ),
            (
                "trunc.npy.gz",
                lambda self: gzip.compress(self._npy_bytes(tiny()))[:200],
                "trunc.npy.gz.*truncated",
            ),
            (
                "corrupt.npy.gz",
                lambda self: b"\x1f\x8b" + b"\x00garbage" * 20,
                "corrupt.npy.gz.*corrupt",
            ),
            ("notnpy.npy", lambda self: b"hello, I am not an array", "notnpy.npy"),
            ("trunc.npy", lambda self: self._npy_bytes(tiny())[:300], "trunc.npy"),
            (
                "gz_notnpy.npy.gz",
                lambda self: gzip.compress(b"plain text"),
                "gz_notnpy.npy.gz",
            ),
        ],
    )
    def test_corrupt_files(self, tmp_path, name, make, match):
        path = self._raw(tmp_path, name, make(self))
        with pytest.raises(ValueError, match=match):
            load_spectrogram(path)

    @pytest.mark.parametrize(
        "arr, feature, match",
        [
            (np.zeros(140, np.float32), "fused", r"shape \(140,\).*expected 2-D"),
            (np.zeros((2, 140, 5), np.float32), "fused", r"shape \(2, 140, 5\)"),
            (np.zeros((140, 0), np.float32), "fused", "zero frames"),
            (tiny(5, 12), "fused", r"12 rows.*expects 140 \(128 mel \+ 12 chroma\)"),
            (tiny(5, 128), "chroma", r"128 rows.*140 .* or 12 \(chroma only\)"),
            (tiny(5, 12), "mel", r"12 rows.*or 128 \(mel only\)"),
            (tiny(140, 30), "fused", "looks time-first"),
            (np.array([["a"] * 3] * 140), "fused", "real numbers"),
        ],
    )
    def test_bad_arrays(self, tmp_path, arr, feature, match):
        path = save_gz(tmp_path / "bad.npy.gz", arr)
        with pytest.raises(ValueError, match=f"bad.npy.gz.*{match}"):
            load_spectrogram(path, feature=feature)

    @pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
    def test_non_finite(self, tmp_path, value):
        arr = tiny()
        arr[3, 2] = value
        path = save_gz(tmp_path / "nan.npy.gz", arr)
        with pytest.raises(ValueError, match="nan.npy.gz.*1 NaN or infinite"):
            load_spectrogram(path)

    def test_npz_and_pickle(self, tmp_path):
        np.savez(tmp_path / "a.npy", x=tiny())  # writes a.npy.npz
        with pytest.raises(ValueError, match="npz archive"):
            load_spectrogram(tmp_path / "a.npy.npz")
        np.save(
            tmp_path / "obj.npy",
            np.array([tiny(), None], dtype=object),
            allow_pickle=True,
        )
        with pytest.raises(ValueError, match="obj.npy"):
            load_spectrogram(tmp_path / "obj.npy")

    def test_directory(self, tmp_path):
        with pytest.raises(ValueError, match="directory"):
            load_spectrogram(tmp_path)


# ---------------------------------------------------------------------------
# the loaders on tiny folders


class TestLoadersTiny:
    def test_basic_and_natural_order(self, tmp_path):
        make_lab(tmp_path, ids=("10", "2", "1"), genres=["Rock", "Pop", "Jazz"])
        b = load_genre_spectrograms(tmp_path)
        assert b.ids == ["1", "2", "10"]
        assert b.target.tolist() == ["Jazz", "Pop", "Rock"]
        assert b.target_names == ["Jazz", "Pop", "Rock"]
        assert [p.rsplit("/", 1)[1] for p in b.filenames] == [
            "1.fused.full.npy.gz",
            "2.fused.full.npy.gz",
            "10.fused.full.npy.gz",
        ]
        assert all(S.shape == (5, 140) for S in b.data)

    def test_non_numeric_ids_sort_naturally(self, tmp_path):
        ids = ["track10", "track2", "b", "track1"]
        make_lab(tmp_path, ids=ids, genres=["A", "B", "C", "D"])
        assert load_genre_spectrograms(tmp_path).ids == [
            "b",
            "track1",
            "track2",
            "track10",
        ]

    def test_unlabelled_split(self, tmp_path):
        make_lab(tmp_path, labels=None)
        b = load_genre_spectrograms(
            tmp_path, class_mapping={"x": "y"}
        )  # mapping ignored
        assert b.target is None and b.target_names is None and b.ids == ["1", "2", "10"]
        m = load_multitask_spectrograms(tmp_path)
        assert m.target is None and len(m.data) == 3

    def test_labels_by_leading_id(self, tmp_path):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_text(
            "Id\tGenre\n1.beatsync.fused.npy.gz\tRock\n2\tPop\n10.whatever\tRock\n"
        )
        assert load_genre_spectrograms(tmp_path).target.tolist() == [
            "Rock",
            "Pop",
            "Rock",
        ]

    def test_csv_genre_labels_crlf_and_bom(self, tmp_path):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_bytes(
            "\ufeffId,Genre\r\n1,Hip Hop\r\n2,Pop\r\n\r\n10,Pop\r\n".encode()
        )
        assert load_genre_spectrograms(tmp_path).target.tolist() == [
            "Hip Hop",
            "Pop",
            "Pop",
        ]

    def test_multitask_any_number_of_targets(self, tmp_path):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_text(
            "Id,a,b\n10,0.5,1e-3\n1,1,2\n2,-3.25,0\n"
        )
        m = load_multitask_spectrograms(tmp_path)
        assert m.target_names == ["a", "b"]
        np.testing.assert_array_equal(m.target, [[1, 2], [-3.25, 0], [0.5, 1e-3]])
        (tmp_path / "train_labels.txt").write_text("Id,only\n1,0.1\n2,0.2\n10,0.3\n")
        assert load_multitask_spectrograms(tmp_path).target.shape == (3, 1)

    def test_link_placeholder_split(self, tmp_path):
        # git without symlink support writes a link as a text file holding its target
        make_lab(tmp_path / "genre")
        other = tmp_path / "other"
        other.mkdir()
        (other / "train").write_text("../genre/train")
        (other / "train_labels.txt").write_text("Id,x\n1,0.1\n2,0.2\n10,0.3\n")
        m = load_multitask_spectrograms(other)
        assert m.ids == ["1", "2", "10"] and m.target.shape == (3, 1)
        assert all(
            (tmp_path / "genre" / "train").samefile(p.rsplit("/", 1)[0])
            for p in m.filenames
        )
        np.testing.assert_array_equal(m.data[0], load_spectrogram(m.filenames[0]))

    def test_ignores_hidden_and_other_files(self, tmp_path):
        make_lab(tmp_path)
        (tmp_path / "train" / "README.txt").write_text("hello")
        save_gz(tmp_path / "train" / ".99.npy.gz.tmp", tiny())
        (tmp_path / "train" / "sub").mkdir()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert len(load_genre_spectrograms(tmp_path).data) == 3

    def test_unlabelled_files_warn_and_are_skipped(self, tmp_path):
        make_lab(tmp_path)
        save_gz(tmp_path / "train" / "7.fused.full.npy.gz", tiny())
        with pytest.warns(
            UserWarning, match="1 file.*no entry.*skipped: 7.fused.full.npy.gz"
        ):
            b = load_genre_spectrograms(tmp_path)
        assert b.ids == ["1", "2", "10"]

    # --- errors -----------------------------------------------------------

    def test_missing_data_dir(self, tmp_path):
        with pytest.raises(
            FileNotFoundError, match="data_dir .*nowhere.* does not exist"
        ):
            load_genre_spectrograms(tmp_path / "nowhere")
        with pytest.raises(FileNotFoundError, match="nowhere"):
            load_multitask_spectrograms(tmp_path / "nowhere")

    def test_missing_split(self, tmp_path):
        make_lab(tmp_path)
        with pytest.raises(
            FileNotFoundError,
            match=r"split folder .*valid.* does not exist.*\['train'\]",
        ):
            load_genre_spectrograms(tmp_path, split="valid")

    def test_labelled_file_absent(self, tmp_path):
        make_lab(tmp_path)
        (tmp_path / "train" / "2.fused.full.npy.gz").unlink()
        with pytest.raises(
            FileNotFoundError, match=r"1 file.*absent.*'2.fused.full.npy.gz' \(line 3\)"
        ):
            load_genre_spectrograms(tmp_path)

    @pytest.mark.parametrize(
        "text, match",
        [
            (
                "Id\tGenre\n1.x\tRock\n2.x\n10.x\tPop\n",
                r"train_labels.txt' line 3: expected 2 TAB-separated",
            ),
            (
                "Id\tGenre\n1.x\tRock\n2.x\tPop\tRock\n",
                r"line 3: expected 2 TAB-separated fields \(Id, Genre\), got 3",
            ),
            ("Id\tGenre\n1.x\tRock\n\tPop\n", "line 3: empty Id"),
            ("Id\tGenre\n1.x\tRock\n2.x\t\n10.x\tPop\n", "line 3: empty genre"),
            ("", "is empty"),
            ("\n\n", "is empty"),
            (
                "IdGenre\n1\tRock\n",
                "line 1: header 'IdGenre' has neither a TAB nor a comma",
            ),
            ("1.fused.full.npy.gz\tRock\n2.x\tPop\n10.x\tPop\n", "no header line"),
            ("Id\t\n1\tRock\n", "empty column name"),
            (
                "Id\tGenre\n1.x\tRock\n2.x\tPop\n1.y\tPop\n",
                r"line 4: duplicate id '1'.*line 2",
            ),
            (
                "Id,a,b\n1,0.1,0.2\n",
                r"3 columns \(Id, a, b\).*load_multitask_spectrograms",
            ),
        ],
    )
    def test_malformed_genre_labels(self, tmp_path, text, match):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_text(text)
        with pytest.raises(ValueError, match=match):
            load_genre_spectrograms(tmp_path)

    @pytest.mark.parametrize(
        "text, match",
        [
            (
                "Id\tGenre\n1\tRock\n",
                r"line 2: column 'Genre' value 'Rock' is not a number.*load_genre_spectrograms",
            ),
            ("Id,a\n1,0.1\n2,oops\n10,0.3\n", r"line 3: column 'a' value 'oops'"),
            ("Id,a\n1,0.1\n2,\n10,0.3\n", r"line 3: column 'a' value ''"),
            (
                "Id,a\n1,0.1\n2,nan\n10,0.3\n",
                "line 3: column 'a' value 'nan' is not finite",
            ),
            ("Id,a,b\n1,0.1,0.2\n2,0.1\n", r"line 3: expected 3 comma-separated"),
            ("1,0.1\n2,0.2\n", "no header line"),
        ],
    )
    def test_malformed_multitask_labels(self, tmp_path, text, match):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_text(text)
        with pytest.raises(ValueError, match=match):
            load_multitask_spectrograms(tmp_path)

    def test_duplicate_file_ids(self, tmp_path):
        make_lab(tmp_path)
        np.save(tmp_path / "train" / "2.npy", tiny())
        with pytest.raises(
            ValueError, match="duplicate id '2'.*2.fused.full.npy.gz.*2.npy"
        ):
            load_genre_spectrograms(tmp_path)

    def test_empty_split_without_labels(self, tmp_path):
        (tmp_path / "test").mkdir()
        with pytest.raises(ValueError, match="holds no .npy or .npy.gz files"):
            load_genre_spectrograms(tmp_path, split="test")

    def test_bad_file_is_named(self, tmp_path):
        make_lab(tmp_path)
        save_gz(tmp_path / "train" / "2.fused.full.npy.gz", tiny(5, 12))
        with pytest.raises(ValueError, match="2.fused.full.npy.gz' has 12 rows"):
            load_genre_spectrograms(tmp_path)
        # lazy mode reads nothing, so it does not notice
        assert len(load_genre_spectrograms(tmp_path, lazy=True).data) == 3

    def test_bad_arguments(self, tmp_path):
        make_lab(tmp_path)
        with pytest.raises(ValueError, match="unknown feature 'cqt'"):
            load_genre_spectrograms(tmp_path, feature="cqt", lazy=True)
        with pytest.raises(ValueError, match="split must be"):
            load_genre_spectrograms(tmp_path, split="")
        with pytest.raises(TypeError, match="class_mapping must be a dict"):
            load_genre_spectrograms(tmp_path, class_mapping=[("Rock", "Rock")])

    def test_class_mapping_drops_none(self, tmp_path):
        make_lab(tmp_path, genres=["Post-Punk", "Punk", "Rock"])
        b = load_genre_spectrograms(tmp_path, class_mapping=CLASS_MAPPING)
        assert b.ids == ["2", "10"] and b.target.tolist() == ["Metal", "Rock"]
        assert len(b.data) == len(b.filenames) == 2
        X, y = load_genre_spectrograms(
            tmp_path, class_mapping=CLASS_MAPPING, return_X_y=True, lazy=True
        )
        assert X == b.filenames and y.tolist() == ["Metal", "Rock"]


# ---------------------------------------------------------------------------
# write_lab_layout


class TestWriteLabLayout:
    def specs(self, n=3):
        rng = np.random.default_rng(1)
        return [rng.random((5 + i, 140)).astype(np.float32) for i in range(n)]

    def test_genre_round_trip(self, tmp_path):
        specs = self.specs()
        out = write_lab_layout(
            tmp_path / "lab", specs, ["3", "1", "20"], genres=["Rock", "Pop", "Rock"]
        )
        assert out == tmp_path / "lab"
        on_disk = np.load(gzip.open(out / "train" / "3.fused.full.npy.gz"))
        assert on_disk.shape == (140, 5) and on_disk.dtype == np.float32
        assert (out / "train_labels.txt").read_text().splitlines()[:2] == [
            "Id\tGenre",
            "3.fused.full.npy.gz\tRock",
        ]
        b = load_genre_spectrograms(out)
        assert b.ids == ["1", "3", "20"] and b.target.tolist() == [
            "Pop",
            "Rock",
            "Rock",
        ]
        for S, ref in zip(b.data, [specs[1], specs[0], specs[2]], strict=True):
            np.testing.assert_array_equal(S, ref)
        assert not list(out.rglob("*.tmp"))

    def test_multitask_round_trip_exact(self, tmp_path):
        specs = self.specs()
        targets = np.random.default_rng(2).random((3, 4))
        write_lab_layout(
            tmp_path,
            specs,
            ["a", "b", "c"],
            split="test",
            targets=targets,
            target_names=["w", "x", "y", "z"],
            suffix=".npy",
        )
        assert (tmp_path / "test" / "a.npy").is_file()
        m = load_multitask_spectrograms(tmp_path, split="test")
        assert m.target_names == ["w", "x", "y", "z"]
        np.testing.assert_array_equal(m.target, targets)  # full precision
        np.testing.assert_array_equal(m.data[2], specs[2])

    def test_default_target_names_and_1d_targets(self, tmp_path):
        write_lab_layout(tmp_path, self.specs(2), ["1", "2"], targets=[0.5, 0.25])
        m = load_multitask_spectrograms(tmp_path)
        assert m.target_names == ["target_0"] and m.target[:, 0].tolist() == [0.5, 0.25]

    def test_no_labels_and_overwrite(self, tmp_path):
        write_lab_layout(tmp_path, self.specs(2), ["1", "2"], split="test")
        assert not (tmp_path / "test_labels.txt").exists()
        assert load_genre_spectrograms(tmp_path, split="test").target is None
        new = [np.zeros((9, 140), np.float32)]
        write_lab_layout(tmp_path, new, ["1"], split="test")
        assert load_genre_spectrograms(tmp_path, split="test").data[0].shape == (9, 140)

    def test_mel_only(self, tmp_path):
        write_lab_layout(tmp_path, [np.ones((4, 128))], ["1"], genres=["Rock"])
        assert load_genre_spectrograms(tmp_path, feature="mel").data[0].shape == (
            4,
            128,
        )
        with pytest.raises(ValueError, match="128 rows"):
            load_genre_spectrograms(tmp_path)

    def test_real_lab_round_trip(self, loaded, tmp_path):
        b = loaded["genre_beat", "test"]
        write_lab_layout(
            tmp_path, b.data[:10], b.ids[:10], split="test", genres=b.target[:10]
        )
        back = load_genre_spectrograms(tmp_path, split="test")
        assert back.ids == b.ids[:10]
        np.testing.assert_array_equal(back.target, b.target[:10])
        for S, ref in zip(back.data, b.data[:10], strict=True):
            np.testing.assert_array_equal(S, ref)

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            (dict(ids=["1", "2"]), "3 spectrograms but 2 ids"),
            (dict(ids=["1", "1", "2"]), "duplicate id '1'"),
            (dict(ids=["1.a", "2", "3"]), r"must not contain '\.'"),
            (dict(ids=["1", "a,b", "3"]), "TAB, comma or newline"),
            (dict(genres=["A", "B"]), "3 spectrograms but 2 genres"),
            (dict(genres=["A", "B\tC", "D"]), "no TAB or newline"),
            (dict(genres=["A"] * 3, targets=np.zeros((3, 1))), "not both"),
            (dict(targets=np.zeros((2, 1))), r"shape \(n_samples=3"),
            (
                dict(targets=np.zeros((3, 2)), target_names=["a"]),
                "1 target_names for 2",
            ),
            (dict(targets=np.full((3, 1), np.nan)), "NaN"),
            (dict(target_names=["a"]), "target_names needs targets"),
            (dict(suffix=".npz"), "must start with '.' and end with"),
            (dict(split="a/b"), "plain folder name"),
        ],
    )
    def test_errors(self, tmp_path, kwargs, match):
        args = dict(ids=["1", "2", "3"])
        args.update(kwargs)
        with pytest.raises(ValueError, match=match):
            write_lab_layout(tmp_path, self.specs(), **args)

    @pytest.mark.parametrize(
        "spec, match",
        [
            (np.zeros((140, 5)).T.T, r"shape \(140, 5\)"),
            (np.zeros((0, 140)), r"\(0, 140\)"),
            (np.full((3, 140), np.inf), "NaN or infinite"),
            (np.zeros(140), r"shape \(140,\)"),
        ],
    )
    def test_bad_spectrograms(self, tmp_path, spec, match):
        with pytest.raises(ValueError, match=match):
            write_lab_layout(tmp_path, [spec], ["1"])
        assert not (tmp_path / "train").exists() or not list(
            (tmp_path / "train").iterdir()
        )


# ---------------------------------------------------------------------------
# CLASS_MAPPING and merge_classes


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


# ---------------------------------------------------------------------------
# make_music


def mel_stats(music):
    from spectroclf.features import melspectrogram

    feats = []
    for y in music.data:
        S = melspectrogram(y=y, sr=music.sr)
        feats.append(np.r_[S.mean(axis=0), S.std(axis=0)])
    return np.array(feats)


class TestMakeMusic:
    def test_bunch(self):
        m = make_music(10, duration=1.0, random_state=0)
        assert len(m.data) == len(m.target) == 10
        assert all(y.dtype == np.float32 and y.shape == (22050,) for y in m.data)
        assert all(np.abs(y).max() <= 1.0 for y in m.data)
        assert m.emotion.shape == (10, 3) and m.emotion_names == [
            "valence",
            "energy",
            "danceability",
        ]
        assert np.all((m.emotion >= 0) & (m.emotion <= 1))
        assert m.sr == 22050 and m.target_names == [
            "rock",
            "electronic",
            "classical",
            "hiphop",
        ]
        assert set(m.target) == set(m.target_names) and "Synthetic" in m.DESCR

    def test_reproducible(self):
        a = make_music(6, duration=0.5, random_state=3)
        b = make_music(6, duration=0.5, random_state=np.random.RandomState(3))
        c = make_music(6, duration=0.5, random_state=4)
        assert all(np.array_equal(x, y) for x, y in zip(a.data, b.data, strict=True))
        np.testing.assert_array_equal(a.emotion, b.emotion)
        np.testing.assert_array_equal(a.target, b.target)
        assert not all(
            np.array_equal(x, y) for x, y in zip(a.data, c.data, strict=True)
        )

    def test_genres_argument(self):
        assert make_music(12, genres=6, duration=0.25, random_state=0).target_names == [
            "rock",
            "electronic",
            "classical",
            "hiphop",
            "jazz",
            "ambient",
        ]
        m = make_music(7, genres=["jazz", "ambient"], duration=0.25, random_state=0)
        assert sorted(np.unique(m.target, return_counts=True)[1]) == [3, 4]  # balanced
        assert (
            make_music(3, genres=1, duration=0.25, random_state=0).target.tolist()
            == ["rock"] * 3
        )

    def test_sr_and_duration(self):
        m = make_music(2, duration=0.5, sr=16000, random_state=0)
        assert m.sr == 16000 and m.data[0].shape == (8000,)

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            (
                dict(genres=["rock", "polka"]),
                r"unknown genre\(s\) \['polka'\].*valid genres",
            ),
            (dict(genres=7), "genres=7 but there are 6 recipes"),
            (dict(genres=0), "genres=0"),
            (dict(genres=[]), "empty"),
            (dict(genres=["rock", "rock"]), "duplicates"),
            (dict(n_samples=0), "n_samples must be a positive int"),
            (dict(duration=0), "duration must be a positive"),
            (dict(sr=100), "sr must be"),
        ],
    )
    def test_errors(self, kwargs, match):
        args = dict(n_samples=4)
        args.update(kwargs)
        n = args.pop("n_samples")
        with pytest.raises(ValueError, match=match):
            make_music(n, **args)
        with pytest.raises(TypeError, match=r"use \['rock'\]"):
            make_music(4, genres="rock")

    def test_fast(self):
        make_music(2, random_state=0)  # warm up
        start = time.perf_counter()
        make_music(100, random_state=0)
        assert time.perf_counter() - start < 3.0  # about 0.4 s on 2 cores

    def test_genre_learnable_from_mel_band_stats(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        m = make_music(48, genres=6, duration=2.0, random_state=0)
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        assert cross_val_score(clf, mel_stats(m), m.target, cv=4).mean() >= 0.9

    @pytest.mark.filterwarnings("ignore:n_fft=.*is too large:UserWarning")
    def test_emotion_follows_the_audio(self):
        from scipy.stats import spearmanr

        m = make_music(60, genres=6, duration=2.0, random_state=1)
        rms = np.array([np.sqrt(np.mean(y**2)) for y in m.data])
        assert spearmanr(m.emotion[:, 1], rms)[0] > 0.4  # energy ~ loudness
        # drum-less genres are neither energetic nor danceable
        drumless = np.isin(m.target, ["classical", "ambient"])
        assert m.emotion[drumless, 2].max() < m.emotion[~drumless, 2].mean()
        assert m.emotion[drumless, 1].mean() < m.emotion[~drumless, 1].mean()
        # valence is higher in major keys: major-triad chroma beats minor-triad chroma
        from spectroclf.features import chromagram

        major, minor = np.zeros(12), np.zeros(12)
        major[[0, 4, 7]] = minor[[0, 3, 7]] = 1
        mode = []
        for y in m.data[:30]:
            c = chromagram(y=y).mean(axis=0)
            best = [max(np.roll(t, k) @ c for k in range(12)) for t in (major, minor)]
            mode.append(best[0] - best[1])
        assert spearmanr(m.emotion[:30, 0], mode)[0] > 0.3


# ---------------------------------------------------------------------------
# make_lab_data

LAB_KW = dict(n_train=8, n_test=4, duration=1.5)


@pytest.fixture(scope="module")
def generated_lab(tmp_path_factory):
    return make_lab_data(tmp_path_factory.mktemp("lab"), **LAB_KW, random_state=0)


def _files(folder):
    return sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
    )


@pytest.mark.filterwarnings("ignore:n_fft=.*is too large:UserWarning")  # short clips
class TestMakeLabData:
    def test_four_folders_and_labels_files(self, generated_lab):
        assert sorted(p.name for p in generated_lab.iterdir()) == FOLDERS
        for folder in FOLDERS:
            d = generated_lab / folder
            assert len(list((d / "train").iterdir())) == 8
            assert len(list((d / "test").iterdir())) == 4
            assert (d / "train_labels.txt").is_file()
            # as in the lab, the emotion targets of the test clips are withheld
            assert (d / "test_labels.txt").is_file() == folder.startswith("genre")
        header = (generated_lab / "multitask" / "train_labels.txt").read_text()
        assert header.splitlines()[0] == "Id,valence,energy,danceability"

    @pytest.mark.parametrize("folder", ["genre", "genre_beat"])
    def test_genre_folders_load(self, generated_lab, folder):
        train = load_genre_spectrograms(generated_lab / folder, split="train")
        test = load_genre_spectrograms(generated_lab / folder, split="test")
        assert train.ids == [str(i) for i in range(1, 9)]
        assert test.ids == [str(i) for i in range(9, 13)]
        for bunch in (train, test):
            assert all(S.dtype == np.float32 and S.shape[1] == 140 for S in bunch.data)
            assert all(np.isfinite(S).all() for S in bunch.data)
        # lab-style names, balanced in each split (4 default genres)
        assert train.target_names == ["Classical", "Electronic", "Hip-Hop", "Rock"]
        for bunch, n in ((train, 2), (test, 1)):
            _, counts = np.unique(bunch.target, return_counts=True)
            assert counts.tolist() == [n] * 4
        n_frames = 1 + int(1.5 * 22050) // 512  # 65
        if folder == "genre":
            assert {len(S) for S in train.data} == {n_frames}
        else:
            assert all(1 <= len(S) < n_frames for S in train.data)

    @pytest.mark.parametrize("folder", ["multitask", "multitask_beat"])
    def test_multitask_folders_load(self, generated_lab, folder):
        genre = load_genre_spectrograms(
            generated_lab / folder.replace("multitask", "genre")
        )
        train = load_multitask_spectrograms(generated_lab / folder, split="train")
        test = load_multitask_spectrograms(generated_lab / folder, split="test")
        assert train.target.shape == (8, 3)
        assert train.target_names == ["valence", "energy", "danceability"]
        assert np.all((train.target >= 0) & (train.target <= 1))
        assert test.target is None and test.target_names is None
        assert len(test.data) == 4 and all(S.shape[1] == 140 for S in test.data)
        # the same clips as the genre folder, as in emotify-lab
        assert train.ids == genre.ids
        for a, b in zip(train.data, genre.data, strict=True):
            np.testing.assert_array_equal(a, b)

    def test_lab_recipe_from_the_audio(self, generated_lab):
        from spectroclf.features import beat_frames, beat_sync, fused_spectrogram

        # the training clips are make_music's first draw from the same seed
        music = make_music(8, duration=1.5, random_state=0)
        y = music.data[0]
        S = fused_spectrogram(y=y)
        full = load_spectrogram(
            generated_lab / "genre" / "train" / "1.fused.full.npy.gz"
        )
        beat = load_spectrogram(
            generated_lab / "genre_beat" / "train" / "1.fused.full.npy.gz"
        )
        np.testing.assert_array_equal(full, S)
        np.testing.assert_array_equal(beat, beat_sync(S, beat_frames(y=y)))
        genre = load_genre_spectrograms(generated_lab / "genre")
        assert genre.target[0] == D._LAB_GENRE_NAMES[music.target[0]]
        emotion = load_multitask_spectrograms(generated_lab / "multitask")
        np.testing.assert_allclose(emotion.target, music.emotion)

    def test_reproducible(self, tmp_path):
        kw = dict(n_train=2, n_test=1, duration=0.5)
        a = make_lab_data(tmp_path / "a", **kw, random_state=1)
        b = make_lab_data(tmp_path / "b", **kw, random_state=np.random.RandomState(1))
        c = make_lab_data(tmp_path / "c", **kw, random_state=2)
        assert a == tmp_path / "a"
        assert _files(a) == _files(b) == _files(c)
        for name in _files(a):
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert any((a / n).read_bytes() != (c / n).read_bytes() for n in _files(a))

    def test_genres_and_no_test_split(self, tmp_path):
        lab = make_lab_data(
            tmp_path,
            n_train=2,
            n_test=0,
            duration=0.5,
            genres=["jazz", "hiphop"],
            random_state=0,
        )
        train = load_genre_spectrograms(lab / "genre_beat")
        assert sorted(train.target.tolist()) == ["Hip-Hop", "Jazz"]
        assert all(not (lab / f / "test").exists() for f in FOLDERS)
        assert set(CLASS_MAPPING) >= set(train.target)  # CLASS_MAPPING's spelling

    @pytest.mark.parametrize(
        "kwargs, error, match",
        [
            (dict(n_train=0), ValueError, "n_train must be an int >= 1, got 0"),
            (dict(n_test=-1), ValueError, "n_test must be an int >= 0"),
            (dict(n_train=2.0), ValueError, "n_train must be an int"),
            (dict(genres=["polka"]), ValueError, r"unknown genre\(s\) \['polka'\]"),
            (dict(duration=0), ValueError, "duration must be a positive"),
        ],
    )
    def test_errors(self, tmp_path, kwargs, error, match):
        args = dict(n_train=1, n_test=0, duration=0.25)
        args.update(kwargs)
        with pytest.raises(error, match=match):
            make_lab_data(tmp_path, **args)

    def test_refuses_a_used_folder(self, tmp_path):
        (tmp_path / "genre_beat" / "train").mkdir(parents=True)
        with pytest.raises(FileExistsError, match="genre_beat' is not empty"):
            make_lab_data(tmp_path, n_train=1, n_test=0, duration=0.25)
        (tmp_path / "file").write_text("x")
        with pytest.raises(NotADirectoryError, match="not a folder"):
            make_lab_data(tmp_path / "file", n_train=1)


# ---------------------------------------------------------------------------
# shared_data_dir


class TestSharedDataDir:
    def test_explicit_path(self, tmp_path):
        assert shared_data_dir(tmp_path) == tmp_path.resolve()
        with pytest.raises(FileNotFoundError, match="missing"):
            shared_data_dir(tmp_path / "missing")

    def test_environment_variable(self, tmp_path, monkeypatch):
        monkeypatch.setenv("SPECTROCLF_DATA", str(tmp_path))
        assert shared_data_dir() == tmp_path.resolve()

    def _isolate(self, monkeypatch, tmp_path, cwd):
        monkeypatch.delenv("SPECTROCLF_DATA", raising=False)
        monkeypatch.setattr(
            D, "__file__", str(tmp_path / "elsewhere" / "pkg" / "datasets.py")
        )
        monkeypatch.chdir(cwd)

    def test_walks_up_from_cwd(self, tmp_path, monkeypatch):
        data = tmp_path / "shared" / "data"
        (data / "emotify-lab").mkdir(parents=True)
        (tmp_path / "repo" / "examples").mkdir(parents=True)
        self._isolate(monkeypatch, tmp_path, tmp_path / "repo" / "examples")
        assert shared_data_dir() == data.resolve()

    def test_none_when_absent_and_bad_env_warns(self, tmp_path, monkeypatch):
        (tmp_path / "repo").mkdir()
        (tmp_path / "shared" / "data").mkdir(
            parents=True
        )  # no emotify-lab etc.: not it
        self._isolate(monkeypatch, tmp_path, tmp_path / "repo")
        assert shared_data_dir() is None
        monkeypatch.setenv("SPECTROCLF_DATA", str(tmp_path / "gone"))
        with pytest.warns(UserWarning, match="SPECTROCLF_DATA.*gone"):
            assert shared_data_dir() is None


def test_public_api():
    for name in spectroclf._PUBLIC["datasets"]:
        assert getattr(spectroclf, name) is getattr(D, name)
