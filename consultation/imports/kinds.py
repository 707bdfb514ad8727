"""The five kinds of consultation file, their columns, and how a header line names its kind.

Each file holds one kind; its header line names the columns (any order, any case). The column
that only one kind has tells the kind. UAJ is optional everywhere: without it, `--uaj` gives
the school of every row. The README ("Consultation data") documents the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from siecle.importer.errors import ExportRefused


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # French, plural: "absences", "notes"
    signature: str  # the column only this kind has
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


# The order is the import's: evaluations before the marks that name them.
KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            key="evaluations",
            label="contrôles",
            signature="BAREME",
            required=("REF", "DIVISION", "MATIERE", "LIBELLE", "DATE", "COEFFICIENT", "BAREME", "DATE_PUBLICATION"),
            optional=("UAJ", "PROFESSEUR"),
        ),
        Kind(key="marks", label="notes", signature="NOTE", required=("REF", "ELEVE_ID", "NOTE"), optional=("UAJ",)),
        Kind(
            key="absences",
            label="absences",
            signature="DEMI_JOURNEE",
            required=("ELEVE_ID", "DATE", "DEMI_JOURNEE", "ETAT"),
            optional=("UAJ", "MOTIF"),
        ),
        Kind(
            key="lpc",
            label="validations LPC",
            signature="COMPETENCE",
            required=("ELEVE_ID", "COMPETENCE", "DATE_VALIDATION", "DATE_SAISIE"),
            optional=("UAJ",),
        ),
        Kind(
            key="b2i",
            label="items B2i",
            signature="ITEM_B2I",
            required=("ELEVE_ID", "ITEM_B2I", "DATE_VALIDATION"),
            optional=("UAJ",),
        ),
    )
}


def detect_kind(name: str, columns: list[str]) -> Kind:
    """The kind named by a header line; refuses an unknown header, a missing or repeated column."""
    matching = [kind for kind in KINDS.values() if kind.signature in columns]
    if len(matching) != 1:
        expected = ", ".join(f"{k.signature} ({k.label})" for k in KINDS.values())
        raise ExportRefused(
            f"{name} : en-tête non reconnu (« {';'.join(columns)[:80]} ») ; il doit contenir une des colonnes "
            f"{expected} ; rien n'a été importé."
        )
    kind = matching[0]
    missing = [c for c in kind.required if c not in columns]
    if missing:
        raise ExportRefused(
            f"{name} : fichier de {kind.label} sans la colonne {', '.join(missing)} ; rien n'a été importé."
        )
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise ExportRefused(f"{name} : colonne {', '.join(repeated)} en double ; rien n'a été importé.")
    return kind
