"""Tests of ``spectroclf train`` (spectroclf/cli/_train.py), and of ``predict``
on the models it saves."""

import csv
import os
import pickle
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

from spectroclf import __version__
from spectroclf.datasets import write_lab_layout
from spectroclf.persistence import FORMAT, load_model

SUFFIX = ".fused.full.npy.gz"


# ---------------------------------------------------------------------------
# extract on real clips (test_extract.py) -> train -> predict


class TestRoundTrip:
    @pytest.mark.data
    def test_train_and_predict_genre(self, real_lab, tmp_path, run, capsys):
        (tmp_path / "models").mkdir()  # -o creates no folders (#24)
        model = tmp_path / "models" / "genre.pt"
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
        assert "validation clips held out while training (2 of 6): accuracy" in out
        assert "best epoch: " in out
        assert model.is_file() and model.with_suffix(".png").is_file()
        assert f"model saved to {model}" in out
        estimator, meta = load_model(model, map_location="cpu", return_metadata=True)
        assert type(estimator).__name__ == "LSTMClassifier"
        assert meta["task"] == "genre" and meta["feature"] == "fused"
        assert meta["spectroclf_version"] == __version__

        solution = tmp_path / "solution.txt"
        code, out, err = run(
            capsys, "predict", model, real_lab["out"] / "genre_beat", "-o", solution
        )
        assert code == 0, err
        rows = list(csv.reader(open(solution)))
        assert rows[0] == ["Id", "Genre"]
        assert [r[0] for r in rows[1:]] == [f"g4{SUFFIX}", f"g5{SUFFIX}"]
        assert {r[1] for r in rows[1:]} <= {"classical", "rock"}

    @pytest.mark.data
    def test_train_and_predict_emotion_on_full_length(
        self, real_lab, tmp_path, run, capsys
    ):
        model = tmp_path / "emotion.pt"
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
        assert (
            "validation clips held out while training (2 of 6): mean Spearman rho"
        ) in out
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
        tmp_path / "cv.pt",
    )
    assert code == 0, err
    assert "2-fold cross-validated predictions (24 clips)" in out
    assert load_model(tmp_path / "cv.pt", map_location="cpu").n_features_in_ == 12


def test_train_errors(toy_lab, tmp_path, run, capsys):
    args = ("--model", "lstm", "--feature", "fused", "-o", tmp_path / "m.pt")
    code, _, err = run(capsys, "train", tmp_path / "nowhere", "--task", "genre", *args)
    assert code == 2 and "nowhere" in err
    # genre labels read as emotion targets
    code, _, err = run(capsys, "train", toy_lab, "--task", "emotion", *args)
    assert code == 2 and "not a number" in err
    # the loader's advice, in the command's words
    assert "use --task genre" in err and "load_genre_spectrograms" not in err
    # no train_labels.txt
    write_lab_layout(
        tmp_path / "unlabelled", [np.zeros((5, 140), np.float32)] * 4, list("abcd")
    )
    code, _, err = run(
        capsys, "train", tmp_path / "unlabelled", "--task", "genre", *args
    )
    assert code == 2 and "train_labels.txt" in err
    assert not (tmp_path / "m.pt").exists()
    # usage errors are argparse's
    code, _, err = run(capsys, "train", toy_lab, "--model", "rnn")
    assert code == 2 and "invalid choice" in err


# ---------------------------------------------------------------------------
# #14: a new user's 8 clips (2 per genre): extract -> train -> predict

TRAIN = ("--model", "lstm", "--feature", "fused", "--task", "genre")
CHROMA = ("--model", "lstm", "--feature", "chroma")
FAST = ("--max-epochs", "1", "--random-state", "0")


def _suggestions(message):
    """The options an error suggests: '--name value' after 'use ...'."""
    tail = re.split(r"[;:] use ", message)[-1]
    return [re.match(r"(--[\w-]+ \S+)", part).group(1) for part in tail.split(", or ")]


