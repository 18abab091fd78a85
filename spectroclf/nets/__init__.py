"""scikit-learn estimators that train an LSTM or a CNN on spectrograms with skorch.

Each estimator is a plain scikit-learn estimator with flat, searchable
hyperparameters. ``fit`` validates the input, builds a skorch network and
stores it as ``net_``; training, validation splits, early stopping and
callbacks are skorch's. ``_base`` holds the one fit path every estimator
shares and the :class:`Network` an estimator names; ``_targets`` what ``y``
is (labels or real targets), ``_joint`` labels and targets together,
``_augment`` crops, masks and mixup, ``_data`` the batching of ragged
spectrograms; ``_lstm`` and ``_cnn`` are thin classes over the networks of
:mod:`spectroclf.models`, and ``_custom`` trains any torch module
(:class:`NetClassifier`, :class:`NetRegressor`). This package knows nothing
of file formats: its input is spectrograms in memory (or files read per
batch).
"""

from ..utils import resolve_device
from ._base import Network, SpectrogramInput
from ._cnn import CNNClassifier, CNNRegressor
from ._custom import NetClassifier, NetRegressor
from ._dask import dask_client
from ._joint import JointCNN
from ._lstm import LSTMClassifier, LSTMRegressor

__all__ = [
    "LSTMClassifier",
    "LSTMRegressor",
    "CNNClassifier",
    "CNNRegressor",
    "JointCNN",
    "NetClassifier",
    "NetRegressor",
    "Network",
    "SpectrogramInput",
    "resolve_device",
    "dask_client",
]
