"""Activation codes as text (SPEC C1): generation, display and reading back what people type.

One module for both kinds of code (CAR of a guardian, CAE of a student): a code is a 64-bit
random number from the operating system's cryptographic source, written in base 36 on 13
characters (36**13 > 2**64, so the first character is 0 to 3), and shown in groups 4-3-3-3.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LENGTH = 13
GROUPS = (4, 3, 3, 3)
SEPARATOR = " - "
_TYPED_NOISE = re.compile(r"[\s\-‐‑‒–—―_.]+")
_VALID = re.compile(rf"^[0-9A-Z]{{{LENGTH}}}$")


def encode(number: int) -> str:
    """The 13-character base-36 form of a number below 2**64, zero-padded on the left."""
    if not 0 <= number < 2**64:
        raise ValueError("An activation code is a 64-bit number.")
    chars = []
    for _ in range(LENGTH):
        number, digit = divmod(number, 36)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def generate() -> str:
    """A new code value: 64 random bits from `secrets`, in base 36 on 13 characters."""
    return encode(secrets.randbits(64))


def generate_many(count: int) -> list[str]:
    """`count` distinct new values (distinct among themselves; the database checks the academy)."""
    values: set[str] = set()
    while len(values) < count:
        values.add(generate())
    return list(values)


def display(value: str) -> str:
    """The printed form: `1W2J - FML - 8EA - BKK`."""
    value = normalize(value)
    parts, start = [], 0
    for size in GROUPS:
        parts.append(value[start : start + size])
        start += size
    return SEPARATOR.join(p for p in parts if p)


def normalize(typed: str) -> str:
    """What a person typed, as stored: upper case, without spaces, dashes, dots or underscores."""
    return _TYPED_NOISE.sub("", typed or "").upper()


def is_well_formed(typed: str) -> bool:
    """True when the typed text is a code once normalised (13 characters 0-9A-Z, below 2**64)."""
    value = normalize(typed)
    return bool(_VALID.match(value)) and int(value, 36) < 2**64
