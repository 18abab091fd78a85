"""Benchmark: the first extraction of a fresh process (``spectroclf demo``'s step).

``spectroclf demo`` extracts log-mel spectrograms of 80 synthetic 2-s clips
(``SpectrogramExtractor(feature="mel")``). In a fresh process most of that time was
importing ``librosa.core``, whose numba functions compile (or load from numba's cache)
on import. :func:`spectroclf.features.melspectrogram` now computes the same numbers
(bit for bit in float32) with numpy alone. Each round runs, in fresh processes and
alternating order, the extraction through librosa (the 0.1 code path, patched back in)
and through the current code, and times the extraction step alone (after the imports
of spectroclf and the synthetic clips, as the demo does).

Run from the repository root::

    python benchmarks/bench_first_call.py            # 3 rounds
    python benchmarks/bench_first_call.py --quick    # 1 round

Writes ``benchmarks/results/first_call.json`` (``first_call.quick.json`` with ``--quick``).
"""

import argparse
import json
import statistics
import subprocess
import sys

import _common

CHILD = r"""
import json, sys, time
import numpy as np
start = time.perf_counter()
from spectroclf import features
from spectroclf.datasets import make_music
from spectroclf.preprocessing import SpectrogramExtractor
if sys.argv[1] == "librosa":  # the 0.1 code path
    def _mel_power(y, *, sr, n_fft, hop_length, n_mels):
        import librosa
        return librosa.feature.melspectrogram(
            y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, power=2.0)
    features._mel_power = _mel_power
music = make_music(80, duration=2.0, random_state=0)
imports = time.perf_counter() - start
start = time.perf_counter()
specs = SpectrogramExtractor(feature="mel").fit_transform(music.data)
extract = time.perf_counter() - start
print(json.dumps({"imports_and_clips_s": imports, "extract_s": extract,
                  "checksum": float(np.sum([s.sum(dtype=np.float64) for s in specs]))}))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds = 1
    load_start = _common.loadavg()
    print(f"fresh processes, {args.rounds} rounds, load {load_start}")
    runs = {"librosa (0.1)": [], "numpy (now)": []}
    checksums = {}
    for r in range(args.rounds):
        order = list(runs) if r % 2 == 0 else list(runs)[::-1]
        for name in order:
            arg = "librosa" if name.startswith("librosa") else "numpy"
            out = subprocess.run([sys.executable, "-c", CHILD, arg], capture_output=True,
                                 text=True, check=True)
            rec = json.loads(out.stdout.strip().splitlines()[-1])
            runs[name].append(rec)
            checksums[name] = rec["checksum"]
            print(f"  round {r}: {name:14s} extraction {rec['extract_s']:6.2f} s "
                  f"(imports + clips {rec['imports_and_clips_s']:.2f} s)")
    if checksums["librosa (0.1)"] != checksums["numpy (now)"]:
        raise SystemExit(f"the two paths differ: {checksums}")
    summary = {k: round(statistics.median(r["extract_s"] for r in v), 3)
               for k, v in runs.items()}
    ratio = summary["librosa (0.1)"] / summary["numpy (now)"]
    print(f"median extraction: {summary}; {ratio:.1f}x faster, same spectrograms")
    _common.write(_common.out_path("first_call", args.quick, args.out), {
        "machine": _common.machine(),
        "task": "SpectrogramExtractor(feature='mel') of 80 synthetic 2-s clips, first call "
                "in a fresh process (spectroclf demo's extraction)",
        "rounds": args.rounds,
        "runs": runs,
        "median_extract_seconds": summary,
        "speedup": round(ratio, 2),
        "loadavg_start": load_start,
        "loadavg_end": _common.loadavg(),
    })


if __name__ == "__main__":
    main()
