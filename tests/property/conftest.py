"""Hypothesis profiles for the property tests.

    .venv/bin/pytest tests/property                              # "default": fast, ~10 s
    HYPOTHESIS_PROFILE=thorough .venv/bin/pytest tests/property  # 20x the examples
    HYPOTHESIS_PROFILE=ci .venv/bin/pytest tests/property        # default, derandomized

Hypothesis' files (the example database, which replays failing examples first on the
next run, and its caches) live in the system temp directory, not in the checkout;
HYPOTHESIS_DATABASE=/some/dir moves the database, HYPOTHESIS_STORAGE_DIRECTORY the rest.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

_HOME = Path(tempfile.gettempdir()) / "ussd-flex-hypothesis"
set_hypothesis_home_dir(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or str(_HOME))
_DB = DirectoryBasedExampleDatabase(
    os.environ.get("HYPOTHESIS_DATABASE") or str(_HOME / "examples")
)
_COMMON: dict[str, Any] = {
    "deadline": None,  # a generated menu may hold 97 options in 3 languages: no timing checks
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile("default", max_examples=100, database=_DB, **_COMMON)
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **_COMMON)
settings.register_profile("thorough", max_examples=2000, database=_DB, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
