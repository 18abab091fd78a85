"""Benchmark: pretrained musicnn on the Emotify data (genre and emotion).

Full figures behind ``examples/pretrained/plot_pretrained_embedding.py`` (which, to stay
fast, uses a subset of the clips):

* **embedding throughput** -- clips/s of :class:`spectroclf.MusicnnEmbedding` on 30-s clips,
  uncached, on this machine;
* **genre** -- 5-fold stratified CV accuracy on the 240 ``train`` clips of
  ``StandardScaler + LogisticRegression`` on musicnn features, for several layer / pooling
  choices; the choice with the best CV accuracy (chosen on ``train`` only) is then fitted on
  all of ``train`` and scored once on the 80 ``test`` clips;
* **emotion** -- 5-fold CV mean Spearman rho over the 9 GEMS targets (train clips only: the
  test targets are withheld) of ``StandardScaler + RidgeCV``;
* with ``--finetune``: :class:`spectroclf.MusicnnClassifier` (fine-tuning the mid and back
  end) fitted on ``train`` and scored on ``test``, and with ``--finetune-cv`` also its
  CV accuracy on ``train``; with ``--cnn``: the from-scratch CNN on beat-synced fused
  spectrograms, for comparison.

Per-clip network outputs and log-mel spectrograms are cached with :class:`joblib.Memory`
(``--cache``, default ``/tmp/spectroclf-bench-musicnn``), so re-runs are fast.
Results are printed and written to ``benchmarks/results/musicnn.json``.

Run from the repository root::

    python benchmarks/bench_musicnn.py [--finetune] [--finetune-cv] [--cnn]
    python benchmarks/bench_musicnn.py --throughput-only   # refresh the throughput entry

The throughput is profiled stage by stage by ``bench_embedding.py``.
"""

import argparse
import csv
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from joblib import Memory
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import spectroclf
from spectroclf.datasets import shared_data_dir
from spectroclf.features import load_audio
from spectroclf.metrics import spearman_score
from spectroclf.musicnn import (
    MusicnnEmbedding,
    load_musicnn,
    musicnn_melspectrogram,
    musicnn_patches,
)
from spectroclf.musicnn._frontend import MUSICNN_SR

ROOT = Path(__file__).resolve().parents[1]
EMOTIONS = [
    "amazement", "solemnity", "tenderness", "nostalgia", "calmness", "power",
    "joyful_activation", "tension", "sadness",
]
LAYERS = ("penultimate", "taggram", "mean_pool", "max_pool")
_NETS = {}


def clip_mel(path, mtime):
    """musicnn log-mel spectrogram ``(n_frames, 96)`` of one file (cached)."""
    del mtime
    return musicnn_melspectrogram(load_audio(path, sr=MUSICNN_SR), sr=MUSICNN_SR)


def clip_layers(path, mtime, model):
    """Per-patch outputs ``{layer: (n_patches, size)}`` of one clip (cached)."""
    S = _mel(path, mtime)
    if model not in _NETS:
        _NETS[model] = load_musicnn(model)
    with torch.no_grad():
        feats = _NETS[model].forward_features(torch.from_numpy(musicnn_patches(S)))
    return {k: feats[k].numpy() for k in LAYERS}


_mel = clip_mel  # replaced by the cached version in main()


def read_metadata(data_dir):
    """emotify/metadata.csv as a dict of arrays (path, genre, split, emotion)."""
    with open(data_dir / "emotify" / "metadata.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        "path": np.array([str(data_dir / "emotify" / "audio" / f"{r['id']}.ogg")
                          for r in rows]),
        "genre": np.array([r["genre"] for r in rows]),
        "split": np.array([r["split"] for r in rows]),
        "emotion": np.array([[float(r[e]) if r[e] else np.nan for e in EMOTIONS]
                             for r in rows]),
    }


def pool(per_patch, layers, pooling):
    parts = []
    for layer in layers:
        v = per_patch[layer]
        if pooling in ("mean", "mean+max"):
            parts.append(v.mean(0))
        if pooling in ("max", "mean+max"):
            parts.append(v.max(0))
    return np.concatenate(parts)


