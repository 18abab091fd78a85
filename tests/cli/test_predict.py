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
    # labels are read with --score only
    code, _, err = run(capsys, "predict", toy_model, data, "-o", tmp_path / "s.csv")
    assert code == 0 and "warning" not in err
    code, out, err = run(
        capsys, "predict", toy_model, data, "--score", "-o", tmp_path / "s.csv"
    )
    assert code == 0, err
    assert "scores on the 6 clips of" in out
    assert (
        f"spectroclf: warning: the labels of '{data / 'test'}' and the model's "
        "classes differ only in case ('Jazz' / 'jazz', 'Rock' / 'rock'); "
        "predictions are spelled as the model's classes, so compare them "
        "ignoring case"
    ) in err.splitlines()
    predicted = [r.split(",")[1] for r in (tmp_path / "s.csv").read_text().split()[1:]]
    assert set(predicted) <= {"jazz", "rock"}
    # same spelling: no warning
    code, _, err = run(
        capsys, "predict", toy_model, toy_lab, "--score", "-o", tmp_path / "t.csv"
    )
    assert code == 0 and "warning" not in err


# ---------------------------------------------------------------------------
# #24: labels are not read, --score, silent mismatches, -o, start-up


@pytest.fixture(scope="module")
def emotion_model(tmp_path_factory):
    """An emotion model trained on 12 random clips of 8-15 frames."""
    root = tmp_path_factory.mktemp("emotion_model")
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(int(rng.integers(8, 16)), 140)).astype(np.float32)
         for _ in range(12)]
    write_lab_layout(root / "lab", X, [str(i) for i in range(12)],
                     targets=rng.uniform(size=(12, 2)), target_names=["calm", "power"])
    write_lab_layout(root / "lab", X[:4], [str(i) for i in range(4)], split="test")
    model = root / "emo.pt"
    code = main(["train", str(root / "lab"), "--model", "lstm", "--max-epochs", "1",
                 "--random-state", "0", "-o", str(model)])
    assert code == 0
    return {"model": model, "lab": root / "lab"}


def test_predict_reads_no_labels(emotion_model, toy_model, toy_lab, tmp_path, run, capsys):
    """#24.2: an emotion model on a genre folder, and the reverse, just predict."""
    out = tmp_path / "cross.csv"
    code, stdout, err = run(capsys, "predict", emotion_model["model"], toy_lab, "-o", out)
    assert code == 0, err
    rows = out.read_text().splitlines()
    assert rows[0] == "Id,calm,power" and len(rows) == 7
    code, _, err = run(
        capsys, "predict", toy_model, emotion_model["lab"], "--split", "train", "-o", out
    )
    assert code == 0, err
    assert out.read_text().splitlines()[0] == "Id,Genre"
    assert "not a number" not in err


def test_score(emotion_model, toy_model, toy_lab, tmp_path, run, capsys):
    """#24.3: --score prints a classification report, or rho per target."""
    out = tmp_path / "s.csv"
    code, stdout, err = run(capsys, "predict", toy_model, toy_lab, "--score", "-o", out)
    assert code == 0, err
    assert f"scores on the 6 clips of '{toy_lab / 'test'}':" in stdout
    assert "precision" in stdout and "accuracy:" in stdout
    code, stdout, err = run(
        capsys, "predict", emotion_model["model"], emotion_model["lab"],
        "--split", "train", "--score", "-o", out,
    )
    assert code == 0, err
    lines = stdout.splitlines()
    assert "target  Spearman rho" in lines
    assert any(line.startswith("calm ") for line in lines)
    assert any(line.startswith("mean ") for line in lines)
    # no labels for the split: --score says so
    code, _, err = run(
        capsys, "predict", emotion_model["model"], emotion_model["lab"], "--score",
        "-o", out,
    )
    assert code == 2
    assert (
        "--score needs the labels of the clips: "
        f"'{emotion_model['lab'] / 'test_labels.txt'}' does not exist"
    ) in err
    # labels of the other task
    code, _, err = run(
        capsys, "predict", emotion_model["model"], toy_lab, "--score", "-o", out
    )
    assert code == 2 and "do not fit a emotion model" not in err
    assert "--score: the labels of" in err and "do not fit an emotion model" in err


def test_warns_on_clips_far_outside_the_training_frames(
    toy_model, tmp_path, run, capsys
):
    """#24.5: a model of 8-15 frames given 1292-frame clips."""
    lab = tmp_path / "full"
    X = [np.zeros((1292, 140), np.float32), np.zeros((12, 140), np.float32)]
    write_lab_layout(lab, X, ["1", "2"], split="test")
    code, _, err = run(capsys, "predict", toy_model, lab, "-o", tmp_path / "s.csv")
    assert code == 0, err
    line = [x for x in err.splitlines() if "warning" in x]
    assert len(line) == 1 and line[0].startswith(
        f"spectroclf: warning: model '{toy_model}' was trained on clips of "
    )
    assert (
        f"frames; 1 of 2 clips of '{lab / 'test'}' are far outside that (e.g. "
        f"'1{SUFFIX}': 1292 frames). Beat-synced and full-length spectrograms do "
        "not mix"
    ) in line[0]


def test_output_folder_must_exist(toy_model, toy_lab, tmp_path, run, capsys):
    """#24.7: predict ... -o /nonexistent_dir/out.csv made a new folder."""
    out = tmp_path / "nonexistent_dir" / "out.csv"
    code, _, err = run(capsys, "predict", toy_model, toy_lab, "-o", out)
    assert code == 2
    assert f"-o '{out}': the folder '{out.parent}' does not exist" in err
    assert not out.parent.exists()


def test_a_spectrogram_model_refuses_an_audio_folder(
    toy_model, tmp_path, run, write_clips, capsys
):
    write_clips(tmp_path / "audio", 1, duration=0.5)
    code, _, err = run(
        capsys, "predict", toy_model, tmp_path / "audio", "-o", tmp_path / "s.csv"
    )
    assert code == 2
    assert (
        f"model '{toy_model}' is a LSTMClassifier trained on fused spectrograms, and "
        f"DATA_DIR '{tmp_path / 'audio'}' is a folder of audio files: extract them "
        "first"
    ) in err


def test_start_up_imports_only_what_the_command_uses(tmp_path):
    """#24.9: errors about the input come before torch is imported."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from spectroclf.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(code, *sorted(m for m in ('torch', 'sklearn', 'librosa', "
        "'matplotlib') if m in sys.modules))\n"
    )
    for argv in (
        ["predict", "--help"],
        ["predict", str(tmp_path / "none.pt"), str(tmp_path), "-o", "x.csv"],
        ["train", str(tmp_path / "nowhere"), "-o", "m.pt"],
    ):
        done = subprocess.run(
            [sys.executable, "-c", script, *argv], capture_output=True, text=True,
            timeout=120,
        )
        assert done.stdout.split()[-1] in {"0", "2"}, (argv, done.stdout, done.stderr)