class TestSmallData:
    @pytest.mark.data
    def test_extract_names_the_single_split_without_braces(self, small_lab):
        assert small_lab["code"] == 0, small_lab["stderr"]
        out = small_lab["out"]
        assert small_lab["stdout"].splitlines() == [
            f"extracted 8 clips, kept 0 already done, into '{out}':",
            f"  {out / 'genre'}/train/  full-length arrays; labels: train_labels.txt",
            f"  {out / 'genre_beat'}/train/  beat-synced arrays; labels: "
            "train_labels.txt",
        ]
        assert "{" not in small_lab["stdout"]

    @pytest.mark.data
    def test_train_falls_back_and_predict_reads_the_model(
        self, small_lab, tmp_path, run, capsys
    ):
        data = small_lab["out"] / "genre_beat"
        model = tmp_path / "genre.pt"
        code, out, err = run(capsys, "train", data, *TRAIN, *FAST, "-o", model)
        assert code == 0, err
        assert (
            "train: too few clips to hold out 20% for validation (20% of 8 clips "
            "is 2, fewer than the 4 classes; a stratified split holds out one clip "
            "of each); training on all 8, without a validation report"
        ) in err.splitlines()
        assert "test_size" not in err and "merge_classes" not in err
        assert "no validation split, 1 epoch" in err
        assert (
            "no validation report: all 8 clips were used for training "
            "(--cv 2 gives cross-validated scores)"
        ) in out.splitlines()
        assert model.with_suffix(".png").is_file()

        # the model file is save_model's pickle-free format, loadable on the CPU
        with open(model, "rb") as f, pytest.raises(pickle.UnpicklingError):
            pickle.load(f)
        assert zipfile.is_zipfile(model)
        payload = torch.load(model, map_location="cpu", weights_only=True)
        assert payload["format"] == FORMAT and payload["estimator"] == "LSTMClassifier"
        estimator = load_model(model, map_location="cpu")
        assert estimator.device_ == "cpu"
        assert estimator.classes_.tolist() == ["classical", "electronic", "pop", "rock"]

        solution = tmp_path / "solution.csv"
        code, out, err = run(
            capsys, "predict", model, data, "--split", "train", "-o", solution
        )
        assert code == 0, err
        assert f"wrote 8 predictions to {solution}" in out
        rows = list(csv.reader(open(solution)))
        assert rows[0] == ["Id", "Genre"] and len(rows) == 9
        assert {r[1] for r in rows[1:]} <= {"classical", "electronic", "pop", "rock"}
        # the command predicts what the loaded estimator predicts
        from spectroclf.datasets import load_genre_spectrograms

        X = load_genre_spectrograms(data, feature="fused").data
        assert [r[1] for r in rows[1:]] == estimator.predict(X).tolist()

    @pytest.mark.data
    def test_cross_validation_on_2_clips_per_class(
        self, small_lab, tmp_path, run, capsys
    ):
        code, out, err = run(
            capsys,
            "train",
            small_lab["out"] / "genre_beat",
            *TRAIN,
            *FAST,
            "--cv",
            "2",
            "-o",
            tmp_path / "cv.pt",
        )
        assert code == 0, err
        assert "2-fold cross-validated predictions (8 clips):" in out
        assert "accuracy:" in out

    @pytest.mark.parametrize(
        "option, expected",
        [
            (
                ("--validation-fraction", "0.2"),
                "--validation-fraction 0.2: 20% of 8 clips is 2, fewer than the 4 "
                "classes; a stratified split holds out one clip of each; use "
                "--validation-fraction 0.5, or --validation-fraction 0 (no "
                "validation split)",
            ),
            (
                ("--cv", "3"),
                "--cv 3 needs at least 3 clips of every class (each fold holds out "
                "one); class 'classical' has 2: use --cv 2",
            ),
        ],
    )
    @pytest.mark.data
    def test_errors_suggest_options_that_work(
        self, small_lab, tmp_path, run, capsys, option, expected
    ):
        data = small_lab["out"] / "genre_beat"
        model = tmp_path / "m.pt"
        code, _, err = run(capsys, "train", data, *TRAIN, *FAST, *option, "-o", model)
        assert code == 2
        assert err.splitlines()[-1] == f"spectroclf: error: {expected}"
        assert not model.exists()
        # every suggestion is an option the user can type, and it trains
        for suggestion in _suggestions(expected):
            code, _, err = run(
                capsys, "train", data, *TRAIN, *FAST, *suggestion.split(), "-o", model
            )
            assert code == 0, (suggestion, err)

    @pytest.mark.data
    def test_min_count(self, small_lab, tmp_path, run, capsys):
        data = small_lab["out"] / "genre_beat"
        code, _, err = run(
            capsys,
            "train",
            data,
            *TRAIN,
            *FAST,
            "--min-count",
            "3",
            "-o",
            tmp_path / "m.pt",
        )
        assert code == 2
        assert (
            "--min-count 3 leaves 0 class(es) of "
            f"'{data / 'train_labels.txt'}' (largest: 2 clips); a genre classifier "
            "needs 2: use a smaller --min-count"
        ) in err
        code, _, err = run(
            capsys,
            "train",
            data,
            *TRAIN,
            *FAST,
            "--min-count",
            "2",
            "-o",
            tmp_path / "m.pt",
        )
        assert code == 0, err


