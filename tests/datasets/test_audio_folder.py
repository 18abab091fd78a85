"""Tests of spectroclf/datasets/_audio_folder.py: extract_lab_layout."""

import csv
import gzip

import numpy as np
import pytest

from spectroclf.datasets import (
    extract_lab_layout,
    load_genre_spectrograms,
    load_multitask_spectrograms,
    make_music,
)

SUFFIX = ".fused.full.npy.gz"


def _on_disk(path):
    """The raw array of a lab-layout file: (n_bins, n_frames)."""
    with gzip.open(path, "rb") as f:
        return np.load(f)


def _write_csv(path, rows):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    """Four generated 1.5-s clips c0.wav ... c3.wav, and their genres."""
    import soundfile as sf

    folder = tmp_path_factory.mktemp("audio")
    music = make_music(4, genres=["rock", "classical"], duration=1.5, random_state=0)
    for i, y in enumerate(music.data):
        sf.write(folder / f"c{i}.wav", y, music.sr)
    return folder, list(music.target)


# ---------------------------------------------------------------------------
# real clips


@pytest.mark.data
def test_real_clips_with_the_emotify_metadata(shared_data, tmp_path):
    ids = {"1": "train", "103": "train", "3": "test"}  # 3: no emotion values
    audio_dir = tmp_path / "audio"
    audio_dir.mkdir()
    for sid in ids:
        (audio_dir / f"{sid}.ogg").symlink_to(
            shared_data / "emotify" / "audio" / f"{sid}.ogg"
        )
    with open(shared_data / "emotify" / "metadata.csv", newline="") as f:
        table = list(csv.reader(f))
    clips = _write_csv(
        tmp_path / "clips.csv", [table[0]] + [r for r in table[1:] if r[0] in ids]
    )
    events = []
    result = extract_lab_layout(
        audio_dir,
        tmp_path / "lab",
        clips=clips,
        callback=lambda event, info: events.append((event, info)),
    )

    assert result.splits == ["test", "train"]
    assert result.ids == {"test": ["3"], "train": ["1", "103"]}
    assert result.n_extracted == 3 and result.n_kept == 0 and result.failed == {}
    emotions = table[0][4:]  # n_annotators (integers) ignored
    assert result.target_names == emotions
    assert list(result.folders) == [
        "genre",
        "genre_beat",
        "multitask",
        "multitask_beat",
    ]
    assert result.folders["genre"].labels.keys() == {"test", "train"}
    assert result.folders["multitask"].labels.keys() == {"train"}
    assert result.folders["genre_beat"].beat_synced
    assert not result.folders["multitask"].beat_synced
    notices = [info["message"] for event, info in events if event == "notice"]
    assert len(notices) == 1 and "'n_annotators' (integers" in notices[0]

    lab = tmp_path / "lab"
    full = _on_disk(lab / "genre" / "train" / f"1{SUFFIX}")
    beat = _on_disk(lab / "genre_beat" / "train" / f"1{SUFFIX}")
    assert full.shape == (140, 1292) and full.dtype == np.float32
    assert beat.shape[0] == 140 and 10 < beat.shape[1] < 200
    assert (lab / "multitask" / "train").is_symlink()
    lines = (lab / "genre" / "train_labels.txt").read_text().splitlines()
    assert lines == ["Id\tGenre", f"1{SUFFIX}\tclassical", f"103{SUFFIX}\trock"]
    emotion = load_multitask_spectrograms(lab / "multitask_beat")
    assert list(emotion.target_names) == emotions and emotion.target.shape == (2, 9)
    assert emotion.target[0, emotions.index("calmness")] == pytest.approx(0.625)
    test = load_genre_spectrograms(lab / "genre", split="test")
    assert test.ids == ["3"] and test.data[0].shape == (1292, 140)


# ---------------------------------------------------------------------------
# generated audio


