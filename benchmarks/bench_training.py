"""Benchmark: training speed of LSTMClassifier against a hand-written PyTorch loop.

The baseline is what a lab script usually does: pad every clip to the longest
one once, then run a bidirectional ``nn.LSTM`` over the padded tensor (padding
included) with a plain Adam loop. :class:`spectroclf.LSTMClassifier` pads per
batch and reads each clip within its own length (padding never reaches a
valid output), which the naive loop does not. Both use the
same sizes (hidden 64, bidirectional, batch 32, Adam 1e-3) on the same
ragged, beat-synced-size clips (15-121 frames x 140 bins, like the lab's
``genre_beat``), in one process, alternating, on the CPU.

Run from the repository root::

    python benchmarks/bench_training.py            # 240 clips, 5 epochs, 3 rounds
    python benchmarks/bench_training.py --quick    # CI: 96 clips, 2 epochs, 1 round

Prints a table and writes ``benchmarks/results/training.json``
(``training.quick.json`` with ``--quick``).
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

import spectroclf
from spectroclf import LSTMClassifier

RESULTS = Path(__file__).resolve().parent / "results" / "training.json"


def make_clips(n, *, n_bins=140, seed=0):
    """Ragged clips with beat-synced lengths and a learnable class signal."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(15, 122, size=n)
    y = np.arange(n) % 4
    X = []
    for length, label in zip(lengths, y, strict=True):
        x = rng.normal(size=(int(length), n_bins)).astype(np.float32)
        x[:, label * 10 : label * 10 + 10] += 1.0
        X.append(x)
    return X, y


class _Naive(nn.Module):
    def __init__(self, n_bins, n_classes):
        super().__init__()
        self.lstm = nn.LSTM(n_bins, 64, batch_first=True, bidirectional=True)
        self.head = nn.Linear(128, n_classes)

    def forward(self, X):
        out, _ = self.lstm(X)
        return self.head(out.mean(dim=1))


def naive_fit(X, y, epochs, batch_size=32, seed=0):
    """The hand-written loop: one padded tensor, padding fed to the LSTM."""
    torch.manual_seed(seed)
    padded = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(x) for x in X], batch_first=True)
    target = torch.as_tensor(y)
    model = _Naive(padded.shape[2], int(target.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for idx in torch.randperm(len(X)).split(batch_size):
            opt.zero_grad()
            loss_fn(model(padded[idx]), target[idx]).backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times


def ours_fit(X, y, epochs, batch_size=32, seed=0):
    clf = LSTMClassifier(hidden_size=64, bidirectional=True, dropout=0.0, lr=1e-3,
                         max_epochs=epochs, batch_size=batch_size, random_state=seed,
                         device="cpu").fit(X, y)
    return list(clf.history_[:, "dur"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=240)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true",
                        help="96 clips, 2 epochs, 1 round, results to *.quick.json (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_clips, args.epochs, args.rounds = 96, 2, 1
        args.out = args.out.with_suffix(".quick.json")

    X, y = make_clips(args.n_clips)
    frames = sum(len(x) for x in X)
    padded_frames = len(X) * max(len(x) for x in X)
    print(f"{len(X)} clips, {frames} frames ({padded_frames} once padded to the longest), "
          f"140 bins; {args.epochs} epochs x {args.rounds} rounds, "
          f"{torch.get_num_threads()} torch threads")
    runs = {"naive: padded tensor, nn.LSTM": [], "LSTMClassifier: per-batch padding, masked": []}
    for _ in range(args.rounds):  # alternate, so drifting load hits both
        runs["naive: padded tensor, nn.LSTM"] += naive_fit(X, y, args.epochs)
        runs["LSTMClassifier: per-batch padding, masked"] += ours_fit(X, y, args.epochs)

    print(f"\n{'method':45s} {'median s/epoch':>15s} {'min':>8s}")
    rows = {}
    for name, times in runs.items():
        rows[name] = {"median_s_per_epoch": float(np.median(times)),
                      "min_s_per_epoch": float(np.min(times)), "epochs_timed": len(times)}
        print(f"{name:45s} {np.median(times):15.3f} {np.min(times):8.3f}")
    naive, ours = (rows[k]["median_s_per_epoch"] for k in runs)
    print(f"\nspeed-up of LSTMClassifier over the naive loop: {naive / ours:.2f}x "
          "(the naive loop also learns from padding)")

    result = {
        "machine": {"platform": platform.platform(), "torch_threads": torch.get_num_threads(),
                    "spectroclf": spectroclf.__version__, "torch": torch.__version__},
        "data": {"clips": len(X), "frames": frames, "padded_frames": padded_frames},
        "epochs": args.epochs, "rounds": args.rounds, "methods": rows,
        "speedup": naive / ours,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
