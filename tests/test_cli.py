"""Tests of the ``spectroclf`` command line, run in-process through ``main``."""

import csv
from pathlib import Path

import joblib
import numpy as np
import pytest

from spectroclf import __version__
from spectroclf.cli import main
from spectroclf.datasets import (
    load_genre_spectrograms,
    load_multitask_spectrograms,
    load_spectrogram,
    make_music,
    write_lab_layout,
)

SUFFIX = ".fused.full.npy.gz"


def run(capsys, *argv):
    """main(argv) -> (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_clips(folder, n, *, genres=("rock", "classical"), duration=3.0, seed=0):
    """n synthetic clips as WAV files g0.wav, g1.wav, ... -> their genres."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    music = make_music(n, genres=list(genres), duration=duration, random_state=seed)
    for i, y in enumerate(music.data):
        sf.write(folder / f"g{i}.wav", y, music.sr)
    return list(music.target)


def mtimes(folder):
    return {p: p.stat().st_mtime_ns for p in sorted(Path(folder).rglob("*.npy.gz"))}


# ---------------------------------------------------------------------------
# fixtures


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Train the tiny test networks on one thread (much faster on a busy machine)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


REAL = {"1": "train", "103": "train"}  # a classical and a rock track of Emotify


@pytest.fixture(scope="module")
def real_lab(tmp_path_factory, shared_data):
    """``extract`` run once on 2 real Emotify clips + 6 short synthetic ones.

    CSV columns: id, genre, split, n_annotators (integers: ignored), and two
    emotion columns (empty for the test split).
    """
    root = tmp_path_factory.mktemp("real_lab")
    audio = root / "audio"
    genres = write_clips(audio, 6)
    meta = {
        row["id"]: row
        for row in csv.DictReader(open(shared_data / "emotify" / "metadata.csv"))
    }
    rows = [["id", "genre", "split", "n_annotators", "calmness", "power"]]
    for sid, split in REAL.items():
        (audio / f"{sid}.ogg").symlink_to(
            shared_data / "emotify" / "audio" / f"{sid}.ogg"
        )
        m = meta[sid]
        rows.append(
            [sid, m["genre"], split, m["n_annotators"], m["calmness"], m["power"]]
        )
    rng = np.random.default_rng(0)
    for i, genre in enumerate(genres):
        split = "test" if i >= 4 else "train"
        values = (
            ["", ""] if split == "test" else [f"{v:.4f}" for v in rng.uniform(size=2)]
        )
        rows.append([f"g{i}", genre, split, str(20 + i), *values])
    labels = root / "clips.csv"
    with open(labels, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    out = root / "lab"
    code = main(["extract", str(audio), str(out), "--labels", str(labels)])
    return {"audio": audio, "labels": labels, "out": out, "code": code, "root": root}


@pytest.fixture(scope="module")
def toy_lab(tmp_path_factory):
    """A small lab folder of random spectrograms (no audio): 24 train, 6 test."""
    root = tmp_path_factory.mktemp("toy_lab")
    rng = np.random.default_rng(0)

    def specs(n):
        y = np.array(["jazz", "rock"])[np.arange(n) % 2]
        X = [
            rng.normal(
                -40 + 10 * (g == "rock"), 5, size=(int(rng.integers(8, 16)), 140)
            ).astype(np.float32)
            for g in y
        ]
        return X, y

    X, y = specs(24)
    write_lab_layout(root, X, [str(i) for i in range(24)], genres=y)
    X, y = specs(6)
    write_lab_layout(root, X, [str(100 + i) for i in range(6)], split="test", genres=y)
    return root


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


# ---------------------------------------------------------------------------
# extract on real clips -> train -> predict


class TestRoundTrip:
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

    def test_extract_reproduces_the_shared_lab_arrays(self, real_lab, shared_data):
        ours = load_spectrogram(real_lab["out"] / "genre" / "train" / f"1{SUFFIX}")
        lab = load_spectrogram(
            shared_data / "emotify-lab" / "genre" / "train" / f"1{SUFFIX}"
        )
        assert ours.shape == lab.shape
        np.testing.assert_allclose(ours, lab, atol=0.05)

    def test_extract_resumes(self, real_lab, capsys):
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

    def test_train_and_predict_genre(self, real_lab, tmp_path, capsys):
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

    def test_train_and_predict_emotion_on_full_length(self, real_lab, tmp_path, capsys):
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
# extract: without labels, and its errors


def test_extract_without_labels_and_a_broken_file(tmp_path, capsys):
    audio = tmp_path / "audio"
    write_clips(audio, 2, duration=1.0)
    (audio / "broken.ogg").write_bytes(b"this is not audio")
    (audio / "notes.txt").write_text("ignored")
    code, out, err = run(capsys, "extract", audio, tmp_path / "lab", "--n-jobs", "2")
    assert code == 1
    assert "broken.ogg" in err and "1 of 3 clip(s) failed" in err
    for name in ("full", "beat"):
        files = sorted(p.name for p in (tmp_path / "lab" / name / "train").iterdir())
        assert files == [f"g0{SUFFIX}", f"g1{SUFFIX}"]
        assert not list((tmp_path / "lab" / name).glob("*_labels.txt"))


def test_extract_errors(tmp_path, capsys):
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
# train / predict on a toy lab folder, and their errors


def test_train_cross_validation(toy_lab, tmp_path, capsys):
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


def test_train_errors(toy_lab, tmp_path, capsys):
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


def test_predict_writes_the_submission_format(toy_model, toy_lab, tmp_path, capsys):
    code, out, err = run(
        capsys, "predict", toy_model, toy_lab, "-o", tmp_path / "s.txt"
    )
    assert code == 0, err
    lines = (tmp_path / "s.txt").read_text().splitlines()
    assert lines[0] == "Id,Genre" and len(lines) == 7
    assert lines[1].startswith(f"100{SUFFIX},")


def test_predict_errors(toy_model, toy_lab, tmp_path, capsys):
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


# ---------------------------------------------------------------------------
# demo, tag, help


def test_demo(capsys):
    code, out, err = run(
        capsys, "demo", "--n-samples", "24", "--duration", "1", "--max-epochs", "2"
    )
    assert code == 0, err
    assert "test set (6 clips)" in out and "precision" in out
    assert "majority-class baseline" in out


def test_tag(tmp_path, capsys):
    write_clips(tmp_path, 1, duration=3.0)
    clip = tmp_path / "g0.wav"
    code, out, err = run(capsys, "tag", clip, "--top", "3")
    assert code == 0, err
    line = out.strip()
    assert line.startswith(f"{clip}: ") and line.count("(") == 3
    code, _, err = run(capsys, "tag", tmp_path / "none.ogg")
    assert code == 2 and "none.ogg" in err


@pytest.mark.parametrize(
    "command", [None, "extract", "train", "predict", "demo", "tag"]
)
def test_help(command, capsys):
    code, out, _ = run(capsys, *([command] if command else []), "--help")
    assert code == 0
    assert out.startswith("usage: spectroclf")
    if command:
        assert "examples:" in out


def test_version_and_usage(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"spectroclf {__version__}"
    code, _, err = run(capsys)
    assert code == 2 and "required" in err


def test_console_script_is_declared():
    setup_cfg = Path(__file__).resolve().parents[1] / "setup.cfg"
    assert "spectroclf = spectroclf.cli:main" in setup_cfg.read_text()
