"""scikit-learn estimators that train an LSTM or a CNN on spectrograms with skorch.

Each estimator is a plain scikit-learn estimator with flat, searchable
hyperparameters. ``fit`` validates the input, builds a skorch network and
stores it as ``net_``; training, validation splits, early stopping and
callbacks are skorch's. The shared machinery (devices, checkpoints, transfer
learning) is in ``_base``, the task (labels or real targets) in ``_targets``,
labels and targets trained together in ``_joint``,
batching of ragged spectrograms in ``_data``; ``_lstm`` and ``_cnn`` add the
networks of :mod:`spectroclf.models`. This package knows nothing of file
formats: its input is spectrograms in memory.
"""

from ._base import resolve_device
from ._cnn import CNNClassifier, CNNRegressor
from ._dask import dask_client
from ._joint import JointCNN
from ._lstm import LSTMClassifier, LSTMRegressor

__all__ = [
    "LSTMClassifier",
    "LSTMRegressor",
    "CNNClassifier",
    "CNNRegressor",
    "JointCNN",
    "resolve_device",
    "dask_client",
]
