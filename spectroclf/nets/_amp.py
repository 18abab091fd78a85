"""Mixed precision and the CUDA data path of the skorch nets.

An estimator's ``amp`` parameter is resolved against its device by
:func:`resolve_amp`: ``"auto"`` is on for CUDA and off elsewhere; on,
forward passes run under :func:`torch.autocast` in float16 on CUDA (with a
:class:`torch.amp.GradScaler`, torch's recipe for float16 training) and in
bfloat16 on the CPU (no scaling needed). The nets of :func:`amp_net_class`
do that, return float32 outputs (losses and probabilities stay float32),
and copy every batch to the device with ``non_blocking=True``: on CUDA the
loaders pin their batches, so the copy does not wait for the host. With
``amp`` off every step is skorch's own.
"""

import warnings
from collections.abc import Mapping

import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator

from .. import _cpu

__all__ = ["amp_net_class", "resolve_amp"]

_AMP_DTYPES = {"cuda": torch.float16, "cpu": torch.bfloat16}


def resolve_amp(amp, device):
    """The autocast dtype of ``amp`` on ``device``, or None when off.

    Parameters
    ----------
    amp : {"auto", True, False} or torch.dtype
        ``"auto"``: on for CUDA, off on every other device; a dtype is used
        as it is. On the CPU ``"auto"`` stays off even where bfloat16 is
        native: measured on one core of an AMD EPYC with ``avx512_bf16``
        (``benchmarks/bench_amp_cpu.py``), bfloat16 autocast trains the LSTM
        1.4x and the CNN 1.7x faster per epoch but predicts only 1.3-1.4x
        faster, 5-fold accuracy moves within noise either way, and it would
        make every default result depend on the CPU model. ``True`` on a CPU without native bfloat16 (neither
        ``avx512_bf16`` nor ``amx_bf16``) warns: torch emulates bfloat16
        there, usually slower than float32.
    device : str or torch.device
        Where the network runs.

    Returns
    -------
    dtype : torch.dtype or None
        ``torch.float16`` on CUDA, ``torch.bfloat16`` on the CPU.
    """
    if isinstance(amp, torch.dtype):
        return amp
    kind = torch.device(device).type
    if isinstance(amp, str) and amp == "auto":
        amp = kind == "cuda"
    if not amp:
        return None
    if kind not in _AMP_DTYPES:
        raise ValueError(
            f"amp=True runs on CUDA (float16) or the CPU (bfloat16), not on "
            f"device {str(device)!r}; use amp=False or amp='auto'"
        )
    if kind == "cpu" and not _cpu.native_bfloat16():
        warnings.warn(
            "amp=True on a CPU without native bfloat16 (neither of the CPU flags "
            f"{' nor '.join(_cpu.BFLOAT16_FLAGS)}): torch emulates bfloat16 here, "
            "usually slower than float32; amp=False or 'auto' runs in float32",
            UserWarning,
            stacklevel=2,
        )
    return _AMP_DTYPES[kind]


def _to_device(obj, device):
    """Tensors (alone or in a dict) on ``device``, copied without blocking."""
    if device is None:
        return obj
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, Mapping):
        return {key: _to_device(value, device) for key, value in obj.items()}
    return obj


def _as_float32(output):
    if isinstance(output, torch.Tensor):
        return output.float() if output.is_floating_point() else output
    if isinstance(output, tuple):
        return tuple(_as_float32(o) for o in output)
    return output


class _MixedPrecision:
    """A skorch net whose forward passes may run under ``torch.autocast``.

    Parameters
    ----------
    amp : {"auto", True, False} or torch.dtype, default=False
        Resolved against the net's current device by :func:`resolve_amp`
        whenever it is used, so that a net trained on CUDA and unpickled on
        a CPU-only machine predicts in float32 with ``"auto"``. Off, the net
        trains and predicts exactly as skorch's. Gradients are scaled when
        the dtype is ``torch.float16``.
    """

    def __init__(self, *args, amp=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.amp = amp

    def _device_type(self):
        return torch.device(self.device).type

    def initialize(self):
        super().initialize()
        fp16 = resolve_amp(self.amp, self.device) == torch.float16
        self.grad_scaler_ = torch.amp.GradScaler(self._device_type(), enabled=fp16)
        return self

    def _scaler(self):
        """The gradient scaler when float16 training needs it, else None."""
        scaler = getattr(self, "grad_scaler_", None)
        if (scaler is None or not scaler.is_enabled()
                or resolve_amp(self.amp, self.device) != torch.float16):
            return None
        return scaler

    def infer(self, x, **fit_params):
        x = _to_device(x, self.device)
        dtype = resolve_amp(self.amp, self.device)
        if dtype is None:
            return super().infer(x, **fit_params)
        with torch.autocast(self._device_type(), dtype=dtype):
            return _as_float32(super().infer(x, **fit_params))

    def get_loss(self, y_pred, y_true, *args, **kwargs):
        return super().get_loss(y_pred, _to_device(y_true, self.device), *args, **kwargs)

    def train_step_single(self, batch, **fit_params):
        scaler = self._scaler()
        if scaler is None:
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        scaler.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        """skorch's step; with scaled gradients, one scaled optimizer step.

        ``GradScaler`` takes no optimizer closure: the gradients are computed
        once, unscaled before the ``on_grad_computed`` callbacks (so gradient
        clipping sees true values), then each optimizer steps unless they
        overflowed.
        """
        scaler = self._scaler()
        if scaler is None:
            return super().train_step(batch, **fit_params)
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        for optimizer in optimizers:
            scaler.unscale_(optimizer)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        for optimizer in optimizers:
            scaler.step(optimizer)
        scaler.update()
        return step


class MixedPrecisionNeuralNetClassifier(_MixedPrecision, NeuralNetClassifier):
    """:class:`skorch.NeuralNetClassifier` with optional automatic mixed precision."""


class MixedPrecisionNeuralNetRegressor(_MixedPrecision, NeuralNetRegressor):
    """:class:`skorch.NeuralNetRegressor` with optional automatic mixed precision."""


_MIXED = {
    NeuralNetClassifier: MixedPrecisionNeuralNetClassifier,
    NeuralNetRegressor: MixedPrecisionNeuralNetRegressor,
}


def amp_net_class(net_class):
    """The mixed-precision version of skorch's ``net_class``."""
    try:
        return _MIXED[net_class]
    except KeyError:
        raise TypeError(
            f"amp is not supported with a {net_class.__name__} net; supported: "
            f"{', '.join(c.__name__ for c in _MIXED)}"
        ) from None
