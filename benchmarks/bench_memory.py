"""Benchmark: peak memory of fitting from lazily loaded full-length files vs loaded up front.

The lab's full-length fused spectrograms (``emotify-lab/genre/train``: 240 files of
``(140, 1292)`` float16, 0.69 MiB each once float32) are repeated to ``--sizes`` files
(each repeat read again, so every sample is its own array, as distinct files would be).
Each measurement runs in a **fresh subprocess**, which reports its peak resident set
size (``VmHWM`` from ``/proc/self/status``; Linux) after one epoch of a small
:class:`~spectroclf.LSTMClassifier` (hidden 16, batch 32, full length, nothing cropped):

* ``eager`` -- the arrays loaded up front (what ``load_genre_spectrograms(...,
  lazy=False)`` does: ``load_spectrogram`` per file), then ``clf.fit(X, y)``;
* ``paths`` -- the paths in (``load_genre_spectrograms(..., lazy=True)``), through
  ``Pipeline([SpectrogramLoader(), clf]).fit(paths, y)``: the loader reads every file;
* ``lazy`` -- the same with ``SpectrogramLoader(lazy=True)``: the estimator gets a
  ``SpectrogramFiles`` and reads each clip when a batch needs it;
* ``floor`` -- the same process fitting 32 files: imports, model, one batch.

Goal (issue #12): the lazy route stays < 1 GiB whatever the number of files.

Run from the repository root::

    python benchmarks/bench_memory.py            # 240, 720 and 1440 files
    python benchmarks/bench_memory.py --quick    # CI: 120 and 240 files, eager + lazy

Prints a table and writes ``benchmarks/results/memory.json`` (``memory.quick.json``
with ``--quick``).
"""

import argparse
import json
import subprocess
import sys
import time

import _common

FOLDER = ("emotify-lab", "genre")
CHILD_TIMEOUT = 1800


def _estimator():
    from spectroclf import LSTMClassifier

    return LSTMClassifier(hidden_size=16, dropout=0.0, max_epochs=1, batch_size=32,
                          device="cpu", random_state=0)


def _paths(n):
    from spectroclf.datasets import load_genre_spectrograms, shared_data_dir

    paths, y = load_genre_spectrograms(shared_data_dir().joinpath(*FOLDER), lazy=True,
                                       return_X_y=True)
    if n < len(paths):  # evenly spaced, so that every genre is in
        keep = [i * len(paths) // n for i in range(n)]
        return [paths[i] for i in keep], [y[i] for i in keep]
    reps = -(-n // len(paths))
    return (paths * reps)[:n], (list(y) * reps)[:n]


def child(mode, n):
    """Run one measurement in this (fresh) process; print one JSON line."""
    import numpy as np  # noqa: F401  (imports before the first reading)
    import torch  # noqa: F401
    from sklearn.pipeline import Pipeline

    from spectroclf.datasets import load_spectrogram
    from spectroclf.preprocessing import SpectrogramLoader

    paths, y = _paths(n)
    before = _common.vm_status("VmRSS")
    start = time.perf_counter()
    if mode in ("eager", "floor"):
        X = [load_spectrogram(p) for p in paths]
        loaded = _common.vm_status("VmRSS")
        _estimator().fit(X, y)
    elif mode in ("paths", "lazy"):
        loaded = before
        loader = SpectrogramLoader(lazy=mode == "lazy")
        Pipeline([("load", loader), ("clf", _estimator())]).fit(paths, y)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps({
        "mode": mode, "files": n, "seconds": round(time.perf_counter() - start, 1),
        "rss_before_mib": round(before, 1), "rss_after_loading_mib": round(loaded, 1),
        "peak_mib": round(_common.vm_status("VmHWM"), 1),
    }))


def run_child(mode, n):
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(n)], capture_output=True,
        text=True, timeout=CHILD_TIMEOUT, check=False,
    )
    if proc.returncode:
        raise RuntimeError(f"{mode} / {n} files failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[240, 720, 1440])
    parser.add_argument("--modes", nargs="+", default=["eager", "paths", "lazy"])
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="120 and 240 files, eager + lazy, to *.quick.json (CI)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child[0], int(args.child[1]))
    if args.quick:
        args.sizes, args.modes = [120, 240], ["eager", "lazy"]
    from spectroclf.datasets import shared_data_dir

    data = shared_data_dir()
    if data is None or not data.joinpath(*FOLDER).is_dir():
        raise SystemExit("the shared data (emotify-lab/genre) was not found")
    load_start = _common.loadavg()
    print(f"peak RSS of one epoch of LSTMClassifier(hidden_size=16) on {args.sizes} "
          f"full-length files (1292 x 140), one fresh process each; load {load_start}")
    rows = [run_child("floor", 32)]
    for n in args.sizes:  # sizes outside, modes inside: drifting load hits all modes
        for mode in args.modes:
            rows.append(run_child(mode, n))
            print(f"  {mode:6s} {n:5d} files: peak {rows[-1]['peak_mib']:7.0f} MiB "
                  f"({rows[-1]['seconds']:.0f} s)")
    for row in rows:
        row["data_float32_mib"] = round(row["files"] * 1292 * 140 * 4 / 2**20, 1)
    print()
    _common.table(rows, [("mode", "mode", ""), ("files", "files", "d"),
                         ("data_float32_mib", "data MiB", ".0f"),
                         ("rss_after_loading_mib", "RSS loaded", ".0f"),
                         ("peak_mib", "peak MiB", ".0f"), ("seconds", "seconds", ".0f")])
    lazy = [r for r in rows if r["mode"] == "lazy"]
    verdict = all(r["peak_mib"] < 1024 for r in lazy)
    print(f"\nlazy stays < 1 GiB at every size: {verdict}")
    load_end = _common.loadavg()
    print(f"load average: {load_start} at start, {load_end} at end")
    result = {
        "machine": _common.machine(),
        "loadavg_start": load_start,
        "loadavg_end": load_end,
        "data": {"folder": "/".join(FOLDER) + "/train", "frames": 1292, "bins": 140,
                 "file_dtype": "float16 (.npy.gz)", "repeats": "paths repeated, each read"},
        "estimator": "LSTMClassifier(hidden_size=16, dropout=0.0, max_epochs=1, "
                     "batch_size=32, device='cpu', random_state=0); full length, no crop",
        "runs": rows,
        "lazy_below_1_gib": verdict,
        "note": "peak = VmHWM of a fresh subprocess per run; lazy = "
                "SpectrogramLoader(lazy=True), files read per batch.",
    }
    _common.write(_common.out_path("memory", args.quick, args.out), result)


if __name__ == "__main__":
    main()
