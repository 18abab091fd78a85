"""Benchmark: length-bucketed batches (``bucket_by_length=True``) vs padding.

Three ways to train the same :class:`~spectroclf.LSTMClassifier` (hidden 64,
bidirectional, batch 32, the default 30 epochs) on the lab's genre clips:

* ``pad to longest`` -- every clip zero-padded to the longest one and given
  as a 3-D array (what a lab script with ``PadTruncate`` to the maximum
  does; every frame, padding included, is read as valid);
* ``per-batch padding`` -- the ragged list, random batches each padded to
  their own longest clip (``bucket_by_length=False``);
* ``bucketed`` -- the ragged list, batches of clips of similar length
  (``bucket_by_length=True``).

On each data set: seconds per training epoch (skorch's ``dur``, median over
epochs and seeds; speed-ups are medians over seeds of the ratios within a
seed, where the methods ran back to back) and test accuracy (mean and standard deviation over
``--seeds`` seeds), the methods alternating within each seed. Target
(issue #12): bucketed >= 2x faster per epoch than ``pad to longest``,
accuracy within 2 points.

Data: ``emotify-lab/genre_beat`` (beat-synced, 15-121 frames) and
``emotify-lab/genre`` (full length) from the shared data folder (see
:func:`spectroclf.datasets.shared_data_dir`), 240 train and 80 test clips
of 4 genres. The full-length clips are all 1292 frames but one (1113), so
the three methods pad the same there; that set is timed over
``--full-epochs`` epochs only (30 epochs x 3 methods of a 1292-frame LSTM
take tens of minutes on 2 CPU cores) and its accuracy is not measured.
Without the shared data, generated clips of the same lengths stand in (the
JSON says so).

Run from the repository root::

    python benchmarks/bench_bucketing.py              # 5 seeds, full-length timed
    python benchmarks/bench_bucketing.py --quick      # CI: 1 seed, 3 epochs, subsets
    python benchmarks/bench_bucketing.py --threads 1

Prints a table and writes ``benchmarks/results/bucketing.json``
(``bucketing.quick.json`` with ``--quick``).
"""

import argparse
import time

import _common
import numpy as np
import torch

from spectroclf import LSTMClassifier
from spectroclf.datasets import load_genre_spectrograms, shared_data_dir

TARGET_SPEEDUP = 2.0
TARGET_ACCURACY_POINTS = 2.0
METHODS = ("pad to longest", "per-batch padding", "bucketed")


def load(name, n_train=None, n_test=None):
    """``(X, y, X_test, y_test, source)`` of one lab data set, or generated stand-ins."""
    root = shared_data_dir()
    if root is not None and (root / "emotify-lab" / name).is_dir():
        folder = root / "emotify-lab" / name
        X, y = load_genre_spectrograms(folder, return_X_y=True)
        X_test, y_test = load_genre_spectrograms(folder, split="test", return_X_y=True)
        source = str(folder)
    else:
        rng = np.random.default_rng(0)
        full = name == "genre"

        def clips(n):
            lengths = np.full(n, 1292) if full else rng.integers(15, 122, size=n)
            labels = np.arange(n) % 4
            X = [rng.normal(size=(int(m), 140)).astype(np.float32) for m in lengths]
            for x, k in zip(X, labels, strict=True):
                x[:, 10 * k : 10 * k + 10] += 0.5
            return X, labels

        (X, y), (X_test, y_test) = clips(240), clips(80)
        source = f"generated ({'1292' if full else '15-121'} frames; no shared data)"
    if n_train:  # evenly spaced, so that every genre is in
        keep = np.linspace(0, len(X) - 1, n_train).astype(int)
        X, y = [X[i] for i in keep], np.asarray(y)[keep]
    if n_test:
        keep = np.linspace(0, len(X_test) - 1, n_test).astype(int)
        X_test, y_test = [X_test[i] for i in keep], np.asarray(y_test)[keep]
    return X, np.asarray(y), X_test, np.asarray(y_test), source


def pad_to_longest(X, length):
    out = np.zeros((len(X), length, X[0].shape[1]), dtype=np.float32)
    for i, x in enumerate(X):
        out[i, : len(x)] = x[:length]
    return out


def run(method, X, y, X_test, y_test, *, epochs, seed, score):
    """Fit one way; return (per-epoch seconds, test accuracy or None)."""
    kw = {"bucket_by_length": method == "bucketed"}
    if method == "pad to longest":
        longest = max(len(x) for x in X)
        X, X_test = pad_to_longest(X, longest), pad_to_longest(X_test, longest)
    clf = LSTMClassifier(hidden_size=64, max_epochs=epochs, batch_size=32,
                         random_state=seed, device="cpu", **kw).fit(X, y)
    accuracy = float(np.mean(clf.predict(X_test) == y_test)) if score else None
    return list(clf.history_[:, "dur"]), accuracy


