"""Values as plain Python, for files read back with ``weights_only=True``."""

import numpy as np

__all__ = ["plain_python"]


def plain_python(obj):
    """``obj`` with numpy scalars (anywhere in lists, tuples and dicts) as Python numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf.utils import plain_python
    >>> plain_python({"loss": [np.float32(0.5)]})
    {'loss': [0.5]}
    """
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {k: plain_python(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain_python(v) for v in obj)
    return obj
