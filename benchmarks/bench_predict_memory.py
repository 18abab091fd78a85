"""Benchmark: ``predict_proba`` on thousands of clips: throughput and memory.

Fits a small :class:`~spectroclf.LSTMClassifier` on a few hundred generated
clips of beat-synced size (40-80 frames of 140 fused bins), then, on
``--n-clips`` clips:

1. ``clf.predict_proba(X)``, ``--repeats`` times, recording the seconds, the
   resident set size (``VmRSS``) after each call and the peak (``VmHWM``)
   during it: RSS must stay flat from call to call (no leak) and the peak
   about one batch above the data;
2. the bare module, alternating with 1 (the order flips every round, so that
   load from other jobs hits both alike): the same torch module in eval mode
   under ``torch.no_grad``, the same batches in the same order, each padded
   with ``pad_sequence``, softmax, numpy. Target (issue #12): the estimator
   reaches >= 0.9x its clips/s;
3. once, the naive way: every clip padded into one ``(n, max_len, n_bins)``
   tensor and one forward pass, whose peak memory grows with ``n``.

Memory is read from ``/proc/self/status`` (Linux; no psutil needed); the
peak is reset between phases by writing ``5`` to ``/proc/self/clear_refs``.
Times are only comparable within one run; the torch threads and the load
averages at start and end are recorded with them. On a 2-core machine
shared with other jobs, 2 torch threads can be many times slower than 1
(torch's threads wait for each other at every small operation, and an LSTM
over a batch is thousands of them): that, not the code, is what the
194-300 s per call recorded here in 0.1 measured (the same code runs a call
in about 2 s; a large single batch, like the naive pass, barely suffers).
Compare ``--threads 1`` with ``--threads 2`` when the machine is busy.

Run from the repository root::

    python benchmarks/bench_predict_memory.py               # 5000 clips, 5 calls
    python benchmarks/bench_predict_memory.py --quick       # CI: 500 clips, 2 calls
    python benchmarks/bench_predict_memory.py --threads 1

Prints a table and writes ``benchmarks/results/predict_memory.json``
(``predict_memory.quick.json`` with ``--quick``).
"""

import argparse
import gc
import time

import _common
import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence

from spectroclf.nets import LSTMClassifier

N_BINS = 140
TARGET = 0.9


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def make_clips(n, *, min_frames=40, max_frames=80, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_frames, max_frames + 1, size=n)
    return [rng.normal(size=(int(m), N_BINS)).astype(np.float32) for m in lengths]


