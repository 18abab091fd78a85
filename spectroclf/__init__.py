"""spectroclf: scikit-learn estimators that learn from audio spectrograms.

Spectrograms inside the library are ``(n_frames, n_bins)`` arrays, time
first; see :mod:`spectroclf.features` for the one place where librosa's
``(n_bins, n_frames)`` layout is transposed.

Data flows one way through the subpackages, and none imports from a stage
above it: ``features`` (librosa recipes) -> ``datasets`` (files on disk,
generated music) -> ``preprocessing`` (scikit-learn transformers) ->
``models`` (torch modules) -> ``nets`` (the LSTM and CNN estimators) ->
``musicnn`` (the pretrained network and its estimators) -> ``metrics`` /
``plotting`` / ``persistence`` -> ``cli``.

Public names are imported lazily, so ``import spectroclf`` stays fast and
does not import torch until an estimator is used.
"""

import importlib

__version__ = "0.2.0.dev0"

_PUBLIC = {
    "features": [
        "load_audio",
        "melspectrogram",
        "chromagram",
        "fused_spectrogram",
        "beat_frames",
        "beat_sync",
        "select_feature",
    ],
    "datasets": [
        "CLASS_MAPPING",
        "load_spectrogram",
        "load_genre_spectrograms",
        "load_multitask_spectrograms",
        "merge_classes",
        "make_music",
        "make_lab_data",
        "write_lab_layout",
        "extract_lab_layout",
        "shared_data_dir",
    ],
    "preprocessing": [
        "LabelTransformer",
        "SpectrogramExtractor",
        "SpectrogramLoader",
        "BeatSync",
        "PadTruncate",
    ],
    "nets": [
        "LSTMClassifier",
        "LSTMRegressor",
        "CNNClassifier",
        "CNNRegressor",
        "JointCNN",
        "NetClassifier",
        "NetRegressor",
        "dask_client",
    ],
    "musicnn": [
        "MusicnnEmbedding",
        "MusicnnMelExtractor",
        "MusicnnClassifier",
        "MusicnnRegressor",
        "predict_tags",
    ],
    "metrics": ["spearman_score", "spearman_scorer"],
    "persistence": ["save_model", "load_model"],
    "plotting": [
        "plot_spectrogram",
        "plot_class_distribution",
        "plot_history",
        "plot_confusion",
        "plot_predictions",
    ],
}
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = sorted(_WHERE) + ["__version__"]


def __getattr__(name):
    if name in _WHERE:
        module = importlib.import_module(f"{__name__}.{_WHERE[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
