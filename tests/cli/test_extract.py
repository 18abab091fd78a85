"""Tests of ``spectroclf extract`` (spectroclf/cli/_extract.py)."""

from pathlib import Path

import numpy as np
import pytest

from spectroclf.datasets import (
    load_genre_spectrograms,
    load_multitask_spectrograms,
    load_spectrogram,
)

SUFFIX = ".fused.full.npy.gz"


def mtimes(folder):
    return {p: p.stat().st_mtime_ns for p in sorted(Path(folder).rglob("*.npy.gz"))}


# ---------------------------------------------------------------------------
# extract on real clips (train and predict on them: test_train.py)


class TestRoundTrip:
    @pytest.mark.data
    def test_extract_writes_the_lab_layout(self, real_lab):
        assert real_lab["code"] == 0
        out = real_lab["out"]
        for name in ("genre", "genre_beat", "multitask", "multitask_beat"):
            assert len(list((out / name / "train").glob(f"*{SUFFIX}"))) == 6
            assert len(list((out / name / "test").glob(f"*{SUFFIX}"))) == 2
        lines = (out / "genre" / "train_labels.txt").read_text().splitlines()
        assert lines[0] == "Id\tGenre"
        assert f"1{SUFFIX}\tclassical" in lines and f"103{SUFFIX}\trock" in lines
        assert (out / "genre_beat" / "test_labels.txt").is_file()
        header = (out / "multitask" / "train_labels.txt").read_text().splitlines()[0]
        assert header == "Id,calmness,power"  # n_annotators (integers) ignored
        assert not (out / "multitask" / "test_labels.txt").exists()

        genre = load_genre_spectrograms(out / "genre")
        assert genre.ids == ["1", "103", "g0", "g1", "g2", "g3"]
        assert genre.data[0].shape == (1292, 140)
        beat = load_multitask_spectrograms(out / "multitask_beat")
        assert beat.target.shape == (6, 2)
        assert all(S.shape[1] == 140 and len(S) < 200 for S in beat.data)

    @pytest.mark.data
    def test_extract_reproduces_the_shared_lab_arrays(self, real_lab, shared_data):
        ours = load_spectrogram(real_lab["out"] / "genre" / "train" / f"1{SUFFIX}")
        lab = load_spectrogram(
            shared_data / "emotify-lab" / "genre" / "train" / f"1{SUFFIX}"
        )
        assert ours.shape == lab.shape
        np.testing.assert_allclose(ours, lab, atol=0.05)

    @pytest.mark.data
    def test_extract_resumes(self, real_lab, run, capsys):
        out = real_lab["out"]
        before = mtimes(out / "genre") | mtimes(out / "genre_beat")
        args = ("extract", real_lab["audio"], out, "--labels", real_lab["labels"])
        code, stdout, err = run(capsys, *args)
        assert code == 0
        assert "8 already done, 0 to extract" in err
        assert mtimes(out / "genre") | mtimes(out / "genre_beat") == before

        # a clip with a missing output is redone, and only that one
        missing = out / "genre_beat" / "test" / f"g5{SUFFIX}"
        missing.unlink()
        code, stdout, err = run(capsys, *args)
        assert code == 0
        assert "7 already done, 1 to extract" in err
        after = mtimes(out / "genre") | mtimes(out / "genre_beat")
        changed = {p for p in after if after[p] != before.get(p)}
        assert changed == {missing, out / "genre" / "test" / f"g5{SUFFIX}"}


# ---------------------------------------------------------------------------
# extract: without labels, and its errors


def test_extract_without_labels_and_a_broken_file(tmp_path, run, write_clips, capsys):
    audio = tmp_path / "audio"
    write_clips(audio, 2, duration=1.0)
    (audio / "broken.ogg").write_bytes(b"this is not audio")
    (audio / "notes.txt").write_text("ignored")
    code, out, err = run(capsys, "extract", audio, tmp_path / "lab", "--n-jobs", "2")
    assert code == 1
    assert err.splitlines()[-2:] == [
        f"spectroclf: error: could not decode audio file '{audio / 'broken.ogg'}': "
        "it is a text file, not audio (it starts with 'this is not audi')",
        f"spectroclf: error: 2 of 3 clips written to '{tmp_path / 'lab'}'; 1 "
        "failed and was left out (run the same command again to retry only those)",
    ]
    assert out.startswith(
        f"extracted 2 clips, kept 0 already done, into '{tmp_path / 'lab'}':"
    )
    for name in ("full", "beat"):
        files = sorted(p.name for p in (tmp_path / "lab" / name / "train").iterdir())
        assert files == [f"g0{SUFFIX}", f"g1{SUFFIX}"]
        assert not list((tmp_path / "lab" / name).glob("*_labels.txt"))


def test_extract_errors(tmp_path, run, write_clips, capsys):
    code, _, err = run(capsys, "extract", tmp_path / "nowhere", tmp_path / "lab")
    assert code == 2 and "nowhere" in err and "does not exist" in err
    assert err.startswith("spectroclf: error:") and "Traceback" not in err

    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "extract", empty, tmp_path / "lab")
    assert code == 2 and "holds no audio files" in err

    audio = tmp_path / "audio"
    write_clips(audio, 2, duration=0.5)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,genre\ng0,rock\n")
    code, _, err = run(capsys, "extract", audio, tmp_path / "lab", "--labels", bad)
    assert code == 2 and "no 'id' column" in err

    bad.write_text("id,genre\ng0,rock\ng1,pop\nzz9,pop\n")
    code, _, err = run(capsys, "extract", audio, tmp_path / "lab", "--labels", bad)
    assert code == 2 and "'zz9'" in err and "match no audio file" in err

    code, _, err = run(
        capsys, "extract", audio, tmp_path / "lab", "--labels", tmp_path / "missing.csv"
    )
    assert code == 2 and "missing.csv" in err
    assert not (tmp_path / "lab").exists()


