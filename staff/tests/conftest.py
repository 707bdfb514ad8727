from datetime import timedelta

import pytest
from django.utils import timezone


class MovableClock:
    """The sign-in security clock (staff.security.clock.now), moved by tests instead of sleeping."""

    def __init__(self):
        self.current = timezone.now()

    def __call__(self):
        return self.current

    def advance(self, **delta):
        self.current += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    moved = MovableClock()
    monkeypatch.setattr("staff.security.clock.now", moved)
    return moved
