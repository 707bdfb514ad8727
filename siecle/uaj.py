"""UAJ numbers (the national school identifier): seven digits and a check letter."""

UAJ_KEY_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uaj_with_key(number: int) -> str:
    """A UAJ from its 7 digits, with the check letter SIECLE computes (number mod 23)."""
    digits = f"{number:07d}"
    return digits + UAJ_KEY_LETTERS[int(digits) % 23]
