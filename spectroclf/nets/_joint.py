"""A joint objective: one CNN with a label head and target heads trained together.

:class:`JointCNN` is a classifier whose ``y`` also carries real-valued
targets (e.g. a genre and the emotions of each clip). One network, the CNN of
:class:`~spectroclf.CNNClassifier`, returns one tensor ``(batch, n_classes +
n_targets)``: its last linear layer is the label head (the first
``n_classes`` outputs) and the target head (the others) side by side, which
share the whole body. skorch's ``predict`` reads only the first output of
``forward``, hence one tensor rather than a tuple; the estimator splits it.
The loss is :class:`spectroclf.models.JointLoss`.
"""

import numbers
from functools import partial

import numpy as np
import torch
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback, EpochScoring
from skorch.dataset import ValidSplit, unpack_data
from skorch.utils import to_numpy

from ..metrics import spearman_score
from ..models import JointLoss, head_losses
from ..utils import TRAINING_DOC as _TRAINING_DOC
from ..utils import warn_user
from ._base import _RUN_DOC, _SpectrogramNet
from ._cnn import _CNN_CONSTRAINTS, _CNN_DOC, _cnn_network
from ._targets import (
    _CLASS_WEIGHT,
    ClassLabels,
    _check_target_scaling,
    _NetClassifier,
    check_target_weights,
    standardize_targets,
)

__all__ = ["JointCNN"]


# -- y: a label column, then target columns -------------------------------------
def _columns(y):
    """``y`` as a 1-D array of labels, or a 2-D array, and its column names."""
    if hasattr(y, "columns") and hasattr(y, "iloc"):  # a pandas DataFrame
        names = [f"{j} ({c!r})" for j, c in enumerate(y.columns)]
        arr = np.empty(y.shape, dtype=object)
        for j in range(y.shape[1]):  # each column keeps its own type
            arr[:, j] = np.asarray(y.iloc[:, j])
        return arr, names
    if isinstance(y, (list, tuple)):
        # labels and numbers mixed in rows: keep each value's own type
        arr = np.asarray(y, dtype=object)
        if arr.ndim == 1 and any(isinstance(v, (list, tuple, np.ndarray)) for v in arr):
            sizes = sorted({len(v) for v in arr if hasattr(v, "__len__")})
            raise ValueError(
                f"the rows of y have different lengths {sizes}; every row holds a "
                "class label, then the same number of targets"
            )
    else:
        arr = np.asarray(y)
    if arr.ndim > 2:
        raise ValueError(
            f"y has shape {arr.shape}; expected (n_samples, 1 + n_targets): the "
            "class labels, then the targets"
        )
    names = [str(j) for j in range(arr.shape[1])] if arr.ndim == 2 else ["0"]
    return arr, names


def _as_labels(column):
    """Class labels with a plain dtype: numbers or strings stored as objects unboxed."""
    column = np.asarray(column)
    if column.dtype == object and len(column):
        if all(isinstance(v, str) for v in column):
            return column.astype(str)
        if not any(isinstance(v, (str, bytes)) for v in column):
            try:
                unboxed = np.asarray(column.tolist())
            except (TypeError, ValueError):
                return column
            if unboxed.ndim == 1 and unboxed.dtype.kind in "biuf":
                return unboxed
    return column


def _as_targets(arr, names):
    """The target columns ``arr[:, 1:]`` as float64, naming a bad column."""
    targets = np.empty((len(arr), arr.shape[1] - 1), dtype=np.float64)
    for j in range(1, arr.shape[1]):
        try:
            targets[:, j - 1] = np.asarray(arr[:, j], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"target column {names[j]} of y must hold numbers (real-valued "
                f"targets): {exc}. Column 0 holds the class labels, every other "
                "column a target"
            ) from None
        bad = np.flatnonzero(~np.isfinite(targets[:, j - 1]))
        if bad.size:
            raise ValueError(
                f"target column {names[j]} of y contains NaN or infinity (first at "
                f"row {bad[0]}: {arr[bad[0], j]!r}); every clip needs every "
                "target: impute them or drop those clips"
            )
    return targets


def _label_column(y):
    """The class labels of a ``y`` in the fit layout, or of a 1-D ``y`` of labels."""
    arr, _ = _columns(y)
    return _as_labels(arr[:, 0] if arr.ndim == 2 else arr)


