"""What this CPU computes natively: bfloat16 detection for the musicnn embedding's
``precision`` and the nets' mixed precision (:mod:`spectroclf.nets._amp`).

bfloat16 is *native* where the CPU has AVX-512 BF16 (``avx512_bf16``: Intel Cooper Lake,
Sapphire Rapids and later, AMD Zen 4 and later) or AMX-BF16 tiles (``amx_bf16``): oneDNN
then multiplies bfloat16 matrices in hardware. Elsewhere torch emulates bfloat16 products
with float32 conversions, which is slower than float32 itself, so spectroclf never
chooses bfloat16 there.
"""

import functools
import platform

import torch

__all__ = ["native_bfloat16", "BFLOAT16_FLAGS", "cpu_flags"]

#: CPU flags (as in ``/proc/cpuinfo``) of which any one makes bfloat16 native
BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.cache
def _proc_cpuinfo_flags():
    """The ``flags`` of ``/proc/cpuinfo`` (Linux), an empty set elsewhere."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


@functools.cache
def cpu_flags():
    """The bfloat16-related features of this CPU, for benchmarks and messages.

    Returns
    -------
    flags : dict of str to bool
        ``avx512_bf16``, ``amx_bf16``, ``amx_tile`` (from torch's own CPU detection where
        it has it, else ``/proc/cpuinfo``) and ``native_bfloat16`` (any of
        :data:`BFLOAT16_FLAGS`).
    """
    proc = _proc_cpuinfo_flags()
    # torch.cpu's checks read cpuinfo through pytorch/cpuinfo, on every OS; they are
    # private, so each one is optional and /proc/cpuinfo the fallback
    torch_checks = {
        "avx512_bf16": "_is_avx512_bf16_supported",
        "amx_tile": "_is_amx_tile_supported",
    }
    flags = {}
    for flag in ("avx512_bf16", "amx_bf16", "amx_tile"):
        check = getattr(torch.cpu, torch_checks.get(flag, ""), None)
        try:
            flags[flag] = bool(check()) if check is not None else flag in proc
        except Exception:  # pragma: no cover - a torch build without the check
            flags[flag] = flag in proc
        flags[flag] = flags[flag] or flag in proc
    # every CPU with AMX tiles (Sapphire Rapids and later) has AMX-BF16
    flags["amx_bf16"] = flags["amx_bf16"] or flags["amx_tile"]
    flags["native_bfloat16"] = platform.machine().lower() in ("x86_64", "amd64") and any(
        flags[f] for f in BFLOAT16_FLAGS
    )
    return flags


def native_bfloat16():
    """Whether this CPU multiplies bfloat16 natively (see the module docstring).

    Returns
    -------
    native : bool
        True on x86-64 CPUs with ``avx512_bf16`` or ``amx_bf16``.
    """
    return cpu_flags()["native_bfloat16"]
