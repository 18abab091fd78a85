"""Tests of ``spectroclf tag`` (spectroclf/cli/_tag.py)."""


def test_tag(tmp_path, run, write_clips, capsys):
    write_clips(tmp_path, 1, duration=3.0)
    clip = tmp_path / "g0.wav"
    code, out, err = run(capsys, "tag", clip, "--top", "3")
    assert code == 0, err
    line = out.strip()
    assert line.startswith(f"{clip}: ") and line.count("(") == 3
    code, _, err = run(capsys, "tag", tmp_path / "none.ogg")
    assert code == 2 and "none.ogg" in err