def test_without_clips_and_resume(audio, tmp_path):
    folder, _ = audio
    events = []
    result = extract_lab_layout(
        folder, tmp_path / "lab", callback=lambda e, info: events.append((e, info))
    )
    assert list(result.folders) == ["full", "beat"]
    assert result.splits == ["train"] and result.ids == {
        "train": ["c0", "c1", "c2", "c3"]
    }
    assert result.n_extracted == 4 and result.target_names == []
    for name in ("full", "beat"):
        assert result.folders[name].path == tmp_path / "lab" / name
        assert result.folders[name].labels == {}
        files = sorted((tmp_path / "lab" / name / "train").iterdir())
        assert [p.name for p in files] == [f"c{i}{SUFFIX}" for i in range(4)]
        assert all(_on_disk(p).shape[0] == 140 for p in files)
    assert _on_disk(tmp_path / "lab" / "full" / "train" / f"c0{SUFFIX}").shape == (
        140,
        65,
    )
    assert not list((tmp_path / "lab").rglob("*_labels.txt"))
    assert events[0] == ("start", {"n_clips": 4, "n_done": 0, "n_todo": 4})
    clips = [info for event, info in events if event == "clip"]
    assert [c["index"] for c in clips] == [1, 2, 3, 4]
    assert [c["path"].name for c in clips] == [f"c{i}.wav" for i in range(4)]
    assert all(c["error"] is None and c["seconds"] >= 0 for c in clips)

    again = extract_lab_layout(folder, tmp_path / "lab")
    assert again.n_extracted == 0 and again.n_kept == 4
    assert again.ids == result.ids


def test_genre_and_emotion_columns(audio, tmp_path):
    folder, genres = audio
    rows = [["id", "genre", "split", "count", "valence", "note"]]
    for i, g in enumerate(genres[:3]):
        split, valence = ("test", "") if i == 2 else ("train", f"{0.25 * i:.2f}")
        rows.append([f"c{i}", g, split, str(i), valence, "x"])
    clips = _write_csv(tmp_path / "clips.csv", rows)
    with pytest.warns(UserWarning) as record:
        result = extract_lab_layout(folder, tmp_path / "lab", clips=clips, n_jobs=2)
    messages = [str(w.message) for w in record]
    assert any(
        "'count' (integers" in m and "'note' (not numbers)" in m for m in messages
    )
    assert any("c3.wav" in m and "skipped" in m for m in messages)

    lab = tmp_path / "lab"
    assert result.target_names == ["valence"]
    assert result.ids == {"test": ["c2"], "train": ["c0", "c1"]}
    assert sorted(p.name for p in lab.iterdir()) == [
        "genre",
        "genre_beat",
        "multitask",
        "multitask_beat",
    ]
    assert (lab / "genre" / "train_labels.txt").read_text() == (
        f"Id\tGenre\nc0{SUFFIX}\t{genres[0]}\nc1{SUFFIX}\t{genres[1]}\n"
    )
    assert (lab / "multitask_beat" / "train_labels.txt").read_text() == (
        "Id,valence\nc0,0.0\nc1,0.25\n"
    )
    assert not (lab / "multitask" / "test_labels.txt").exists()
    for name in ("multitask", "multitask_beat"):
        assert (lab / name / "train").is_symlink() and (
            lab / name / "test"
        ).is_symlink()
    shapes = [_on_disk(p).shape for p in sorted((lab / "genre").rglob(f"*{SUFFIX}"))]
    assert shapes == [(140, 65)] * 3

    # again with explicit targets: the arrays are kept, the labels rewritten
    result = extract_lab_layout(
        folder, lab, clips=clips, targets=["count"], callback=lambda *a: None
    )
    assert result.n_kept == 3 and result.n_extracted == 0
    assert result.target_names == ["count"]
    assert (lab / "multitask" / "train_labels.txt").read_text() == (
        "Id,count\nc0,0.0\nc1,1.0\n"
    )
    assert (lab / "multitask" / "test_labels.txt").read_text() == "Id,count\nc2,2.0\n"


def test_a_broken_file_is_left_out(audio, tmp_path):
    folder = tmp_path / "audio"
    folder.mkdir()
    (folder / "c0.wav").symlink_to(audio[0] / "c0.wav")
    (folder / "bad.ogg").write_bytes(b"this is not audio")
    result = extract_lab_layout(folder, tmp_path / "lab", callback=lambda *a: None)
    assert list(result.failed) == ["bad"] and result.failed["bad"]
    assert result.n_extracted == 1 and result.ids == {"train": ["c0"]}
    assert not list((tmp_path / "lab").rglob(f"bad{SUFFIX}"))


# ---------------------------------------------------------------------------
# errors