# -- training-time pieces ----------------------------------------------------------
class _LabelStratifiedSplit(ValidSplit):
    """skorch's :class:`~skorch.dataset.ValidSplit`, stratified on column 0 of y.

    The net's ``y`` is ``(n, 1 + n_targets)`` floats (the encoded label, then
    the targets); a stratified split of that 2-D array would treat every row
    as its own class.
    """

    def __call__(self, dataset, y=None, groups=None):
        labels = None if y is None else to_numpy(y)[:, 0].astype(np.int64)
        return super().__call__(dataset, labels, groups=groups)


def _label_accuracy(net, X, y, n_classes):
    """Accuracy of the label head (for EpochScoring)."""
    output = np.asarray(net.predict(X))
    return float(np.mean(output[:, :n_classes].argmax(1) == np.asarray(y)[:, 0]))


def _target_spearman(net, X, y, n_classes):
    """Mean Spearman rho of the target head (for EpochScoring)."""
    output = np.asarray(net.predict(X))
    return spearman_score(np.asarray(y)[:, 1:], output[:, n_classes:])


class _HeadLosses(Callback):
    """Record each head's own loss per epoch, unweighted.

    ``train_label_loss`` / ``valid_label_loss``: the cross-entropy of the
    label head; ``train_target_loss`` / ``valid_target_loss``: the mean
    squared error of the target head on standardised targets, averaged over
    targets. They come from the outputs the training and validation steps
    computed anyway (no extra forward pass).
    """

    def __init__(self, n_classes, n_targets):
        self.n_classes = n_classes
        self.n_targets = n_targets

    def on_epoch_begin(self, net, **kwargs):
        self.sums_ = {}

    def on_batch_end(self, net, batch, training, y_pred, **kwargs):
        _, yi = unpack_data(batch)
        with torch.no_grad():
            y_pred = y_pred.detach().float()
            label, targets = head_losses(
                y_pred, torch.as_tensor(yi, device=y_pred.device).float(), self.n_classes
            )
            n = len(y_pred)
            sums = self.sums_.setdefault("train" if training else "valid", [0.0, 0.0, 0])
            sums[0] = sums[0] + label * n  # summed as tensors: no sync per batch
            if self.n_targets:
                sums[1] = sums[1] + targets.mean() * n
            sums[2] += n

    def on_epoch_end(self, net, **kwargs):
        for prefix, (label, target, n) in getattr(self, "sums_", {}).items():
            net.history.record(f"{prefix}_label_loss", float(label) / n)
            if self.n_targets:
                net.history.record(f"{prefix}_target_loss", float(target) / n)