def bench(name, data, *, epochs, seeds, score):
    X, y, X_test, y_test, source = data
    lengths = np.array([len(x) for x in X])
    print(f"\n{name}: {len(X)} train / {len(X_test)} test clips, {lengths.min()}-"
          f"{lengths.max()} frames (mean {lengths.mean():.1f}; padding everything to "
          f"the longest multiplies the frames by {lengths.max() / lengths.mean():.2f}); "
          f"{epochs} epochs x {seeds} seeds; {source}")
    durations = {m: [] for m in METHODS}
    per_seed = {m: [] for m in METHODS}  # median epoch of each seed
    accuracy = {m: [] for m in METHODS}
    for seed in range(seeds):
        order = METHODS if seed % 2 == 0 else METHODS[::-1]
        for method in order:
            dur, acc = run(method, X, y, X_test, y_test, epochs=epochs, seed=seed,
                           score=score)
            durations[method] += dur
            per_seed[method].append(float(np.median(dur)))
            accuracy[method].append(acc)
            print(f"  seed {seed} {method:<18s} {np.median(dur):.3f} s/epoch"
                  + (f", accuracy {acc:.3f}" if score else ""), flush=True)
    def speedup(slow, fast):  # paired by seed: both ran under the same load
        return float(np.median(np.array(per_seed[slow]) / np.array(per_seed[fast])))

    result = {"source": source, "train_clips": len(X), "test_clips": len(X_test),
              "frames": {"min": int(lengths.min()), "max": int(lengths.max()),
                         "mean": float(lengths.mean())},
              "epochs": epochs, "seeds": seeds, "methods": {}}
    for method in METHODS:
        sec = float(np.median(durations[method]))
        entry = {"median_s_per_epoch": sec, "s_per_epoch": durations[method],
                 "median_s_per_epoch_per_seed": per_seed[method],
                 "speedup_over_pad_to_longest": speedup("pad to longest", method)}
        if score:
            entry.update(accuracy=accuracy[method],
                         mean_accuracy=float(np.mean(accuracy[method])),
                         std_accuracy=float(np.std(accuracy[method])))
        result["methods"][method] = entry
    bucketed = result["methods"]["bucketed"]
    result["speedup_bucketed_over_pad"] = bucketed["speedup_over_pad_to_longest"]
    result["speedup_bucketed_over_per_batch"] = speedup("per-batch padding", "bucketed")
    if score:
        points = {m: 100 * (bucketed["mean_accuracy"] - result["methods"][m]["mean_accuracy"])
                  for m in METHODS[:2]}
        result["accuracy_points_bucketed_minus"] = points
    result["met_speedup"] = result["speedup_bucketed_over_pad"] >= TARGET_SPEEDUP
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--full-epochs", type=int, default=2,
                        help="epochs timed on the full-length clips (0: skip them)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own choice)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="1 seed, 3 epochs, 24 full-length clips, results to "
                             "*.quick.json (CI)")
    args = parser.parse_args(argv)
    n_full = None
    if args.quick:
        args.seeds, args.epochs, args.full_epochs, n_full = 1, 3, 1, 24
    if args.threads:
        torch.set_num_threads(args.threads)
    load_start = _common.loadavg()
    print(f"{torch.get_num_threads()} torch threads, load {load_start}")
    start = time.perf_counter()

    results = {"beat-synced": bench("beat-synced (genre_beat)", load("genre_beat"),
                                    epochs=args.epochs, seeds=args.seeds, score=True)}
    if args.full_epochs:
        results["full-length"] = bench(
            "full-length (genre)", load("genre", n_train=n_full, n_test=8),
            epochs=args.full_epochs, seeds=1, score=False)

    rows = []
    for data, res in results.items():
        for method, entry in res["methods"].items():
            rows.append({"data": data, "method": method, "s": entry["median_s_per_epoch"],
                         "x": entry["speedup_over_pad_to_longest"],
                         "acc": 100 * entry["mean_accuracy"] if "mean_accuracy" in entry else "",
                         "sd": 100 * entry["std_accuracy"] if "std_accuracy" in entry else ""})
    print()
    _common.table(rows, [("data", "data", ""), ("method", "method", ""),
                         ("s", "s/epoch", ".3f"), ("x", "x vs pad", ".2f"),
                         ("acc", "accuracy %", ".1f"), ("sd", "sd", ".1f")])
    load_end = _common.loadavg()
    beat = results["beat-synced"]
    print(f"\nbeat-synced: bucketed {beat['speedup_bucketed_over_pad']:.2f}x faster per "
          f"epoch than padding to the longest clip (target >= {TARGET_SPEEDUP}x), "
          f"{beat['speedup_bucketed_over_per_batch']:.2f}x faster than random batches; "
          "accuracy difference (points): "
          + ", ".join(f"vs {m} {p:+.1f}"
                      for m, p in beat["accuracy_points_bucketed_minus"].items())
          + f"; {time.perf_counter() - start:.0f} s; load {load_start} -> {load_end}")

    result = {
        "benchmark": "bucketing",
        "machine": _common.machine(),
        "load_average": {"start": load_start, "end": load_end},
        "model": "LSTMClassifier(hidden_size=64, bidirectional, batch_size=32)",
        "targets": {"speedup_over_pad_to_longest": TARGET_SPEEDUP,
                    "accuracy_within_points": TARGET_ACCURACY_POINTS},
        "results": results,
    }
    _common.write(_common.out_path("bucketing", args.quick, args.out), result)


if __name__ == "__main__":
    main()
