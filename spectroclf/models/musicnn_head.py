"""Deprecated alias of :mod:`spectroclf.musicnn`; removed in 0.3.

``spectroclf.models.musicnn_head`` was split up in 0.2 (see the changelog); import these names from
``spectroclf`` itself or from :mod:`spectroclf.musicnn`.
"""

import warnings

from ..musicnn import FREEZE_OPTIONS, MusicnnTransfer

__all__ = ['MusicnnTransfer', 'FREEZE_OPTIONS']

warnings.warn(
    "spectroclf.models.musicnn_head is deprecated since spectroclf 0.2 and will be removed in 0.3; "
    "import from spectroclf (or spectroclf.musicnn)",
    DeprecationWarning,
    stacklevel=2,
)
