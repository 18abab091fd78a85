"""What every benchmark records: the machine, the versions, the load, memory, the JSON.

Imported by the ``bench_*.py`` scripts next to it (run as ``python
benchmarks/<script>.py``, so this folder is on ``sys.path``).
"""

import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine():
    """Platform, cores, versions and thread counts, for the JSON's ``machine``."""
    import numpy as np
    import torch

    import spectroclf

    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "spectroclf": spectroclf.__version__,
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    from spectroclf._cpu import cpu_flags

    info["cpu_flags"] = cpu_flags()  # bfloat16 native or emulated, AMX or not
    if hasattr(os, "sched_getaffinity"):  # the cores this run may use (taskset)
        info["cpu_affinity"] = sorted(os.sched_getaffinity(0))
    try:  # 1: the kernel shares CPU time between sessions, not between threads
        info["sched_autogroup"] = int(
            Path("/proc/sys/kernel/sched_autogroup_enabled").read_text())
    except (OSError, ValueError):
        pass
    for name in ("librosa", "joblib", "sklearn"):
        try:
            info[name] = __import__(name).__version__
        except ImportError:  # pragma: no cover - optional for some scripts
            pass
    return info


def loadavg():
    """``os.getloadavg()`` rounded: the 1, 5 and 15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def out_path(name, quick, out=None):
    """``results/<name>.json``, or ``<name>.quick.json`` with ``--quick``."""
    if out is not None:
        return Path(out)
    return RESULTS / f"{name}{'.quick' if quick else ''}.json"


def write(path, result):
    """Write ``result`` as indented JSON and say where."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")


def vm_status(key):
    """``VmRSS`` / ``VmHWM`` (MiB) of this process from ``/proc/self/status`` (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{key} not in /proc/self/status (Linux only)")


def table(rows, columns):
    """Print ``rows`` (dicts) under ``columns`` ``[(key, title, format)]``."""
    widths = [max(len(title), 10) for _, title, _ in columns]
    print("  ".join(f"{t:>{w}s}" if i else f"{t:<{w}s}"
                    for i, ((_, t, _), w) in enumerate(zip(columns, widths, strict=True))))
    for row in rows:
        cells = []
        for i, ((key, _, fmt), w) in enumerate(zip(columns, widths, strict=True)):
            v = row.get(key, "")
            s = format(v, fmt) if isinstance(v, (int, float)) and fmt else str(v)
            cells.append(f"{s:>{w}s}" if i else f"{s:<{w}s}")
        print("  ".join(cells))


def emotify_clips(n):
    """The first ``n`` Emotify 30-s OGG clips of the shared data, by file name."""
    from spectroclf.datasets import shared_data_dir

    data = shared_data_dir()
    if data is None or not (data / "emotify" / "audio").is_dir():
        raise SystemExit("the shared data (emotify/audio) was not found")
    return sorted(str(p) for p in (data / "emotify" / "audio").glob("*.ogg"))[:n]
