"""Tests of spectroclf.datasets._lab: the loaders on the real lab data and on
tiny folders, and write_lab_layout."""

import csv
import gzip
import warnings

import numpy as np
import pytest

from spectroclf.datasets import (
    CLASS_MAPPING,
    _lab,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    load_spectrogram,
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

        monkeypatch.setattr(_lab, "load_spectrogram", fail)
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


# ---------------------------------------------------------------------------
# the loaders on tiny folders


class TestLoadersTiny:
    def test_basic_and_natural_order(self, tmp_path, make_lab):
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

    def test_unlabelled_split(self, tmp_path, make_lab):
        make_lab(tmp_path, labels=None)
        b = load_genre_spectrograms(
            tmp_path, class_mapping={"x": "y"}
        )  # mapping ignored
        assert b.target is None and b.target_names is None and b.ids == ["1", "2", "10"]
        m = load_multitask_spectrograms(tmp_path)
        assert m.target is None and len(m.data) == 3

    def test_empty_split_without_labels(self, tmp_path):
        (tmp_path / "test").mkdir()
        with pytest.raises(ValueError, match="holds no .npy or .npy.gz files"):
            load_genre_spectrograms(tmp_path, split="test")

    def test_bad_file_is_named(self, tmp_path, make_lab, save_gz, tiny):
        make_lab(tmp_path)
        save_gz(tmp_path / "train" / "2.fused.full.npy.gz", tiny(5, 12))
        with pytest.raises(ValueError, match="2.fused.full.npy.gz' has 12 rows"):
            load_genre_spectrograms(tmp_path)
        # lazy mode reads nothing, so it does not notice
        assert len(load_genre_spectrograms(tmp_path, lazy=True).data) == 3

    def test_bad_arguments(self, tmp_path, make_lab):
        make_lab(tmp_path)
        with pytest.raises(ValueError, match="unknown feature 'cqt'"):
            load_genre_spectrograms(tmp_path, feature="cqt", lazy=True)
        with pytest.raises(ValueError, match="split must be"):
            load_genre_spectrograms(tmp_path, split="")
        with pytest.raises(TypeError, match="class_mapping must be a dict"):
            load_genre_spectrograms(tmp_path, class_mapping=[("Rock", "Rock")])

    def test_class_mapping_drops_none(self, tmp_path, make_lab):
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

    @pytest.mark.data
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
# exact messages, descriptions and file contents (found by mutation testing)


class TestLoaderDetails:
    def test_descr_of_a_labelled_genre_split(self, tmp_path, make_lab):
        make_lab(tmp_path, genres=["Rock", "Pop", "Rock"])
        b = load_genre_spectrograms(tmp_path)
        assert b.DESCR == (
            "Genre spectrograms in the lab layout\n"
            f"folder: {tmp_path}, split: 'train', 3 samples\n"
            "data: list of (n_frames, 140) float32 arrays, time first; feature 'fused'\n"
            "genres: Pop (1), Rock (2)"
        )
        lazy = load_genre_spectrograms(tmp_path, feature="chroma", lazy=True)
        assert lazy.DESCR.splitlines()[2] == (
            "data: list of file paths (lazy=True), time first; feature 'chroma'")

    def test_descr_and_fields_of_multitask_splits(self, tmp_path):
        specs = [np.zeros((4, 140), np.float32), np.ones((6, 140), np.float32)]
        write_lab_layout(tmp_path, specs, ["7", "3"], targets=[[0.5, 0.25], [1.0, 0.0]],
                         target_names=["valence", "energy"])
        write_lab_layout(tmp_path, specs, ["1", "2"], split="test")
        b = load_multitask_spectrograms(tmp_path, feature="mel")
        assert b.ids == ["3", "7"] and b.feature == "mel"
        assert b.filenames == [str(tmp_path / "train" / f"{i}.fused.full.npy.gz")
                               for i in ("3", "7")]
        assert b.target.dtype == np.float64
        np.testing.assert_array_equal(b.target, [[1.0, 0.0], [0.5, 0.25]])
        assert b.DESCR == (
            "Multitask spectrograms in the lab layout\n"
            f"folder: {tmp_path}, split: 'train', 2 samples\n"
            "data: list of (n_frames, 128) float32 arrays, time first; feature 'mel'\n"
            "targets (2): valence, energy"
        )
        lazy = load_multitask_spectrograms(tmp_path, lazy=True)
        assert lazy.DESCR.splitlines()[2] == (
            "data: list of file paths (lazy=True), time first; feature 'fused'")
        test = load_multitask_spectrograms(tmp_path, split="test")
        assert test.DESCR.splitlines()[1:] == [
            f"folder: {tmp_path}, split: 'test', 2 samples",
            "data: list of (n_frames, 140) float32 arrays, time first; feature 'fused'",
            "target: none (no labels file)",
        ]
        genre_test = load_genre_spectrograms(tmp_path, split="test")
        assert genre_test.DESCR.splitlines()[-1] == "target: none (no labels file)"

    def test_class_mapping_messages(self, tmp_path, make_lab):
        make_lab(tmp_path, ids=("1", "2", "3", "4"), genres=["D", "C", "B", "A"])
        with pytest.raises(TypeError) as err:
            load_genre_spectrograms(tmp_path, class_mapping=[("A", "A")])
        assert str(err.value) == (
            "class_mapping must be a dict {genre: new genre or None}, got list")
        with pytest.raises(ValueError) as err:
            load_genre_spectrograms(tmp_path, class_mapping={"Z": None})
        assert str(err.value).endswith(
            "e.g. {'A': 'A', 'B': 'B', 'C': 'C'} to keep them or map them to None "
            "to drop them")

    def test_mapped_genres_are_strings(self, tmp_path, make_lab):
        make_lab(tmp_path, genres=["Rock", "Pop", "Rock"])
        b = load_genre_spectrograms(tmp_path, class_mapping={"Rock": 1, "Pop": 2})
        assert b.target.dtype.kind == "U" and b.target.tolist() == ["1", "2", "1"]

    def test_label_errors_name_the_labels_file_and_split_folder(self, tmp_path, make_lab):
        make_lab(tmp_path)
        labels = tmp_path / "train_labels.txt"
        labels.write_text("Id\tGenre\n1.fused.full.npy.gz\t\n")
        with pytest.raises(ValueError, match=r"labels file '.*train_labels\.txt' line 2: "
                                             "empty genre"):
            load_genre_spectrograms(tmp_path)
        labels.write_text("Id\tGenre\n99.fused.full.npy.gz\tRock\n")
        with pytest.raises(FileNotFoundError) as err:
            load_genre_spectrograms(tmp_path)
        assert f"labels file '{labels}'" in str(err.value)
        assert f"absent from '{tmp_path / 'train'}'" in str(err.value)


class TestWriteDetails:
    def specs(self, n=2):
        return [np.arange(5 * 140, dtype=np.float64).reshape(5, 140) + i for i in range(n)]

    def test_files_are_float32_and_byte_reproducible(self, tmp_path):
        write_lab_layout(tmp_path, self.specs(), ["1", "2"])
        path = tmp_path / "train" / "1.fused.full.npy.gz"
        raw = path.read_bytes()
        assert raw[4:8] == b"\0\0\0\0"  # gzip header: no modification time
        with gzip.open(path) as f:
            arr = np.load(f)
        assert arr.dtype == np.float32 and arr.shape == (140, 5)

    def test_labels_files_exactly(self, tmp_path):
        write_lab_layout(tmp_path, self.specs(), ["X1", "2"], genres=[1, 2.5])
        assert (tmp_path / "train_labels.txt").read_text() == (
            "Id\tGenre\nX1.fused.full.npy.gz\t1\n2.fused.full.npy.gz\t2.5\n")
        write_lab_layout(tmp_path, self.specs(), ["X1", "2"], split="val",
                         targets=[["0.5", "1"], ["0.25", "0"]],
                         target_names=["Xvalence", "energy"])
        assert (tmp_path / "val_labels.txt").read_text() == (
            "Id,Xvalence,energy\nX1,0.5,1.0\n2,0.25,0.0\n")
        write_lab_layout(tmp_path, self.specs(), ["1", "2"], split="Xtest",
                         genres=["Xmas", "Rock, Pop"])
        assert load_genre_spectrograms(tmp_path, split="Xtest").target.tolist() == [
            "Xmas", "Rock, Pop"]

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            (dict(ids=[]), "got 2 spectrograms but 0 ids; pass one id each"),
            (dict(ids=["1", "a/b"]), "id 'a/b' must not contain '.', '/' or '\\'"),
            (dict(ids=["1", "a\\b"]), "id 'a\\\\b' must not contain '.', '/' or '\\'"),
            (dict(ids=["1", "a,b"]),
             "id 'a,b' must be non-empty and contain no TAB, comma or newline"),
            (dict(split=""), "split must be a plain folder name such as 'train', got ''"),
            (dict(genres=["A", "B"], targets=[[0.0], [1.0]]),
             "pass genres or targets, not both (one labels file per split)"),
            (dict(targets=[[0.0], [np.inf]]), "targets hold NaN or infinite values"),
            (dict(targets=[[0.0], [1.0]], target_names=["a,b"]),
             "target name 'a,b' must be non-empty and contain no TAB, comma or newline"),
            (dict(target_names=["a"]), "target_names needs targets"),
        ],
    )
    def test_error_messages(self, tmp_path, kwargs, message):
        args = dict(ids=["1", "2"])
        args.update(kwargs)
        with pytest.raises(ValueError) as err:
            write_lab_layout(tmp_path, self.specs(), **args)
        assert str(err.value) == message

    def test_nothing_to_write(self, tmp_path):
        with pytest.raises(ValueError) as err:
            write_lab_layout(tmp_path, [], [])
        assert str(err.value) == "no spectrograms to write"
