"""Settings for the test suite: the development settings, switched on
explicitly, since production settings are the default (portal.settings).

pytest-django imports this before any conftest runs, so the switch must be made
here, before portal.settings reads the environment. A process a test starts
inherits DEBUG=true unless the test sets DEBUG itself, as tests/ops/procs.py
does for production settings (this module then keeps the DEBUG it is given).
"""

import os

os.environ.setdefault("DEBUG", "true")

from portal.settings import *  # noqa: F403
