"""Helpers that every stage of spectroclf may import.

Nothing here knows an estimator: input validation, the one device
resolution, a cached parallel map, plain-Python conversion for files that
are loaded with ``weights_only=True``, atomic writes and the docstring
substitution of shared parameter text. Subpackages import these instead of
each other's private modules (``tests/test_architecture.py`` checks it).
"""

from .._io import atomic_write, is_path
from .._validation import check_lengths_match, check_spectrograms
from ._audio import check_audio
from ._device import resolve_device
from ._docstring import (
    CLASSIFIER_LOSS_DOC,
    DEVICE_DOC,
    INIT_FROM_DOC,
    REGRESSOR_LOSS_DOC,
    TRAINING_DOC,
    VALIDATION_DOC,
    Substitution,
)
from ._labels import map_labels
from ._parallel import map_cached
from ._plain import plain_python
from ._warn import warn_user

__all__ = [
    "CLASSIFIER_LOSS_DOC",
    "REGRESSOR_LOSS_DOC",
    "DEVICE_DOC",
    "INIT_FROM_DOC",
    "TRAINING_DOC",
    "VALIDATION_DOC",
    "atomic_write",
    "check_audio",
    "check_lengths_match",
    "check_spectrograms",
    "is_path",
    "map_cached",
    "map_labels",
    "plain_python",
    "resolve_device",
    "Substitution",
    "warn_user",
]