# ---------------------------------------------------------------------------
# #14: what a new user sees


def test_a_text_file_renamed_wav(tmp_path, run, capsys):
    audio = tmp_path / "audio"
    audio.mkdir()
    (audio / "x.wav").write_text("hello, this is a text file\n")
    out_dir = tmp_path / "lab"
    code, out, err = run(capsys, "extract", audio, out_dir)
    assert code == 1
    assert out == ""  # no output folder announced: none was written
    assert err.splitlines()[-2:] == [
        f"spectroclf: error: could not decode audio file '{audio / 'x.wav'}': it "
        "is a text file, not audio (it starts with 'hello, this is a')",
        f"spectroclf: error: 0 of 1 clip written; nothing written to '{out_dir}'",
    ]
    assert "NoBackendError" not in err and "the others are written" not in err
    assert not out_dir.exists()


def test_messages_name_the_options_and_arguments(tmp_path, run, write_clips, capsys):
    """extract_lab_layout names its parameters; the command names what was typed."""
    audio = tmp_path / "audio"
    write_clips(audio, 2, duration=0.5)
    code, _, err = run(capsys, "extract", audio / "g0.wav", tmp_path / "lab")
    assert code == 2
    assert "AUDIO_DIR must be a folder of audio files" in err
    assert "audio_dir" not in err

    (tmp_path / "taken").write_text("a file")
    code, _, err = run(capsys, "extract", audio, tmp_path / "taken")
    assert code == 2
    assert f"OUT_DIR '{tmp_path / 'taken'}' exists and is not a folder" in err

    labels = tmp_path / "clips.csv"
    labels.write_text("id,genre,count,valence\ng0,rock,3,0.5\ng1,pop,4,0.25\n")
    args = ("extract", audio, tmp_path / "lab", "--labels", labels)
    code, _, err = run(capsys, *args, "--targets", "energy")
    assert code == 2
    assert "--targets column(s) ['energy'] are not in labels CSV" in err

    code, _, err = run(capsys, *args)
    assert code == 0, err
    assert (
        f"extract: ignoring column(s) 'count' (integers, e.g. counts) of '{labels}'; "
        "choose the emotion columns with --targets NAMES"
    ) in err.splitlines()
    assert "targets=" not in err


# ---------------------------------------------------------------------------
# #24: silent outcomes and messages that lost the file


def test_a_header_only_labels_csv_is_an_error(tmp_path, run, write_clips, capsys):
    audio = tmp_path / "audio"
    write_clips(audio, 2, duration=0.5)
    labels = tmp_path / "clips.csv"
    labels.write_text("id,genre,split\n")
    code, out, err = run(capsys, "extract", audio, tmp_path / "lab", "--labels", labels)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"spectroclf: error: labels CSV '{labels}' has a header (id, genre, split) "
        "but no rows; add one line per audio file (or leave out the labels CSV to "
        "extract every audio file unlabelled)"
    )
    assert not (tmp_path / "lab").exists()


def test_librosa_problems_name_the_clip(tmp_path, run, capsys):
    """A 690-sample clip fails in librosa, and a pure tone has no beats."""
    import soundfile as sf

    audio = tmp_path / "audio"
    audio.mkdir()
    rng = np.random.default_rng(0)
    sf.write(audio / "short.wav", 0.1 * rng.normal(size=690), 22050)
    t = np.arange(3 * 22050) / 22050
    sf.write(audio / "tone.wav", 0.3 * np.sin(2 * np.pi * 440 * t), 22050)
    code, _, err = run(capsys, "extract", audio, tmp_path / "lab")
    lines = err.splitlines()
    # librosa warns that its window is longer than the clip, then either fails
    # on the clip (NaN in the beat tracker) or not: said once, with the clip
    fft = [line for line in lines if "n_fft=" in line]
    assert len(fft) == 1, err
    if code == 1:
        assert fft[0].startswith(
            f"spectroclf: error: audio file '{audio / 'short.wav'}': "
        )
        assert "(librosa warned: n_fft=2048 is too large for input signal" in fft[0]
    else:
        assert code == 0
        assert fft[0].startswith(
            f"extract: audio file '{audio / 'short.wav'}': n_fft=2048 is too large "
            "for input signal of length=690"
        )
    assert (
        f"extract: audio file '{audio / 'tone.wav'}': beat tracking found no beats, "
        "so its beat-synced array has 1 frame"
    ) in err
    beat = load_spectrogram(tmp_path / "lab" / "beat" / "train" / f"tone{SUFFIX}")
    assert beat.shape == (1, 140)
    # --quiet: no progress, the notices and errors still
    (audio / "short.wav").unlink()
    code, _, err = run(capsys, "extract", audio, tmp_path / "lab2", "--quiet")
    assert code == 0
    assert err.splitlines() == [
        f"extract: audio file '{audio / 'tone.wav'}': beat tracking found no beats, "
        "so its beat-synced array has 1 frame (the whole clip in one); a pure tone "
        "or silence? Its full-length array is as usual"
    ]


def test_out_dir_above_must_exist(tmp_path, run, write_clips, capsys):
    audio = tmp_path / "audio"
    write_clips(audio, 1, duration=0.5)
    out_dir = tmp_path / "no" / "such" / "lab"
    code, _, err = run(capsys, "extract", audio, out_dir)
    assert code == 2
    assert (
        f"spectroclf: error: OUT_DIR '{out_dir}': the folder '{out_dir.parent}' "
        "does not exist"
    ) in err
    assert not (tmp_path / "no").exists()
