"""Memory of ``predict`` on thousands of clips: batched estimator vs. one giant batch.

Fits a small :class:`~spectroclf.LSTMClassifier` on a few hundred generated
clips of beat-synced size (about 59 frames of 140 fused bins), then

1. calls ``clf.predict(X)`` on ``--n-clips`` clips ``--repeats`` times and
   records the resident set size (``VmRSS``) after each call and the peak
   (``VmHWM``) during it: RSS must not grow from call to call (no leak) and
   the peak stays near one batch above the data;
2. the naive baseline: pads all clips into one ``(n, max_len, n_bins)``
   tensor and runs the torch module on it in one forward pass.

Memory is read from ``/proc/self/status`` (Linux; no psutil needed); the
peak is reset between phases by writing ``5`` to ``/proc/self/clear_refs``.
Prints a table and writes ``benchmarks/results/predict_memory.json``.

Run::

    python benchmarks/bench_predict_memory.py               # 5000 clips
    python benchmarks/bench_predict_memory.py --n-clips 500  # quick
"""

import argparse
import gc
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from spectroclf import __version__
from spectroclf.nets import LSTMClassifier

RESULTS = Path(__file__).resolve().parent / "results" / "predict_memory.json"


def _status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # kB -> MiB
    raise RuntimeError(f"{key} not in /proc/self/status (Linux only)")


def rss():
    return _status("VmRSS")


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak():
    return _status("VmHWM")


def make_clips(n, *, n_bins=140, min_frames=40, max_frames=80, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_frames, max_frames + 1, size=n)
    return [rng.normal(size=(int(m), n_bins)).astype(np.float32) for m in lengths]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true",
                        help="500 clips, 2 calls, results to *.quick.json (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_clips, args.repeats = 500, 2
        args.out = args.out.with_suffix(".quick.json")

    torch.set_num_threads(max(1, torch.get_num_threads()))
    base = rss()
    X_train = make_clips(300, seed=1)
    y_train = np.arange(300) % 4
    clf = LSTMClassifier(hidden_size=32, max_epochs=1, batch_size=args.batch_size,
                         random_state=0, device="cpu").fit(X_train, y_train)
    del X_train
    gc.collect()

    X = make_clips(args.n_clips)
    data_mib = sum(x.nbytes for x in X) / 2**20
    max_len = max(len(x) for x in X)
    after_data = rss()
    print(f"{args.n_clips} clips, {data_mib:.1f} MiB of float32 data "
          f"(max_len {max_len}, 140 bins); RSS before data {base:.0f} MiB, "
          f"with model and data {after_data:.0f} MiB")

    # 1. the estimator, repeatedly
    rows = []
    first = None
    can_reset = reset_peak()
    for r in range(args.repeats):
        reset_peak()
        t = time.perf_counter()
        proba = clf.predict_proba(X)
        seconds = time.perf_counter() - t
        del proba
        gc.collect()
        rows.append({"call": r + 1, "rss_mib": rss(), "peak_mib": peak(),
                     "seconds": seconds})
        first = first if first is not None else rows[0]["rss_mib"]
    reference = clf.predict_proba(X[:256])

    # 2. naive: everything in one padded batch, straight through the module
    gc.collect()
    reset_peak()
    before_naive = rss()
    t = time.perf_counter()
    module = clf.net_.module_.eval()
    with torch.no_grad():
        padded = torch.nn.utils.rnn.pad_sequence(
            [torch.from_numpy(x) for x in X], batch_first=True)
        lengths = torch.tensor([len(x) for x in X])
        logits = module(X=padded, lengths=lengths)
        naive_proba = torch.softmax(logits, dim=1).numpy()
    naive_seconds = time.perf_counter() - t
    naive_peak = peak()
    agree = bool(np.allclose(naive_proba[:256], reference, atol=1e-5))
    del padded, logits, naive_proba
    gc.collect()

    print()
    print(f"{'method':<34} {'call':>4} {'RSS MiB':>9} {'peak MiB':>9} "
          f"{'peak-before':>11} {'s':>6}")
    label = f"clf.predict_proba (batch {args.batch_size})"
    for row in rows:
        print(f"{label:<34} "
              f"{row['call']:>4} {row['rss_mib']:>9.0f} {row['peak_mib']:>9.0f} "
              f"{row['peak_mib'] - after_data:>11.0f} {row['seconds']:>6.2f}")
    print(f"{'naive: one padded batch':<34} {1:>4} {rss():>9.0f} {naive_peak:>9.0f} "
          f"{naive_peak - before_naive:>11.0f} {naive_seconds:>6.2f}")
    growth = rows[-1]["rss_mib"] - rows[0]["rss_mib"]
    print(f"\nRSS growth from call 1 to call {args.repeats}: {growth:+.1f} MiB; "
          f"outputs agree with the naive forward: {agree}"
          + ("" if can_reset else "; (peak could not be reset: peaks are cumulative)"))

    result = {
        "benchmark": "predict_memory",
        "spectroclf_version": __version__,
        "torch_version": str(torch.__version__),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "torch_threads": torch.get_num_threads(),
        "n_clips": args.n_clips,
        "n_bins": 140,
        "max_len": max_len,
        "data_mib": data_mib,
        "batch_size": args.batch_size,
        "rss_before_data_mib": base,
        "rss_with_model_and_data_mib": after_data,
        "estimator_calls": rows,
        "rss_growth_mib": growth,
        "naive": {"peak_mib": naive_peak, "peak_above_before_mib": naive_peak - before_naive,
                  "seconds": naive_seconds},
        "peak_reset_supported": can_reset,
        "outputs_agree": agree,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
