"""scikit-learn transformers from audio files to padded spectrogram batches.

The transformers chain in a :class:`~sklearn.pipeline.Pipeline`::

    audio paths / waveforms --SpectrogramExtractor--> spectrograms
    .npy(.gz) paths         --SpectrogramLoader-----> spectrograms
    spectrograms            --BeatSync--------------> beat-synchronous spectrograms
    spectrograms            --PadTruncate-----------> {"X": (n, max_len, n_bins),
                                                       "lengths": (n,)}

and :class:`LabelTransformer` encodes the targets (outside the pipeline:
pipelines never transform ``y``). Each transformer lives in its own private
module (``_extract``, ``_load``, ``_beat``, ``_pad``, ``_label``; shared
helpers in ``_base``) and is re-exported here.

**Input forms.** Every spectrogram transformer accepts

- a list of time-first ``(n_frames, n_bins)`` arrays of any lengths;
- a 3-D array ``(n_samples, n_frames, n_bins)``;
- :class:`PadTruncate`'s dict ``{"X": ..., "lengths": ...}`` (each sample
  cut back to its length);
- a 2-D array ``(n_samples, n_bins)``, read as ``n_samples`` spectrograms of
  **one frame** each -- the reading the estimators use too, so tabular data
  and scikit-learn's common checks run through the whole chain.

**Output forms.** :class:`SpectrogramExtractor` and :class:`BeatSync` return
a list (lengths differ per sample), except that :class:`BeatSync` returns a
2-D array for 2-D input (one frame is one segment). :class:`SpectrogramLoader`
keeps the input's container (list in, list out; 3-D or 2-D array in, array
out). :class:`PadTruncate` always returns the dict, which skorch passes to
the module as keyword arguments and the estimators read ``"lengths"`` from.
All spectrograms are float32.
"""

from ._beat import BeatSync
from ._extract import SpectrogramExtractor
from ._label import LabelTransformer
from ._load import SpectrogramLoader
from ._pad import PadTruncate

__all__ = [
    "LabelTransformer",
    "SpectrogramExtractor",
    "SpectrogramLoader",
    "BeatSync",
    "PadTruncate",
]
