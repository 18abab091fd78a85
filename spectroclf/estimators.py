"""Deprecated alias of :mod:`spectroclf.nets` and :mod:`spectroclf.musicnn`; removed in 0.3.

``spectroclf.estimators`` was split up in 0.2 (see the changelog); import these names from
``spectroclf`` itself or from :mod:`spectroclf.nets` and :mod:`spectroclf.musicnn`.
"""

import warnings

from .musicnn import MusicnnClassifier, MusicnnRegressor
from .nets import (
    CNNClassifier,
    CNNRegressor,
    LSTMClassifier,
    LSTMRegressor,
    resolve_device,
)

__all__ = ['LSTMClassifier', 'LSTMRegressor', 'CNNClassifier', 'CNNRegressor', 'MusicnnClassifier', 'MusicnnRegressor', 'resolve_device']

warnings.warn(
    "spectroclf.estimators is deprecated since spectroclf 0.2 and will be removed in 0.3; "
    "import from spectroclf (or spectroclf.nets and spectroclf.musicnn)",
    DeprecationWarning,
    stacklevel=2,
)
