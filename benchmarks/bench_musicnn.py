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
* **defaults** -- :class:`spectroclf.MusicnnClassifier` and
  :class:`spectroclf.MusicnnRegressor` with their default parameters, fitted on the audio
  files themselves: 5-fold CV (the same splits) x 3 seeds (``random_state`` 0, 1, 2) of the
  genre accuracy and of the mean Spearman rho over the 9 emotion targets, mean and std
  over the 15 (fold, seed) pairs, beside the linear baselines on the frozen embedding;
  ``--variants`` adds a few non-default settings through ``set_params``;
* **ensemble** -- the same CV (same folds and seeds) of the defaults on each pretrained
  backbone (``model="MSD_musicnn"`` and ``"MTT_musicnn"``) and of the average of the two
  fitted estimators' outputs (class probabilities, or predicted targets): what an ensemble
  over the two backbones buys, at the cost of two embedding passes;
* with ``--finetune``: :class:`spectroclf.MusicnnClassifier` (``freeze="frontend"``,
  fine-tuning the mid and back end) fitted on ``train`` and scored on ``test``, and with
  ``--finetune-cv`` also its CV accuracy on ``train``; with ``--cnn``: the from-scratch CNN
  on beat-synced fused spectrograms, for comparison.

Per-clip network outputs and log-mel spectrograms are cached with :class:`joblib.Memory`
(``--cache``, default ``/tmp/spectroclf-bench-musicnn``; the estimators get it as their
``memory``), so re-runs are fast. Results are printed and written to
``benchmarks/results/musicnn.json``; ``--sections`` runs only some of them and keeps the
others' entries of an earlier run.

``--quick`` (CI; no shared data needed, well under a minute): the defaults on 16
generated 3-s clips of two genres (:func:`spectroclf.make_music`), 2-fold CV x 1 seed,
written to ``results/musicnn.quick.json``.

Run from the repository root::

    python benchmarks/bench_musicnn.py [--finetune] [--finetune-cv] [--cnn]
    python benchmarks/bench_musicnn.py --sections defaults [--variants]
    python benchmarks/bench_musicnn.py --sections ensemble
    python benchmarks/bench_musicnn.py --throughput-only   # refresh the throughput entry
    python benchmarks/bench_musicnn.py --quick

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
from spectroclf.metrics import spearman_score, spearman_scorer
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


def bench_linear(meta, models, layers_cached):
    """Linear models on pooled musicnn features (the frozen-embedding baselines)."""
    # -- features -------------------------------------------------------------------
    start = time.perf_counter()
    per_patch = {}
    for model in models:
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
    for model in models:
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
        rho_folds = cross_val_score(reg, X[idx_train], Y_emo, cv=kf, scoring=spearman_scorer)
        genre_rows.append({"features": name, "dim": X.shape[1],
                           "cv_accuracy": round(float(acc.mean()), 4),
                           "cv_accuracy_std": round(float(acc.std()), 4)})
        emo_rows.append({"features": name, "dim": X.shape[1],
                         "cv_spearman": round(float(rho), 4),
                         "cv_spearman_per_fold_mean": round(float(rho_folds.mean()), 4),
                         "cv_spearman_per_fold_std": round(float(rho_folds.std()), 4)})
        print(f"{name:45s} dim={X.shape[1]:5d}  genre CV acc {acc.mean():.3f} "
              f"+/- {acc.std():.3f}   emotion CV rho {rho:.3f}")

    best = max(genre_rows, key=lambda r: r["cv_accuracy"])
    model, layer_s, pooling = best["features"].split("/")
    X = np.stack([pool(p, layer_s.split("+"), pooling) for p in per_patch[model]])
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
    clf.fit(X[idx_train], y_genre[idx_train])
    test_acc = clf.score(X[idx_test], y_genre[idx_test])
    # the default MusicnnEmbedding (penultimate, mean) as well, fixed in advance
    X0 = np.stack([pool(p, ["penultimate"], "mean") for p in per_patch[models[0]]])
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
    genre = {
        "model": "StandardScaler + LogisticRegression(C=0.1)",
        "cv": "StratifiedKFold(5, shuffle=True, random_state=0) on the 240 train clips",
        "configs": genre_rows,
        "selected_by_cv": best["features"],
        "selected_cv_accuracy": best["cv_accuracy"],
        "selected_test_accuracy": round(float(test_acc), 4),
        "default_penultimate_mean_test_accuracy": round(float(test_acc0), 4),
    }
    emotion = {
        "model": "StandardScaler + RidgeCV(alphas=logspace(-1, 5, 13))",
        "cv": "KFold(5, shuffle=True, random_state=0) on the 240 train clips; "
              "cv_spearman: mean Spearman rho over the 9 GEMS targets of the out-of-fold "
              "predictions; cv_spearman_per_fold_*: the same within each fold (as the "
              "'defaults' entry reports)",
        "configs": emo_rows,
        "selected_by_cv": best_emo["features"],
        "selected_cv_spearman": best_emo["cv_spearman"],
        "selected_cv_spearman_per_target": dict(
            zip(EMOTIONS, [round(float(r), 4) for r in rho_rows], strict=True)),
    }
    print(f"genre: best by CV {best['features']} ({best['cv_accuracy']:.3f}); "
          f"test accuracy {test_acc:.3f} (default penultimate/mean: {test_acc0:.3f})")
    print(f"emotion: best by CV {best_emo['features']} rho {best_emo['cv_spearman']:.3f}")

    return genre, emotion