def measure_throughput(paths):
    """Clips per second of MusicnnEmbedding on these (30-s) files, uncached.

    The stage-by-stage profile and the variants are ``bench_embedding.py``'s; its
    per-stage costs on two clips are recorded here too.
    """
    from bench_embedding import stage_costs

    load_start = [round(x, 2) for x in os.getloadavg()]
    emb = MusicnnEmbedding().fit()
    emb.transform(paths[:1])  # imports and first-call costs, not timed
    start = time.perf_counter()
    emb.transform(paths)
    elapsed = time.perf_counter() - start
    n = len(paths)
    stages = stage_costs(paths[:2], emb.net_)[0]
    print(f"throughput: {n} 30-s clips in {elapsed:.1f} s = {n / elapsed:.2f} clips/s")
    for k, v in stages.items():
        print(f"  {k:55s} {v * 1e3:8.1f} ms/clip")
    return {
        "clips": n,
        "clip_seconds": 30.0,
        "seconds": round(elapsed, 2),
        "clips_per_second": round(n / elapsed, 3),
        "torch_threads": torch.get_num_threads(),
        "stages_ms_per_clip": {k: round(v * 1e3, 1) for k, v in stages.items()},
        "loadavg_start": load_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "note": "MusicnnEmbedding, uncached, n_jobs=1: decode + log-mel + network, 10 "
                "patches per clip; the network's forward pass is the floor (see "
                "benchmarks/results/embedding.json); the machine's 2 cores were shared "
                "with other jobs (loadavg)",
    }


