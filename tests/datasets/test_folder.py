"""Tests of spectroclf.datasets._folder: listing a split folder (ids, order,
placeholders) and parsing its labels file, through the public loaders."""

import warnings

import numpy as np
import pytest

from spectroclf.datasets import (
    load_genre_spectrograms,
    load_multitask_spectrograms,
    load_spectrogram,
)


class TestSplitFolder:
    def test_non_numeric_ids_sort_naturally(self, tmp_path, make_lab):
        ids = ["track10", "track2", "b", "track1"]
        make_lab(tmp_path, ids=ids, genres=["A", "B", "C", "D"])
        assert load_genre_spectrograms(tmp_path).ids == [
            "b",
            "track1",
            "track2",
            "track10",
        ]

    def test_link_placeholder_split(self, tmp_path, make_lab):
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

    def test_ignores_hidden_and_other_files(self, tmp_path, make_lab, save_gz, tiny):
        make_lab(tmp_path)
        (tmp_path / "train" / "README.txt").write_text("hello")
        save_gz(tmp_path / "train" / ".99.npy.gz.tmp", tiny())
        (tmp_path / "train" / "sub").mkdir()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert len(load_genre_spectrograms(tmp_path).data) == 3

    def test_missing_data_dir(self, tmp_path):
        with pytest.raises(
            FileNotFoundError, match="data_dir .*nowhere.* does not exist"
        ):
            load_genre_spectrograms(tmp_path / "nowhere")
        with pytest.raises(FileNotFoundError, match="nowhere"):
            load_multitask_spectrograms(tmp_path / "nowhere")

    def test_missing_split(self, tmp_path, make_lab):
        make_lab(tmp_path)
        with pytest.raises(
            FileNotFoundError,
            match=r"split folder .*valid.* does not exist.*\['train'\]",
        ):
            load_genre_spectrograms(tmp_path, split="valid")

    def test_duplicate_file_ids(self, tmp_path, make_lab, tiny):
        make_lab(tmp_path)
        np.save(tmp_path / "train" / "2.npy", tiny())
        with pytest.raises(
            ValueError, match="duplicate id '2'.*2.fused.full.npy.gz.*2.npy"
        ):
            load_genre_spectrograms(tmp_path)


class TestLabelsFile:
    def test_labels_by_leading_id(self, tmp_path, make_lab):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_text(
            "Id\tGenre\n1.beatsync.fused.npy.gz\tRock\n2\tPop\n10.whatever\tRock\n"
        )
        assert load_genre_spectrograms(tmp_path).target.tolist() == [
            "Rock",
            "Pop",
            "Rock",
        ]

    def test_csv_genre_labels_crlf_and_bom(self, tmp_path, make_lab):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_bytes(
            "\ufeffId,Genre\r\n1,Hip Hop\r\n2,Pop\r\n\r\n10,Pop\r\n".encode()
        )
        assert load_genre_spectrograms(tmp_path).target.tolist() == [
            "Hip Hop",
            "Pop",
            "Pop",
        ]

    def test_multitask_any_number_of_targets(self, tmp_path, make_lab):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_text(
            "Id,a,b\n10,0.5,1e-3\n1,1,2\n2,-3.25,0\n"
        )
        m = load_multitask_spectrograms(tmp_path)
        assert m.target_names == ["a", "b"]
        np.testing.assert_array_equal(m.target, [[1, 2], [-3.25, 0], [0.5, 1e-3]])
        (tmp_path / "train_labels.txt").write_text("Id,only\n1,0.1\n2,0.2\n10,0.3\n")
        assert load_multitask_spectrograms(tmp_path).target.shape == (3, 1)

    def test_unlabelled_files_warn_and_are_skipped(
        self, tmp_path, make_lab, save_gz, tiny
    ):
        make_lab(tmp_path)
        save_gz(tmp_path / "train" / "7.fused.full.npy.gz", tiny())
        with pytest.warns(
            UserWarning, match="1 file.*no entry.*skipped: 7.fused.full.npy.gz"
        ):
            b = load_genre_spectrograms(tmp_path)
        assert b.ids == ["1", "2", "10"]

    def test_labelled_file_absent(self, tmp_path, make_lab):
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
    def test_malformed_genre_labels(self, tmp_path, text, match, make_lab):
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
    def test_malformed_multitask_labels(self, tmp_path, text, match, make_lab):
        make_lab(tmp_path, labels=None)
        (tmp_path / "train_labels.txt").write_text(text)
        with pytest.raises(ValueError, match=match):
            load_multitask_spectrograms(tmp_path)
