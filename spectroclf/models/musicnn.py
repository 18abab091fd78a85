"""Deprecated alias of :mod:`spectroclf.musicnn`; removed in 0.3.

``spectroclf.models.musicnn`` was split up in 0.2 (see the changelog); import these names from
``spectroclf`` itself or from :mod:`spectroclf.musicnn`.
"""

import warnings

from ..musicnn import (
    FEATURES,
    N_FRAMES,
    N_MELS,
    PRETRAINED_MODELS,
    Musicnn,
    load_musicnn,
)

__all__ = ['Musicnn', 'load_musicnn', 'PRETRAINED_MODELS', 'N_MELS', 'N_FRAMES', 'FEATURES']

warnings.warn(
    "spectroclf.models.musicnn is deprecated since spectroclf 0.2 and will be removed in 0.3; "
    "import from spectroclf (or spectroclf.musicnn)",
    DeprecationWarning,
    stacklevel=2,
)
