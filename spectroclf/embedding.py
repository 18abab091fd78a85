"""Deprecated alias of :mod:`spectroclf.musicnn`; removed in 0.3.

``spectroclf.embedding`` was split up in 0.2 (see the changelog); import these names from
``spectroclf`` itself or from :mod:`spectroclf.musicnn`.
"""

import warnings

from .musicnn import (
    MusicnnEmbedding,
    MusicnnMelExtractor,
    musicnn_melspectrogram,
    musicnn_patches,
    predict_tags,
)
from .musicnn._frontend import (
    MUSICNN_HOP_LENGTH,
    MUSICNN_N_FFT,
    MUSICNN_N_FRAMES,
    MUSICNN_N_MELS,
    MUSICNN_SR,
)

__all__ = ['MusicnnEmbedding', 'MusicnnMelExtractor', 'predict_tags', 'musicnn_melspectrogram', 'musicnn_patches', 'MUSICNN_SR', 'MUSICNN_N_FFT', 'MUSICNN_HOP_LENGTH', 'MUSICNN_N_MELS', 'MUSICNN_N_FRAMES']

warnings.warn(
    "spectroclf.embedding is deprecated since spectroclf 0.2 and will be removed in 0.3; "
    "import from spectroclf (or spectroclf.musicnn)",
    DeprecationWarning,
    stacklevel=2,
)
