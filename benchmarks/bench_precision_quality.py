"""Benchmark: does bfloat16 change what a model learns from the musicnn embedding?

On the 240 Emotify training clips (30 s, the ones with emotion targets) of the shared
data, the ``MusicnnEmbedding`` penultimate features (mean over patches, 200 values) are
computed in float32 and in bfloat16 (issue #21) and cached. The same linear models are
then cross-validated on both, fold for fold (5-fold, repeated with ``--seeds`` shuffles):
genre accuracy with a standardised logistic regression (stratified folds) and the mean
Spearman rho over the 9 GEMS emotions with a standardised ridge regression. Reported:
each score in both precisions, the paired difference (bfloat16 - float32) per fold, its
mean and a 95 % t-interval over the folds (folds of one shuffle share clips, so the
interval is indicative), and the per-clip cosine between the two embeddings.

Run from the repository root (needs a CPU with native bfloat16)::

    python benchmarks/bench_precision_quality.py            # 240 clips, 5 seeds
    python benchmarks/bench_precision_quality.py --quick    # 24 clips, 1 seed

Writes ``benchmarks/results/precision_quality.json``; the features are cached in
``--cache`` (default ``~/.cache/spectroclf/bench_precision_quality``).
"""

import argparse
import csv
import time
from pathlib import Path

import _common
import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from spectroclf._cpu import cpu_flags
from spectroclf.datasets import shared_data_dir
from spectroclf.metrics import spearman_score
from spectroclf.musicnn import MusicnnEmbedding

EMOTIONS = ["amazement", "solemnity", "tenderness", "nostalgia", "calmness", "power",
            "joyful_activation", "tension", "sadness"]


def load_train(n):
    data = shared_data_dir() / "emotify"
    with open(data / "metadata.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "train"]
    rows = rows[:: max(1, len(rows) // n)][:n]
    paths = [str(data / "audio" / f"{r['id']}.ogg") for r in rows]
    genres = np.array([r["genre"] for r in rows])
    emotions = np.array([[float(r[e]) for e in EMOTIONS] for r in rows])
    return paths, genres, emotions


def features(paths, precision, cache):
    path = Path(cache) / f"penultimate_{precision}_{len(paths)}.npz"
    if path.exists():
        with np.load(path) as data:
            if list(data["paths"]) == paths:
                return data["X"], float(data["seconds"])
    start = time.perf_counter()
    X = MusicnnEmbedding(precision=precision).fit().transform(paths)
    seconds = time.perf_counter() - start
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, X=X, paths=np.array(paths), seconds=seconds)
    return X, seconds


def paired(X32, X16, genres, emotions, seeds):
    out = {"genre_accuracy": [], "emotion_rho": []}
    for seed in range(seeds):
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        for train, test in folds.split(X32, genres):
            scores = []
            for X in (X32, X16):
                clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
                clf.fit(X[train], genres[train])
                scores.append(np.mean(clf.predict(X[test]) == genres[test]))
            out["genre_accuracy"].append(scores)
        for train, test in KFold(5, shuffle=True, random_state=seed).split(X32):
            scores = []
            for X in (X32, X16):
                reg = make_pipeline(StandardScaler(), Ridge(alpha=100.0))
                reg.fit(X[train], emotions[train])
                scores.append(spearman_score(emotions[test], reg.predict(X[test])))
            out["emotion_rho"].append(scores)
    summary = {}
    for name, pairs in out.items():
        pairs = np.array(pairs)
        diff = pairs[:, 1] - pairs[:, 0]
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
        summary[name] = {
            "float32": round(float(pairs[:, 0].mean()), 4),
            "bfloat16": round(float(pairs[:, 1].mean()), 4),
            "fold_std_float32": round(float(pairs[:, 0].std(ddof=1)), 4),
            "paired_difference_mean": round(float(diff.mean()), 5),
            "paired_difference_95ci": [round(float(diff.mean() - half), 5),
                                       round(float(diff.mean() + half), 5)],
            "folds": len(diff),
            "folds_identical": int((diff == 0).sum()),
        }
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=240)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "spectroclf"
                                               / "bench_precision_quality"))
    parser.add_argument("--quick", action="store_true", help="24 clips, 1 seed")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_clips, args.seeds = 24, 1
    flags = cpu_flags()
    if not flags["native_bfloat16"]:  # recorded, not an error: the float32 path is all
        print(f"no native bfloat16 on this CPU ({flags}): nothing to compare")
        _common.write(_common.out_path("precision_quality", args.quick, args.out), {
            "machine": _common.machine(), "cpu_flags": flags,
            "skipped": "no native bfloat16 (avx512_bf16 / amx_bf16)"})
        return
    load_start = _common.loadavg()
    paths, genres, emotions = load_train(args.n_clips)
    print(f"{len(paths)} Emotify training clips, load {load_start}, CPU flags {flags}")
    X32, t32 = features(paths, "float32", args.cache)
    X16, t16 = features(paths, "bfloat16", args.cache)
    cosine = (X32 * X16).sum(1) / np.linalg.norm(X32, axis=1) / np.linalg.norm(X16, axis=1)
    print(f"features: float32 {t32:.0f} s, bfloat16 {t16:.0f} s (cached runs report the "
          f"first); per-clip cosine min {cosine.min():.5f}, median {np.median(cosine):.5f}")
    summary = paired(X32, X16, genres, emotions, args.seeds)
    for name, s in summary.items():
        print(f"{name:15s} float32 {s['float32']:.4f}  bfloat16 {s['bfloat16']:.4f}  "
              f"difference {s['paired_difference_mean']:+.5f} "
              f"[{s['paired_difference_95ci'][0]:+.5f}, {s['paired_difference_95ci'][1]:+.5f}]"
              f" over {s['folds']} folds (fold std {s['fold_std_float32']:.4f})")
    result = {
        "machine": _common.machine(),
        "cpu_flags": flags,
        "clips": len(paths),
        "seeds": args.seeds,
        "models": {"genre": "StandardScaler + LogisticRegression(C=0.1), stratified 5-fold",
                   "emotion": "StandardScaler + Ridge(alpha=100), 5-fold, mean Spearman rho"},
        "feature_seconds": {"float32": round(t32, 1), "bfloat16": round(t16, 1)},
        "clip_cosine": {"min": round(float(cosine.min()), 6),
                        "median": round(float(np.median(cosine)), 6)},
        "scores": summary,
        "loadavg_start": load_start,
        "loadavg_end": _common.loadavg(),
    }
    _common.write(_common.out_path("precision_quality", args.quick, args.out), result)


if __name__ == "__main__":
    main()
