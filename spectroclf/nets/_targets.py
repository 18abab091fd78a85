"""What ``y`` is: class labels or real-valued targets.

A target object encodes ``y`` for the network, names the fitted attributes
it learns from ``y`` (``classes_``; ``n_outputs_``, ``y_mean_``,
``y_scale_``), and chooses what depends on the task: skorch's net class,
the loss, the validation split and the validation scores. It is made from
the estimator's parameters by ``_target()`` in each fit and holds no fitted
state itself.

:class:`_NetClassifier` and :class:`_NetRegressor` add scikit-learn's task
mixin and the matching ``predict`` / ``predict_proba``.
"""


import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EpochScoring
from skorch.dataset import ValidSplit

from ..metrics import spearman_score
from ..models import REGRESSION_LOSSES, TargetWeightedLoss
from ..utils import plain_python, warn_user
from ._base import _SpectrogramNet

_CLASS_WEIGHT = {"class_weight": [StrOptions({"balanced"}), dict, None]}

#: a classifier's and a regressor's ``criterion`` (and ``target_weights``)
_CLASSIFIER_LOSS = {"criterion": [StrOptions({"cross_entropy"}), type]}
_REGRESSOR_LOSS = {
    "criterion": [StrOptions(set(REGRESSION_LOSSES)), type],
    "target_weights": ["array-like", None],
}



class ClassLabels:
    """Class labels of any type, encoded as ``0 .. n_classes - 1``; cross-entropy.

    Parameters
    ----------
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss.
    """

    net_class = NeuralNetClassifier

    def __init__(self, *, class_weight=None, criterion="cross_entropy"):
        self.class_weight = class_weight
        self.criterion = criterion

    def as_rows(self, y):
        return y

    def encode(self, y, *, validation_fraction):
        """``(y_enc, fitted)``: int64 class indices, and ``{"classes_": labels}``."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warn_user(
                "A column-vector y was passed when a 1d array was expected; "
                "ravelling it.",
                DataConversionWarning,
            )
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(
                f"y of a classifier must be one label per sample, got shape "
                f"{y.shape}; several targets need a regressor, labels with "
                "targets JointCNN"
            )
        check_classification_targets(y)
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"y has only one class ({plain_python(classes[0])!r}); a classifier "
                "needs samples of at least two classes"
            )
        if validation_fraction is not None:
            counts = np.bincount(y_enc)
            if counts.min() < 2:
                raise ValueError(
                    f"class {plain_python(classes[counts.argmin()])!r} has only one "
                    f"sample, but validation_fraction={validation_fraction} needs a "
                    "stratified split with at least 2 samples per class; drop "
                    "rare classes first (merge_classes(X, y, min_count=2)) or "
                    "set validation_fraction=None"
                )
        return y_enc.astype(np.int64), {"classes_": classes}

    def n_outputs(self, estimator):
        return len(estimator.classes_)

    def check_fitted(self, estimator):
        """Refuse a restored ``classes_`` that no fit could have learnt."""
        classes = getattr(estimator, "classes_", None)
        if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
            raise ValueError(
                f"fitted['classes_'] must be a 1-D array of at least 2 labels, got "
                f"{classes!r}"
            )

    def mixup_classes(self, estimator):
        """Classes to one-hot encode for mixup."""
        return len(estimator.classes_)

    def class_weights(self, estimator, y_enc):
        """The loss's class weights as a tensor, or None.

        ``y_enc`` is None when a saved model is rebuilt: the criterion's own
        saved state then restores the weights.
        """
        n = len(estimator.classes_)
        if isinstance(self.class_weight, dict):
            weights = [float(self.class_weight.get(c, 1.0)) for c in estimator.classes_]
        elif self.class_weight == "balanced":
            weights = compute_class_weight(
                "balanced", classes=np.arange(n),
                y=np.arange(n) if y_enc is None else y_enc,
            )
        else:
            return None
        return torch.as_tensor(weights, dtype=torch.float32)

    def net_kwargs(self, estimator, y_enc):
        criterion = (torch.nn.CrossEntropyLoss if isinstance(self.criterion, str)
                     else self.criterion)
        if issubclass(criterion, torch.nn.NLLLoss):
            raise ValueError(
                f"criterion={criterion.__name__} needs log-probabilities, but the "
                "network outputs logits: use criterion='cross_entropy' (log-softmax "
                "and negative log-likelihood in one)"
            )
        # the network outputs logits whatever the loss: skorch's "auto" would
        # give a loss class other than CrossEntropyLoss the logits as probabilities
        kwargs = {"criterion": criterion, "classes": list(range(len(estimator.classes_))),
                  "predict_nonlinearity": _softmax}
        weights = self.class_weights(estimator, y_enc)
        if weights is not None:
            kwargs["criterion__weight"] = weights
        return kwargs

    def train_split(self, fraction, seed):
        return ValidSplit(fraction, stratified=True, random_state=seed)

    def callbacks(self, estimator, *, validating):
        """Callbacks before and after the user's (skorch records ``valid_acc``)."""
        return [], []


