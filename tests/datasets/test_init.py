"""Tests of spectroclf.datasets/__init__.py: the public names."""

import spectroclf
from spectroclf import datasets as D


def test_public_api():
    for name in spectroclf._PUBLIC["datasets"]:
        assert getattr(spectroclf, name) is getattr(D, name)
