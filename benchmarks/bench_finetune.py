"""Benchmark: does fine-tuning musicnn beat its frozen backbone? Cross-validated LP-FT.

"Linear probing, then fine-tuning" (LP-FT, Kumar et al., 2022): the output layer is
first trained on the frozen network's penultimate features -- exactly what
:class:`spectroclf.MusicnnClassifier` and :class:`spectroclf.MusicnnRegressor` do by
default (one random 3-s patch per clip and epoch, Adam at 1e-3; dropout 0.75 and 200
epochs for genre, 0.25 and 400 for emotion) -- then the mid end, the back end and the
output layer are fine-tuned together, the pretrained layers at their own (smaller)
learning rate, optionally with cosine decay. Batch normalisation keeps its pretrained
statistics. The front end (the timbral and temporal convolutions, most of the network's
cost) stays frozen, so its output for every patch is computed once and held in memory
(float16): an epoch then costs one mid/back-end pass per clip, about a second on one CPU
core instead of a minute for ``freeze="frontend"`` on the log-mels.

For each schedule: 5-fold CV on the 240 ``train`` clips of ``../shared/data/emotify``
(StratifiedKFold for the genre accuracy, KFold for the mean Spearman rho over the nine
emotion ratings; shuffled, seed 0), the score after the probe (epoch 0) and after every
fine-tuning epoch, averaged over folds and seeds (with the std over the (fold, seed) pairs
and the mean of each seed after the probe and after fine-tuning). The last epoch is the
honest figure; the best epoch is chosen on the test folds and so is optimistic.

Results are printed and merged into ``benchmarks/results/finetune.json``.

Run from the repository root::

    python benchmarks/bench_finetune.py                 # every schedule, seed 0
    python benchmarks/bench_finetune.py --schedules genre-1e-4 --seeds 0 1 2
    python benchmarks/bench_finetune.py --quick         # 12 generated clips, CI
"""

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.model_selection import KFold, StratifiedKFold
from torch import nn

from spectroclf.metrics import spearman_score
from spectroclf.musicnn._frontend import _log_mels, musicnn_patches
from spectroclf.musicnn._transfer import MusicnnTransfer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

#: name -> (task, probe dropout / epochs, backbone lr, head lr, fine-tuning epochs, cosine)
SCHEDULES = {
    "genre-3e-5": ("genre", 0.75, 200, 3e-5, 3e-4, 15, False),
    "genre-1e-4": ("genre", 0.75, 200, 1e-4, 1e-3, 15, False),
    "genre-3e-4-cosine": ("genre", 0.75, 200, 3e-4, 1e-3, 20, True),
    "emotion-3e-5": ("emotion", 0.25, 400, 3e-5, 3e-4, 15, False),
    "emotion-1e-4": ("emotion", 0.25, 400, 1e-4, 1e-3, 15, False),
    "emotion-3e-4-cosine": ("emotion", 0.25, 400, 3e-4, 1e-3, 20, True),
}


def front_end_outputs(clips, model):
    """Frozen front-end output ``(n_patches, 561, 187)`` of every clip, as float16.

    Also returns the network (``freeze="frontend"``, in eval mode) that computed them.
    """
    network = MusicnnTransfer(96, 1, model=model, freeze="frontend").eval()
    out = []
    for mel in _log_mels(clips, sr=22050, memory=None, n_jobs=None):
        patches = torch.from_numpy(musicnn_patches(mel, patch_hop=187))
        with torch.no_grad():
            out.append(network._front_end(patches).half())
    return out, network


def _train_keeping_statistics(network):
    """Training mode, with every batch normalisation on its pretrained statistics."""
    network.train()
    for module in network.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()