def _cv_rows(make, X, y, cv, seeds, score):
    """``score(y_true, y_pred)`` of ``make(seed)`` on every (fold, seed) pair."""
    scores, seconds = [], []
    for seed in seeds:
        for tr, te in cv.split(np.zeros(len(y)), y if y.ndim == 1 else None):
            start = time.perf_counter()
            est = make(seed).fit([X[i] for i in tr], y[tr])
            scores.append(score(y[te], est.predict([X[i] for i in te])))
            seconds.append(time.perf_counter() - start)
    scores = np.asarray(scores).reshape(len(seeds), -1)
    return {
        "mean": round(float(scores.mean()), 4),
        "std": round(float(scores.std()), 4),
        "per_seed_mean": [round(float(v), 4) for v in scores.mean(1)],
        "per_fold_mean": [round(float(v), 4) for v in scores.mean(0)],
        "fit_predict_seconds_median": round(float(np.median(seconds)), 2),
    }


def _accuracy(y_true, y_pred):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


#: non-default settings measured by ``--variants`` (name, set_params)
VARIANTS = {
    "classifier": [
        ("dropout=0.5", {"dropout": 0.5}),
        ("max_epochs=100", {"max_epochs": 100}),
        ("lr=3e-3", {"lr": 3e-3}),
    ],
    "regressor": [
        ("dropout=0.5", {"dropout": 0.5}),
        ("max_epochs=200", {"max_epochs": 200}),
        ("lr=3e-3", {"lr": 3e-3}),
    ],
}


def bench_defaults(paths, y_genre, Y_emo, *, memory, seeds, n_splits=5, variants=False):
    """5-fold CV x seeds of MusicnnClassifier() and MusicnnRegressor() on audio files."""
    from spectroclf.musicnn import MusicnnClassifier, MusicnnRegressor

    skf = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    kf = KFold(n_splits, shuffle=True, random_state=0)
    paths = list(paths)
    start = time.perf_counter()
    if memory is not None:  # the backbone's features of every clip, once, into memory
        MusicnnRegressor(max_epochs=0, memory=memory).fit(paths, Y_emo)
    first_pass = time.perf_counter() - start
    out = {"cv": f"StratifiedKFold / KFold({n_splits}, shuffle=True, random_state=0) x "
                 f"random_state in {list(seeds)}; mean and std over the "
                 f"{n_splits * len(seeds)} (fold, seed) pairs",
           "input": "audio file paths (the estimators decode them, cached with memory=)",
           "features_first_pass_seconds": round(first_pass, 1),
           "classifier": [], "regressor": []}
    tasks = (
        ("classifier", MusicnnClassifier, y_genre, skf, _accuracy, "accuracy"),
        ("regressor", MusicnnRegressor, Y_emo, kf, spearman_score, "mean Spearman rho"),
    )
    for key, cls, y, cv, score, metric in tasks:
        settings = [("defaults", {})] + (VARIANTS[key] if variants else [])
        for name, params in settings:
            def make(seed, cls=cls, params=params):
                return cls(memory=memory, random_state=seed, **params)
            row = {"estimator": f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})",
                   "setting": name, "metric": metric,
                   **_cv_rows(make, paths, y, cv, seeds, score)}
            out[key].append(row)
            print(f"{row['estimator']:45s} {metric:18s} {row['mean']:.4f} +/- {row['std']:.4f} "
                  f"(per seed {row['per_seed_mean']}, {row['fit_predict_seconds_median']} s "
                  "per fit+predict)", flush=True)
    return out


