"""LabelTransformer: class labels (optionally merged) -> integer codes."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..utils import map_labels


class LabelTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Encode (optionally merged) class labels as integers 0..n_classes-1.

    Like :class:`~sklearn.preprocessing.LabelEncoder`, for the target ``y``,
    with an optional mapping applied first, e.g. to merge genres or drop
    rare ones (:data:`spectroclf.datasets.CLASS_MAPPING`).

    Parameters
    ----------
    mapping : dict or None, default=None
        ``{old_label: new_label}`` applied before encoding. It must list
        every label that occurs (map a label to itself to keep it);
        labels mapped to ``None`` are dropped classes: ``fit`` ignores
        them and ``transform`` refuses them (remove those samples first,
        e.g. with :func:`spectroclf.datasets.merge_classes`). ``None``
        means the identity.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The (mapped) class labels, sorted; code ``i`` stands for
        ``classes_[i]``.

    See Also
    --------
    sklearn.preprocessing.LabelEncoder : The same without a mapping.

    Examples
    --------
    >>> from spectroclf.preprocessing import LabelTransformer
    >>> lt = LabelTransformer(mapping={"rock": "guitar", "metal": "guitar",
    ...                                "pop": "pop", "noise": None})
    >>> lt.fit_transform(["rock", "pop", "metal"])
    array([0, 1, 0])
    >>> lt.classes_
    array(['guitar', 'pop'], dtype='<U6')
    >>> lt.inverse_transform([1, 0])
    array(['pop', 'guitar'], dtype='<U6')
    """

    _parameter_constraints = {"mapping": [dict, None]}

    def __init__(self, *, mapping=None):
        self.mapping = mapping

    def _map(self, y, *, drop):
        return map_labels(y, self.mapping, drop=drop)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, y):
        """Learn the classes of ``y`` after the mapping.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Class labels (strings or integers).

        Returns
        -------
        self : LabelTransformer
            The fitted transformer.
        """
        y = column_or_1d(y, warn=True)
        if y.shape[0] == 0:
            raise ValueError("y is empty: expected at least one label")
        mapped = self._map(y, drop=True)
        if mapped.shape[0] == 0:
            raise ValueError(
                "every label of y is mapped to None (dropped); nothing to encode"
            )
        self.classes_ = np.unique(mapped)
        return self

    def transform(self, y):
        """Map and encode labels.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Labels as given to ``fit`` (before the mapping).

        Returns
        -------
        codes : ndarray of shape (n_samples,), dtype int64
            Indices into ``classes_``.
        """
        check_is_fitted(self)
        y = column_or_1d(y, warn=True)
        if y.shape[0] == 0:
            return np.zeros(0, dtype=np.int64)
        mapped = self._map(y, drop=False)
        try:
            unseen = np.setdiff1d(mapped, self.classes_)
        except TypeError:  # mixed, unorderable types
            unseen = [m for m in mapped if m not in set(self.classes_.tolist())]
        if len(unseen):
            raise ValueError(
                f"y contains label(s) unseen in fit: {np.asarray(unseen).tolist()}; known "
                f"classes are {self.classes_.tolist()}"
            )
        return np.searchsorted(self.classes_, mapped).astype(np.int64)

    def fit_transform(self, y):
        """Fit to ``y``, then encode it.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        codes : ndarray of shape (n_samples,), dtype int64
            Indices into ``classes_``.
        """
        return self.fit(y).transform(y)

    def inverse_transform(self, y):
        """Turn codes back into (mapped) class labels.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Integer codes in ``[0, n_classes)``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            ``classes_[y]``.
        """
        check_is_fitted(self)
        codes = column_or_1d(y, warn=True)
        if codes.shape[0] == 0:
            return self.classes_[:0]
        if not np.issubdtype(codes.dtype, np.integer):
            if not np.issubdtype(codes.dtype, np.number) or np.any(codes % 1):
                raise ValueError(f"codes must be integers, got dtype {codes.dtype}")
            codes = codes.astype(np.int64)
        bad = codes[(codes < 0) | (codes >= len(self.classes_))]
        if bad.size:
            raise ValueError(
                f"y contains codes outside [0, {len(self.classes_)}): "
                f"{sorted(set(bad.tolist()))}"
            )
        return self.classes_[codes]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.one_d_labels = True
        return tags