def run_fold(front, network, target, train, test, *, classify, schedule, seed):
    """Scores after the probe and after each fine-tuning epoch, on one fold."""
    _, dropout, probe_epochs, lr_backbone, lr_head, epochs, cosine = schedule
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    if classify:
        classes, codes = np.unique(target, return_inverse=True)
        t, n_out = torch.as_tensor(codes), len(classes)
        loss_fn = F.cross_entropy
    else:
        mean, std = target[train].mean(0), target[train].std(0)
        t = torch.as_tensor((target - mean) / std, dtype=torch.float32)
        n_out = target.shape[1]

        def loss_fn(out, y):
            return ((out - y) ** 2).mean()

    top = copy.deepcopy(network)  # the pretrained weights, a new output layer
    top.dropout, top.head = nn.Dropout(dropout), nn.Linear(top.n_features, n_out)
    with torch.no_grad():
        top.eval()
        penultimate = [top._embed_front_end(f.float()) for f in front]
    order = torch.as_tensor(train)

    def batches():
        perm = order[torch.randperm(len(train), generator=gen)].tolist()
        for s in range(0, len(perm), 32):
            idx = perm[s : s + 32]
            picks = [int(torch.randint(len(front[i]), (1,), generator=gen)) for i in idx]
            yield idx, picks

    def forward(front):
        return top.head(top.dropout(top._embed_front_end(front)))

    def score():
        top.eval()
        with torch.no_grad():
            outs = [forward(front[i].float()) for i in test]
            if classify:
                pred = torch.stack([o.softmax(1).mean(0) for o in outs]).argmax(1).numpy()
                return float(np.mean(pred == codes[test]))
            pred = torch.stack([o.mean(0) for o in outs]).numpy() * std + mean
            return float(spearman_score(target[test], pred))

    opt = torch.optim.Adam(top.head.parameters(), lr=1e-3)
    for _ in range(probe_epochs):
        _train_keeping_statistics(top)
        for idx, picks in batches():
            x = torch.stack([penultimate[i][p] for i, p in zip(idx, picks, strict=True)])
            loss = loss_fn(top.head(top.dropout(x)), t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    scores = [score()]
    pretrained = [p for name, p in top.named_parameters()
                  if p.requires_grad and not name.startswith("head.")]
    opt = torch.optim.Adam([{"params": pretrained, "lr": lr_backbone},
                            {"params": top.head.parameters(), "lr": lr_head}])
    steps = epochs * -(-len(train) // 32)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps) if cosine else None
    for _ in range(epochs):
        _train_keeping_statistics(top)
        for idx, picks in batches():
            x = torch.stack([front[i][p].float() for i, p in zip(idx, picks, strict=True)])
            loss = loss_fn(forward(x), t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
        scores.append(score())
    return scores


def load(quick):
    """Clips, genres and emotion ratings: the shared train clips, or generated ones."""
    if quick:
        from spectroclf import make_music

        music = make_music(12, genres=2, duration=4.0, random_state=0)
        return list(music.data), np.asarray(music.target), np.asarray(music.emotion)
    from bench_musicnn import read_metadata

    from spectroclf.datasets import shared_data_dir

    data_dir = shared_data_dir()
    if data_dir is None or not (data_dir / "emotify" / "audio").is_dir():
        raise SystemExit("this benchmark needs ../shared/data/emotify; "
                         "--quick runs on generated clips")
    meta = read_metadata(data_dir)
    train = np.flatnonzero(meta["split"] == "train")
    return ([str(p) for p in meta["path"][train]], meta["genre"][train],
            meta["emotion"][train])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", nargs="+", default=list(SCHEDULES),
                        choices=list(SCHEDULES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--model", default="MSD_musicnn")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    clips, genres, emotions = load(args.quick)
    front, network = front_end_outputs(clips, args.model)
    print(f"front end of {len(clips)} clips in {time.perf_counter() - start:.0f} s", flush=True)
    n_splits = 2 if args.quick else 5
    results = {}
    for name in args.schedules:
        schedule = SCHEDULES[name]
        if args.quick:  # two probe and two fine-tuning epochs
            schedule = (*schedule[:2], 2, *schedule[3:5], 2, schedule[6])
        classify = schedule[0] == "genre"
        target = genres if classify else emotions
        cv = (StratifiedKFold if classify else KFold)(n_splits, shuffle=True, random_state=0)
        t0 = time.perf_counter()
        rows = np.array([
            run_fold(front, network, target, tr, te, classify=classify,
                     schedule=schedule, seed=seed)
            for seed in args.seeds
            for tr, te in cv.split(np.zeros(len(target)), target if classify else None)
        ])
        curve = rows.mean(0)
        results[name] = {
            "task": schedule[0],
            "metric": "accuracy" if classify else "mean Spearman rho",
            "probe": {"dropout": schedule[1], "epochs": schedule[2], "lr": 1e-3},
            "fine_tuning": {"lr_backbone": schedule[3], "lr_head": schedule[4],
                            "epochs": schedule[5], "cosine": schedule[6]},
            "seeds": args.seeds,
            "after_probe": round(float(curve[0]), 4),
            "after_fine_tuning": round(float(curve[-1]), 4),
            "std_after_fine_tuning": round(float(rows[:, -1].std()), 4),
            "per_seed_after_probe": rows[:, 0].reshape(len(args.seeds), -1).mean(1)
                                    .round(4).tolist(),
            "per_seed_after_fine_tuning": rows[:, -1].reshape(len(args.seeds), -1).mean(1)
                                          .round(4).tolist(),
            "best_epoch_optimistic": int(curve[1:].argmax()) + 1,
            "best_epoch_score_optimistic": round(float(curve[1:].max()), 4),
            "by_epoch": curve.round(4).tolist(),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        r = results[name]
        print(f"{name:20s} probe {r['after_probe']:.4f} -> fine-tuned {r['after_fine_tuning']:.4f}"
              f" (best epoch {r['best_epoch_optimistic']}: {r['best_epoch_score_optimistic']:.4f};"
              f" {r['seconds']:.0f} s)", flush=True)
    from _common import machine, out_path, write

    path = out_path("finetune", args.quick, None)
    previous = json.loads(path.read_text()) if path.exists() and not args.quick else {}
    write(path, {
        **previous,
        "machine": machine(),
        "data": "12 generated clips, 2 folds" if args.quick else
                "the 240 emotify train clips; StratifiedKFold / KFold(5, shuffle=True, "
                "random_state=0)",
        "model": args.model,
        "schedules": {**previous.get("schedules", {}), **results},
    })


if __name__ == "__main__":
    main()
