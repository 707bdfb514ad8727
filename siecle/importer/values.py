"""Conversions of SIECLE text values: dates dd/mm/yyyy, codes, names, e-mails."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

OPEN_ENDED = datetime.date(9999, 12, 31)
UAJ_RE = re.compile(r"^\d{7}[A-Z]$")


def text(value: str | None) -> str:
    """Trimmed text with inner runs of blanks collapsed; None becomes ""."""
    return " ".join((value or "").split())


def parse_date(value: str | None) -> datetime.date | None:
    """A dd/mm/yyyy date; '31/12/9999' (open-ended) and blanks give None; bad values raise ValueError."""
    value = text(value)
    if not value:
        return None
    day, month, year = value.split("/")
    parsed = datetime.date(int(year), int(month), int(day))
    return None if parsed == OPEN_ENDED else parsed


def parse_email(value: str | None) -> str:
    """A valid e-mail address, or "" when missing or malformed."""
    value = text(value)
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def parse_sex(value: str | None) -> str:
    return {"1": "M", "2": "F"}.get(text(value), "")


def parse_civility(value: str | None) -> str:
    """LC_CIVILITE: 'M.' or 'MME' (older files: 'M', 'MLLE')."""
    value = text(value).upper().rstrip(".")
    if value == "M":
        return "M."
    if value in {"MME", "MLLE"}:
        return "MME"
    return ""


def code_sort_key(value: str) -> tuple[int, int, str]:
    """Numeric codes sort by value ('9' before '10'), others after them, alphabetically."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def valid_uaj(value: str) -> bool:
    return bool(UAJ_RE.match(value))