class RealTargets:
    """Real-valued targets, standardised per column; mean squared error.

    Parameters
    ----------
    name : str
        The estimator's class name, for messages.
    criterion : {"mse", "l1", "smooth_l1"} or torch loss class, default="mse"
    target_weights : array-like of shape (n_targets,) or None, default=None
        As the regressors document them.
    """

    net_class = NeuralNetRegressor

    def __init__(self, *, name, criterion="mse", target_weights=None):
        self.name = name
        self.criterion = criterion
        self.target_weights = target_weights

    def as_rows(self, y):
        return y

    def encode(self, y, *, validation_fraction):
        """``(y_enc, fitted)``: standardised float32 ``(n, n_outputs)`` targets."""
        try:
            y = check_array(y, ensure_2d=False, dtype=np.float32, input_name="y")
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(
                f"y of {self.name} must be numbers (real-valued "
                f"targets); {exc}. For class labels use "
                f"{self.name.replace('Regressor', 'Classifier')}"
            ) from None
        y2 = y.reshape(len(y), -1)
        self.weights(y2.shape[1])  # refuse bad weights before training
        standardized, mean, scale = standardize_targets(y2)
        fitted = {"n_outputs_": y2.shape[1], "y_mean_": mean, "y_scale_": scale,
                  "_single_target": y.ndim == 1}
        return standardized.astype(np.float32), fitted

    def n_outputs(self, estimator):
        return estimator.n_outputs_

    def check_fitted(self, estimator):
        """Refuse restored target statistics that do not fit ``n_outputs_``."""
        _check_target_scaling(estimator, "n_outputs_")

    def mixup_classes(self, estimator):
        return None

    def weights(self, n_targets):
        """``target_weights`` as ``n_targets`` floats, checked; None when not given."""
        if self.target_weights is None:
            return None
        weights = check_target_weights(self.target_weights, n_targets)
        if not weights.any():
            raise ValueError(
                f"target_weights are all zero ({weights.tolist()}): the loss would "
                "always be zero and nothing would be learnt; give a target a "
                "positive weight"
            )
        return weights

    def net_kwargs(self, estimator, y_enc):
        weights = self.weights(estimator.n_outputs_)
        if weights is None:
            criterion = (REGRESSION_LOSSES[self.criterion]
                         if isinstance(self.criterion, str) else self.criterion)
            return {"criterion": criterion}
        return {"criterion": TargetWeightedLoss, "criterion__loss": self.criterion,
                "criterion__weights": torch.as_tensor(weights, dtype=torch.float32)}

    def train_split(self, fraction, seed):
        return ValidSplit(fraction, stratified=False, random_state=seed)

    def callbacks(self, estimator, *, validating):
        """``valid_spearman`` after the user's callbacks, with a validation split."""
        if not validating:
            return [], []
        return [], [(
            "valid_spearman",
            EpochScoring(_skorch_spearman, name="valid_spearman",
                         lower_is_better=False, use_caching=True),
        )]


class _NetClassifier(ClassifierMixin, _SpectrogramNet):
    """A net estimator whose ``y`` is class labels (``class_weight``)."""

    def _target(self):
        return ClassLabels(class_weight=self.class_weight, criterion=self.criterion)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Input in any form ``fit`` accepts, with the same number of bins.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``.
        """
        return self._forward(X)

    def predict(self, X):
        """Predicted class labels, of the same type as the ``y`` given to fit.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Input in any form ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class _NetRegressor(RegressorMixin, _SpectrogramNet):
    """A net estimator whose ``y`` is one or many real-valued targets."""

    _private_fitted = ("_single_target",)

    def _target(self):
        return RealTargets(name=type(self).__name__, criterion=self.criterion,
                           target_weights=self.target_weights)

    def predict(self, X):
        """Predicted targets, in the units of the ``y`` given to fit.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Input in any form ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            The shape of the ``y`` given to fit.
        """
        pred = self._forward(X).astype(np.float64) * self.y_scale_ + self.y_mean_
        return pred.ravel() if self._single_target else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def check_target_weights(target_weights, n_targets, *, after=""):
    """``target_weights`` as ``n_targets`` finite, non-negative floats.

    ``after`` ends the phrase "y has n target column(s)" in the message (the
    joint estimators say "after its label column").
    """
    try:
        weights = np.asarray(target_weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"target_weights must be numbers: {exc}") from None
    if weights.ndim != 1 or len(weights) != n_targets:
        raise ValueError(
            f"target_weights has shape {weights.shape}, but y has {n_targets} target "
            f"column(s){after}; give one weight per target"
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(
            f"target_weights must be finite and non-negative, got {weights.tolist()}"
        )
    return weights


def standardize_targets(y):
    """Columns of ``y`` to zero mean and unit variance; a constant column keeps scale 1.

    Returns
    -------
    standardized, mean, scale : ndarray
        ``(y - mean) / scale`` and the float64 statistics that undo it. They are
        float64 because a constant float32 column has a float32 std of rounding
        noise (1e-7), which would blow that noise up into targets.
    """
    mean = y.mean(axis=0, dtype=np.float64)
    scale = y.std(axis=0, dtype=np.float64)
    scale[scale < 1e-12] = 1.0
    return (y - mean) / scale, mean, scale


def _check_target_scaling(estimator, count):
    """``y_mean_`` and ``y_scale_``: finite, ``(getattr(estimator, count),)``, scale > 0."""
    n = getattr(estimator, count, None)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"fitted[{count!r}] must be a non-negative integer, got {n!r}")
    for name in ("y_mean_", "y_scale_"):
        value = getattr(estimator, name, None)
        if (not isinstance(value, np.ndarray) or value.shape != (n,)
                or value.dtype.kind != "f" or not np.isfinite(value).all()):
            raise ValueError(
                f"fitted[{name!r}] must be {n} finite floats ({count}={n}), got "
                f"{value!r}"
            )
    if (estimator.y_scale_ <= 0).any():
        raise ValueError(f"fitted['y_scale_'] must be positive, got {estimator.y_scale_}")


def _softmax(logits):
    """Class probabilities of the network's logits (skorch's predict_nonlinearity)."""
    return torch.softmax(logits, dim=-1)


def _skorch_spearman(net, X, y):
    """Mean Spearman rho of a skorch net on validation data (for EpochScoring)."""
    return spearman_score(np.asarray(y).reshape(len(y), -1),
                          np.asarray(net.predict(X)).reshape(len(y), -1))
