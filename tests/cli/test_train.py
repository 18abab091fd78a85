"""Tests of ``spectroclf train`` (spectroclf/cli/_train.py), and of ``predict``
on the models it saves."""

import csv

import joblib
import numpy as np

from spectroclf import __version__
from spectroclf.datasets import write_lab_layout

SUFFIX = ".fused.full.npy.gz"


# ---------------------------------------------------------------------------
# extract on real clips (test_extract.py) -> train -> predict


class TestRoundTrip:
    def test_train_and_predict_genre(self, real_lab, tmp_path, run, capsys):
        model = tmp_path / "models" / "genre.pkl"
        code, out, err = run(
            capsys,
            "train",
            real_lab["out"] / "genre_beat",
            "--model",
            "lstm",
            "--feature",
            "fused",
            "--task",
            "genre",
            "--max-epochs",
            "2",
            "--random-state",
            "0",
            "-o",
            model,
        )
        assert code == 0, err
        assert "held-out validation clips (2 of 6)" in out
        assert "precision" in out and "accuracy:" in out
        assert model.is_file() and model.with_suffix(".png").is_file()
        assert f"model saved to {model}" in out
        bundle = joblib.load(model)
        assert bundle["task"] == "genre" and bundle["feature"] == "fused"
        assert bundle["spectroclf_version"] == __version__

        solution = tmp_path / "solution.txt"
        code, out, err = run(
            capsys, "predict", model, real_lab["out"] / "genre_beat", "-o", solution
        )
        assert code == 0, err
        rows = list(csv.reader(open(solution)))
        assert rows[0] == ["Id", "Genre"]
        assert [r[0] for r in rows[1:]] == [f"g4{SUFFIX}", f"g5{SUFFIX}"]
        assert {r[1] for r in rows[1:]} <= {"classical", "rock"}

    def test_train_and_predict_emotion_on_full_length(
        self, real_lab, tmp_path, run, capsys
    ):
        model = tmp_path / "emotion.pkl"
        code, out, err = run(
            capsys,
            "train",
            real_lab["out"] / "multitask",
            "--model",
            "cnn",
            "--feature",
            "mel",
            "--task",
            "emotion",
            "--max-epochs",
            "2",
            "--max-len",
            "64",
            "--random-state",
            "0",
            "-o",
            model,
        )
        assert code == 0, err
        assert "Spearman rho" in out and "calmness" in out and "mean" in out
        solution = tmp_path / "emotion.txt"
        # the multitask test split has no labels file: not needed to predict
        code, out, err = run(
            capsys, "predict", model, real_lab["out"] / "multitask", "-o", solution
        )
        assert code == 0, err
        rows = list(csv.reader(open(solution)))
        assert rows[0] == ["Id", "calmness", "power"]
        assert [r[0] for r in rows[1:]] == [f"g4{SUFFIX}", f"g5{SUFFIX}"]
        assert all(np.isfinite([float(v) for v in r[1:]]).all() for r in rows[1:])


# ---------------------------------------------------------------------------
# train on a toy lab folder, and its errors


def test_train_cross_validation(toy_lab, tmp_path, run, capsys):
    code, out, err = run(
        capsys,
        "train",
        toy_lab,
        "--model",
        "lstm",
        "--feature",
        "chroma",
        "--task",
        "genre",
        "--cv",
        "2",
        "--max-epochs",
        "1",
        "--random-state",
        "0",
        "-o",
        tmp_path / "cv.pkl",
    )
    assert code == 0, err
    assert "2-fold cross-validated predictions (24 clips)" in out
    assert joblib.load(tmp_path / "cv.pkl")["model"][-1].n_features_in_ == 12


def test_train_errors(toy_lab, tmp_path, run, capsys):
    args = ("--model", "lstm", "--feature", "fused", "-o", tmp_path / "m.pkl")
    code, _, err = run(capsys, "train", tmp_path / "nowhere", "--task", "genre", *args)
    assert code == 2 and "nowhere" in err
    # genre labels read as emotion targets
    code, _, err = run(capsys, "train", toy_lab, "--task", "emotion", *args)
    assert code == 2 and "not a number" in err
    # no train_labels.txt
    write_lab_layout(
        tmp_path / "unlabelled", [np.zeros((5, 140), np.float32)] * 4, list("abcd")
    )
    code, _, err = run(
        capsys, "train", tmp_path / "unlabelled", "--task", "genre", *args
    )
    assert code == 2 and "train_labels.txt" in err
    assert not (tmp_path / "m.pkl").exists()
    # usage errors are argparse's
    code, _, err = run(capsys, "train", toy_lab, "--model", "rnn")
    assert code == 2 and "invalid choice" in err
