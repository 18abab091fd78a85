"""Where the real music data lives (``../shared/data``)."""

import os
import warnings
from pathlib import Path

_DATA_MARKERS = ("emotify-lab", "emotify", "librosa-clips")


def _looks_like_shared_data(p):
    return p.is_dir() and any((p / m).is_dir() for m in _DATA_MARKERS)


def shared_data_dir(path=None):
    """Locate the real music data folder (``../shared/data``).

    Looks, in order, at

    1. ``path``, if given (it must exist);
    2. the environment variable ``SPECTROCLF_DATA``, if set to an existing
       folder (a warning is issued if it is set to a missing one);
    3. ``<d>/../shared/data`` for ``d`` the current working directory and
       each of its parents;
    4. the same, walking up from this package's source folder.

    In steps 3-4 a folder counts only if it holds ``emotify-lab/``,
    ``emotify/`` or ``librosa-clips/``.

    Parameters
    ----------
    path : str or path-like, optional
        Explicit data folder.

    Returns
    -------
    data_dir : pathlib.Path or None
        Absolute path of the data folder, or None if none was found
        (callers typically fall back to :func:`make_lab_data`, generated
        music in the lab layout, or to :func:`make_music`).

    Raises
    ------
    FileNotFoundError
        If ``path`` is given but is not an existing folder.

    Examples
    --------
    >>> from spectroclf.datasets import make_music, shared_data_dir
    >>> data_dir = shared_data_dir()
    >>> if data_dir is None:
    ...     music = make_music(20, random_state=0)
    """
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_dir():
            raise FileNotFoundError(f"data folder '{p}' does not exist")
        return p.resolve()
    env = os.environ.get("SPECTROCLF_DATA")
    if env:
        p = Path(env).expanduser()
        if p.is_dir():
            return p.resolve()
        warnings.warn(
            f"SPECTROCLF_DATA is set to '{env}', which is not a folder; "
            "looking for ../shared/data instead",
            UserWarning,
            stacklevel=2,
        )
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for d in (start, *start.parents):
            cand = d.parent / "shared" / "data"
            if _looks_like_shared_data(cand):
                return cand.resolve()
    return None
