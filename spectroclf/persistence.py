"""Save fitted estimators to a versioned, pickle-free file and load them back.

:func:`save_model` writes one file with :func:`torch.save`; :func:`load_model`
reads it with ``torch.load(..., weights_only=True)``, so loading a model runs
no code from the file (unlike :mod:`pickle` and :mod:`joblib`, which also
work on the estimators but must only be used with trusted files).

File format, version 1
----------------------
A :func:`torch.save` archive of one dict holding only Python primitives
(``str``, ``int``, ``float``, ``bool``, ``None``, lists, tuples and dicts of
those) and tensors:

============================  ================================================
key                           value
============================  ================================================
``"format"``                  ``"spectroclf-model"``
``"format_version"``          ``1`` (:data:`FORMAT_VERSION`)
``"spectroclf_version"``      version of spectroclf that wrote the file
``"torch_version"``           version of torch that wrote the file
``"estimator"``               class name, e.g. ``"LSTMClassifier"``
``"params"``                  ``estimator.get_params(deep=False)``; the ones
                              that cannot be stored without pickle are
                              ``None`` (``callbacks``, ``init_from``, a
                              ``RandomState``) and listed in ``"notes"``
``"notes"``                   list of str: what was not saved, and why
``"fitted"``                  the fitted attributes: ``n_features_in_``,
                              ``n_epochs_``, ``device_``, ``classes_``
                              (``{"values": list, "dtype": str}``, so that
                              integer labels come back as integers),
                              ``n_outputs_``, ``n_targets_``, ``y_mean_``,
                              ``y_scale_``
                              (tensors), ``_single_target``,
                              ``feature_names_in_``, ``drop_last``
``"state_dict"``              the torch module's ``state_dict``, on the CPU
``"optimizer"``               the optimizer's ``state_dict`` (to train on)
``"criterion"``               the loss module's ``state_dict``
``"history"``                 ``history_.to_list()``, numbers as Python types
``"metadata"``                the caller's dict of primitives (``metadata=``),
                              e.g. what ``spectroclf train`` records
============================  ================================================

A file with a larger ``format_version`` than this spectroclf reads is
refused with a message asking to upgrade; older versions stay readable.
"""

import decimal
import numbers
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch

from .utils import atomic_write

__all__ = ["save_model", "load_model", "FORMAT", "FORMAT_VERSION"]

FORMAT = "spectroclf-model"
FORMAT_VERSION = 1


def _version():
    from . import __version__

    return __version__


#: estimators whose network is code of the user's: not stored without pickle
_CODE_IN_PARAMS = ("NetClassifier", "NetRegressor")


def _estimator_classes():
    """Class name -> class of every estimator :func:`save_model` handles.

    The public estimators of :mod:`spectroclf.nets` and
    :mod:`spectroclf.musicnn` that implement the persistence contract
    (``_export_state`` / ``_from_state``).
    """
    from . import musicnn, nets

    classes = {}
    for module in (nets, musicnn):
        for name in module.__all__:
            cls = getattr(module, name)
            if (isinstance(cls, type) and hasattr(cls, "_export_state")
                    and name not in _CODE_IN_PARAMS):
                classes[name] = cls
    return classes


# ---------------------------------------------------------------------------
# turning values into primitives


