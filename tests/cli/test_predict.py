"""Tests of ``spectroclf predict`` (spectroclf/cli/_predict.py)."""

import joblib
import numpy as np
import pytest

from spectroclf.cli import main
from spectroclf.datasets import write_lab_layout

SUFFIX = ".fused.full.npy.gz"


@pytest.fixture(scope="module")
def toy_model(toy_lab, tmp_path_factory):
    path = tmp_path_factory.mktemp("toy_model") / "genre.pkl"
    code = main(
        [
            "train",
            str(toy_lab),
            "--model",
            "lstm",
            "--feature",
            "fused",
            "--task",
            "genre",
            "--max-epochs",
            "1",
            "--random-state",
            "0",
            "-o",
            str(path),
        ]
    )
    assert code == 0
    return path


def test_predict_writes_the_submission_format(
    toy_model, toy_lab, tmp_path, run, capsys
):
    code, out, err = run(
        capsys, "predict", toy_model, toy_lab, "-o", tmp_path / "s.txt"
    )
    assert code == 0, err
    lines = (tmp_path / "s.txt").read_text().splitlines()
    assert lines[0] == "Id,Genre" and len(lines) == 7
    assert lines[1].startswith(f"100{SUFFIX},")


def test_predict_errors(toy_model, toy_lab, tmp_path, run, capsys):
    out = tmp_path / "s.txt"
    code, _, err = run(capsys, "predict", tmp_path / "none.pkl", toy_lab, "-o", out)
    assert code == 2 and "none.pkl" in err and "does not exist" in err

    text = tmp_path / "model.pkl"
    text.write_text("not a model\n")
    code, _, err = run(capsys, "predict", text, toy_lab, "-o", out)
    assert code == 2 and "is not a spectroclf model file" in err

    other = tmp_path / "other.pkl"
    joblib.dump({"weights": [1, 2]}, other)
    code, _, err = run(capsys, "predict", other, toy_lab, "-o", out)
    assert code == 2 and "is not a spectroclf model file" in err

    code, _, err = run(capsys, "predict", toy_model, toy_lab / "nowhere", "-o", out)
    assert code == 2 and "nowhere" in err

    # chroma-only (12-bin) files for a model trained on fused (140-bin) input
    write_lab_layout(
        tmp_path / "chroma", [np.ones((9, 12), np.float32)], ["7"], split="test"
    )
    code, _, err = run(capsys, "predict", toy_model, tmp_path / "chroma", "-o", out)
    assert code == 2 and f"7{SUFFIX}" in err and "12 rows" in err
    assert not out.exists()


def test_debug_shows_the_traceback(toy_lab, tmp_path):
    with pytest.raises(Exception, match="does not exist"):
        main(
            [
                "predict",
                str(tmp_path / "none.pkl"),
                str(toy_lab),
                "-o",
                str(tmp_path / "s.txt"),
                "--debug",
            ]
        )
