"""Benchmark: the GPU path: CNNClassifier on full-length clips, float32 vs mixed precision.

One training epoch of :class:`~spectroclf.CNNClassifier` (the default
channels 16-32-64-64, batch 32) over ``--n-clips`` full-length fused
spectrograms (1292 frames x 140 bins, the lab's ``emotify-lab/genre`` train
clips repeated to the count; generated clips of that size without the
shared data), on ``--device`` (``cuda``), with ``amp=False`` and with
``amp="auto"`` (float16 autocast with gradient scaling on CUDA; batches
pinned and copied without blocking), alternating. Each is warmed up with a
short fit first (CUDA context, cuDNN plans). Recorded: seconds per epoch
(skorch's ``dur``), samples/s, peak GPU memory. Target (issue #12): one
epoch over 3834 full-length clips in < 3 s on one H100-class GPU.

Without CUDA the script says so, writes that to the JSON and exits cleanly;
``--quick`` then runs the same code on the CPU (a few clips, ``amp=False``
vs ``amp=True``, i.e. bfloat16 autocast), so that the path never rots in CI.

Run from the repository root::

    python benchmarks/bench_gpu.py                 # 3834 clips on cuda
    python benchmarks/bench_gpu.py --quick         # CI: 256 clips on cuda, or 8 on the CPU

Prints a table and writes ``benchmarks/results/gpu.json`` (``gpu.quick.json``
with ``--quick``).
"""

import argparse
import time

import _common
import numpy as np
import torch

from spectroclf import CNNClassifier
from spectroclf.datasets import load_genre_spectrograms, shared_data_dir

TARGET_SECONDS = 3.0
TARGET_CLIPS = 3834
N_FRAMES, N_BINS = 1292, 140


def full_length_clips(n):
    """``n`` full-length fused clips and their genres (repeats share memory)."""
    root = shared_data_dir()
    folder = None if root is None else root / "emotify-lab" / "genre"
    if folder is not None and folder.is_dir():
        X, y = load_genre_spectrograms(folder, return_X_y=True)
        source = str(folder)
    else:
        rng = np.random.default_rng(0)
        X = [rng.normal(size=(N_FRAMES, N_BINS)).astype(np.float32) for _ in range(64)]
        y = np.arange(64) % 4
        source = "generated (no shared data)"
    order = np.random.default_rng(0).permutation(len(X))  # genres mixed in any prefix
    X, y = [X[i] for i in order], np.asarray(y)[order]
    reps = -(-n // len(X))
    return (X * reps)[:n], np.tile(y, reps)[:n], source


def train_epoch(X, y, *, device, amp, batch_size, seed=0):
    """One epoch; returns (epoch seconds, fit seconds, peak GPU MiB or None)."""
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    clf = CNNClassifier(max_epochs=1, batch_size=batch_size, device=device, amp=amp,
                        random_state=seed)
    start = time.perf_counter()
    clf.fit(X, y)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else None
    return float(clf.history_[-1, "dur"]), seconds, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=TARGET_CLIPS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own choice)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="256 clips on CUDA, or 8 clips on the CPU without one; "
                             "results to *.quick.json (CI)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    load_start = _common.loadavg()
    out = _common.out_path("gpu", args.quick, args.out)
    result = {"benchmark": "gpu", "machine": _common.machine(),
              "cuda_available": torch.cuda.is_available(),
              "target": {"clips": TARGET_CLIPS, "seconds_per_epoch": TARGET_SECONDS}}

    device = args.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        reason = ("CUDA is not available on this machine (torch "
                  f"{torch.__version__}, torch.cuda.is_available() is False): "
                  "no GPU figures were measured")
        print(reason)
        if not args.quick:
            result.update(skipped=reason, load_average={"start": load_start,
                                                         "end": _common.loadavg()})
            _common.write(out, result)
            return
        device = "cpu"
        print("--quick: running the same path on the CPU instead (amp=True is "
              "bfloat16 autocast there)")
    cuda = device.startswith("cuda")
    if args.quick:
        args.n_clips, args.rounds = (256, 1) if cuda else (8, 1)
    amps = ("auto", False) if cuda else (True, False)
    if cuda:
        result["gpu"] = {"name": torch.cuda.get_device_name(device),
                         "cuda": torch.version.cuda,
                         "cudnn": torch.backends.cudnn.version()}

    X, y, source = full_length_clips(args.n_clips)
    print(f"{len(X)} full-length clips ({N_FRAMES} x {N_BINS}; {source}), batch "
          f"{args.batch_size}, one epoch on {device}, {args.rounds} rounds; "
          f"{torch.get_num_threads()} torch threads, load {load_start}")
    warm = min(len(X), 2 * args.batch_size)
    for amp in amps:  # CUDA context, cuDNN plans, lazy imports
        train_epoch(X[:warm], y[:warm], device=device, amp=amp, batch_size=args.batch_size)

    runs = {amp: [] for amp in amps}
    for r in range(args.rounds):
        for amp in (amps if r % 2 == 0 else amps[::-1]):
            runs[amp].append(train_epoch(X, y, device=device, amp=amp,
                                         batch_size=args.batch_size))
    rows, methods = [], {}
    for amp, measured in runs.items():
        epoch = float(np.median([m[0] for m in measured]))
        name = f"amp={amp!r}"
        methods[name] = {"epoch_seconds": [m[0] for m in measured],
                         "fit_seconds": [m[1] for m in measured],
                         "median_epoch_seconds": epoch,
                         "samples_per_s": len(X) / epoch,
                         "peak_gpu_mib": measured[-1][2]}
        rows.append({"amp": name, "s": epoch, "sps": len(X) / epoch,
                     "est": epoch * TARGET_CLIPS / len(X),
                     "mem": measured[-1][2] if cuda else ""})
    print()
    _common.table(rows, [("amp", "amp", ""), ("s", "s/epoch", ".2f"),
                         ("sps", "samples/s", ".0f"),
                         ("est", f"s per {TARGET_CLIPS}", ".2f"),
                         ("mem", "peak GPU MiB", ".0f")])
    best = min(r["est"] for r in rows)
    if cuda:
        print(f"\nbest: one epoch over {TARGET_CLIPS} clips in {best:.2f} s "
              f"(target < {TARGET_SECONDS} s)")
    result.update(
        device=device, data={"clips": len(X), "source": source,
                             "frames": N_FRAMES, "n_bins": N_BINS},
        batch_size=args.batch_size, rounds=args.rounds, methods=methods,
        seconds_per_target_epoch=best,
        met=(best < TARGET_SECONDS) if cuda else None,
        load_average={"start": load_start, "end": _common.loadavg()},
    )
    if not cuda:
        result["note"] = ("CPU run of the GPU code path (no CUDA): timings are not "
                          "GPU figures")
    _common.write(out, result)


if __name__ == "__main__":
    main()
