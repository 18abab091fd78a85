"""Tests of ``spectroclf tag`` (spectroclf/cli/_tag.py)."""

import gzip

import numpy as np


def test_tag(tmp_path, run, write_clips, capsys):
    write_clips(tmp_path, 1, duration=3.0)
    clip = tmp_path / "g0.wav"
    code, out, err = run(capsys, "tag", clip, "--top", "3")
    assert code == 0, err
    line = out.strip()
    assert line.startswith(f"{clip}: ") and line.count("(") == 3
    code, _, err = run(capsys, "tag", tmp_path / "none.ogg")
    assert code == 1
    assert f"AUDIO 1 '{tmp_path / 'none.ogg'}': it does not exist" in err


def test_tag_reports_bad_files_and_tags_the_others(
    tmp_path, run, write_clips, capsys
):
    """#24: the good files are tagged; the bad ones named, numbered from 1."""
    write_clips(tmp_path, 2, duration=3.0)
    text = tmp_path / "notes.ogg"
    text.write_text("this is not audio\n")
    spec = tmp_path / "1.fused.full.npy.gz"
    with gzip.open(spec, "wb") as f:
        np.save(f, np.zeros((140, 10), np.float32))
    files = [tmp_path / "g0.wav", text, spec, tmp_path / "g1.wav"]
    code, out, err = run(capsys, "tag", *files, "--top", "2")
    assert code == 1
    lines = out.splitlines()
    assert [line.split(": ")[0] for line in lines] == [str(files[0]), str(files[3])]
    errors = err.splitlines()
    assert errors[0].startswith(f"spectroclf: error: AUDIO 2 '{text}': ")
    assert "not audio" in errors[0]
    assert errors[1] == (
        f"spectroclf: error: AUDIO 3 '{spec}': it is a spectrogram (a .npy array, "
        "e.g. from 'spectroclf extract'), not audio; tag reads audio files (ogg, "
        "wav, mp3, flac)"
    )
    assert errors[2] == "spectroclf: error: tagged 2 of 4 files; 2 could not be read"
    assert "gzip" not in err and "\\x1f" not in err
