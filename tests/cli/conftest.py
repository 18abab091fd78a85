"""Fixtures of the ``spectroclf`` command tests, run in-process through ``main``."""

import csv

import numpy as np
import pytest

from spectroclf.cli import main
from spectroclf.datasets import make_music, write_lab_layout


def _run(capsys, *argv):
    """main(argv) -> (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _write_clips(folder, n, *, genres=("rock", "classical"), duration=3.0, seed=0):
    """n synthetic clips as WAV files g0.wav, g1.wav, ... -> their genres."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    music = make_music(n, genres=list(genres), duration=duration, random_state=seed)
    for i, y in enumerate(music.data):
        sf.write(folder / f"g{i}.wav", y, music.sr)
    return list(music.target)


@pytest.fixture
def run():
    """``run(capsys, *argv) -> (exit status, stdout, stderr)`` of ``main``."""
    return _run


@pytest.fixture(scope="session")
def write_clips():
    """``write_clips(folder, n, ...)``: synthetic WAV clips -> their genres."""
    return _write_clips


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Train the tiny test networks on one thread (much faster on a busy machine)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


REAL = {"1": "train", "103": "train"}  # a classical and a rock track of Emotify


@pytest.fixture(scope="session")
def real_lab(tmp_path_factory, shared_data):
    """``extract`` run once on 2 real Emotify clips + 6 short synthetic ones.

    CSV columns: id, genre, split, n_annotators (integers: ignored), and two
    emotion columns (empty for the test split). Shared by the extract, train
    and predict tests.
    """
    root = tmp_path_factory.mktemp("real_lab")
    audio = root / "audio"
    genres = _write_clips(audio, 6)
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


#: 8 real Emotify clips, 2 per genre, as a new user's own small data set
SMALL = {
    "classical": ("1", "2"),
    "rock": ("101", "102"),
    "electronic": ("201", "202"),
    "pop": ("301", "302"),
}


@pytest.fixture(scope="session")
def small_lab(tmp_path_factory, shared_data):
    """``spectroclf extract`` on 8 real clips with a CSV ``id,genre,split``.

    Returns the folders and what the command printed (stdout, stderr), so the
    tests can check what the user saw.
    """
    import contextlib
    import io

    root = tmp_path_factory.mktemp("small_lab")
    audio = root / "audio"
    audio.mkdir()
    rows = [["id", "genre", "split"]]
    for genre, ids in SMALL.items():
        for sid in ids:
            (audio / f"{sid}.ogg").symlink_to(
                shared_data / "emotify" / "audio" / f"{sid}.ogg"
            )
            rows.append([sid, genre, "train"])
    labels = root / "clips.csv"
    with open(labels, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["extract", str(audio), str(root / "lab"), "--labels", str(labels)])
    return {
        "root": root,
        "out": root / "lab",
        "code": code,
        "stdout": out.getvalue(),
        "stderr": err.getvalue(),
    }


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
