"""What the project's management commands share."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError


class FrenchRefusalCommand(BaseCommand):
    """A command whose refusals (CommandError) reach the shell as one French line on stderr and
    their exit status (`CommandError(..., returncode=N)`), without Django's class name; any other
    error keeps its traceback."""

    def run_from_argv(self, argv):
        try:
            super().run_from_argv([*argv[:2], "--traceback", *argv[2:]])
        except CommandError as exc:
            self.stderr.write(str(exc))
            sys.exit(exc.returncode)
