"""Benchmark: bfloat16 autocast (``amp=True``) against float32 for the LSTM / CNN on the CPU.

On the Emotify lab's beat-synced genre spectrograms of the shared data (240 training clips,
140 bins, 15-121 frames), in one process and alternating (the order flips every round):

* **epoch time** -- ``fit`` for ``--epochs`` epochs with ``amp=False`` and ``amp=True``
  (bfloat16 autocast on the CPU), seconds per epoch from the net's history;
* **predict_proba** -- clips/s of the fitted estimators over the training clips;
* **accuracy** -- each round holds out a stratified quarter of the clips (a new split
  per round, the same for both precisions): the test accuracy of the two fits (same
  seed), their paired difference, and how often their predictions agree.

With ``--cv-epochs N`` it also cross-validates both precisions (5 stratified folds, the
same folds and seed for both, ``N`` epochs) and reports the paired accuracy difference.

The CPU's bfloat16 flags are recorded: without native bfloat16 torch emulates it and
``amp=True`` only shows the emulation's cost. This decides the CPU rule of ``amp="auto"``
(:func:`spectroclf.nets._amp.resolve_amp`).

Run from the repository root::

    python benchmarks/bench_amp_cpu.py            # 3 rounds, 8 epochs
    python benchmarks/bench_amp_cpu.py --quick    # 1 round, 1 epoch, 64 clips

Writes ``benchmarks/results/amp_cpu.json`` (``amp_cpu.quick.json`` with ``--quick``).
"""

import argparse
import statistics
import time

import _common
import numpy as np
import torch
from sklearn.model_selection import train_test_split

from spectroclf import CNNClassifier, LSTMClassifier
from spectroclf._cpu import cpu_flags
from spectroclf.datasets import load_genre_spectrograms, shared_data_dir

NETS = {"LSTM": LSTMClassifier, "CNN": CNNClassifier}


def cross_validate(X, y, epochs):
    """5-fold accuracy of each net in float32 and bfloat16, paired fold by fold."""
    from scipy import stats
    from sklearn.model_selection import StratifiedKFold

    out = {}
    for name, cls in NETS.items():
        pairs = []
        for k, (train, test) in enumerate(
                StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)):
            scores = []
            for amp in (False, True):
                est = cls(max_epochs=epochs, amp=amp, random_state=k)
                est.fit([X[i] for i in train], y[train])
                scores.append(float(np.mean(est.predict([X[i] for i in test]) == y[test])))
            pairs.append(scores)
            print(f"  cv {name} fold {k}: float32 {scores[0]:.3f} bfloat16 {scores[1]:.3f}")
        pairs = np.array(pairs)
        diff = pairs[:, 1] - pairs[:, 0]
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
        out[name] = {"float32": round(float(pairs[:, 0].mean()), 4),
                     "bfloat16": round(float(pairs[:, 1].mean()), 4),
                     "paired_difference_mean": round(float(diff.mean()), 4),
                     "paired_difference_95ci": [round(float(diff.mean() - half), 4),
                                                round(float(diff.mean() + half), 4)],
                     "per_fold": pairs.round(4).tolist(), "epochs": epochs}
        print(f"{name} {epochs} epochs, 5-fold: {out[name]}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--n-clips", type=int, default=240)
    parser.add_argument("--cv-epochs", type=int, default=0,
                        help="also 5-fold CV accuracy, float32 vs bfloat16, N epochs")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.epochs, args.n_clips = 1, 1, 64
    data = load_genre_spectrograms(shared_data_dir() / "emotify-lab" / "genre_beat")
    X, y = list(data.data)[: args.n_clips], np.asarray(data.target)[: args.n_clips]
    flags = cpu_flags()
    load_start = _common.loadavg()
    print(f"{len(X)} clips, {torch.get_num_threads()} threads, load {load_start}, "
          f"CPU flags {flags}")
    runs = {}
    agreement = {}
    for r in range(args.rounds):
        train, test = train_test_split(np.arange(len(X)), test_size=0.25, stratify=y,
                                       random_state=r)
        X_train, y_train = [X[i] for i in train], y[train]
        X_test, y_test = [X[i] for i in test], y[test]
        for name, cls in NETS.items():
            preds = {}
            order = [False, True] if r % 2 == 0 else [True, False]
            for amp in order:
                key = f"{name}, amp={amp}"
                est = cls(max_epochs=args.epochs, amp=amp, random_state=r)
                start = time.perf_counter()
                est.fit(X_train, y_train)
                fit_s = time.perf_counter() - start
                epochs = [h["dur"] for h in est.net_.history]
                est.predict_proba(X[:8])  # first-call costs
                start = time.perf_counter()
                est.predict_proba(X)
                pred_s = time.perf_counter() - start
                preds[amp] = est.predict(X_test)
                rec = runs.setdefault(key, {"epoch_s": [], "fit_s": [],
                                            "predict_clips_per_s": [], "test_accuracy": []})
                rec["epoch_s"].append(statistics.median(epochs))
                rec["fit_s"].append(fit_s)
                rec["predict_clips_per_s"].append(len(X) / pred_s)
                rec["test_accuracy"].append(float(np.mean(preds[amp] == y_test)))
            agreement.setdefault(name, []).append(float(np.mean(preds[False] == preds[True])))
    print("\nvariant              epoch s   predict clips/s   test accuracy")
    summary = {}
    for key, rec in runs.items():
        summary[key] = {k: round(statistics.median(v), 4) for k, v in rec.items()}
        summary[key]["test_accuracy"] = round(statistics.mean(rec["test_accuracy"]), 4)
        s = summary[key]
        print(f"{key:18s} {s['epoch_s']:9.3f} {s['predict_clips_per_s']:15.1f}   "
              f"{s['test_accuracy']:.3f}")
    ratios = {}
    for name in NETS:
        a, b = summary[f"{name}, amp=False"], summary[f"{name}, amp=True"]
        ratios[name] = {
            "epoch_speedup": round(a["epoch_s"] / b["epoch_s"], 3),
            "predict_speedup": round(b["predict_clips_per_s"] / a["predict_clips_per_s"], 3),
            "prediction_agreement": round(statistics.mean(agreement[name]), 4),
            "test_accuracy_difference_per_round": [
                round(b16 - b32, 4) for b32, b16 in zip(
                    runs[f"{name}, amp=False"]["test_accuracy"],
                    runs[f"{name}, amp=True"]["test_accuracy"], strict=True)],
        }
        print(f"{name}: bfloat16 epoch {ratios[name]['epoch_speedup']:.2f}x, predict_proba "
              f"{ratios[name]['predict_speedup']:.2f}x float32's speed; predictions agree "
              f"on {100 * ratios[name]['prediction_agreement']:.1f}% of clips")
    cv = cross_validate(X, y, args.cv_epochs) if args.cv_epochs else None
    result = {
        "machine": _common.machine(),
        "cpu_flags": flags,
        "clips": len(X),
        "epochs": args.epochs,
        "rounds": args.rounds,
        "runs": runs,
        "summary": summary,
        "bfloat16_vs_float32": ratios,
        "cv": cv,
        "loadavg_start": load_start,
        "loadavg_end": _common.loadavg(),
    }
    _common.write(_common.out_path("amp_cpu", args.quick, args.out), result)


if __name__ == "__main__":
    main()
