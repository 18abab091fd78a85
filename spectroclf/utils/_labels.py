"""Relabelling class labels by a mapping (class merging, label encoding)."""

import numpy as np

__all__ = ["map_labels"]


def map_labels(y, mapping, *, drop):
    """Apply a ``{label: new_label or None}`` mapping to the 1-D array ``y``.

    ``None`` as ``mapping`` is the identity. Labels mapped to ``None`` are
    left out with ``drop`` and raise otherwise; a label missing from the
    mapping always raises, naming it.
    """
    if mapping is None:
        return y
    out = []
    for label in y.tolist():  # Python scalars: plain reprs in the messages
        try:
            new = mapping[label]
        except KeyError:
            raise ValueError(
                f"label {label!r} is not in `mapping`; the mapping must list "
                "every genre (map a genre to itself to keep it, or to None "
                "to drop it). Known: "
                f"{sorted(map(str, mapping))}"
            ) from None
        except TypeError:  # unhashable
            raise ValueError(f"label {label!r} is not hashable") from None
        if new is None:
            if drop:
                continue
            raise ValueError(
                f"label {label!r} is mapped to None (a dropped class) and "
                "cannot be encoded; remove those samples first, e.g. with "
                "spectroclf.datasets.merge_classes(X, y, mapping)"
            )
        out.append(new)
    return np.asarray(out)
