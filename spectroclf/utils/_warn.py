"""Warnings reported at the user's line, however deep inside spectroclf they arise."""

import os
import sys
import warnings
from pathlib import Path

import joblib
import sklearn

#: frames in these folders are not the user's: spectroclf, scikit-learn's
#: wrappers of ``fit`` (``_fit_context``), pipelines and searches, and joblib,
#: which runs the searches' fits
_INTERNAL = tuple(str(folder) + os.sep for folder in (
    Path(__file__).resolve().parents[1], Path(sklearn.__file__).resolve().parent,
    Path(joblib.__file__).resolve().parent))


def warn_user(message, category=UserWarning):
    """``warnings.warn`` at the first caller outside spectroclf, scikit-learn and joblib.

    A fixed ``stacklevel`` counts frames, and breaks when a call path gains or
    loses one (a decorator, a helper, mutation testing's trampolines); this
    walks the stack instead, as Python 3.12's ``skip_file_prefixes`` does.

    Parameters
    ----------
    message : str
    category : type of Warning, default=UserWarning
    """
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and str(
            Path(frame.f_code.co_filename).resolve()).startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