def bench_ensemble(paths, y_genre, Y_emo, *, memory, seeds, n_splits=5):
    """CV of the defaults on each backbone and of the average of the two estimators."""
    from spectroclf.musicnn import MusicnnClassifier, MusicnnRegressor

    models = ("MSD_musicnn", "MTT_musicnn")
    paths = list(paths)
    start = time.perf_counter()
    if memory is not None:  # each backbone's features of every clip, once
        for model in models:
            MusicnnRegressor(model=model, max_epochs=0, memory=memory).fit(paths, Y_emo)
    out = {"cv": f"StratifiedKFold / KFold({n_splits}, shuffle=True, random_state=0) x "
                 f"random_state in {list(seeds)} (the splits of 'defaults')",
           "features_first_pass_seconds": round(time.perf_counter() - start, 1)}
    tasks = (
        ("classifier", MusicnnClassifier, y_genre,
         StratifiedKFold(n_splits, shuffle=True, random_state=0), "accuracy"),
        ("regressor", MusicnnRegressor, Y_emo,
         KFold(n_splits, shuffle=True, random_state=0), "mean Spearman rho"),
    )
    for key, cls, y, cv, metric in tasks:
        scores = {model: [] for model in (*models, "average")}
        for seed in seeds:
            for tr, te in cv.split(np.zeros(len(y)), y if y.ndim == 1 else None):
                test = [paths[i] for i in te]
                outputs = {}
                for model in models:
                    est = cls(model=model, memory=memory, random_state=seed)
                    est.fit([paths[i] for i in tr], y[tr])
                    outputs[model] = (est.predict_proba(test) if key == "classifier"
                                      else est.predict(test))
                outputs["average"] = (outputs[models[0]] + outputs[models[1]]) / 2
                for name, values in outputs.items():
                    scores[name].append(
                        _accuracy(y[te], est.classes_[values.argmax(1)])
                        if key == "classifier" else spearman_score(y[te], values))
        out[key] = {"metric": metric}
        for name, values in scores.items():
            values = np.asarray(values).reshape(len(seeds), -1)
            out[key][name] = {"mean": round(float(values.mean()), 4),
                              "std": round(float(values.std()), 4),
                              "per_seed_mean": [round(float(v), 4) for v in values.mean(1)]}
            print(f"ensemble {key:10s} {name:12s} {metric:18s} {values.mean():.4f} "
                  f"+/- {values.std():.4f} (per seed {out[key][name]['per_seed_mean']})",
                  flush=True)
    return out


def main_quick(args):
    """CI: the defaults on generated clips, no shared data (well under a minute)."""
    from _common import machine, out_path, write

    from spectroclf import make_music

    start = time.perf_counter()
    music = make_music(16, genres=2, duration=3.0, random_state=0)
    result = {"machine": machine(), "quick": True,
              "data": "make_music(16, genres=2, duration=3.0, random_state=0): 2 genres, "
                      "3 emotion targets; 2-fold CV x 1 seed",
              "defaults": bench_defaults(music.data, np.asarray(music.target),
                                         music.emotion, memory=None, seeds=(0,),
                                         n_splits=2)}
    result["seconds"] = round(time.perf_counter() - start, 1)
    write(out_path("musicnn", True, args.out), result)


SECTIONS = ("throughput", "linear", "defaults", "ensemble")


def main():
    global _mel
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="CI: the defaults on generated clips (no shared data)")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        help="what to measure; the other entries of --out are kept")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--variants", action="store_true",
                        help="with the defaults, a few non-default settings too")
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
    parser.add_argument("--out", default=None,
                        help="JSON file (default results/musicnn.json, or "
                             "results/musicnn.quick.json with --quick)")
    args = parser.parse_args()
    if args.quick:
        return main_quick(args)
    if args.out is None:
        args.out = str(ROOT / "benchmarks" / "results" / "musicnn.json")

    data_dir = shared_data_dir()
    if data_dir is None or not (data_dir / "emotify" / "audio").is_dir():
        raise SystemExit("the shared data (../shared/data/emotify) was not found")
    meta = read_metadata(data_dir)
    memory = Memory(args.cache, verbose=0)
    _mel = memory.cache(clip_mel)
    layers_cached = memory.cache(clip_layers)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    sections = ["throughput"] if args.throughput_only else args.sections
    results = {
        **previous,
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "spectroclf": spectroclf.__version__,
            "torch": torch.__version__,
        },
        "data": {"train_clips": int((meta["split"] == "train").sum()),
                 "test_clips": int((meta["split"] == "test").sum())},
        "sections_of_this_run": sections,
    }

    def save():
        out.write_text(json.dumps(results, indent=2) + "\n")

    n = args.throughput_clips
    if "throughput" in sections and n > 0:
        results["throughput"] = measure_throughput(list(meta["path"][:n]))
        results["throughput"]["machine"] = results["machine"]
        save()
    if args.throughput_only:
        print(f"wrote {out} (throughput only)")
        return

    idx_train = np.flatnonzero(meta["split"] == "train")
    idx_test = np.flatnonzero(meta["split"] == "test")
    y_genre = meta["genre"]
    skf = StratifiedKFold(5, shuffle=True, random_state=0)
    if "linear" in sections:
        results["genre"], results["emotion"] = bench_linear(meta, args.models, layers_cached)
        save()
    if "defaults" in sections:
        results["defaults"] = bench_defaults(
            list(meta["path"][idx_train]), y_genre[idx_train], meta["emotion"][idx_train],
            memory=args.cache, seeds=args.seeds, variants=args.variants,
        )
        save()
    if "ensemble" in sections:
        results["ensemble"] = bench_ensemble(
            list(meta["path"][idx_train]), y_genre[idx_train], meta["emotion"][idx_train],
            memory=args.cache, seeds=args.seeds,
        )
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
        return MusicnnClassifier(freeze="frontend", lr=lr, max_epochs=epochs, dropout=0.5,
                                 random_state=0)

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
