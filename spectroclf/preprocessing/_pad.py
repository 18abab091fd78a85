"""PadTruncate: spectrograms -> one padded (or cropped) batch with true lengths."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._validation import check_spectrograms
from ._base import _PassthroughNamesMixin


class PadTruncate(
    _PassthroughNamesMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Pad or crop spectrograms to one length and stack them.

    Parameters
    ----------
    max_len : int or None, default=None
        Frames per output sample. ``None``: the longest spectrogram seen in
        ``fit``.
    crop : {"start", "center", "random"}, default="start"
        Which ``max_len`` frames a longer spectrogram keeps: the first, the
        middle ones, or a window at a random offset (drawn from
        ``random_state``).
    pad_value : float, default=0.0
        Value of the frames appended after a shorter spectrogram. The
        estimators ignore them (they read ``"lengths"``); for dB mel input
        ``-80.0`` (silence) is a natural choice.
    random_state : int, RandomState instance or None, default=None
        Seeds the random crops. ``fit`` draws one seed from it, so repeated
        ``transform`` calls on the same data give the same crops; pass an
        int for crops that are reproducible across fits.

    Attributes
    ----------
    max_len_ : int
        Frames per output sample.
    n_features_in_ : int
        Bins per frame.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, for a DataFrame input.

    Notes
    -----
    Output: ``{"X": float32 (n_samples, max_len_, n_bins), "lengths": int64
    (n_samples,)}``, ``lengths[i] = min(n_frames_i, max_len_)``, the frames
    of ``X[i]`` holding data; padding is at the end. skorch passes such a
    dict to the module as keyword arguments, and the estimators of
    :mod:`spectroclf.nets` accept it directly. A 2-D input
    ``(n_samples, n_bins)`` is read as one-frame spectrograms; a dict input
    (this transformer's own output) is cut back to its lengths first.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.preprocessing import PadTruncate
    >>> specs = [np.ones((5, 3), "float32"), np.ones((2, 3), "float32")]
    >>> out = PadTruncate(max_len=4).fit_transform(specs)
    >>> out["X"].shape, out["lengths"]
    ((2, 4, 3), array([4, 2]))
    """

    _parameter_constraints = {
        "max_len": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "crop": [StrOptions({"start", "center", "random"})],
        "pad_value": [numbers.Real],
        "random_state": ["random_state"],
    }

    def __init__(self, *, max_len=None, crop="start", pad_value=0.0, random_state=None):
        self.max_len = max_len
        self.crop = crop
        self.pad_value = pad_value
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the output length and the number of bins.

        Parameters
        ----------
        X : list of ndarray of shape (n_frames_i, n_bins), ndarray of shape (n_samples, n_frames, n_bins) or (n_samples, n_bins), or dict
            Spectrograms, time first, all with the same ``n_bins``.
        y : ignored
            Accepted for the pipeline API.

        Returns
        -------
        self : PadTruncate
            The fitted transformer.
        """
        specs = check_spectrograms(X, estimator=self, reset=True)
        self.max_len_ = (
            int(self.max_len)
            if self.max_len is not None
            else max(len(S) for S in specs)
        )
        # one seed per fit: repeated transforms crop alike (only drawn when used,
        # so the default crop leaves the global numpy generator alone)
        self._seed = (
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            if self.crop == "random"
            else 0
        )
        return self

    def transform(self, X):
        """Pad or crop each spectrogram to ``max_len_`` frames.

        Parameters
        ----------
        X : list of ndarray of shape (n_frames_i, n_bins), ndarray of shape (n_samples, n_frames, n_bins) or (n_samples, n_bins), or dict
            Spectrograms with the bins seen in ``fit``.

        Returns
        -------
        out : dict
            ``"X"``: ndarray of shape (n_samples, max_len_, n_bins), float32;
            ``"lengths"``: ndarray of shape (n_samples,), int64.
        """
        import librosa

        check_is_fitted(self)
        specs = check_spectrograms(X, estimator=self, reset=False)
        rng = np.random.RandomState(self._seed)
        n, L = len(specs), self.max_len_
        out = np.empty((n, L, self.n_features_in_), dtype=np.float32)
        lengths = np.empty(n, dtype=np.int64)
        for i, S in enumerate(specs):
            n_frames = len(S)
            if n_frames > L:
                if self.crop == "start":
                    offset = 0
                elif self.crop == "center":
                    offset = (n_frames - L) // 2
                else:
                    offset = rng.randint(n_frames - L + 1)
                S = S[offset : offset + L]
            else:
                S = librosa.util.fix_length(
                    S, size=L, axis=0, constant_values=self.pad_value
                )
            out[i] = S
            lengths[i] = min(n_frames, L)
        return {"X": out, "lengths": lengths}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.dict = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
