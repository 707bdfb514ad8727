"""Test-only pause points: a process stops at a named stage so that a fault test can kill it there.

`VARIABLE=stage:path` in the process's environment makes it create `path` when it reaches
`stage`, then wait while that file exists (two minutes at most): the test sees the file, kills
the process (or removes the file to let it go on). Ignored unless TSADMIN_ENV=test, so a
variable left in a production environment does nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

WAIT_SECONDS = 120


def _no_pause(stage: str) -> None:
    return None


def pause_hook(variable: str) -> Callable[[str], None]:
    """The pause function named by the environment variable `variable` (a no-op when unset or outside tests)."""
    value = os.environ.get(variable, "")
    if not value or settings.TSADMIN_ENV != "test":
        return _no_pause
    wanted, _, path = value.partition(":")

    def pause(stage: str) -> None:
        if stage != wanted:
            return
        marker = Path(path)
        marker.write_text(str(os.getpid()))
        deadline = time.monotonic() + WAIT_SECONDS
        while marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    return pause
