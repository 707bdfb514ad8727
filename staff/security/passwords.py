"""Password rules of staff accounts, on top of Django's validators."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

FRENCH_LIST = Path(__file__).resolve().parent.parent / "data" / "common-passwords-fr.txt"
_DECORATION = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@cache
def _french_common_passwords(path: str) -> frozenset[str]:
    with open(path, encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip() and not line.lstrip().startswith("#"))


class FrenchCommonPasswordValidator:
    """Refuses the most common French passwords, also when only dressed with digits or signs
    around them ("Azerty2026!", "!!soleil123"): Django's list is mostly English."""

    def __init__(self, password_list_path: str | Path = FRENCH_LIST):
        self.path = str(password_list_path)

    def validate(self, password: str, user=None) -> None:
        candidate = password.strip().lower()
        common = _french_common_passwords(self.path)
        if candidate in common or _DECORATION.sub("", candidate) in common:
            raise ValidationError(
                "Ce mot de passe fait partie des plus utilisés en France : choisissez-en un autre.",
                code="password_too_common_fr",
            )

    def get_help_text(self) -> str:
        return "Votre mot de passe ne peut pas être un mot de passe courant (ni l'un d'eux suivi de chiffres)."
