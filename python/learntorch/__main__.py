"""``python -m learntorch``: the command line (see :mod:`learntorch.cli`)."""

import sys

from .cli import main

sys.exit(main())