def test_min_count_leaves_out_rare_classes(tmp_path, run, capsys):
    rng = np.random.default_rng(0)
    y = ["jazz"] * 6 + ["rock"] * 6 + ["pop"]
    X = [rng.normal(size=(9, 12)).astype(np.float32) for _ in y]
    write_lab_layout(tmp_path / "lab", X, [str(i) for i in range(len(y))], genres=y)
    args = (*CHROMA, "--task", "genre", *FAST)
    code, out, err = run(
        capsys, "train", tmp_path / "lab", *args, "-o", tmp_path / "m.pt"
    )
    assert code == 0, err  # 'pop' has one clip: no stratified split, said so
    assert "class 'pop' has 1 clip; a stratified split needs 2 of every class" in err
    code, out, err = run(
        capsys,
        "train",
        tmp_path / "lab",
        *args,
        "--min-count",
        "2",
        "--validation-fraction",
        "0.25",
        "-o",
        tmp_path / "m.pt",
    )
    assert code == 0, err
    assert (
        "train: --min-count 2 leaves out 1 class(es): 'pop' (1); 12 clips of 2 "
        "classes left"
    ) in err.splitlines()[1:]
    assert "validation clips held out while training (3 of 12):" in out
    assert load_model(tmp_path / "m.pt").classes_.tolist() == ["jazz", "rock"]
    # emotion models have no classes to leave out
    code, _, err = run(
        capsys,
        "train",
        tmp_path / "lab",
        *CHROMA,
        "--task",
        "emotion",
        "--min-count",
        "2",
        "-o",
        tmp_path / "e.pt",
    )
    assert code == 2 and "--min-count applies to --task genre" in err


# ---------------------------------------------------------------------------
# #14: model files


def test_help_says_the_model_file_is_pickle_free(run, capsys):
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0
    assert "The model file is spectroclf's versioned, pickle-free format" in out
    assert "load it with joblib.load" not in out  # 0.1's pickle by default
    assert "--pickle" in out and "runs code from the file" in out


