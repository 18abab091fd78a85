"""Tests of ``spectroclf predict`` (spectroclf/cli/_predict.py)."""

import joblib
import numpy as np
import pytest

from spectroclf.cli import main
from spectroclf.cli._common import CLIError
from spectroclf.datasets import write_lab_layout

SUFFIX = ".fused.full.npy.gz"


@pytest.fixture(scope="module")
def toy_model(toy_lab, tmp_path_factory):
    path = tmp_path_factory.mktemp("toy_model") / "genre.pt"
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
    # the advice is a command, not the Python function save_model
    assert "train one with 'spectroclf train ... -o model.pt'" in err
    assert "save_model" not in err

    other = tmp_path / "other.pkl"
    joblib.dump({"weights": [1, 2]}, other)
    code, _, err = run(capsys, "predict", other, toy_lab, "-o", out)
    assert code == 2 and "is a pickle" in err and "--allow-pickle" in err
    code, _, err = run(capsys, "predict", other, toy_lab, "-o", out, "--allow-pickle")
    assert code == 2 and "is not a spectroclf model file" in err

    # a torch.save archive of Python objects: never unpickled
    import torch
    from sklearn.dummy import DummyClassifier

    torch.save(DummyClassifier(), tmp_path / "objects.pt")
    code, _, err = run(capsys, "predict", tmp_path / "objects.pt", toy_lab, "-o", out)
    assert code == 2
    assert (
        "(it holds pickled Python objects, which a model file never runs); "
        "train one with 'spectroclf train ... -o objects.pt'"
    ) in err
    assert "joblib" not in err

    # a save_model file of an estimator fitted in Python: no task or feature
    from spectroclf import LSTMClassifier
    from spectroclf.persistence import save_model

    X = [np.zeros((4, 140), np.float32), np.ones((4, 140), np.float32)] * 2
    est = LSTMClassifier(hidden_size=2, max_epochs=1).fit(X, ["a", "b"] * 2)
    code, _, err = run(
        capsys, "predict", save_model(est, tmp_path / "py.pt"), toy_lab, "-o", out
    )
    assert code == 2 and "was not written by 'spectroclf train'" in err

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
    with pytest.raises(CLIError, match="model file '.*none.pkl' does not exist"):
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


def test_predict_warns_when_labels_differ_from_the_classes_only_in_case(
    toy_model, toy_lab, tmp_path, run, capsys
):
    """The model says 'jazz', the new data's labels file 'Jazz'."""
    import shutil

    data = tmp_path / "new"
    shutil.copytree(toy_lab / "test", data / "test")
    lines = (toy_lab / "test_labels.txt").read_text().splitlines()
    (data / "test_labels.txt").write_text(
        "\n".join([lines[0]] + [line.title() for line in lines[1:]]) + "\n"
    )
    code, _, err = run(capsys, "predict", toy_model, data, "-o", tmp_path / "s.csv")
    assert code == 0, err
    assert (
        f"spectroclf: warning: the labels of '{data / 'test'}' and the model's "
        "classes differ only in case ('Jazz' / 'jazz', 'Rock' / 'rock'); "
        "predictions are spelled as the model's classes, so compare them "
        "ignoring case"
    ) in err.splitlines()
    predicted = [r.split(",")[1] for r in (tmp_path / "s.csv").read_text().split()[1:]]
    assert set(predicted) <= {"jazz", "rock"}
    # same spelling: no warning
    code, _, err = run(capsys, "predict", toy_model, toy_lab, "-o", tmp_path / "t.csv")
    assert code == 0 and "warning" not in err
