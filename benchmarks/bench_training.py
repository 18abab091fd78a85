"""Benchmark: training overhead of LSTMClassifier / CNNClassifier over a bare PyTorch loop.

The bare loop is what a careful hand-written script does with the same
network: the module of :mod:`spectroclf.models` (``LSTM`` or ``CNN``, same
hyperparameters, the same per-bin standardisation), Adam at 1e-3, batches of
32 in a new random order every epoch, each padded to its longest clip with
``pad_sequence`` and the true lengths passed to ``forward``, cross-entropy.
The estimator does the same through skorch (``fit`` also validates the
input and computes the standardisation statistics: its time is the whole
``fit`` call, and the bare loop's the whole function, statistics included).

Both run on the same ragged, beat-synced-size clips (15-121 frames x 140
bins, like the lab's ``genre_beat``), on the CPU, with the same torch
threads, in one process, alternating (the order flips every round), so that
load from other jobs on the machine hits both alike; the load averages at
start and end are recorded. Target (issue #12): the estimator reaches
>= 0.95x the bare loop's samples/s.

Run from the repository root::

    python benchmarks/bench_training.py            # 240 clips, 4 epochs, 5 rounds
    python benchmarks/bench_training.py --quick    # CI: 64 clips, 2 epochs, 2 rounds
    python benchmarks/bench_training.py --threads 1

Prints a table and writes ``benchmarks/results/training.json``
(``training.quick.json`` with ``--quick``).
"""

import argparse
import time

import _common
import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from spectroclf import CNNClassifier, LSTMClassifier
from spectroclf.models import CNN, LSTM

N_BINS = 140
TARGET = 0.95
NETWORKS = {
    # name: (module, estimator, shared hyperparameters)
    "LSTM": (LSTM, LSTMClassifier,
             {"hidden_size": 64, "bidirectional": True, "dropout": 0.2}),
    "CNN": (CNN, CNNClassifier, {"channels": (16, 32, 64, 64), "dropout": 0.2}),
}


def make_clips(n, *, seed=0):
    """Ragged clips with beat-synced lengths and a learnable class signal."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(15, 122, size=n)
    y = np.arange(n) % 4
    X = []
    for length, label in zip(lengths, y, strict=True):
        x = rng.normal(size=(int(length), N_BINS)).astype(np.float32)
        x[:, label * 10 : label * 10 + 10] += 1.0
        X.append(x)
    return X, y


def bare_fit(network, X, y, *, epochs, batch_size=32, seed=0):
    """The hand-written loop with the same module; returns its wall time."""
    module_class, _, params = NETWORKS[network]
    start = time.perf_counter()
    torch.manual_seed(seed)
    frames = np.concatenate(X)
    mean, scale = frames.mean(0), frames.std(0)
    scale[scale < 1e-6] = 1.0
    module = module_class(N_BINS, int(y.max()) + 1, mean=mean, scale=scale, **params)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    clips = [torch.from_numpy(x) for x in X]
    lengths = torch.tensor([len(x) for x in X])
    target = torch.as_tensor(y)
    module.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(X)).split(batch_size):
            batch = pad_sequence([clips[i] for i in idx], batch_first=True)
            optimizer.zero_grad()
            loss_fn(module(batch, lengths[idx]), target[idx]).backward()
            optimizer.step()
    return time.perf_counter() - start


def estimator_fit(network, X, y, *, epochs, batch_size=32, seed=0):
    """``fit`` of the estimator with the same network; returns its wall time."""
    _, estimator_class, params = NETWORKS[network]
    clf = estimator_class(**params, lr=1e-3, max_epochs=epochs, batch_size=batch_size,
                          random_state=seed, device="cpu")
    start = time.perf_counter()
    clf.fit(X, y)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=240)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=NETWORKS)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own choice)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="64 clips, 2 epochs, 2 rounds, results to *.quick.json (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_clips, args.epochs, args.rounds = 64, 2, 2
    if args.threads:
        torch.set_num_threads(args.threads)
    load_start = _common.loadavg()

    X, y = make_clips(args.n_clips)
    samples = args.n_clips * args.epochs
    print(f"{len(X)} clips ({sum(len(x) for x in X)} frames, 15-121 per clip, "
          f"{N_BINS} bins), {args.epochs} epochs x {args.rounds} rounds, "
          f"{torch.get_num_threads()} torch threads, load {load_start}")
    # one untimed fit of each, so that lazy imports and first-call set-up
    # are not charged to whichever runs first
    for network in args.networks:
        bare_fit(network, X[:32], y[:32], epochs=1)
        estimator_fit(network, X[:32], y[:32], epochs=1)

    runs = {(n, m): [] for n in args.networks for m in ("bare", "estimator")}
    for r in range(args.rounds):
        for network in args.networks:
            order = ("bare", "estimator") if r % 2 == 0 else ("estimator", "bare")
            for method in order:
                fit = bare_fit if method == "bare" else estimator_fit
                runs[network, method].append(fit(network, X, y, epochs=args.epochs))

    rows, results = [], {}
    for network in args.networks:
        bare, ours = np.array(runs[network, "bare"]), np.array(runs[network, "estimator"])
        ratio = float(np.median(bare / ours))  # per round: both saw the same load
        results[network] = {
            "bare_loop": {"seconds": bare.tolist(),
                          "median_samples_per_s": float(samples / np.median(bare))},
            "estimator": {"seconds": ours.tolist(),
                          "median_samples_per_s": float(samples / np.median(ours))},
            "ratio_estimator_over_bare": ratio,
            "ratio_per_round": (bare / ours).tolist(),
            "target": TARGET,
            "met": ratio >= TARGET,
        }
        for method, times in (("bare loop", bare), ("estimator", ours)):
            rows.append({"network": network, "method": method,
                         "sps": samples / np.median(times), "best": samples / times.min(),
                         "ratio": ratio if method != "bare loop" else ""})
    print()
    _common.table(rows, [("network", "network", ""), ("method", "method", ""),
                         ("sps", "median samples/s", ".0f"), ("best", "best samples/s", ".0f"),
                         ("ratio", "estimator/bare", ".3f")])
    load_end = _common.loadavg()
    print(f"\ntarget: estimator >= {TARGET}x the bare loop (median of per-round ratios); "
          f"load {load_start} -> {load_end}")

    result = {
        "benchmark": "training",
        "machine": _common.machine(),
        "load_average": {"start": load_start, "end": load_end},
        "data": {"clips": len(X), "frames": int(sum(len(x) for x in X)),
                 "n_bins": N_BINS, "lengths": "15-121 frames"},
        "epochs": args.epochs, "rounds": args.rounds, "batch_size": 32,
        "networks": {n: {k: list(v) if isinstance(v, tuple) else v
                         for k, v in NETWORKS[n][2].items()} for n in args.networks},
        "results": results,
    }
    _common.write(_common.out_path("training", args.quick, args.out), result)


if __name__ == "__main__":
    main()