def _plain(value, where, notes):
    """``value`` as primitives and tensors only (for ``weights_only`` loads)."""
    if isinstance(value, np.generic):  # before the checks below: np.float64 is a float
        return value.item()
    if value is None or type(value) in (bool, int, float, str):
        return value
    for base in (int, float, str):  # subclasses, e.g. an IntEnum
        if isinstance(value, base):
            return base(value)
    if isinstance(value, (numbers.Real, decimal.Decimal)):  # a Fraction, a Decimal
        return float(value)
    if isinstance(value, range) or (hasattr(value, "__array__")
                                    and not isinstance(value, torch.Tensor)):
        value = np.asarray(value)  # array-likes (a range, a pandas Series): a list
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        items = [_plain(v, f"{where}[{i}]", notes) for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = _plain(k, where, notes) if isinstance(k, (np.generic, str, int)) else str(k)
            out[key] = _plain(v, f"{where}[{k!r}]", notes)
        return out
    notes.append(f"{where}: a {type(value).__name__} was saved as its repr")
    return repr(value)


#: parameters that hold a torch class, stored by name ("torch.optim.SGD"): where
#: it lives, what it must subclass, what it is, and what None (a custom class,
#: not stored) means on load
_CLASS_PARAMS = {
    "optimizer": (torch.optim, torch.optim.Optimizer, "optimizer", "'adam'"),
    "criterion": (torch.nn, torch.nn.Module, "loss", "the estimator's default loss"),
}


def _params_payload(estimator, notes):
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if name == "callbacks" and value:
            notes.append(
                "params['callbacks']: skorch callbacks are Python objects and were "
                "not saved (None); pass them again with set_params to train further"
            )
            value = None
        elif name == "init_from" and value is not None:
            notes.append(
                f"params['init_from']: the {type(value).__name__} the network was "
                "initialised from was not saved (None); its weights are part of "
                "this model already"
            )
            value = None
        elif name == "accelerator" and value is not None:
            notes.append(
                "params['accelerator']: the Accelerator belongs to the process that "
                "trained (None); pass a new one with set_params to train further"
            )
            value = None
        elif name == "memory" and value is not None and not isinstance(value, (str, os.PathLike)):
            notes.append(
                "params['memory']: the joblib.Memory object was not saved (None); "
                "pass it again with set_params to cache"
            )
            value = None
        elif name in _CLASS_PARAMS and isinstance(value, type):
            namespace, _, what, default = _CLASS_PARAMS[name]
            if getattr(namespace, value.__name__, None) is value:
                value = f"{namespace.__name__}.{value.__name__}"
            else:
                notes.append(
                    f"params[{name!r}]: the custom {what} class "
                    f"{value.__module__}.{value.__qualname__} was not saved (None "
                    f"on load means {default}); set it again to train further"
                )
                value = None
        elif name == "random_state" and isinstance(value, np.random.RandomState):
            notes.append(
                "params['random_state']: a RandomState instance was not saved (None)"
            )
            value = None
        params[name] = _plain(value, f"params[{name!r}]", notes)
    return params


def _damaged(path, entry, why):
    return ValueError(
        f"model file '{path}' is damaged: entry {entry} is {why}; the file was "
        "modified or written by an incompatible spectroclf"
    )


def _restore_params(cls, params, notes, path):
    """The saved parameters, validated by the estimator's own constraints."""
    from sklearn.utils._param_validation import InvalidParameterError

    if not isinstance(params, dict):
        raise _damaged(path, "params", f"a {type(params).__name__}, not a dict")
    params = dict(params)
    valid = cls().get_params(deep=False)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        warnings.warn(
            f"the model file sets parameters {unknown} that this version of "
            f"{cls.__name__} does not have; they are ignored",
            UserWarning,
            stacklevel=3,
        )
        for name in unknown:
            del params[name]
    for name in ("callbacks", "init_from", "accelerator"):  # never stored
        if params.get(name) is not None:
            raise _damaged(path, f"params[{name!r}]", f"{params[name]!r}; save_model "
                           "stores None there")
    for name, (namespace, base, what, _) in _CLASS_PARAMS.items():
        value = params.get(name)
        if value is None and name in params:
            params[name] = valid[name]
        elif isinstance(value, str) and value.startswith(namespace.__name__ + "."):
            found = getattr(namespace, value.rsplit(".", 1)[1], None)
            if not (isinstance(found, type) and issubclass(found, base)):
                raise _damaged(path, f"params[{name!r}]", f"{value!r}, not a torch {what}")
            params[name] = found
    if isinstance(valid.get("channels"), tuple) and isinstance(params.get("channels"), list):
        params["channels"] = tuple(params["channels"])
    try:
        cls(**params)._validate_params()
    except InvalidParameterError as exc:
        name = next((p for p in params if f"'{p}' parameter" in str(exc)), None)
        raise _damaged(path, f"params[{name!r}]" if name else "params",
                       f"invalid ({exc})") from None
    return params


def _array_payload(arr):
    """An ndarray that keeps its dtype: a tensor for numbers, else a list."""
    arr = np.asarray(arr)
    if arr.dtype.kind in "fiub":
        return torch.from_numpy(np.array(arr, copy=True))
    return {"values": arr.tolist(), "dtype": arr.dtype.str}


def _array_restore(payload):
    if isinstance(payload, torch.Tensor):
        return payload.numpy()
    dtype = np.dtype(payload["dtype"])
    if dtype.kind == "O":
        out = np.empty(len(payload["values"]), dtype=object)
        out[:] = payload["values"]
        return out
    return np.asarray(payload["values"], dtype=dtype)


def _fitted_payload(value, name, notes):
    """A fitted attribute as primitives: arrays keep their dtype."""
    if isinstance(value, np.ndarray):
        return _array_payload(value)
    return _plain(value, f"fitted[{name!r}]", notes)


def _fitted_restore(fitted):
    """The fitted attributes of a file, arrays as arrays (files of 0.1 included)."""
    out = {}
    for name, value in fitted.items():
        if name == "drop_last":
            continue
        if isinstance(value, torch.Tensor) or (
            isinstance(value, dict) and set(value) == {"values", "dtype"}
        ):
            value = _array_restore(value)
        elif name == "feature_names_in_":  # 0.1 stored a list of str
            value = np.asarray(value, dtype=object)
        out[name] = value
    return out


# ---------------------------------------------------------------------------
# saving


def save_model(estimator, path, *, metadata=None):
    """Save a fitted estimator to one versioned, pickle-free file.

    Parameters
    ----------
    estimator : fitted LSTMClassifier, LSTMRegressor, CNNClassifier or CNNRegressor
        The estimator to save. Its parameters, fitted attributes, network
        weights (moved to the CPU), optimizer state and training history are
        stored; skorch ``callbacks`` and ``init_from`` are not (see the module
        docstring for the format).
    path : str or path-like
        File to write, conventionally ``*.pt``. It is written to a temporary
        file in the same folder and then renamed, so an interrupted save
        never leaves a partial file under ``path``; an existing file is
        replaced.
    metadata : dict or None, default=None
        Anything to keep beside the model, as a dict of primitives (``str``,
        ``int``, ``float``, ``bool``, ``None``, lists and dicts of those),
        e.g. the feature it was trained on. Read it back with
        ``load_model(path, return_metadata=True)``.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    TypeError
        If ``estimator`` is not one of the spectroclf estimators, or
        ``metadata`` is not a dict.
    sklearn.exceptions.NotFittedError
        If it has not been fitted.
    FileNotFoundError
        If the folder of ``path`` does not exist.

    See Also
    --------
    load_model : Read the file back.

    Examples
    --------
    >>> import numpy as np
    >>> from spectroclf import LSTMClassifier
    >>> from spectroclf.persistence import load_model, save_model
    >>> X = [np.full((4, 3), i % 2, dtype="float32") for i in range(10)]
    >>> y = ["a", "b"] * 5
    >>> clf = LSTMClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
    >>> save_model(clf, "clf.pt")  # doctest: +SKIP
    >>> load_model("clf.pt").predict(X[:2])  # doctest: +SKIP
    array(['a', 'b'], dtype='<U1')
    """
    from sklearn.exceptions import NotFittedError

    classes = _estimator_classes()
    name = type(estimator).__name__
    if name in _CODE_IN_PARAMS:
        raise TypeError(
            f"save_model stores no code, and a {name}'s network is a module class "
            "of yours; save it with joblib.dump (or torch.save of "
            "estimator.net_.module_.state_dict()) where that class can be imported"
        )
    if classes.get(name) is not type(estimator):
        raise TypeError(
            f"save_model saves the spectroclf estimators ({', '.join(classes)}); "
            f"got a {type(estimator).__module__}.{name}. Use joblib.dump (or "
            "pickle) for other objects"
        )
    if not hasattr(estimator, "net_") or not hasattr(estimator, "n_features_in_"):
        raise NotFittedError(
            f"This {name} instance is not fitted yet; call fit before save_model"
        )
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(
            f"metadata must be a dict of primitives, got a {type(metadata).__name__}"
        )
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"'{path}' is a folder; pass a file name such as '{path / 'model.pt'}'"
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot save to '{path}': the folder '{path.parent}' does not exist; "
            "create it first"
        )

    notes = []
    state = estimator._export_state()
    fitted = {name: _fitted_payload(value, name, notes)
              for name, value in state["fitted"].items()}
    fitted["drop_last"] = state["drop_last"]

    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "spectroclf_version": _version(),
        "torch_version": str(torch.__version__),
        "estimator": name,
        "params": _params_payload(estimator, notes),
        "fitted": fitted,
        "state_dict": state["module"],
        "optimizer": _plain(state["optimizer"], "optimizer", notes),
        "criterion": state["criterion"],
        "history": _plain(state["history"], "history", notes),
        "metadata": _plain(dict(metadata or {}), "metadata", notes),
    }
    # one last pass: every value a weights_only load accepts (str subclasses
    # such as torch's TorchVersion, numpy scalars in user history, ...)
    payload = _plain(payload, "model", notes)
    payload["notes"] = list(notes)

    atomic_write(path, lambda f: torch.save(payload, f))
    return path


