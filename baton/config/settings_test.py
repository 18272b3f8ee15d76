"""Settings for the test suite: the normal settings with test-only switches set first."""

import os
import tempfile

os.environ.setdefault("BATON_TESTING", "1")
os.environ.setdefault("BATON_VAR_DIR", tempfile.mkdtemp(prefix="baton-test-"))

from .settings import *  # noqa: F403
