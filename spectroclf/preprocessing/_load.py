"""SpectrogramLoader: ``.npy``/``.npy.gz`` files -> spectrograms of one feature."""

import os

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils._param_validation import StrOptions

from .. import features
from .._io import is_path as _is_path
from .._validation import check_spectrograms
from ..datasets import SpectrogramFiles, load_spectrogram
from ._base import _check_stateless, _feature_names, _is_tabular, _n_bins


class SpectrogramLoader(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Load spectrograms from ``.npy``/``.npy.gz`` files and keep one feature.

    Parameters
    ----------
    feature : {"fused", "mel", "chroma"}, default="fused"
        Columns kept: all 140, the 128 mel bands or the 12 chroma bins.
    lazy : bool, default=False
        For a list of paths, return a
        :class:`~spectroclf.datasets.SpectrogramFiles` that reads each file
        when it is indexed instead of loading them all: the estimators then
        read a clip when a batch needs it, so fitting on many full-length
        files holds one batch in memory (a transformer between this one and
        the estimator, such as :class:`BeatSync`, loads them all again).

    Attributes
    ----------
    n_bins_ : int
        Number of columns of each output spectrogram (140, 128 or 12).
    n_features_in_ : int
        Bins of the input; only set when ``fit`` is given arrays, and then
        checked by ``transform`` for array input.

    Notes
    -----
    ``X`` may be a list of paths to files in the lab layout (``(140,
    n_frames)`` arrays, read by :func:`spectroclf.datasets.load_spectrogram`;
    a path may be an fsspec URL such as ``"s3://bucket/lab/train/1.npy.gz"``,
    so that each worker of a distributed search reads the clips it needs
    from shared storage), a list mixing paths and loaded time-first arrays,
    or already loaded spectrograms in any of the forms of
    :mod:`spectroclf.preprocessing`; arrays must have 140 bins (fused layout) or exactly the feature's bins
    (returned unchanged). The output keeps the input's container: a list
    for lists, an array for a 3-D or 2-D array. The transformer is
    stateless.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.preprocessing import SpectrogramLoader
    >>> X = np.zeros((2, 50, 140), dtype=np.float32)
    >>> SpectrogramLoader(feature="chroma").fit_transform(X).shape
    (2, 50, 12)
    >>> specs = SpectrogramLoader().fit_transform(["1.fused.full.npy.gz"])  # doctest: +SKIP
    """

    _parameter_constraints = {
        "feature": [StrOptions({"fused", "mel", "chroma"})],
        "lazy": ["boolean"],
    }

    def __init__(self, *, feature="fused", lazy=False):
        self.feature = feature
        self.lazy = lazy

    @staticmethod
    def _has_paths(X):
        return isinstance(X, (list, tuple, np.ndarray)) and any(_is_path(x) for x in X)

    def _select(self, S, i):
        """The feature's columns of sample ``i``; errors name the sample."""
        try:
            return features.select_feature(S, self.feature)
        except ValueError as exc:
            raise ValueError(f"sample {i}: {exc}") from None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and, for array input, record the bins.

        Parameters
        ----------
        X : list of (path or ndarray of shape (n_frames_i, n_bins)) or ndarray
            Files or spectrograms (see Notes).
        y : ignored
            Accepted for the pipeline API.

        Returns
        -------
        self : SpectrogramLoader
            The transformer.
        """
        if isinstance(X, (str, os.PathLike)):
            raise ValueError(f"X is a single path {str(X)!r}; pass a list: [path]")
        if not self._has_paths(X):
            check_spectrograms(X, estimator=self, reset=True)
        self.n_bins_ = _n_bins(self.feature)
        return self

    def transform(self, X):
        """Load (if needed) and select the feature's columns.

        Parameters
        ----------
        X : list of (path or ndarray of shape (n_frames_i, n_bins)) or ndarray of shape (n_samples, n_frames, n_bins) or (n_samples, n_bins)
            Files or spectrograms (see Notes).

        Returns
        -------
        specs : list of ndarray of shape (n_frames_i, n_bins_), ndarray or SpectrogramFiles
            float32, time first; an array for array input; with ``lazy``
            and paths, the files, read when indexed.
        """
        self._validate_params()
        if isinstance(X, (str, os.PathLike)):
            raise ValueError(f"X is a single path {str(X)!r}; pass a list: [path]")
        if self._has_paths(X):
            if self.lazy:
                for i, x in enumerate(X):
                    if not _is_path(x):
                        raise ValueError(
                            f"lazy=True reads files when they are needed, but sample "
                            f"{i} is a {type(x).__name__}, not a path; pass only "
                            "paths, or lazy=False"
                        )
                return SpectrogramFiles(X, feature=self.feature)
            out = []
            for i, x in enumerate(X):
                if _is_path(x):  # a new contiguous float32 array: no copy needed
                    out.append(load_spectrogram(x, feature=self.feature))
                    continue
                S = check_spectrograms([x], estimator=clone(self), reset=True)[0]
                out.append(np.array(self._select(S, i), dtype=np.float32))
            return out
        tabular = _is_tabular(X)
        specs = _check_stateless(self, X)
        out = []
        for i, S in enumerate(specs):
            out.append(np.array(self._select(S, i)))
        if tabular:
            return np.vstack(out)
        if not isinstance(X, (list, tuple, dict)) and np.ndim(X) == 3:
            return np.stack(out)  # an array of clips (a 1-D object array stays a list)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output bins.

        Parameters
        ----------
        input_features : ignored
            The bins are fixed by ``feature``.

        Returns
        -------
        names : ndarray of str
            ``mel_0``..``mel_127`` and/or ``chroma_C``..``chroma_B``.
        """
        self._validate_params()
        return _feature_names(self.feature)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.three_d_array = True
        tags.input_tags.dict = True
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
