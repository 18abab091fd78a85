"""The task side of an estimator: class labels or real-valued targets.

Mixed into :class:`~._base._SpectrogramNet` subclasses: target encoding,
the loss, the skorch net class, and ``predict`` / ``predict_proba``.
"""

import warnings

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

from ..metrics import spearman_score

_CLASS_WEIGHT = {"class_weight": [StrOptions({"balanced"}), dict, None]}


class _ClassifierMixin(ClassifierMixin):
    _stratify = True
    _net_class = NeuralNetClassifier

    def _prepare_y(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; "
                "ravelling it.",
                DataConversionWarning,
                stacklevel=3,
            )
            y = y.ravel()
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has only one class ({self.classes_[0].item()!r}); a classifier "
                "needs samples of at least two classes"
            )
        fraction = self._validation_fraction()
        if fraction is not None:
            counts = np.bincount(y_enc)
            if counts.min() < 2:
                raise ValueError(
                    f"class {self.classes_[counts.argmin()].item()!r} has only one "
                    f"sample, but validation_fraction={fraction} needs a "
                    "stratified split with at least 2 samples per class; drop "
                    "rare classes first (merge_classes(X, y, min_count=2)) or "
                    "set validation_fraction=None"
                )
        return y_enc.astype(np.int64), len(self.classes_)

    def _net_kwargs(self, y_enc):
        kwargs = {"criterion": torch.nn.CrossEntropyLoss,
                  "classes": list(range(len(self.classes_)))}
        if isinstance(self.class_weight, dict):
            weights = [float(self.class_weight.get(c, 1.0)) for c in self.classes_]
        elif self.class_weight == "balanced":
            weights = compute_class_weight(
                "balanced", classes=np.arange(len(self.classes_)), y=y_enc
            )
        else:
            return kwargs
        kwargs["criterion__weight"] = torch.as_tensor(weights, dtype=torch.float32)
        return kwargs

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Spectrograms in any form ``fit`` accepts, with the same number of
            bins.

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
            Spectrograms in any form ``fit`` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class _RegressorMixin(RegressorMixin):
    _stratify = False
    _net_class = NeuralNetRegressor

    def _prepare_y(self, y):
        try:
            y = check_array(y, ensure_2d=False, dtype=np.float32, input_name="y")
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(
                f"y of {type(self).__name__} must be numbers (real-valued "
                f"targets); {exc}. For class labels use "
                f"{type(self).__name__.replace('Regressor', 'Classifier')}"
            ) from None
        if y.ndim > 2:
            raise ValueError(f"y has shape {y.shape}; expected (n_samples,) or (n_samples, n_targets)")
        self._single_target = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        self.y_mean_ = y2.mean(axis=0)
        scale = y2.std(axis=0)
        scale[scale < 1e-12] = 1.0
        self.y_scale_ = scale
        return ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32), self.n_outputs_

    def _net_kwargs(self, y_enc):
        return {"criterion": torch.nn.MSELoss}

    def _callbacks(self, seed):
        callbacks = super()._callbacks(seed)
        if self._validation_fraction() is not None:
            callbacks.append((
                "valid_spearman",
                EpochScoring(_skorch_spearman, name="valid_spearman",
                             lower_is_better=False, use_caching=True),
            ))
        return callbacks

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Spectrograms in any form ``fit`` accepts.

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


def _skorch_spearman(net, X, y):
    """Mean Spearman rho of a skorch net on validation data (for EpochScoring)."""
    return spearman_score(np.asarray(y).reshape(len(y), -1),
                          np.asarray(net.predict(X)).reshape(len(y), -1))
