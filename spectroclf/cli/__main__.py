"""``python -m spectroclf.cli``: the ``spectroclf`` command."""

import sys

from . import main

sys.exit(main())