def bare_predict(module, X, batch_size):
    """The bare module over the clips, batch by batch, in order."""
    module.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            clips = [torch.from_numpy(x) for x in X[start : start + batch_size]]
            lengths = torch.tensor([len(x) for x in clips])
            logits = module(pad_sequence(clips, batch_first=True), lengths)
            out.append(torch.softmax(logits, dim=1).numpy())
    return np.concatenate(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own choice)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="500 clips, 2 calls, results to *.quick.json (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_clips, args.repeats = 500, 2
    if args.threads:
        torch.set_num_threads(args.threads)
    load_start = _common.loadavg()

    base = _common.vm_status("VmRSS")
    X_train = make_clips(300, seed=1)
    clf = LSTMClassifier(hidden_size=32, max_epochs=1, batch_size=args.batch_size,
                         random_state=0, device="cpu").fit(X_train, np.arange(300) % 4)
    module = clf.net_.module_
    del X_train
    gc.collect()

    X = make_clips(args.n_clips)
    data_mib = sum(x.nbytes for x in X) / 2**20
    max_len = max(len(x) for x in X)
    after_data = _common.vm_status("VmRSS")
    print(f"{args.n_clips} clips, {data_mib:.1f} MiB of float32 data (max_len {max_len}, "
          f"{N_BINS} bins); RSS before data {base:.0f} MiB, with model and data "
          f"{after_data:.0f} MiB; {torch.get_num_threads()} torch threads, load {load_start}")
    # untimed warm-up of both (first-call set-up)
    clf.predict_proba(X[: args.batch_size])
    bare_predict(module, X[: args.batch_size], args.batch_size)

    can_reset = reset_peak()
    calls, bare_seconds, agree = [], [], True
    for r in range(args.repeats):
        for method in (("bare", "estimator") if r % 2 == 0 else ("estimator", "bare")):
            gc.collect()
            reset_peak()
            t = time.perf_counter()
            if method == "bare":
                reference = bare_predict(module, X, args.batch_size)
                bare_seconds.append(time.perf_counter() - t)
                continue
            proba = clf.predict_proba(X)
            seconds = time.perf_counter() - t
            calls.append({"call": r + 1, "seconds": seconds,
                          "clips_per_s": args.n_clips / seconds,
                          "rss_mib": _common.vm_status("VmRSS"),
                          "peak_mib": _common.vm_status("VmHWM")})
        agree &= bool(np.allclose(proba, reference, atol=1e-5))
        del proba, reference

    # the naive way: one padded batch, straight through the module
    gc.collect()
    reset_peak()
    before_naive = _common.vm_status("VmRSS")
    t = time.perf_counter()
    with torch.no_grad():
        padded = pad_sequence([torch.from_numpy(x) for x in X], batch_first=True)
        lengths = torch.tensor([len(x) for x in X])
        naive_proba = torch.softmax(module.eval()(padded, lengths), dim=1).numpy()
    naive_seconds = time.perf_counter() - t
    naive_peak = _common.vm_status("VmHWM")
    del padded, naive_proba
    gc.collect()
    load_end = _common.loadavg()

    bare = np.array(bare_seconds)
    ours = np.array([c["seconds"] for c in calls])
    ratio = float(np.median(bare / ours))
    growth = calls[-1]["rss_mib"] - calls[0]["rss_mib"]
    rows = [{"method": "clf.predict_proba", "call": c["call"],
             "cps": c["clips_per_s"], "rss": c["rss_mib"], "peak": c["peak_mib"],
             "above": c["peak_mib"] - after_data, "s": c["seconds"]} for c in calls]
    rows += [{"method": "bare module", "call": i + 1,
              "cps": args.n_clips / s, "s": s} for i, s in enumerate(bare)]
    rows.append({"method": "naive, one batch", "call": 1,
                 "cps": args.n_clips / naive_seconds, "rss": _common.vm_status("VmRSS"),
                 "peak": naive_peak, "above": naive_peak - before_naive, "s": naive_seconds})
    print()
    _common.table(rows, [("method", "method", ""), ("call", "call", "d"),
                         ("cps", "clips/s", ".0f"), ("rss", "RSS MiB", ".0f"),
                         ("peak", "peak MiB", ".0f"), ("above", "peak-before", ".0f"),
                         ("s", "s", ".2f")])
    print(f"\nestimator / bare module throughput: {ratio:.3f}x (median of per-round "
          f"ratios; target >= {TARGET}x); RSS growth from call 1 to call {args.repeats}: "
          f"{growth:+.1f} MiB; outputs agree: {agree}; load {load_start} -> {load_end}"
          + ("" if can_reset else "; (peak could not be reset: peaks are cumulative)"))

    result = {
        "benchmark": "predict_memory",
        "machine": _common.machine(),
        "load_average": {"start": load_start, "end": load_end},
        "n_clips": args.n_clips,
        "n_bins": N_BINS,
        "max_len": max_len,
        "data_mib": data_mib,
        "batch_size": args.batch_size,
        "rss_before_data_mib": base,
        "rss_with_model_and_data_mib": after_data,
        "estimator_calls": calls,
        "bare_module": {"seconds": bare.tolist(),
                        "median_clips_per_s": float(args.n_clips / np.median(bare))},
        "estimator_median_clips_per_s": float(args.n_clips / np.median(ours)),
        "ratio_estimator_over_bare": ratio,
        "ratio_per_round": (bare / ours).tolist(),
        "target": TARGET,
        "met": ratio >= TARGET,
        "rss_growth_mib": growth,
        "naive": {"peak_mib": naive_peak, "peak_above_before_mib": naive_peak - before_naive,
                  "seconds": naive_seconds},
        "peak_reset_supported": can_reset,
        "outputs_agree": agree,
    }
    _common.write(_common.out_path("predict_memory", args.quick, args.out), result)


if __name__ == "__main__":
    main()
