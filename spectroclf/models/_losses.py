"""Per-target losses of a multi-output regressor, weighted."""

import torch
from torch import nn

__all__ = ["REGRESSION_LOSSES", "TargetWeightedLoss"]

#: the regression losses the estimators name by a string
REGRESSION_LOSSES = {
    "mse": nn.MSELoss,
    "l1": nn.L1Loss,
    "smooth_l1": nn.SmoothL1Loss,
}


class TargetWeightedLoss(nn.Module):
    """``(1 / n_targets) * sum_j weights[j] * loss_j``: one loss per target, weighted.

    ``loss_j`` is the loss of column ``j`` averaged over the batch; with
    every weight 1 this is the plain mean of the loss over all cells (as
    ``nn.MSELoss()`` computes it), and a zero weight leaves that target out
    of training.

    Parameters
    ----------
    loss : {"mse", "l1", "smooth_l1"} or type of torch.nn.Module, default="mse"
        The elementwise loss; a class is built with ``reduction="none"``.
    weights : array-like of shape (n_targets,)
        Non-negative weight of each target.

    Examples
    --------
    >>> import torch
    >>> from spectroclf.models import TargetWeightedLoss
    >>> loss = TargetWeightedLoss("l1", weights=[2.0, 0.0])
    >>> loss(torch.tensor([[1.0, 5.0]]), torch.tensor([[0.0, 0.0]])).item()
    1.0
    """

    def __init__(self, loss="mse", *, weights):
        super().__init__()
        cls = REGRESSION_LOSSES[loss] if isinstance(loss, str) else loss
        self.loss = cls(reduction="none")
        self.register_buffer("weights", torch.as_tensor(weights, dtype=torch.float32))

    def forward(self, output, target):
        per_target = self.loss(output, target.to(output.dtype)).reshape(
            len(output), -1
        ).mean(0)
        return (per_target * self.weights).sum() / len(self.weights)
