"""The pretrained musicnn, in one place: front end, network and weights, embedding, estimators.

musicnn (J. Pons and X. Serra, "musicnn: Pre-trained convolutional neural networks for
music audio tagging", ISMIR LBD 2019; ISC licence, see ``pretrained/LICENSE_musicnn.txt``)
tags 3-second patches of a 96-band log-mel spectrogram at 16 kHz with 50 tags.

- ``_frontend``: musicnn's input pipeline (:func:`musicnn_melspectrogram`,
  :func:`musicnn_patches`) and :class:`MusicnnMelExtractor` (audio -> its log-mel);
- ``_network``: the PyTorch port (:class:`Musicnn`) and its shipped weights
  (:func:`load_musicnn`, ``pretrained/``);
- ``_embedding``: :class:`MusicnnEmbedding` (fixed features for any scikit-learn model) and
  :func:`predict_tags`;
- ``_transfer`` and ``_estimators``: the network with a new head
  (:class:`MusicnnTransfer`) and the estimators that fine-tune it
  (:class:`MusicnnClassifier`, :class:`MusicnnRegressor`).
"""

from ._embedding import MusicnnEmbedding, predict_tags
from ._estimators import MusicnnClassifier, MusicnnRegressor
from ._frontend import MusicnnMelExtractor, musicnn_melspectrogram, musicnn_patches
from ._network import (
    FEATURES,
    N_FRAMES,
    N_MELS,
    PRECISIONS,
    PRETRAINED_MODELS,
    Musicnn,
    load_musicnn,
    resolve_precision,
)
from ._transfer import FREEZE_OPTIONS, MusicnnTransfer

__all__ = [
    "FEATURES",
    "FREEZE_OPTIONS",
    "N_FRAMES",
    "N_MELS",
    "PRECISIONS",
    "PRETRAINED_MODELS",
    "Musicnn",
    "MusicnnClassifier",
    "MusicnnEmbedding",
    "MusicnnMelExtractor",
    "MusicnnRegressor",
    "MusicnnTransfer",
    "load_musicnn",
    "musicnn_melspectrogram",
    "musicnn_patches",
    "predict_tags",
    "resolve_precision",
]