# ---------------------------------------------------------------------------
# loading


def _not_a_model(path, why):
    return ValueError(
        f"'{path}' is not a spectroclf model file ({why}); model files are "
        "written by spectroclf.save_model"
    )


def _read(path):
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file '{path}' does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"'{path}' is a folder, not a model file")
    if path.stat().st_size == 0:
        raise _not_a_model(path, "the file is empty (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(16)
    if not zipfile.is_zipfile(path):
        if head.startswith(b"PK"):
            why = "it starts like a torch.save archive but is truncated or corrupt"
        else:
            why = f"it is not a torch.save archive; it starts with {head!r}"
        raise _not_a_model(path, why)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types here
        text = str(exc)
        if "Weights only load failed" in text or "weights_only" in text:
            why = (
                "it holds pickled Python objects, which load_model never "
                "executes; if it is a pickled estimator from a source you trust, "
                "read it with joblib.load or pickle.load"
            )
        else:
            first = text.strip().splitlines()[0] if text.strip() else ""
            why = f"torch.load could not read it: {type(exc).__name__}: {first}"
            why += "; the file may be truncated or corrupt"
        raise _not_a_model(path, why) from None
    if not isinstance(payload, dict):
        raise _not_a_model(path, f"it holds a {type(payload).__name__}, not a dict")
    if payload.get("format") != FORMAT:
        if {"meta", "module", "optimizer", "history"} <= set(payload):
            raise _not_a_model(
                path,
                "it is a training checkpoint written by fit(checkpoint=...); "
                "resume training with fit and the same checkpoint directory, "
                "then save the fitted estimator with save_model",
            )
        keys = ", ".join(map(repr, list(payload)[:5]))
        raise _not_a_model(
            path, f"no 'format': {FORMAT!r} entry; its keys are {keys or 'none'}"
        )
    version = payload.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise _not_a_model(path, f"invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"model file '{path}' was saved by spectroclf "
            f"{payload.get('spectroclf_version', '?')} with format {version}; this "
            f"is spectroclf {_version()}, which reads format <= {FORMAT_VERSION}: "
            "upgrade spectroclf (pip install -U spectroclf) to load it"
        )
    missing = sorted({"estimator", "params", "fitted", "state_dict"} - set(payload))
    if missing:
        raise _not_a_model(path, f"entries {missing} are missing; the file is damaged")
    return payload


def _resolve_map_location(map_location, saved_device):
    """The device to load on: ``map_location``, else the saved one if usable."""
    from .utils import resolve_device

    if map_location is None:
        if saved_device.startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(
                f"the model was trained on device {saved_device!r} but CUDA is not "
                "available on this machine; loading it on the CPU. Pass "
                "map_location='cpu' to silence this warning",
                UserWarning,
                stacklevel=3,
            )
            return "cpu"
        return saved_device
    if not isinstance(map_location, str):
        map_location = str(torch.device(map_location))
    return resolve_device(map_location, name="map_location")


def load_model(path, *, map_location=None, return_metadata=False):
    """Load an estimator written by :func:`save_model`.

    The file is read with ``torch.load(weights_only=True)``: no code from it
    is run. The estimator is rebuilt with its saved parameters, its network
    re-created and given the saved weights, so ``predict`` returns what the
    saved estimator returned (on the same device).

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.
    map_location : str, torch.device or None, default=None
        Device for the network: ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or
        ``"auto"``. ``None`` uses the device the model was trained on, and
        falls back to the CPU with a warning when that was CUDA and this
        machine has no GPU.
    return_metadata : bool, default=False
        Also return the ``metadata`` dict given to :func:`save_model`.

    Returns
    -------
    estimator : LSTMClassifier, LSTMRegressor, CNNClassifier or CNNRegressor
        The fitted estimator; its ``device_`` is the device it was loaded
        on. ``callbacks`` and ``init_from`` are ``None``.
    metadata : dict
        Only with ``return_metadata=True``: the saved ``metadata`` (empty
        when none was given).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a spectroclf model file (the message says what it
        is instead), was written with a newer format than this spectroclf
        reads (the message says to upgrade), names an unknown estimator, or
        ``map_location`` asks for CUDA on a machine without it.

    See Also
    --------
    save_model : Write the file.

    Examples
    --------
    >>> from spectroclf.persistence import load_model
    >>> clf = load_model("clf.pt", map_location="cpu")  # doctest: +SKIP
    >>> clf.predict(X)  # doctest: +SKIP
    """

    payload = _read(path)
    classes = _estimator_classes()
    name = payload["estimator"]
    if name not in classes:
        raise ValueError(
            f"model file '{path}' holds a {name!r}, which this spectroclf "
            f"({_version()}) does not know; known estimators: {', '.join(classes)}. "
            "It was saved by spectroclf "
            f"{payload.get('spectroclf_version', '?')}: use that version or newer"
        )
    cls = classes[name]
    params = _restore_params(cls, payload["params"], [], path)
    fitted = payload["fitted"]
    if not isinstance(fitted, dict):
        raise _damaged(path, "fitted", f"a {type(fitted).__name__}, not a dict")
    state = {
        "fitted": _fitted_restore(fitted),
        "drop_last": bool(fitted.get("drop_last", False)),
        "module": payload["state_dict"],
        "criterion": payload.get("criterion"),
        "optimizer": payload.get("optimizer"),
        "history": payload.get("history") or [],
    }
    saved_device = state["fitted"].get("device_", "cpu")
    device = _resolve_map_location(map_location, str(saved_device))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator = cls._from_state(params, state, device=device)
    except (ValueError, TypeError, KeyError, RuntimeError, AttributeError) as exc:
        first = " ".join(str(exc).split())[:400] or type(exc).__name__
        raise ValueError(
            f"model file '{path}' is damaged: {first}; it does not describe a {name} "
            "that this spectroclf can rebuild (written by an incompatible spectroclf, "
            "or modified)"
        ) from None
    for warning in caught:
        warnings.warn(f"model file '{path}': {warning.message}", warning.category,
                      stacklevel=2)
    if return_metadata:
        return estimator, dict(payload.get("metadata") or {})
    return estimator
