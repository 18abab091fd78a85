"""The scores the commands print: a classification report (genre) or
Spearman's rho per target (emotion), and the validation scores of training."""

import numpy as np


def print_report(task, y_true, y_pred, target_names, title):
    """Print the scores of ``y_pred`` against ``y_true`` under ``title``."""
    print(title)
    if task == "genre":
        from sklearn.metrics import accuracy_score, classification_report

        print(classification_report(y_true, y_pred, zero_division=0))
        print(f"accuracy: {accuracy_score(y_true, y_pred):.3f}")
        return
    from ..metrics import spearman_score

    y_true = np.asarray(y_true, dtype=float).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, dtype=float).reshape(len(y_pred), -1)
    rhos = spearman_score(y_true, y_pred, multioutput="raw_values")
    width = max(len(n) for n in list(target_names) + ["mean"])
    print(f"{'target':<{width}}  Spearman rho")
    for name, rho in zip(target_names, rhos, strict=True):
        print(f"{name:<{width}}  {rho:+.3f}")
    print(f"{'mean':<{width}}  {np.nanmean(rhos):+.3f}")


def print_validation(task, history, n_clips, *, early_stopping):
    """The validation scores that training recorded (``history_``, skorch's
    History), at the last epoch and at the best one."""
    key, name = ("valid_acc", "accuracy") if task == "genre" else (
        "valid_spearman", "mean Spearman rho"
    )
    epochs = [row for row in history if key in row]
    if not epochs:
        return
    last = epochs[-1]
    n_valid = sum(b.get("valid_batch_size", 0) for b in last.get("batches", []))
    best = max(epochs, key=lambda row: row[key])
    print(
        f"validation clips held out while training ({n_valid} of {n_clips}): "
        f"{name} {last[key]:.3f}, loss {last['valid_loss']:.3f} at epoch "
        f"{last['epoch']} (the last)"
    )
    print(
        f"best epoch: {best['epoch']} ({name} {best[key]:.3f}, loss "
        f"{best['valid_loss']:.3f})"
        + (
            "; early stopping restored the weights of the lowest validation loss"
            if early_stopping
            else ""
        )
    )
