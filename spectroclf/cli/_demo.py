"""``spectroclf demo``: synthetic music -> LSTM genre classifier, end to end."""

import time

from ._common import _add_command, _positive_int

EPILOG = """\
Generates synthetic music (spectroclf.datasets.make_music), extracts log-mel
spectrograms, trains a small LSTMClassifier on 75% of the clips and reports
on the other 25%, against the majority-class baseline.

examples:
  spectroclf demo
  spectroclf demo --n-samples 200 --random-state 1
"""


def add_parser(subparsers, common):
    p = _add_command(
        subparsers,
        "demo",
        common,
        epilog=EPILOG,
        help="synthetic music -> LSTM genre classifier, end to end",
        description="Generate synthetic music, train an LSTMClassifier on log-mel "
        "spectrograms and report its test accuracy (no data needed).",
    )
    p.add_argument(
        "--n-samples",
        type=_positive_int,
        default=80,
        metavar="N",
        help="number of clips (default 80)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="clip length (default 2)",
    )
    p.add_argument(
        "--max-epochs",
        type=_positive_int,
        default=8,
        metavar="N",
        help="training epochs (default 8)",
    )
    p.add_argument(
        "--random-state", type=int, default=0, metavar="S", help="seed (default 0)"
    )
    p.set_defaults(func=_cmd_demo)
    return p


def _cmd_demo(args):
    import numpy as np
    import torch
    from sklearn.dummy import DummyClassifier
    from sklearn.metrics import accuracy_score, classification_report
    from sklearn.model_selection import train_test_split

    from ..datasets import make_music
    from ..nets import LSTMClassifier
    from ..preprocessing import SpectrogramExtractor

    total = time.perf_counter()
    rs = args.random_state
    start = time.perf_counter()
    music = make_music(args.n_samples, duration=args.duration, random_state=rs)
    print(
        f"[demo] generated {len(music.data)} synthetic clips of {args.duration:g} s "
        f"({', '.join(music.target_names)}) in {time.perf_counter() - start:.1f} s"
    )
    start = time.perf_counter()
    specs = SpectrogramExtractor(feature="mel").fit_transform(music.data)
    print(
        f"[demo] extracted log-mel spectrograms {specs[0].shape} "
        f"(frames x bins) in {time.perf_counter() - start:.1f} s"
    )
    X_train, X_test, y_train, y_test = train_test_split(
        specs, music.target, test_size=0.25, stratify=music.target, random_state=rs
    )
    start = time.perf_counter()
    # one torch thread: for a network this small, more threads only add
    # synchronisation (on a busy 2-core machine 2 threads were 20x slower)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        clf = LSTMClassifier(
            hidden_size=16,
            max_epochs=args.max_epochs,
            lr=3e-3,
            random_state=rs,
            device="cpu",
        ).fit(X_train, y_train)
    finally:
        torch.set_num_threads(threads)
    print(
        f"[demo] trained an LSTMClassifier on {len(X_train)} clips for "
        f"{clf.n_epochs_} epochs in {time.perf_counter() - start:.1f} s"
    )
    y_pred = clf.predict(X_test)
    baseline = DummyClassifier(strategy="most_frequent").fit(
        np.zeros((len(y_train), 1)), y_train
    )
    base_acc = accuracy_score(y_test, baseline.predict(np.zeros((len(y_test), 1))))
    print(f"\ntest set ({len(X_test)} clips):")
    print(classification_report(y_test, y_pred, zero_division=0))
    print(
        f"accuracy: {accuracy_score(y_test, y_pred):.3f}  "
        f"(majority-class baseline: {base_acc:.3f})"
    )
    print(f"[demo] done in {time.perf_counter() - total:.1f} s")
    return 0
