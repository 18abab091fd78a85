"""Benchmark: the estimator core against a baseline commit -- file reads and fit time.

For lazily loaded files (``SpectrogramLoader(lazy=True)``'s ``SpectrogramFiles``),
counts how often each file is read before the first epoch, and times ``fit`` of a
small :class:`~spectroclf.LSTMClassifier` and :class:`~spectroclf.CNNClassifier` on
the beat-synced emotify-lab clips (eager arrays). The same child script runs on
this working tree and on a baseline commit (a temporary ``git worktree``), in
alternating fresh subprocesses, so both see the same machine load; the ratio is
what to read.

Run from the repository root::

    python benchmarks/bench_core.py                    # baseline f5205df (before #19)
    python benchmarks/bench_core.py --baseline REF --repeats 5
    python benchmarks/bench_core.py --quick            # CI: 1 repeat, fewer clips

Prints a table and writes ``benchmarks/results/core.json`` (``core.quick.json``
with ``--quick``).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import _common

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "f5205df"

CHILD = r"""
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
from spectroclf import CNNClassifier, LSTMClassifier, load_genre_spectrograms, shared_data_dir
from spectroclf.datasets import SpectrogramFiles

n = int(sys.argv[1])
folder = shared_data_dir() / "emotify-lab" / "genre_beat"
paths, y = load_genre_spectrograms(folder, lazy=True, return_X_y=True)
paths, y = paths[:n], np.asarray(y)[:n]
files = SpectrogramFiles(paths, feature="fused")
reads = []
original = SpectrogramFiles.__getitem__
SpectrogramFiles.__getitem__ = lambda self, i: reads.append(i) or original(self, i)
LSTMClassifier(hidden_size=8, max_epochs=0, device="cpu", random_state=0).fit(files, y)
reads_before = len(reads) / n
SpectrogramFiles.__getitem__ = original
X = [files[i] for i in range(n)]
out = {"reads_per_file_before_training": reads_before}
for name, est in [("lstm", LSTMClassifier(hidden_size=32, max_epochs=5, device="cpu",
                                          random_state=0)),
                  ("cnn", CNNClassifier(channels=(8, 16, 32), max_epochs=5, device="cpu",
                                        random_state=0))]:
    t = time.perf_counter()
    est.fit(X, y)
    out[f"fit_{name}_s"] = time.perf_counter() - t
print(json.dumps(out))
"""


def run_child(tree, n, data):
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1",
           "SPECTROCLF_DATA": str(data)}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(n)], capture_output=True,
                          text=True, env=env, cwd=str(tree), timeout=1800)
    if proc.returncode:
        raise RuntimeError(f"child in {tree} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clips", type=int, default=240)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.clips = 1, 60
    from spectroclf.datasets import shared_data_dir

    data = shared_data_dir()
    if data is None:
        print("bench_core: ../shared/data not found; nothing to measure")
        return 0
    load_before = _common.loadavg()
    with tempfile.TemporaryDirectory(prefix="spectroclf-baseline-") as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                        str(base), args.baseline], check=True)
        try:
            runs = {"baseline": [], "current": []}
            for _ in range(args.repeats):  # alternate: both see the same load
                runs["baseline"].append(run_child(base, args.clips, data))
                runs["current"].append(run_child(ROOT, args.clips, data))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(base)], check=False)
    summary = {}
    for key in runs["current"][0]:
        b = statistics.median(r[key] for r in runs["baseline"])
        c = statistics.median(r[key] for r in runs["current"])
        summary[key] = {"baseline": b, "current": c, "ratio": c / b if b else None}
    rows = [{"what": k, **v} for k, v in summary.items()]
    _common.table(rows, [("what", "measure", "s"), ("baseline", "baseline", ".3f"),
                         ("current", "current", ".3f"), ("ratio", "current/base", ".2f")])
    _common.write(_common.out_path("core", args.quick, args.out), {
        "machine": _common.machine(), "load_before": load_before,
        "load_after": _common.loadavg(), "baseline": args.baseline,
        "clips": args.clips, "repeats": args.repeats, "runs": runs, "summary": summary,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
