"""Benchmark: what augmentation and crops do to the accuracy of the networks trained from scratch.

5-fold stratified CV (shuffled, ``random_state=0``) on the 240 ``train`` clips of
``../shared/data/emotify-lab`` (four genres), for :class:`spectroclf.CNNClassifier`
and :class:`spectroclf.LSTMClassifier` in several configurations: beat-synced or
full-length fused spectrograms (140 rows), whole clips or random crops
(``crop_frames``, predictions averaged over crops), SpecAugment masks
(``time_mask``, ``freq_mask``) and ``mixup``. Each configuration is run with
several estimator seeds; the figures are the mean accuracy, its std over the
folds (averaged over the seeds) and the std of the seed means. The test split is
never used.

Results are printed and written to ``benchmarks/results/quality.json`` (merged
into what is there, configuration by configuration).

Run from the repository root::

    python benchmarks/bench_quality.py --configs cnn-beat cnn-crop-aug --seeds 0 1 2
    python benchmarks/bench_quality.py --list
    python benchmarks/bench_quality.py --search --seeds 0   # the one-seed searches
    python benchmarks/bench_quality.py --quick   # 2 folds, 2 epochs, 40 generated clips
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import StratifiedKFold

from spectroclf import (
    CNNClassifier,
    LSTMClassifier,
    SpectrogramExtractor,
    load_genre_spectrograms,
    make_music,
)
from spectroclf.datasets import shared_data_dir

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "quality.json"

def _seeds_ensemble(cls, n=3):
    """A soft-voting ensemble of ``n`` estimators that differ only in their seed."""
    def make(random_state, **params):
        return VotingClassifier(
            [(f"seed{i}", cls(**params, random_state=n * random_state + i)) for i in range(n)],
            voting="soft",
        )
    make.__name__ = f"VotingClassifier({n} x {cls.__name__})"
    return make


AUG = {"time_mask": 32, "freq_mask": 16, "mixup": 0.2}
BEAT_AUG = {"time_mask": 8, "freq_mask": 16, "mixup": 0.2}

#: name -> (estimator class, input, parameters)
CONFIGS = {
    "cnn-beat": (CNNClassifier, "beat", {}),
    "cnn-beat-aug": (CNNClassifier, "beat", BEAT_AUG),
    "cnn-crop": (CNNClassifier, "full", {"crop_frames": 128}),
    "cnn-crop-aug": (CNNClassifier, "full", {"crop_frames": 128, **AUG}),
    "cnn-crop-mask": (CNNClassifier, "full", {"crop_frames": 128, "time_mask": 32,
                                              "freq_mask": 16}),
    "cnn-crop-aug-long": (CNNClassifier, "full", {"crop_frames": 128, **AUG,
                                                  "batch_size": 16, "max_epochs": 60}),
    "lstm-crop-3seeds": (_seeds_ensemble(LSTMClassifier), "full", {"crop_frames": 128}),
    "lstm-beat": (LSTMClassifier, "beat", {}),
    "lstm-beat-aug": (LSTMClassifier, "beat", BEAT_AUG),
    "lstm-crop": (LSTMClassifier, "full", {"crop_frames": 128}),
    "lstm-crop-aug": (LSTMClassifier, "full", {"crop_frames": 128, **AUG}),
    "lstm-crop-aug-long": (LSTMClassifier, "full", {"crop_frames": 128, **AUG,
                                                    "batch_size": 16, "max_epochs": 60}),
    "cnn-beat-wide": (CNNClassifier, "beat", {"channels": [32, 64, 128, 128]}),
    "lstm-beat-last": (LSTMClassifier, "beat", {"pooling": "last"}),
}

#: one-seed searches around the defaults, on beat-synced input: ``<net>-beat:<params>``
SEARCH = {
    LSTMClassifier: [
        {"hidden_size": 32}, {"hidden_size": 128}, {"dropout": 0.5},
        {"num_layers": 2, "dropout": 0.3}, {"max_epochs": 60}, {"lr": 0.003},
        {"batch_size": 16}, {"optimizer": "adamw", "weight_decay": 0.05},
        {"hidden_size": 128, "dropout": 0.5, "max_epochs": 60},
    ],
    CNNClassifier: [{"dropout": 0.5}, {"channels": [16, 32, 64]}],
}
for _cls, _variants in SEARCH.items():
    for _params in _variants:
        _name = ",".join(f"{k}={v}" for k, v in _params.items()).replace(" ", "")
        CONFIGS[f"{_cls.__name__[:-10].lower()}-beat:{_name}"] = (_cls, "beat", _params)


def load(kind, quick):
    """Train clips and genres of the beat-synced or full-length lab layout.

    ``quick`` uses 40 generated clips (:func:`spectroclf.make_music`) instead,
    so the smoke run needs no data.
    """
    if quick:
        music = make_music(40, genres=4, duration=3.0, random_state=0)
        return SpectrogramExtractor().fit_transform(music.data), music.target
    data_dir = shared_data_dir()
    if data_dir is None:
        raise SystemExit("this benchmark needs ../shared/data (emotify-lab); "
                         "--quick runs on generated clips")
    folder = {"beat": "genre_beat", "full": "genre"}[kind]
    return load_genre_spectrograms(data_dir / "emotify-lab" / folder, return_X_y=True)


def run(name, seeds, quick, previous=None):
    """CV accuracies of one configuration; seeds already in ``previous`` are reused."""
    cls, kind, params = CONFIGS[name]
    done = {}
    if previous and previous.get("params") == params:
        done = dict(zip(previous["seeds"], previous["fold_accuracy"], strict=True))
    X, y = load(kind, quick)
    folds = StratifiedKFold(2 if quick else 5, shuffle=True, random_state=0)
    extra = {"max_epochs": 2} if quick else {}
    if quick and "crop_frames" in params:  # generated clips are short
        params = {**params, "crop_frames": 32, "time_mask": min(params.get("time_mask", 0), 8)}
    scores, start = [], time.perf_counter()
    for seed in seeds:
        if seed in done:
            scores.append(done[seed])
            continue
        row = []
        for train, test in folds.split(np.zeros(len(y)), y):
            est = cls(**params, **extra, random_state=seed)
            est.fit([X[i] for i in train], y[train])
            row.append(float(np.mean(est.predict([X[i] for i in test]) == y[test])))
        scores.append(row)
        print(f"  {name} seed {seed}: {np.mean(row):.3f} ({' '.join(f'{s:.2f}' for s in row)})",
              flush=True)
    scores = np.array(scores)
    return {
        "estimator": cls.__name__, "input": kind, "params": params,
        "seeds": list(seeds), "fold_accuracy": scores.round(4).tolist(),
        "accuracy": round(float(scores.mean()), 4),
        "std_over_folds": round(float(scores.std(axis=1).mean()), 4),
        "std_over_seeds": round(float(scores.mean(axis=1).std()), 4),
        "seconds": round(time.perf_counter() - start, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["lstm-beat", "cnn-beat"],
                        choices=sorted(CONFIGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--search", action="store_true",
                        help="run the one-seed searches around the defaults (SEARCH)")
    args = parser.parse_args()
    if args.search:
        args.configs = [name for name in CONFIGS if ":" in name]
    if args.list:
        for name, (cls, kind, params) in CONFIGS.items():
            print(f"{name:40s} {cls.__name__:15s} {kind:5s} {params}")
        return
    torch.set_num_threads(1)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() and not args.quick else {}
    results.setdefault("cv", "StratifiedKFold(5, shuffle=True, random_state=0) on the "
                             "240 emotify-lab train clips; test never used")
    results.setdefault("torch_threads", 1)
    configs = results.setdefault("configs", {})
    print(f"{'config':15s} {'accuracy':>8s} {'±folds':>7s} {'±seeds':>7s} {'s':>6s}")
    for name in args.configs:
        res = run(name, args.seeds if not args.quick else args.seeds[:1], args.quick,
                  configs.get(name))
        configs[name] = res
        print(f"{name:15s} {res['accuracy']:8.3f} {res['std_over_folds']:7.3f} "
              f"{res['std_over_seeds']:7.3f} {res['seconds']:6.0f}", flush=True)
    if not args.quick:  # merge into the file as it is now (other runs may have written)
        latest = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        latest.setdefault("configs", {}).update(configs)
        results = {**results, "configs": latest["configs"]}
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
