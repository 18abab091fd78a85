"""Tests of spectroclf.models.JointLoss and head_losses."""

import pytest
import torch
import torch.nn.functional as F

from spectroclf.models import JointLoss, head_losses


def _batch(n_classes=3, n_targets=2, batch=5):
    output = torch.randn(batch, n_classes + n_targets)
    labels = torch.randint(n_classes, (batch,))
    target = torch.cat([labels[:, None].float(), torch.randn(batch, n_targets)], dim=1)
    return output, labels, target


def test_loss_is_the_documented_weighted_sum():
    output, labels, target = _batch()
    loss = JointLoss(3, 2, label_weight=0.5, target_weights=[2.0, 1.0],
                     class_weight=[1.0, 2.0, 3.0])
    ce = F.cross_entropy(output[:, :3], labels, weight=torch.tensor([1.0, 2.0, 3.0]))
    mse = ((output[:, 3:] - target[:, 1:]) ** 2).mean(0)
    expected = 0.5 * ce + (2.0 * mse[0] + 1.0 * mse[1]) / 2
    torch.testing.assert_close(loss(output, target), expected)


def test_unit_weights_give_cross_entropy_plus_mse():
    output, labels, target = _batch()
    expected = (F.cross_entropy(output[:, :3], labels)
                + F.mse_loss(output[:, 3:], target[:, 1:]))
    torch.testing.assert_close(JointLoss(3, 2)(output, target), expected)


def test_no_targets_is_cross_entropy():
    output, labels, target = _batch(n_targets=0)
    torch.testing.assert_close(JointLoss(3, 0)(output, target),
                               F.cross_entropy(output, labels))


def test_zero_weights_send_no_gradient_to_their_outputs():
    output, _, target = _batch()
    output.requires_grad_(True)
    JointLoss(3, 2, label_weight=0.0, target_weights=[1.0, 0.0])(output, target).backward()
    assert (output.grad[:, :3] == 0).all() and (output.grad[:, 4] == 0).all()
    assert (output.grad[:, 3] != 0).any()


def test_head_losses_are_unweighted():
    output, labels, target = _batch()
    label, targets = head_losses(output, target, n_classes=3)
    torch.testing.assert_close(label, F.cross_entropy(output[:, :3], labels))
    torch.testing.assert_close(targets, ((output[:, 3:] - target[:, 1:]) ** 2).mean(0))


def test_weights_are_buffers_in_the_state_dict():
    loss = JointLoss(3, 2, target_weights=[2.0, 1.0])
    assert set(loss.state_dict()) == {"target_weights", "class_weight"}
    torch.testing.assert_close(loss.class_weight, torch.ones(3))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_weights": [1.0]}, r"target_weights has shape \(1,\); expected \(2,\)"),
        ({"class_weight": [1.0, 2.0]}, r"class_weight has shape \(2,\); expected \(3,\)"),
    ],
)
def test_weights_of_the_wrong_length(kwargs, message):
    with pytest.raises(ValueError, match=message):
        JointLoss(3, 2, **kwargs)


def test_output_of_the_wrong_width_names_both_counts():
    output, _, target = _batch()
    with pytest.raises(ValueError, match=r"output has 5 columns; expected .* = 4 \+ 2"):
        JointLoss(4, 2)(output, target)