class LabelsAndTargets(ClassLabels):
    """A label column, then real-valued target columns; :class:`JointLoss`.

    ``y_enc`` is ``(n, 1 + n_targets)`` float32: the encoded label, then the
    standardised targets. The net is skorch's regressor (2-D float targets),
    the validation split is stratified by the label column.

    Parameters
    ----------
    label_weight : float
    target_weights : array-like of shape (n_targets,) or None
    class_weight : "balanced", dict or None
        As :class:`JointCNN` documents them.
    """

    net_class = NeuralNetRegressor

    def __init__(self, *, label_weight=1.0, target_weights=None, class_weight=None):
        super().__init__(class_weight=class_weight)
        self.label_weight = label_weight
        self.target_weights = target_weights

    def as_rows(self, y):
        if isinstance(y, (list, tuple)):  # rows of mixed types: keep each type
            return _columns(y)[0]
        return y

    def encode(self, y, *, validation_fraction):
        arr, names = _columns(y)
        if arr.ndim == 1 or arr.shape[1] == 1:
            warn_user(
                f"y has shape {arr.shape}: class labels and no target columns, so "
                "JointCNN trains its label head alone (use "
                "CNNClassifier for that). To train the target heads too, pass y of "
                "shape (n_samples, 1 + n_targets): the labels, then the targets",
            )
            arr = arr.reshape(len(arr), -1)
        if arr.shape[1] == 0:
            raise ValueError(
                "y has no columns; expected (n_samples, 1 + n_targets): the class "
                "labels, then the targets"
            )
        targets = _as_targets(arr, names)
        weights = self.weights(targets.shape[1])
        if self.label_weight == 0 and not np.any(weights):
            raise ValueError(
                f"label_weight=0 and target_weights={self.target_weights!r} with "
                f"{targets.shape[1]} target(s): the loss is always zero and nothing "
                "would be learnt; give the label or a target a positive weight"
            )
        labels, fitted = super().encode(_as_labels(arr[:, 0]),
                                        validation_fraction=validation_fraction)
        standardized, mean, scale = standardize_targets(targets)
        fitted.update(n_targets_=targets.shape[1], y_mean_=mean, y_scale_=scale)
        y_enc = np.column_stack([labels, standardized])
        return y_enc.astype(np.float32), fitted

    def n_outputs(self, estimator):
        return len(estimator.classes_) + estimator.n_targets_

    def check_fitted(self, estimator):
        super().check_fitted(estimator)
        _check_target_scaling(estimator, "n_targets_")

    def mixup_classes(self, estimator):
        return None

    def weights(self, n_targets):
        """``target_weights`` as an array of ``n_targets`` floats, checked."""
        if self.target_weights is None:
            return np.ones(n_targets)
        return check_target_weights(self.target_weights, n_targets,
                                    after=" after its label column")

    def net_kwargs(self, estimator, y_enc):
        labels = None if y_enc is None else np.asarray(y_enc)[:, 0].astype(np.int64)
        return {
            "criterion": JointLoss,
            "criterion__n_classes": len(estimator.classes_),
            "criterion__n_targets": estimator.n_targets_,
            "criterion__label_weight": float(self.label_weight),
            "criterion__target_weights": torch.as_tensor(
                self.weights(estimator.n_targets_), dtype=torch.float32
            ),
            "criterion__class_weight": self.class_weights(estimator, labels),
        }

    def train_split(self, fraction, seed):
        return _LabelStratifiedSplit(fraction, stratified=True, random_state=seed)

    def callbacks(self, estimator, *, validating):
        """The heads' losses and scores, before the user's callbacks and early
        stopping, which may end the epoch before later callbacks record."""
        n_classes, n_targets = len(estimator.classes_), estimator.n_targets_
        heads = [("head_losses", _HeadLosses(n_classes, n_targets))]
        if validating:
            heads.append((
                "valid_acc",
                EpochScoring(partial(_label_accuracy, n_classes=n_classes),
                             name="valid_acc", lower_is_better=False, use_caching=True),
            ))
            if n_targets:
                heads.append((
                    "valid_spearman",
                    EpochScoring(partial(_target_spearman, n_classes=n_classes),
                                 name="valid_spearman", lower_is_better=False,
                                 use_caching=True),
                ))
        return heads, []


