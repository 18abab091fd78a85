"""The one place where a device name is resolved and CUDA is checked."""

import torch

__all__ = ["resolve_device"]


def resolve_device(device, *, name="device"):
    """The device to use for ``device``: ``"auto"`` chooses CUDA when present.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...
    name : str, default="device"
        The parameter's name in the error message (e.g. ``"map_location"``).

    Returns
    -------
    device : str
        ``"cuda"`` or ``"cpu"`` for ``"auto"``; otherwise ``device`` as a string.

    Raises
    ------
    ValueError
        If ``device`` is not a device, or asks for CUDA on a machine without it.

    Examples
    --------
    >>> from spectroclf.utils import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"{name}={device!r} is not a device ({exc}); use 'auto', 'cpu', 'cuda' "
            "or 'cuda:<index>'"
        ) from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{name}={device!r} but CUDA is not available on this machine "
            "(torch.cuda.is_available() is False); use "
            f"{name}='auto' to run on the GPU when there is one and on the CPU "
            f"otherwise, or {name}='cpu'"
        )
    return str(device)
