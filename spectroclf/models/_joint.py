"""The loss of a network with a label head and target heads trained together.

A joint network returns one tensor ``(batch, n_classes + n_targets)``: the
class logits first, then one regression output per target (a single output
tensor, because skorch's ``predict`` reads only the first output of
``forward``). Its target tensor is ``(batch, 1 + n_targets)``: the encoded
class label (a whole number stored as a float) first, then the targets.
"""

import torch
import torch.nn.functional as F
from torch import nn


def head_losses(output, target, n_classes):
    """The unweighted loss of each head, averaged over the batch.

    Parameters
    ----------
    output : Tensor of shape (batch, n_classes + n_targets)
        Class logits, then the target predictions.
    target : Tensor of shape (batch, 1 + n_targets)
        Encoded class labels (``0 .. n_classes - 1``), then the targets.
    n_classes : int
        Number of classes: the first ``n_classes`` columns of ``output``.

    Returns
    -------
    label_loss : Tensor of shape ()
        Cross-entropy of the label head (no class weights).
    target_losses : Tensor of shape (n_targets,)
        Mean squared error of each target.

    Examples
    --------
    >>> import torch
    >>> from spectroclf.models import head_losses
    >>> output = torch.tensor([[0.0, 0.0, 1.0, 2.0]])
    >>> target = torch.tensor([[1.0, 1.0, 0.0]])
    >>> label, targets = head_losses(output, target, n_classes=2)
    >>> round(label.item(), 4), targets.tolist()
    (0.6931, [0.0, 4.0])
    """
    logits, predicted = _split(output, target, n_classes)
    label_loss = F.cross_entropy(logits, target[:, 0].long())
    target_losses = ((predicted - target[:, 1:]) ** 2).mean(0)
    return label_loss, target_losses


def _split(output, target, n_classes):
    n_targets = target.shape[1] - 1
    if output.shape[1] != n_classes + n_targets:
        raise ValueError(
            f"output has {output.shape[1]} columns; expected n_classes + n_targets "
            f"= {n_classes} + {n_targets} (the target has {target.shape[1]} columns: "
            "the label, then the targets)"
        )
    return output[:, :n_classes], output[:, n_classes:]


class JointLoss(nn.Module):
    """Weighted sum of a classification loss and regression losses.

    For logits ``z`` (the first ``n_classes`` outputs), predictions
    ``t_hat_j`` (the others) and a target row ``(c, t_1, ..., t_T)``::

        loss = label_weight * CE(z, c) + (1 / T) * sum_j target_weights[j] * MSE_j

    where ``CE`` is the cross-entropy with ``class_weight`` (averaged as
    :class:`torch.nn.CrossEntropyLoss` does) and ``MSE_j`` the mean squared
    error ``mean_batch (t_hat_j - t_j) ** 2``. With unit weights the target
    term is the mean squared error over all targets, so the two tasks weigh
    the same whatever the number of targets. With no targets (``T = 0``)
    the target term is zero.

    Parameters
    ----------
    n_classes : int
        Number of classes.
    n_targets : int
        Number of regression targets (may be 0).
    label_weight : float, default=1.0
        Weight of the classification loss.
    target_weights : array-like of shape (n_targets,), default=None
        Weight of each target's squared error; ``None`` is 1 for each.
    class_weight : array-like of shape (n_classes,), default=None
        Weight of each class in the cross-entropy; ``None`` is 1 for each.

    Examples
    --------
    >>> import torch
    >>> from spectroclf.models import JointLoss
    >>> loss = JointLoss(2, 2, target_weights=[1.0, 0.0])
    >>> output = torch.tensor([[0.0, 0.0, 1.0, 2.0]])
    >>> target = torch.tensor([[1.0, 1.0, 0.0]])
    >>> round(loss(output, target).item(), 4)  # log(2) + (0 + 0 * 4) / 2
    0.6931
    """

    def __init__(self, n_classes, n_targets, *, label_weight=1.0, target_weights=None,
                 class_weight=None):
        super().__init__()
        self.n_classes = int(n_classes)
        self.n_targets = int(n_targets)
        self.label_weight = float(label_weight)
        target_weights = (torch.ones(self.n_targets) if target_weights is None
                          else torch.as_tensor(target_weights, dtype=torch.float32))
        class_weight = (torch.ones(self.n_classes) if class_weight is None
                        else torch.as_tensor(class_weight, dtype=torch.float32))
        if target_weights.shape != (self.n_targets,):
            raise ValueError(
                f"target_weights has shape {tuple(target_weights.shape)}; expected "
                f"({self.n_targets},), one weight per target"
            )
        if class_weight.shape != (self.n_classes,):
            raise ValueError(
                f"class_weight has shape {tuple(class_weight.shape)}; expected "
                f"({self.n_classes},), one weight per class"
            )
        # buffers: they follow the module to its device and into state dicts
        self.register_buffer("target_weights", target_weights.float())
        self.register_buffer("class_weight", class_weight.float())

    def forward(self, output, target):
        logits, predicted = _split(output, target, self.n_classes)
        loss = self.label_weight * F.cross_entropy(
            logits, target[:, 0].long(), weight=self.class_weight.to(logits.dtype)
        )
        if self.n_targets:
            mse = ((predicted - target[:, 1:]) ** 2).mean(0)
            loss = loss + (self.target_weights * mse).sum() / self.n_targets
        return loss

    def extra_repr(self):
        return (f"n_classes={self.n_classes}, n_targets={self.n_targets}, "
                f"label_weight={self.label_weight}")