class JointCNN(_NetClassifier):
    __doc__ = f"""Classifier with auxiliary regression targets: one CNN, two heads.

    The network of :class:`CNNClassifier` whose last layer is a label head
    (``n_classes`` logits) and a target head (one output per target) side
    by side, trained on one joint loss, e.g. genres and emotions of the same
    clips. Both heads share the whole convolutional body, so each task
    regularises the other.

    The loss of a batch, with ``CE`` the cross-entropy of the label head
    (with ``class_weight``) and ``MSE_j`` the mean squared error of target
    ``j`` standardised to zero mean and unit variance on the training
    clips, is::

        label_weight * CE + (1 / n_targets) * sum_j target_weights[j] * MSE_j

    so that with the default weights the classification loss and the mean
    squared error over all targets weigh the same, whatever the number of
    targets.

    ``y`` has one row per clip: the class label in column 0 (any type,
    strings included) and the targets in the other columns, e.g. a pandas
    DataFrame with the label column first or
    ``np.column_stack([genres.astype(object), emotions])`` (a purely numeric
    array works too, but then its labels are floats). A 1-D ``y`` of labels
    alone is accepted with a warning and trains the label head only, as
    :class:`CNNClassifier` does.

    Parameters
    ----------{_CNN_DOC}
    label_weight : float, default=1.0
        Weight of the classification loss; 0 trains the target head only
        (the label head is then left untrained).
    target_weights : array-like of shape (n_targets,), default=None
        Weight of each target's squared error; ``None`` weighs each by 1. A
        zero leaves that target out of training.
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the cross-entropy.{_TRAINING_DOC.format(lr=0.001, max_epochs=30)}{_RUN_DOC.format(stratified=" (stratified by label)", valid_extra=" and the per-head scores listed in the Notes")}
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``.
    n_targets_ : int
        Number of regression targets (columns of ``y`` after the first).
    y_mean_, y_scale_ : ndarray of shape (n_targets_,)
        Mean and standard deviation of the training targets, which the
        target head predicts standardised.

    See Also
    --------
    CNNClassifier : The label head alone.
    CNNRegressor : The target head alone.

    Notes
    -----
    ``history_`` records each head every epoch: ``train_label_loss`` and
    ``train_target_loss``, the heads' own losses, unweighted (cross-entropy
    without class weights; mean squared error on standardised targets,
    averaged over targets); without class weights, ``train_loss`` is their
    weighted sum above. With a validation split it adds ``valid_label_loss``,
    ``valid_target_loss``, ``valid_acc`` (accuracy of the label head) and
    ``valid_spearman`` (mean Spearman rho of the target head, see
    :func:`spearman_score`).

    ``score`` is the accuracy of the label head; it takes a ``y`` of the fit
    layout or a 1-D ``y`` of labels. ``GridSearchCV`` and ``cross_val_score``
    work with an explicit splitter: ``cv=KFold(5, shuffle=True)``, or
    ``cv=StratifiedKFold(5).split(X, y[:, 0])`` to stratify by label. (An
    integer ``cv`` makes scikit-learn guess the type of the 2-D ``y``, which
    fails when it mixes string labels with numbers.) The validation split
    inside ``fit`` is stratified by label.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf import JointCNN
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 16, 8)).astype("float32")
    >>> genre = np.array(["rock", "jazz"] * 20)
    >>> X[genre == "rock", :, :4] += 2.0
    >>> energy = X[:, :, 4:].mean(axis=(1, 2))
    >>> y = np.column_stack([genre.astype(object), energy])
    >>> clf = JointCNN(channels=(8,), max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).tolist(), clf.predict_targets(X[:2]).shape
    (['rock', 'jazz'], (2, 1))
    """

    _parameter_constraints = {
        **_SpectrogramNet._parameter_constraints,
        **_CNN_CONSTRAINTS,
        **_CLASS_WEIGHT,
        "label_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "target_weights": ["array-like", None],
    }

    def __init__(
        self, *, channels=(16, 32, 64, 64), kernel_size=3, dropout=0.2, pool_size=2,
        batch_norm=True, head_hidden=(),
        label_weight=1.0, target_weights=None, class_weight=None, lr=1e-3,
        max_epochs=30, batch_size=32, bucket_by_length=False, optimizer="adam",
        weight_decay=0.0, validation_fraction=None, early_stopping=False,
        n_iter_no_change=5, tol=1e-4, callbacks=None, checkpoint=None, init_from=None,
        freeze=False, device="auto", accelerator=None, amp="auto", random_state=None,
        verbose=0,
    ):
        self.channels = channels
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.pool_size = pool_size
        self.batch_norm = batch_norm
        self.head_hidden = head_hidden
        self.label_weight = label_weight
        self.target_weights = target_weights
        self.class_weight = class_weight
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.bucket_by_length = bucket_by_length
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.init_from = init_from
        self.freeze = freeze
        self.device = device
        self.accelerator = accelerator
        self.amp = amp
        self.random_state = random_state
        self.verbose = verbose

    def _target(self):
        return LabelsAndTargets(label_weight=self.label_weight,
                                target_weights=self.target_weights,
                                class_weight=self.class_weight)

    def _network(self):
        return _cnn_network(self)


    # -- predicting ------------------------------------------------------------
    def predict_proba(self, X):
        """Class probabilities of the label head.

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
        output = self._forward(X)
        logits = torch.as_tensor(output[:, : len(self.classes_)])
        return torch.softmax(logits, dim=1).numpy()

    def predict_targets(self, X):
        """Predicted targets of the target head, in the units of ``y``.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Spectrograms in any form ``fit`` accepts.

        Returns
        -------
        targets : ndarray of shape (n_samples, n_targets_)
            Columns in the order of ``y``'s target columns (``y[:, 1:]``).
        """
        output = self._forward(X)
        predicted = output[:, len(self.classes_):].astype(np.float64)
        return predicted * self.y_scale_ + self.y_mean_

    def score(self, X, y, sample_weight=None):
        """Accuracy of the label head.

        Parameters
        ----------
        X : list of ndarray, dict, or ndarray
            Spectrograms in any form ``fit`` accepts.
        y : array-like of shape (n_samples, 1 + n_targets) or (n_samples,)
            ``y`` in the layout of ``fit`` (only its label column is read),
            or the class labels alone.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Fraction of clips whose label is predicted right.
        """
        check_is_fitted(self, "net_")
        return accuracy_score(_label_column(y), self.predict(X), sample_weight=sample_weight)
