"""Tests of spectroclf/cli/__init__.py: the parser, help, version, console script."""

from pathlib import Path

import pytest

from spectroclf import __version__


@pytest.mark.parametrize(
    "command", [None, "extract", "train", "predict", "demo", "tag"]
)
def test_help(command, run, capsys):
    code, out, _ = run(capsys, *([command] if command else []), "--help")
    assert code == 0
    assert out.startswith("usage: spectroclf")
    if command:
        assert "examples:" in out


def test_version_and_usage(run, capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"spectroclf {__version__}"
    code, _, err = run(capsys)
    assert code == 2 and "required" in err


def test_console_script_is_declared():
    setup_cfg = Path(__file__).resolve().parents[2] / "setup.cfg"
    assert "spectroclf = spectroclf.cli:main" in setup_cfg.read_text()


def test_device_cuda_without_a_gpu_is_the_librarys_one_check(monkeypatch):
    import torch

    from spectroclf.cli._common import CLIError, _check_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(CLIError, match="--device='cuda' but CUDA is not available.*"
                                       "--device='cpu'"):
        _check_device("cuda")
    _check_device("cpu")  # nothing to check