def test_pickle_only_on_request(toy_lab, tmp_path, run, capsys):
    model = tmp_path / "m.pkl"
    args = ("--model", "lstm", "--feature", "fused", "--task", "genre", *FAST)
    code, out, err = run(capsys, "train", toy_lab, *args, "--pickle", "-o", model)
    assert code == 0, err
    assert (
        f"spectroclf: warning: '{model}' is a pickle: loading it runs code from "
        "the file, so load only pickles you trust"
    ) in err
    with open(model, "rb") as f:
        assert f.read(1) == b"\x80"  # a pickle, as asked

    solution = tmp_path / "s.csv"
    code, _, err = run(capsys, "predict", model, toy_lab, "-o", solution)
    assert code == 2 and not solution.exists()
    assert (
        f"spectroclf: error: '{model}' is a pickle, not spectroclf's pickle-free "
        "model file; loading a pickle runs code from it. If you trust where it "
        "comes from, run again with --allow-pickle"
    ) in err
    code, _, err = run(
        capsys, "predict", model, toy_lab, "-o", solution, "--allow-pickle"
    )
    assert code == 0, err
    assert len(solution.read_text().splitlines()) == 7


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_trained_model_loads_on_a_cpu_only_machine(toy_lab, tmp_path, run, capsys):
    model = tmp_path / "gpu.pt"
    code, _, err = run(
        capsys,
        "train",
        toy_lab,
        "--model",
        "cnn",
        "--feature",
        "fused",
        "--task",
        "genre",
        "--device",
        "cuda",
        *FAST,
        "-o",
        model,
    )
    assert code == 0, err
    assert "on cuda" in err
    on_gpu = load_model(model, map_location="cuda").predict_proba(
        [np.zeros((12, 140), np.float32)]
    )
    script = (
        "import sys, torch, numpy as np\n"
        "from spectroclf.persistence import load_model\n"
        "assert not torch.cuda.is_available()\n"
        "est = load_model(sys.argv[1], map_location='cpu')\n"
        "print(est.device_, *est.predict_proba([np.zeros((12, 140), np.float32)])[0])\n"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, "-c", script, str(model)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    device, *proba = done.stdout.split()
    assert device == "cpu"
    np.testing.assert_allclose([float(p) for p in proba], on_gpu[0], atol=1e-4)
    solution = tmp_path / "s.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spectroclf.cli",
            "predict",
            str(model),
            str(toy_lab),
            "-o",
            str(solution),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert len(solution.read_text().splitlines()) == 7


# ---------------------------------------------------------------------------
# #14: labels that differ only in case


def test_train_warns_when_labels_differ_only_in_case(tmp_path, run, capsys):
    rng = np.random.default_rng(0)
    y = ["Classical", "classical", "Rock", "rock"] * 3
    X = [rng.normal(size=(9, 12)).astype(np.float32) for _ in y]
    write_lab_layout(tmp_path / "lab", X, [str(i) for i in range(len(y))], genres=y)
    code, out, err = run(
        capsys,
        "train",
        tmp_path / "lab",
        *CHROMA,
        "--task",
        "genre",
        *FAST,
        "--validation-fraction",
        "0",
        "-o",
        tmp_path / "m.pt",
    )
    assert code == 0, err
    assert (
        f"spectroclf: warning: labels of '{tmp_path / 'lab' / 'train_labels.txt'}' "
        "differ only in case ('Classical' / 'classical', 'Rock' / 'rock'); they "
        "are trained as different classes (spell them the same there to merge "
        "them)"
    ) in err.splitlines()
    # kept as given: four classes
    assert "classes: Classical, Rock, classical, rock" in err
    # the settings come first, the warning after them
    assert err.splitlines()[0].startswith("train: --model lstm --task genre ")


# ---------------------------------------------------------------------------
# #24 / #23: small emotion data, defaults read from the labels, training options


def _emotion_lab(folder, n, *, n_frames=(8, 16), seed=0):
    rng = np.random.default_rng(seed)
    X = [
        rng.normal(size=(int(rng.integers(*n_frames)), 140)).astype(np.float32)
        for _ in range(n)
    ]
    write_lab_layout(
        folder,
        X,
        [str(i) for i in range(n)],
        targets=rng.uniform(size=(n, 2)),
        target_names=["calmness", "power"],
    )
    return folder


def test_emotion_on_three_clips_falls_back(tmp_path, run, capsys):
    """#24.1: a 1-clip validation split crashed in skorch's Spearman scoring."""
    data = _emotion_lab(tmp_path / "emo", 3)
    model = tmp_path / "tiny_emo.pt"
    code, out, err = run(
        capsys, "train", data, "--model", "lstm", "--max-epochs", "2", "-o", model
    )
    assert code == 0, err
    assert (
        "train: too few clips to hold out 20% for validation (20% of 3 clips is 1; "
        "Spearman's rho of the validation clips needs 2); training on all 3, "
        "without a validation report"
    ) in err.splitlines()
    assert "no validation report: all 3 clips were used for training" in out
    assert model.is_file()
    # asked for explicitly: an error that says why, and what works
    code, _, err = run(
        capsys, "train", data, "--model", "lstm", "--validation-fraction", "0.3",
        "-o", model,
    )
    assert code == 2
    assert err.splitlines()[-1] == (
        "spectroclf: error: --validation-fraction 0.3: 30% of 3 clips is 1; "
        "Spearman's rho of the validation clips needs 2; use --validation-fraction "
        "0 (no validation split)"
    )


def test_task_model_and_feature_default_and_the_first_line_says_so(
    toy_lab, tmp_path, run, capsys
):
    """#23: no --model/--feature/--task; every setting on the first line."""
    model = tmp_path / "m.pt"
    code, _, err = run(capsys, "train", toy_lab, "--max-epochs", "1", "-o", model)
    assert code == 0, err
    assert err.splitlines()[0] == (
        "train: --model cnn --task genre --feature fused --max-epochs 1 --lr 0.001 "
        "--batch-size 32 --channels 16,32,64,64 --validation-fraction 0.2 "
        "--random-state None --device auto"
    )
    estimator, meta = load_model(model, return_metadata=True)
    assert type(estimator).__name__ == "CNNClassifier" and meta["task"] == "genre"

    emotion = _emotion_lab(tmp_path / "emo", 12)
    code, _, err = run(capsys, "train", emotion, "--max-epochs", "1", "-o", model)
    assert code == 0, err
    assert err.splitlines()[0].startswith("train: --model cnn --task emotion ")
    assert type(load_model(model)).__name__ == "CNNRegressor"


def test_training_options(toy_lab, tmp_path, run, capsys):
    """#24.4: --lr, --batch-size, --hidden-size, --crop-frames, --early-stopping."""
    model = tmp_path / "m.pt"
    code, out, err = run(
        capsys, "train", toy_lab, "--model", "lstm", "--lr", "0.003",
        "--batch-size", "8", "--hidden-size", "12", "--crop-frames", "6",
        "--early-stopping", "--patience", "2", "--max-epochs", "40",
        "--validation-fraction", "0.25", "--random-state", "0", "-o", model,
    )
    assert code == 0, err
    first = err.splitlines()[0]
    for option in ("--lr 0.003", "--batch-size 8", "--hidden-size 12",
                   "--crop-frames 6", "--patience 2", "--early-stopping"):
        assert option in first
    params = load_model(model).get_params()
    assert (params["lr"], params["batch_size"], params["hidden_size"]) == (0.003, 8, 12)
    assert params["crop_frames"] == 6 and params["early_stopping"]
    assert params["n_iter_no_change"] == 2
    assert "early stopping restored the weights of the lowest validation loss" in out

    code, _, err = run(
        capsys, "train", toy_lab, "--channels", "4,8", "--max-epochs", "1", "-o", model
    )
    assert code == 0, err
    assert load_model(model).get_params()["channels"] == (4, 8)
    code, _, err = run(capsys, "train", toy_lab, "--hidden-size", "8", "-o", model)
    assert code == 2
    assert "--hidden-size applies to --model lstm, not cnn" in err
    code, _, err = run(capsys, "train", toy_lab, "--channels", "4,x", "-o", model)
    assert code == 2 and "comma-separated list of integers" in err


def test_the_model_file_records_the_frame_range(toy_lab, tmp_path, run, capsys):
    model = tmp_path / "m.pt"
    code, _, err = run(capsys, "train", toy_lab, *FAST, "-o", model)
    assert code == 0, err
    _, meta = load_model(model, return_metadata=True)
    from spectroclf.datasets import load_genre_spectrograms

    lengths = [len(S) for S in load_genre_spectrograms(toy_lab).data]
    assert meta["frames"] == [min(lengths), max(lengths)]
    assert meta["input"] == "spectrogram"


def test_output_folder_must_exist(toy_lab, tmp_path, run, capsys):
    """#24.7: -o never creates folders."""
    model = tmp_path / "nonexistent_dir" / "m.pt"
    code, _, err = run(capsys, "train", toy_lab, *FAST, "-o", model)
    assert code == 2
    assert err.strip() == (
        f"spectroclf: error: -o '{model}': the folder '{model.parent}' does not "
        "exist (spectroclf creates no folders for its output files); create it "
        f"first (mkdir -p '{model.parent}') or choose another path"
    )
    assert not model.parent.exists()


def test_input_and_model_mismatches(toy_lab, tmp_path, run, write_clips, capsys):
    audio = tmp_path / "audio"
    write_clips(audio, 2, duration=0.5)
    out = ("-o", tmp_path / "m.pt")
    code, _, err = run(capsys, "train", audio, *out)
    assert code == 2
    assert "is a folder of audio files; training needs their labels: --labels" in err
    labels = tmp_path / "clips.csv"
    labels.write_text("id,genre\ng0,rock\ng1,pop\n")
    code, _, err = run(capsys, "train", audio, "--labels", labels, "--model", "lstm", *out)
    assert code == 2 and "--model lstm trains on spectrograms" in err
    assert "spectroclf extract" in err
    code, _, err = run(capsys, "train", toy_lab, "--model", "musicnn", *out)
    assert code == 2 and "--model musicnn trains on audio" in err
    code, _, err = run(capsys, "train", toy_lab, "--labels", labels, *out)
    assert code == 2 and "leave out --labels" in err
    # labels the task cannot be read from
    labels.write_text("id,genre,valence\ng0,rock,0.5\ng1,pop,0.25\n")
    code, _, err = run(capsys, "train", audio, "--labels", labels, *out)
    assert code == 2
    assert (
        f"labels CSV '{labels}' has a 'genre' column and emotion columns (valence); "
        "choose with --task genre or --task emotion"
    ) in err
    labels.write_text("id,count\ng0,3\ng1,4\n")
    code, _, err = run(capsys, "train", audio, "--labels", labels, *out)
    assert code == 2 and "cannot tell the task from labels CSV" in err
    assert not (tmp_path / "m.pt").exists()


# ---------------------------------------------------------------------------
# #23: an audio folder and its CSV -> the pretrained musicnn -> predict

#: 8 real Emotify clips, 2 per genre, cut to 6 s (2 musicnn patches each)
AUDIO = {"1": "classical", "2": "classical", "101": "rock", "102": "rock",
         "201": "electronic", "202": "electronic", "301": "pop", "302": "pop"}


@pytest.fixture(scope="module")
def audio_folder(tmp_path_factory, shared_data):
    import soundfile as sf

    from spectroclf.features import load_audio

    root = tmp_path_factory.mktemp("audio_folder")
    audio = root / "audio"
    audio.mkdir()
    rows = ["id,genre,split,calmness"]
    calmness = np.random.default_rng(0).uniform(size=len(AUDIO))  # some are withheld
    for i, (sid, genre) in enumerate(AUDIO.items()):
        y = load_audio(shared_data / "emotify" / "audio" / f"{sid}.ogg")
        sf.write(audio / f"{sid}.wav", y[10 * 22050 : 16 * 22050], 22050)
        split = "test" if i % 2 else "train"
        rows.append(f"{sid},{genre},{split},{calmness[i]:.4f}")
    labels = root / "clips.csv"
    labels.write_text("\n".join(rows) + "\n")
    return {"root": root, "audio": audio, "labels": labels}


@pytest.mark.data
class TestAudioFolder:
    def test_train_then_predict(self, audio_folder, tmp_path, run, capsys):
        audio, labels = audio_folder["audio"], audio_folder["labels"]
        model = tmp_path / "m.pt"
        code, out, err = run(
            capsys, "train", audio, "--labels", labels, "--task", "genre",
            "--random-state", "0", "-o", model,
        )
        assert code == 0, err
        assert err.splitlines()[0] == (
            f"train: --model musicnn --task genre --labels {labels} --max-epochs 200 "
            "--lr 0.001 --batch-size 32 --validation-fraction 0 --random-state 0 "
            "--device auto --n-jobs 1"
        )
        assert "4 audio clips of" in err and "musicnn features of 4 clips" in err
        assert "no validation report: all 4 clips were used for training" in out
        estimator, meta = load_model(model, return_metadata=True)
        assert type(estimator).__name__ == "MusicnnClassifier"
        assert meta["input"] == "audio" and estimator.get_params()["memory"] is None

        solution = tmp_path / "solution.csv"
        code, out, err = run(capsys, "predict", model, audio, "-o", solution)
        assert code == 0, err
        rows = list(csv.reader(open(solution)))
        assert rows[0] == ["Id", "Genre"]
        assert [r[0] for r in rows[1:]] == [f"{s}.wav" for s in AUDIO]
        assert {r[1] for r in rows[1:]} <= set(AUDIO.values())
        # the same predictions as the estimator, from Python
        expected = estimator.predict([str(audio / f"{s}.wav") for s in AUDIO])
        assert [r[1] for r in rows[1:]] == expected.tolist()

        # --score on the CSV's test clips
        code, out, err = run(
            capsys, "predict", model, audio, "--labels", labels, "--split", "test",
            "--score", "-o", solution,
        )
        assert code == 0, err
        assert f"scores on the 4 clips of '{audio}':" in out
        assert "precision" in out and "accuracy:" in out
        assert len(solution.read_text().splitlines()) == 5

        # an audio model refuses spectrograms, naming both
        lab = tmp_path / "lab"
        write_lab_layout(lab, [np.zeros((9, 140), np.float32)], ["1"], split="test")
        code, _, err = run(capsys, "predict", model, lab, "-o", solution)
        assert code == 2
        assert (
            f"model '{model}' is a MusicnnClassifier trained on audio, and DATA_DIR "
            f"'{lab}' is a lab-layout folder of spectrograms"
        ) in err

    def test_emotion_with_cross_validation(self, audio_folder, tmp_path, run, capsys):
        audio, labels = audio_folder["audio"], audio_folder["labels"]
        model = tmp_path / "e.pt"
        code, out, err = run(
            capsys, "train", audio, "--labels", labels, "--task", "emotion",
            "--cv", "2", "--max-epochs", "20", "--random-state", "0", "--quiet",
            "-o", model,
        )
        assert code == 0, err
        assert err.splitlines()[0].startswith("train: --model musicnn --task emotion")
        assert len(err.splitlines()) == 2  # --quiet: the settings and the fallback
        assert "2-fold cross-validated predictions (4 clips):" in out
        assert "calmness" in out and "Spearman rho" in out
        assert type(load_model(model)).__name__ == "MusicnnRegressor"


def test_progress_and_quiet(toy_lab, tmp_path, run, capsys):
    """#23: epochs are said as they pass, unless --quiet."""
    model = tmp_path / "m.pt"
    code, _, err = run(capsys, "train", toy_lab, "--max-epochs", "3", "-o", model)
    assert code == 0, err
    epochs = [line for line in err.splitlines() if line.startswith("train: epoch ")]
    assert [line.split(" (")[0] for line in epochs] == [
        "train: epoch 1/3", "train: epoch 2/3", "train: epoch 3/3"
    ]
    assert "train loss" in epochs[0] and "valid acc" in epochs[0]
    # the progress callback is not part of the model
    payload = torch.load(model, map_location="cpu", weights_only=True)
    assert payload["params"]["callbacks"] is None and payload["notes"] == []
    code, _, err = run(
        capsys, "train", toy_lab, "--max-epochs", "3", "--quiet", "-o", model
    )
    assert code == 0, err
    assert len(err.splitlines()) == 1 and err.startswith("train: --model cnn ")


def test_audio_files_missing_from_the_csv_are_said(tmp_path, run, write_clips, capsys):
    audio = tmp_path / "audio"
    genres = write_clips(audio, 5, duration=1.0)
    labels = tmp_path / "clips.csv"
    labels.write_text("id,genre\n" + "".join(f"g{i},{genres[i]}\n" for i in range(4)))
    code, _, err = run(
        capsys, "train", audio, "--labels", labels, "--max-epochs", "2",
        "--quiet", "-o", tmp_path / "m.pt",
    )
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0].startswith("train: --model musicnn --task genre ")
    assert lines[1] == (
        f"train: 1 audio file(s) of '{audio}' are not in '{labels}' and are left "
        "out: g4.wav"
    )
