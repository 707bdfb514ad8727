"""Writers of SIECLE BEE exports from Python data, for the tests and the benchmarks.

They write what the importer reads, in SIECLE's layout (PARAMETRES, then DONNEES with
ELEVES before STRUCTURES, PERSONNES before RESPONSABLES before ADRESSES), streamed to a
binary file in the declared encoding, so exports of any size can be generated.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO
from xml.sax.saxutils import escape, quoteattr


@dataclass
class StudentRow:
    eleve_id: str
    last_name: str
    first_name: str
    ine: str = ""
    birth_date: datetime.date | None = None
    sex: str = "F"
    mef: str = ""
    division: str = ""
    groups: list[str] = field(default_factory=list)
    entry_date: datetime.date | None = None
    leaving_date: datetime.date | None = None
    elenoet: str = ""


@dataclass
class PersonRow:
    personne_id: str
    last_name: str
    first_name: str = ""
    civility: str = "MME"
    email: str = ""
    mobile: str = ""
    address_id: str = ""


@dataclass
class AddressRow:
    address_id: str
    line1: str = ""
    line2: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "FRANCE"


@dataclass
class LinkRow:
    eleve_id: str
    personne_id: str
    level: int | None = 1  # NIVEAU_RESPONSABILITE (since 2018)
    resp_legal: int | None = None  # RESP_LEGAL (older exports)
    relationship: str = "10"


def _date(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


class _Writer:
    def __init__(self, out: IO[bytes], encoding: str, bom: bool):
        self.out = out
        self.encoding = encoding
        if bom:
            out.write("\ufeff".encode(encoding))

    def w(self, text: str) -> None:
        self.out.write(text.encode(self.encoding, "xmlcharrefreplace"))

    def leaf(self, tag: str, value: str, indent: str = "        ") -> None:
        self.w(f"{indent}<{tag}>{escape(value)}</{tag}>\n")

    def start(self, root: str, version: str, uaj: str, year: int) -> None:
        self.w(f'<?xml version="1.0" encoding="{self.encoding}"?>\n<{root} VERSION="{version}">\n')
        self.w(
            f"  <PARAMETRES>\n    <UAJ>{escape(uaj)}</UAJ>\n    <ANNEE_SCOLAIRE>{year}</ANNEE_SCOLAIRE>\n"
            f"    <DATE_EXPORT>05/06/{year + 1}</DATE_EXPORT>\n"
            f"    <HORODATAGE>05/06/{year + 1} 09:11:46</HORODATAGE>\n  </PARAMETRES>\n  <DONNEES>\n"
        )

    def end(self, root: str) -> None:
        self.w(f"  </DONNEES>\n</{root}>\n")


def write_students_export(
    out: IO[bytes],
    *,
    uaj: str,
    year: int,
    students: Iterable[StudentRow],
    encoding: str = "ISO-8859-15",
    bom: bool = False,
) -> None:
    """A BEE_ELEVES export. `students` is iterated twice (ELEVES, then STRUCTURES)."""
    x = _Writer(out, encoding, bom)
    x.start("BEE_ELEVES", "3.0", uaj, year)
    x.w("    <ELEVES>\n")
    for s in students:
        elenoet = f" ELENOET={quoteattr(s.elenoet)}" if s.elenoet else ""
        x.w(f"      <ELEVE ELEVE_ID={quoteattr(s.eleve_id)}{elenoet}>\n")
        if s.ine:
            x.leaf("ID_NATIONAL", s.ine)
        x.leaf("NOM_DE_FAMILLE", s.last_name)
        x.leaf("PRENOM", s.first_name)
        x.leaf("DATE_NAISS", _date(s.birth_date))
        x.leaf("CODE_SEXE", {"M": "1", "F": "2"}.get(s.sex, ""))
        x.leaf("CODE_MEF", s.mef)
        x.leaf("CODE_STATUT", "ST")
        x.leaf("DATE_ENTREE", _date(s.entry_date))
        if s.leaving_date:
            x.leaf("DATE_SORTIE", _date(s.leaving_date))
        x.w("      </ELEVE>\n")
    x.w("    </ELEVES>\n    <OPTIONS/>\n    <STRUCTURES>\n")
    for s in students:
        if not s.division and not s.groups:
            continue
        x.w(f"      <STRUCTURES_ELEVE ELEVE_ID={quoteattr(s.eleve_id)}>\n")
        for code, kind in [*((g, "G") for g in s.groups), *([(s.division, "D")] if s.division else [])]:
            x.w(f"        <STRUCTURE>\n          <CODE_STRUCTURE>{escape(code)}</CODE_STRUCTURE>\n")
            x.w(f"          <TYPE_STRUCTURE>{kind}</TYPE_STRUCTURE>\n        </STRUCTURE>\n")
        x.w("      </STRUCTURES_ELEVE>\n")
    x.w("    </STRUCTURES>\n    <BOURSES/>\n")
    x.end("BEE_ELEVES")


def write_guardians_export(
    out: IO[bytes],
    *,
    uaj: str,
    year: int,
    persons: Iterable[PersonRow],
    links: Iterable[LinkRow],
    addresses: Iterable[AddressRow],
    encoding: str = "ISO-8859-15",
    bom: bool = False,
) -> None:
    """A BEE_RESPONSABLES export; a link with `resp_legal` set is written in the pre-2018 layout."""
    x = _Writer(out, encoding, bom)
    x.start("BEE_RESPONSABLES", "2.1", uaj, year)
    x.w("    <PERSONNES>\n")
    for p in persons:
        x.w(f"      <PERSONNE PERSONNE_ID={quoteattr(p.personne_id)}>\n")
        x.leaf("LC_CIVILITE", p.civility)
        x.leaf("NOM_DE_FAMILLE", p.last_name)
        x.leaf("PRENOM", p.first_name)
        x.leaf("TEL_PORTABLE", p.mobile)
        x.leaf("MEL", p.email)
        if p.address_id:
            x.leaf("ADRESSE_ID", p.address_id)
        x.w("      </PERSONNE>\n")
    x.w("    </PERSONNES>\n    <RESPONSABLES>\n")
    for link in links:
        x.w("      <RESPONSABLE_ELEVE>\n")
        x.leaf("ELEVE_ID", link.eleve_id)
        x.leaf("PERSONNE_ID", link.personne_id)
        if link.resp_legal is not None:
            x.leaf("RESP_LEGAL", str(link.resp_legal))
            x.leaf("RESP_FINANCIER", "1" if link.resp_legal == 1 else "0")
            x.leaf("PERS_CONTACT", "1")
        else:
            x.leaf("NIVEAU_RESPONSABILITE", str(link.level))
        x.leaf("CODE_PARENTE", link.relationship)
        x.w("      </RESPONSABLE_ELEVE>\n")
    x.w("    </RESPONSABLES>\n    <ADRESSES>\n")
    for a in addresses:
        x.w(f"      <ADRESSE ADRESSE_ID={quoteattr(a.address_id)}>\n")
        x.leaf("LIGNE1_ADRESSE", a.line1)
        x.leaf("LIGNE2_ADRESSE", a.line2)
        x.leaf("LIGNE3_ADRESSE", "")
        x.leaf("LIGNE4_ADRESSE", "")
        x.leaf("CODE_POSTAL", a.postcode)
        x.leaf("LIBELLE_POSTAL", a.city)
        x.leaf("LL_PAYS", a.country)
        x.w("      </ADRESSE>\n")
    x.w("    </ADRESSES>\n")
    x.end("BEE_RESPONSABLES")
