"""Record the predictions of every estimator on small fixed data.

``python tools/record_predictions.py`` writes ``tests/data/predictions.npz``,
the fixture of ``tests/test_predictions.py``: the core may move, but with the
same parameters, data and ``random_state`` every estimator must predict what
it predicted when the fixture was recorded (CPU, float32).
"""

import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spectroclf import (  # noqa: E402
    CNNClassifier,
    CNNRegressor,
    JointCNN,
    LSTMClassifier,
    LSTMRegressor,
    MusicnnClassifier,
    MusicnnRegressor,
)


def data(n_bins=8, n=36, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(int(rng.integers(12, 30)), n_bins)).astype(np.float32)
         for _ in range(n)]
    labels = np.array(["rock", "jazz", "pop"])[np.arange(n) % 3]
    for x, lab in zip(X, labels, strict=True):
        x[:, : n_bins // 2] += {"rock": 1.0, "jazz": -1.0, "pop": 0.0}[lab]
    targets = np.column_stack([[x.mean() for x in X], [x.std() for x in X]])
    return X, labels, targets


def cases():
    """(name, estimator, X kind, y kind) of every recorded case."""
    small = dict(max_epochs=3, random_state=0, device="cpu")
    lstm = dict(hidden_size=8, **small)
    cnn = dict(channels=(4, 8), **small)
    return [
        ("lstm_clf", LSTMClassifier(**lstm), "spec", "labels"),
        ("lstm_clf_aug", LSTMClassifier(crop_frames=10, time_mask=2, freq_mask=2,
                                        mixup=0.2, class_weight="balanced", **lstm),
         "spec", "labels"),
        ("lstm_clf_es", LSTMClassifier(early_stopping=True, n_iter_no_change=1,
                                       bucket_by_length=True, **lstm), "spec", "labels"),
        ("lstm_reg", LSTMRegressor(pooling="last", **lstm), "spec", "targets"),
        ("lstm_reg_1d", LSTMRegressor(validation_fraction=0.2, **lstm), "spec", "target"),
        ("cnn_clf", CNNClassifier(**cnn), "spec", "labels"),
        ("cnn_clf_crop", CNNClassifier(crop_frames=12, optimizer="sgd", **cnn),
         "spec", "labels"),
        ("cnn_reg", CNNRegressor(weight_decay=0.01, **cnn), "spec", "targets"),
        ("joint", JointCNN(target_weights=[1.0, 0.5], validation_fraction=0.25, **cnn),
         "spec", "joint"),
        ("musicnn_clf", MusicnnClassifier(max_epochs=3, random_state=0, device="cpu"),
         "mel", "labels"),
        ("musicnn_reg", MusicnnRegressor(max_epochs=3, random_state=0, device="cpu"),
         "mel", "targets"),
        ("musicnn_clf_frontend", MusicnnClassifier(freeze="frontend", max_epochs=1,
                                                   random_state=0, device="cpu"),
         "mel", "labels"),
    ]


def inputs():
    X, labels, targets = data()
    rng = np.random.default_rng(1)
    mels = [np.abs(rng.normal(size=(int(rng.integers(150, 260)), 96))).astype(np.float32)
            for _ in range(12)]
    mlabels = np.array(["a", "b"])[np.arange(12) % 2]
    for m, lab in zip(mels, mlabels, strict=True):
        if lab == "a":
            m[:, :48] += 1.0
    mtargets = np.column_stack([[m.mean() for m in mels], [m[:, :10].std() for m in mels]])
    joint = np.column_stack([labels.astype(object), targets])
    return {
        "spec": (X, {"labels": labels, "targets": targets, "target": targets[:, 0],
                     "joint": joint}),
        "mel": (mels, {"labels": mlabels, "targets": mtargets}),
    }


def predictions(est, X, y, kind):
    est.fit(X, y)
    out = {"predict": np.asarray(est.predict(X))}
    if hasattr(est, "predict_proba"):
        out["proba"] = est.predict_proba(X)
    if kind == "joint":
        out["targets"] = est.predict_targets(X)
    return out


def transfer(data_in):
    """A genre CNN fine-tuned for a regression target (init_from, freeze)."""
    X, ys = data_in["spec"]
    small = dict(channels=(4, 8), max_epochs=2, random_state=0, device="cpu")
    genre = CNNClassifier(**small).fit(X, ys["labels"])
    reg = CNNRegressor(init_from=genre, freeze=True, **small).fit(X, ys["targets"])
    return {"predict": reg.predict(X)}


def record():
    torch.set_num_threads(1)
    data_in = inputs()
    out = {}
    for name, est, xkind, ykind in cases():
        X, ys = data_in[xkind]
        for key, value in predictions(est, X, ys[ykind], ykind).items():
            out[f"{name}/{key}"] = value
    for key, value in transfer(data_in).items():
        out[f"transfer/{key}"] = value
    return out


if __name__ == "__main__":
    out = record()
    path = ROOT / "tests" / "data" / "predictions.npz"
    np.savez(path, **out)
    print(f"wrote {len(out)} arrays to {path}")