def main():
    global _mel
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default="/tmp/spectroclf-bench-musicnn")
    parser.add_argument("--models", nargs="+", default=["MSD_musicnn"])
    parser.add_argument("--throughput-clips", type=int, default=12)
    parser.add_argument("--throughput-only", action="store_true",
                        help="measure the throughput and update only that entry of --out")
    parser.add_argument("--finetune", action="store_true")
    parser.add_argument("--finetune-cv", action="store_true")
    parser.add_argument("--finetune-epochs", type=int, default=8)
    parser.add_argument("--finetune-lr", type=float, default=1e-4)
    parser.add_argument("--finetune-seconds", type=float, default=None,
                        help="keep only the middle N seconds of each clip for fine-tuning")
    parser.add_argument("--cnn", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "musicnn.json"))
    args = parser.parse_args()

    data_dir = shared_data_dir()
    if data_dir is None or not (data_dir / "emotify" / "audio").is_dir():
        raise SystemExit("the shared data (../shared/data/emotify) was not found")
    meta = read_metadata(data_dir)
    memory = Memory(args.cache, verbose=0)
    _mel = memory.cache(clip_mel)
    layers_cached = memory.cache(clip_layers)
    results = {
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "spectroclf": spectroclf.__version__,
            "torch": torch.__version__,
        },
        "data": {"train_clips": int((meta["split"] == "train").sum()),
                 "test_clips": int((meta["split"] == "test").sum())},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def save():
        out.write_text(json.dumps(results, indent=2) + "\n")

    # -- throughput ---------------------------------------------------------------
    n = args.throughput_clips
    if args.throughput_only:
        previous = json.loads(out.read_text()) if out.exists() else {}
        previous["throughput"] = measure_throughput(list(meta["path"][:n]))
        previous["throughput"]["machine"] = results["machine"]  # "machine": the rest's
        out.write_text(json.dumps(previous, indent=2) + "\n")
        print(f"wrote {out} (throughput only)")
        return
    if n == 0:  # keep the throughput of an earlier run, if any
        results["throughput"] = (
            json.loads(out.read_text()).get("throughput") if out.exists() else None
        )
    else:
        results["throughput"] = measure_throughput(list(meta["path"][:n]))
    save()

    # -- features -------------------------------------------------------------------
    start = time.perf_counter()
    per_patch = {}
    for model in args.models:
        per_patch[model] = [
            layers_cached(p, os.path.getmtime(p), model) for p in meta["path"]
        ]
    print(f"features of {len(meta['path'])} clips ready in {time.perf_counter() - start:.0f} s")
    idx_train = np.flatnonzero(meta["split"] == "train")
    idx_test = np.flatnonzero(meta["split"] == "test")
    y_genre = meta["genre"]
    Y_emo = meta["emotion"][idx_train]
    skf = StratifiedKFold(5, shuffle=True, random_state=0)
    kf = KFold(5, shuffle=True, random_state=0)

    configs = []
    for model in args.models:
        for layers in (["penultimate"], ["taggram"], ["mean_pool"],
                       ["penultimate", "taggram"]):
            for pooling in ("mean", "mean+max"):
                configs.append((model, tuple(layers), pooling))
    genre_rows, emo_rows = [], []
    for model, layers, pooling in configs:
        X = np.stack([pool(p, layers, pooling) for p in per_patch[model]])
        name = f"{model}/{'+'.join(layers)}/{pooling}"
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
        acc = cross_val_score(clf, X[idx_train], y_genre[idx_train], cv=skf)
        reg = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 5, 13)))
        pred = cross_val_predict(reg, X[idx_train], Y_emo, cv=kf)
        rho = spearman_score(Y_emo, pred)
        genre_rows.append({"features": name, "dim": X.shape[1],
                           "cv_accuracy": round(float(acc.mean()), 4),
                           "cv_accuracy_std": round(float(acc.std()), 4)})
        emo_rows.append({"features": name, "dim": X.shape[1],
                         "cv_spearman": round(float(rho), 4)})
        print(f"{name:45s} dim={X.shape[1]:5d}  genre CV acc {acc.mean():.3f} "
              f"+/- {acc.std():.3f}   emotion CV rho {rho:.3f}")

    best = max(genre_rows, key=lambda r: r["cv_accuracy"])
    model, layer_s, pooling = best["features"].split("/")
    X = np.stack([pool(p, layer_s.split("+"), pooling) for p in per_patch[model]])
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
    clf.fit(X[idx_train], y_genre[idx_train])
    test_acc = clf.score(X[idx_test], y_genre[idx_test])
    # the default MusicnnEmbedding (penultimate, mean) as well, fixed in advance
    X0 = np.stack([pool(p, ["penultimate"], "mean") for p in per_patch[args.models[0]]])
    clf0 = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
    test_acc0 = clf0.fit(X0[idx_train], y_genre[idx_train]).score(X0[idx_test], y_genre[idx_test])
    best_emo = max(emo_rows, key=lambda r: r["cv_spearman"])
    rho_rows = spearman_score(
        Y_emo,
        cross_val_predict(
            make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 5, 13))),
            np.stack([pool(p, best_emo["features"].split("/")[1].split("+"),
                           best_emo["features"].split("/")[2])
                      for p in per_patch[best_emo["features"].split("/")[0]]])[idx_train],
            Y_emo, cv=kf),
        multioutput="raw_values",
    )
    results["genre"] = {
        "model": "StandardScaler + LogisticRegression(C=0.1)",
        "cv": "StratifiedKFold(5, shuffle=True, random_state=0) on the 240 train clips",
        "configs": genre_rows,
        "selected_by_cv": best["features"],
        "selected_cv_accuracy": best["cv_accuracy"],
        "selected_test_accuracy": round(float(test_acc), 4),
        "default_penultimate_mean_test_accuracy": round(float(test_acc0), 4),
    }
    results["emotion"] = {
        "model": "StandardScaler + RidgeCV(alphas=logspace(-1, 5, 13))",
        "cv": "KFold(5, shuffle=True, random_state=0) on the 240 train clips; "
              "mean Spearman rho over the 9 GEMS targets of the out-of-fold predictions",
        "configs": emo_rows,
        "selected_by_cv": best_emo["features"],
        "selected_cv_spearman": best_emo["cv_spearman"],
        "selected_cv_spearman_per_target": dict(
            zip(EMOTIONS, [round(float(r), 4) for r in rho_rows], strict=True)),
    }
    print(f"genre: best by CV {best['features']} ({best['cv_accuracy']:.3f}); "
          f"test accuracy {test_acc:.3f} (default penultimate/mean: {test_acc0:.3f})")
    print(f"emotion: best by CV {best_emo['features']} rho {best_emo['cv_spearman']:.3f}")
    save()

    if args.cnn:
        results["cnn_from_scratch"] = bench_cnn(data_dir)
        save()
    if args.finetune:
        mels = [_mel(p, os.path.getmtime(p)) for p in meta["path"]]
        if args.finetune_seconds is not None:
            keep = int(round(args.finetune_seconds * MUSICNN_SR / 256))
            mels = [m[max(0, (len(m) - keep) // 2):][:keep] for m in mels]
        results["finetune"] = bench_finetune(
            mels, y_genre, idx_train, idx_test, skf, args.finetune_epochs, args.finetune_cv,
            args.finetune_lr,
        )
        results["finetune"]["clip_seconds"] = args.finetune_seconds or 30.0
        save()
    print(f"wrote {out}")


def bench_cnn(data_dir):
    """The from-scratch CNN on beat-synced fused spectrograms (the lab's baseline)."""
    from spectroclf.datasets import load_genre_spectrograms
    from spectroclf.nets import CNNClassifier

    tr = load_genre_spectrograms(data_dir / "emotify-lab" / "genre_beat", split="train")
    te = load_genre_spectrograms(data_dir / "emotify-lab" / "genre_beat", split="test")
    cnn = CNNClassifier(max_epochs=30, random_state=0)
    skf = StratifiedKFold(5, shuffle=True, random_state=0)
    start = time.perf_counter()
    acc = cross_val_score(cnn, tr.data, tr.target, cv=skf)
    test_acc = cnn.fit(tr.data, tr.target).score(te.data, te.target)
    row = {"model": "CNNClassifier(max_epochs=30, random_state=0) on genre_beat (fused, 140 bins)",
           "cv_accuracy": round(float(acc.mean()), 4),
           "cv_accuracy_std": round(float(acc.std()), 4),
           "test_accuracy": round(float(test_acc), 4),
           "seconds": round(time.perf_counter() - start, 1)}
    print(f"CNN from scratch: CV acc {acc.mean():.3f} +/- {acc.std():.3f}, test {test_acc:.3f}")
    return row


def bench_finetune(mels, y, idx_train, idx_test, skf, epochs, with_cv, lr):
    from spectroclf.musicnn import MusicnnClassifier

    def make():
        return MusicnnClassifier(freeze="frontend", lr=lr, max_epochs=epochs, random_state=0)

    row = {"model": f"MusicnnClassifier(freeze='frontend', lr={lr:g}, max_epochs={epochs}, "
                    "random_state=0) on musicnn log-mels"}
    train_specs = [mels[i] for i in idx_train]
    start = time.perf_counter()
    clf = make().fit(train_specs, y[idx_train])
    fit_s = time.perf_counter() - start
    test_acc = clf.score([mels[i] for i in idx_test], y[idx_test])
    row.update({"test_accuracy": round(float(test_acc), 4),
                "fit_seconds": round(fit_s, 1),
                "train_loss": [round(float(v), 4) for v in clf.history_[:, "train_loss"]]})
    print(f"fine-tuned musicnn: test accuracy {test_acc:.3f} (fit {fit_s:.0f} s)")
    if with_cv:
        acc = cross_val_score(make(), train_specs, y[idx_train], cv=skf)
        row.update({"cv_accuracy": round(float(acc.mean()), 4),
                    "cv_accuracy_std": round(float(acc.std()), 4)})
        print(f"fine-tuned musicnn: CV accuracy {acc.mean():.3f} +/- {acc.std():.3f}")
    return row


if __name__ == "__main__":
    main()