def test_an_audio_file_named_in_the_csv_is_missing(audio, tmp_path):
    clips = _write_csv(
        tmp_path / "clips.csv", [["id", "genre"], ["c0", "rock"], ["c9", "pop"]]
    )
    with pytest.raises(
        FileNotFoundError, match=r"1 id\(s\) of labels CSV .*clips.csv.*'c9'"
    ):
        extract_lab_layout(audio[0], tmp_path / "lab", clips=clips)
    assert not (tmp_path / "lab").exists()


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([["id", "genre"], ["c0", "rock", "extra"]], "line 2: 3 fields"),
        ([["id", "genre"], ["c0", "rock"], ["", "pop"]], "line 3: empty id"),
        ([["id", "genre"], ["c0", "rock"], ["c0", "pop"]], "line 3: duplicate id 'c0'"),
        (
            [["id", "v", "w"], ["c0", "0.5", "1.5"], ["c1", "0.5", ""]],
            r"line 3 \(id 'c1'\).*\['w'\] are empty",
        ),
        ([["id", "genre", "split"], ["c0", "rock", "../up"]], "line 2: split '../up'"),
        ([["name", "genre"], ["c0", "rock"]], "no 'id' column"),
        ([["id", "split"], ["c0", "train"]], "no label columns"),
        (
            [["id", "genre"], ["c0", "rock"], ["c1", ""]],
            r"1 clip\(s\) of split 'train' have no genre",
        ),
    ],
)
def test_a_bad_csv_row(audio, tmp_path, rows, match):
    clips = _write_csv(tmp_path / "clips.csv", rows)
    with pytest.raises(ValueError, match=match) as info:
        extract_lab_layout(audio[0], tmp_path / "lab", clips=clips)
    assert "clips.csv" in str(info.value)
    assert not (tmp_path / "lab").exists()


def test_bad_arguments(audio, tmp_path):
    with pytest.raises(
        FileNotFoundError, match="audio folder .*nowhere.* does not exist"
    ):
        extract_lab_layout(tmp_path / "nowhere", tmp_path / "lab")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no audio files"):
        extract_lab_layout(tmp_path / "empty", tmp_path / "lab")
    with pytest.raises(FileNotFoundError, match="labels CSV .*missing.csv"):
        extract_lab_layout(audio[0], tmp_path / "lab", clips=tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="targets needs clips"):
        extract_lab_layout(audio[0], tmp_path / "lab", targets=["valence"])
    clips = _write_csv(tmp_path / "clips.csv", [["id", "genre"], ["c0", "rock"]])
    with pytest.raises(ValueError, match=r"\['valence'\] are not in labels CSV"):
        extract_lab_layout(audio[0], tmp_path / "lab", clips=clips, targets="valence")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="out_dir .*file"):
        extract_lab_layout(audio[0], tmp_path / "file")
    assert not (tmp_path / "lab").exists()


def test_a_text_file_renamed_wav_is_reported_and_nothing_written(tmp_path):
    """#14: the failure names the file and what it is; the counts are true."""
    folder = tmp_path / "audio"
    folder.mkdir()
    (folder / "x.wav").write_text("hello, not audio\n")
    events = []
    result = extract_lab_layout(
        folder, tmp_path / "lab", callback=lambda e, info: events.append((e, info))
    )
    assert result.failed == {
        "x": f"could not decode audio file '{folder / 'x.wav'}': it is a text "
        "file, not audio (it starts with 'hello, not audio')"
    }
    assert result.n_extracted == 0 and result.n_kept == 0
    assert result.folders == {} and result.splits == [] and result.ids == {}
    assert not (tmp_path / "lab").exists()
    (clip,) = [info for event, info in events if event == "clip"]
    assert clip["error"] == result.failed["x"]


def test_notice_names_the_targets_parameter(audio, tmp_path):
    folder, genres = audio
    clips = _write_csv(
        tmp_path / "clips.csv",
        [["id", "genre", "count", "valence"]]
        + [[f"c{i}", g, str(i), f"{i / 10:.2f}"] for i, g in enumerate(genres)],
    )
    with pytest.warns(UserWarning, match=r"choose the emotion columns with targets=\["):
        extract_lab_layout(folder, tmp_path / "lab", clips=clips)
