"""Opening an export (plain XML or zipped, detected by content) and streaming its records.

The parser is the standard library's expat through defusedxml's `iterparse`: every record is handed over
as a small element and then cleared and detached from its parent, so memory stays the size
of one record whatever the size of the file. Encodings are the ones the XML declaration
gives (ISO-8859-15, UTF-8 with or without byte-order mark).
"""

from __future__ import annotations

import errno
import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .errors import ExportRefused
from .values import text, valid_uaj

# Root element -> kind of export.
ROOTS = {
    "BEE_ELEVES": "students",
    "BEE_RESPONSABLES": "guardians",
    "BEE_NOMENCLATURES": "nomenclature",
    "BEE_STRUCTURES": "structures",
    "STS_EDT": "structures",
}
KIND_LABELS = {
    "students": "élèves",
    "guardians": "responsables",
    "nomenclature": "nomenclatures",
    "structures": "structures",
}
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
RECORD_DEPTH = 3  # root / DONNEES / section / record
# BEE exports nest at most 6 elements deep (root / DONNEES / ELEVES / ELEVE / SCOLARITE_AN_DERNIER
# / field); deeper is a hostile file, refused before the tree can grow.
MAX_DEPTH = 8

ProgressCallback = Callable[[int], None]

# Limits against hostile files (settings may override them). A real export of the largest
# school is a few tens of MB and one record a few KB: a bigger XML, or that many bytes read
# without one record being complete (one huge text, a record with no end), is refused before
# it can fill the memory or the disk. A zip entry is checked on its declared size, and the
# bytes it really inflates to are counted as they are read.
MAX_XML_BYTES = 512 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024
# What a corrupted or lying archive raises while a member is inflated: bad CRC, truncated
# member, broken deflate stream.
ZIP_READ_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error)
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
MAX_ZIP_ENTRIES = 100

# Expat's reasons, in French (ParseError.code).
PARSE_REASONS = {
    2: "erreur de syntaxe",
    3: "fichier vide ou tronqué",
    4: "caractère invalide, peut-être un encodage qui ne correspond pas à celui déclaré",
    5: "fichier tronqué",
    6: "caractère incomplet, peut-être un encodage qui ne correspond pas à celui déclaré",
    7: "balise fermante qui ne correspond pas à la balise ouverte",
    8: "attribut en double",
    9: "contenu après la fin du document",
    11: "entité non définie",
    14: "référence à un caractère invalide",
    17: "déclaration XML ailleurs qu'au début du fichier",
    18: "encodage inconnu",
    19: "l'encodage déclaré ne correspond pas au contenu",
    20: "section CDATA non fermée",
    27: "préfixe d'espace de noms non déclaré",
    30: "déclaration XML mal formée",
}


def max_xml_bytes() -> int:
    return getattr(settings, "SIECLE_IMPORT_MAX_XML_BYTES", MAX_XML_BYTES)


def max_record_bytes() -> int:
    return getattr(settings, "SIECLE_IMPORT_MAX_RECORD_BYTES", MAX_RECORD_BYTES)


def _too_big(name: str, size: int | None = None) -> ExportRefused:
    what = f"{filesizeformat(size)} de XML" if size else "plus de XML que permis"
    return ExportRefused(
        f"{name} : fichier trop volumineux une fois décompressé ({what} ; au plus "
        f"{filesizeformat(max_xml_bytes())}) ; ce n'est pas un export SIECLE ordinaire, rien n'a été importé."
    )


def _os_error(name: str, exc: OSError) -> ExportRefused:
    reason = {
        errno.ENOENT: "fichier introuvable",
        errno.EISDIR: "c'est un dossier, pas un fichier",
        errno.EACCES: "lecture non autorisée",
        errno.EPERM: "lecture non autorisée",
    }.get(exc.errno or 0, "fichier illisible")
    return ExportRefused(f"{name} : {reason}.")


def _bad_zip(name: str) -> ExportRefused:
    return ExportRefused(f"{name} : archive zip illisible ou abîmée ; rien n'a été importé.")


@dataclass(frozen=True)
class ExportHeader:
    name: str
    kind: str
    root: str
    version: str
    uaj: str
    year: int
    export_date: str


class _CountingReader(io.RawIOBase):
    """A read-only stream that reports how many bytes were read so far."""

    def __init__(self, raw: IO[bytes], on_read: ProgressCallback | None, closers: list, name: str = "fichier"):
        self.raw = raw
        self.count = 0
        self.on_read = on_read
        self.closers = closers
        self.name = name
        self.limit = max_xml_bytes()
        self.record_limit = max_record_bytes()
        self.mark = 0  # bytes read when the last record was complete (ExportReader sets it)
        self.is_zip_member = isinstance(raw, zipfile.ZipExtFile)

    def damaged_archive(self) -> bool:
        """Whether the rest of a zip member fails its checks (CRC, deflate stream, length): a parse
        error in a damaged archive is the archive's fault, and is reported as such."""
        if not self.is_zip_member:
            return False
        try:
            while self.raw.read(1024 * 1024):
                pass
        except ZIP_READ_ERRORS:
            return True
        except (OSError, ValueError):
            return False
        return False

    def close(self) -> None:
        if not self.closed:
            for closer in self.closers:
                closer.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.raw.read(len(buffer))
        except ZIP_READ_ERRORS as exc:
            raise _bad_zip(self.name) from exc
        except OSError as exc:
            raise _os_error(self.name, exc) from exc
        n = len(data)
        buffer[:n] = data
        self.count += n
        if self.count > self.limit:
            raise _too_big(self.name)
        if self.count - self.mark > self.record_limit:
            raise ExportRefused(
                f"{self.name} : plus de {filesizeformat(self.record_limit)} lus sans un enregistrement complet ; "
                "ce n'est pas un export SIECLE ordinaire, rien n'a été importé."
            )
        if self.on_read and n:
            self.on_read(n)
        return n


class ExportFile:
    """One file given to the import: a path, or an uploaded file object, XML or zip."""

    def __init__(self, source: str | os.PathLike | IO[bytes], name: str | None = None):
        self.source = source
        self.name = name or (Path(source).name if isinstance(source, (str, os.PathLike)) else "fichier")
        self._zip_member: zipfile.ZipInfo | None = None
        self._is_zip = False
        self._inspect()

    def _raw(self) -> IO[bytes]:
        if isinstance(self.source, (str, os.PathLike)):
            try:
                return open(self.source, "rb")  # noqa: SIM115 — closed by the caller
            except OSError as exc:
                raise _os_error(self.name, exc) from exc
        self.source.seek(0)
        return self.source

    def _inspect(self) -> None:
        raw = self._raw()
        try:
            magic = raw.read(4)
            raw.seek(0)
            self._is_zip = magic in ZIP_MAGIC
            if not self._is_zip:
                raw.seek(0, io.SEEK_END)
                self.size = raw.tell()
                if self.size > max_xml_bytes():
                    raise _too_big(self.name, self.size)
                return
            self._check_entry_count(raw)
            try:
                archive = zipfile.ZipFile(raw)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
                raise _bad_zip(self.name) from exc
            with archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                xml_members = [m for m in members if m.filename.lower().endswith(".xml")] or members
            if not xml_members:
                raise ExportRefused(f"{self.name} : l'archive zip est vide, aucun fichier XML à importer.")
            if len(xml_members) > 1:
                names = ", ".join(m.filename for m in xml_members[:5])
                raise ExportRefused(
                    f"{self.name} : l'archive contient {len(xml_members)} fichiers XML ({names}) ; "
                    "déposez un export à la fois."
                )
            self._zip_member = member = xml_members[0]
            self._check_member(member)
            self.size = member.file_size
        finally:
            if isinstance(self.source, (str, os.PathLike)):
                raw.close()

    def _check_entry_count(self, raw: IO[bytes]) -> None:
        """Read the archive's entry count from its end record before zipfile lists them all: a zip of
        millions of tiny entries would otherwise fill the memory of the web process."""
        try:
            end = zipfile._EndRecData(raw)  # noqa: SLF001 — the standard library's own end-record reader
        except (OSError, ValueError, struct.error):
            end = None
        finally:
            raw.seek(0)
        if end and end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ZIP_ENTRIES:  # noqa: SLF001
            raise ExportRefused(
                f"{self.name} : l'archive contient {end[zipfile._ECD_ENTRIES_TOTAL]} fichiers ; "  # noqa: SLF001
                "un export SIECLE zippé n'en contient qu'un."
            )

    def _check_member(self, member: zipfile.ZipInfo) -> None:
        """The one export of a zip: a plain name, not encrypted, deflated or stored, of a sane size.

        Nothing is ever extracted to disk, but a name that climbs folders or is absolute has no
        business in a SIECLE export, so it is refused too."""
        name = member.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or ":" in name or "\x00" in name:
            raise ExportRefused(f"{self.name} : l'archive contient un nom de fichier suspect ; rien n'a été importé.")
        if member.flag_bits & 0x1:
            raise ExportRefused(
                f"{self.name} : l'archive est protégée par un mot de passe ; déposez l'export lui-même."
            )
        if member.compress_type not in ZIP_METHODS:
            raise ExportRefused(
                f"{self.name} : méthode de compression non prise en charge ; refaites l'archive en ZIP standard."
            )
        if member.file_size > max_xml_bytes():
            raise _too_big(self.name, member.file_size)

    def open(self, on_read: ProgressCallback | None = None) -> IO[bytes]:
        """The XML bytes, streamed (decompressed on the fly for a zip)."""
        raw = self._raw()
        # A path is ours to close; an uploaded file object stays open for its owner.
        closers: list = [raw] if isinstance(self.source, (str, os.PathLike)) else []
        if self._is_zip:
            try:
                archive = zipfile.ZipFile(raw)
            except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
                for closer in closers:
                    closer.close()
                raise _bad_zip(self.name) from exc
            try:
                # _check_member already refused other compression methods and encrypted entries.
                member = archive.open(self._zip_member)
            except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError) as exc:
                archive.close()
                for closer in closers:
                    closer.close()
                raise _bad_zip(self.name) from exc
            closers = [member, archive, *closers]
            stream: IO[bytes] = member
        else:
            stream = raw
        return io.BufferedReader(_CountingReader(stream, on_read, closers, self.name), buffer_size=64 * 1024)

    def reader(self, on_read: ProgressCallback | None = None) -> ExportReader:
        return ExportReader(self.open(on_read), self.name)

    def header(self) -> ExportHeader:
        """Read only the beginning of the file: kind, school, year."""
        reader = self.reader()
        try:
            return reader.header
        finally:
            reader.close()


class _Malformed(ExportRefused):
    reason = "erreur de syntaxe"


def _parse_error(name: str, exc: ET.ParseError) -> _Malformed:
    line, column = getattr(exc, "position", (0, 0))
    reason = PARSE_REASONS.get(getattr(exc, "code", 0), "erreur de syntaxe")
    error = _Malformed(f"{name} : XML mal formé à la ligne {line}, colonne {column} ({reason}) ; rien n'a été importé.")
    error.reason = reason
    return error


class ExportReader:
    """Streams one export: its header first, then the records of DONNEES."""

    def __init__(self, stream: IO[bytes], name: str):
        self.stream = stream
        self.name = name
        self._counter = stream.raw if isinstance(getattr(stream, "raw", None), _CountingReader) else None
        # defusedxml refuses DTDs, entity declarations and external references (untrusted uploads);
        # a SIECLE export has none of them.
        self._events = iterparse(stream, events=("start", "end"), forbid_dtd=True)
        self._stack: list[ET.Element] = []
        try:
            self.header = self._read_header()
        except BaseException:
            stream.close()
            raise

    def close(self) -> None:
        self.stream.close()

    def _next(self) -> tuple[str, ET.Element] | None:
        try:
            event, elem = next(self._events)
        except StopIteration:
            return None
        except ET.ParseError as exc:
            if self._counter is not None and self._counter.damaged_archive():
                raise _bad_zip(self.name) from exc
            raise _parse_error(self.name, exc) from exc
        except DTDForbidden as exc:
            raise ExportRefused(
                f"{self.name} : le fichier contient une déclaration DOCTYPE, refusée par sécurité ; "
                "un export SIECLE n'en a pas."
            ) from exc
        except DefusedXmlException as exc:
            raise ExportRefused(f"{self.name} : le fichier déclare des entités XML, refusées par sécurité.") from exc
        except (LookupError, UnicodeError, ValueError) as exc:  # unknown or impossible declared encoding
            raise ExportRefused(
                f"{self.name} : l'encodage déclaré dans l'en-tête XML est inconnu ou ne correspond pas au contenu "
                "(attendu : ISO-8859-15 ou UTF-8) ; rien n'a été importé."
            ) from exc
        if event == "start":
            self._stack.append(elem)
            if len(self._stack) > MAX_DEPTH:
                raise ExportRefused(
                    f"{self.name} : éléments XML imbriqués sur plus de {MAX_DEPTH} niveaux ; ce n'est pas un export "
                    "SIECLE ordinaire, rien n'a été importé."
                )
        else:
            self._stack.pop()
        return event, elem

    def _read_header(self) -> ExportHeader:
        try:
            first = self._next()
        except _Malformed as exc:
            raise ExportRefused(
                f"{self.name} : ce n'est pas un export SIECLE (pas un fichier XML lisible : {exc.reason})."
            ) from exc
        if first is None:
            raise ExportRefused(f"{self.name} : fichier vide.")
        root = first[1]
        kind = ROOTS.get(root.tag)
        if kind is None:
            raise ExportRefused(
                f"{self.name} : ce n'est pas un export SIECLE BEE (élément racine « {root.tag[:40]} »)."
            )
        params: dict[str, str] = {}
        while True:
            item = self._next()
            if item is None:
                break
            event, elem = item
            if event == "end" and len(self._stack) == 2 and self._stack[1].tag == "PARAMETRES":
                # A parameter: its text, or (STS exports) its CODE / ANNEE attribute.
                params[elem.tag] = text(elem.text) or text(elem.get("CODE")) or text(elem.get("ANNEE"))
            elif event == "end" and elem.tag == "PARAMETRES":
                root.remove(elem)
                break
            elif event == "start" and len(self._stack) == 2 and elem.tag == "DONNEES":
                break
        self._record_done()
        uaj = params.get("UAJ", "").upper()
        if not uaj:
            raise ExportRefused(f"{self.name} : l'UAJ de l'établissement manque dans PARAMETRES.")
        if not valid_uaj(uaj):
            raise ExportRefused(f"{self.name} : l'UAJ « {uaj[:20]} » de PARAMETRES n'est pas un UAJ valide.")
        year_text = params.get("ANNEE_SCOLAIRE", "")
        if not year_text.isdigit() or not 1990 <= int(year_text) <= 2100:
            raise ExportRefused(f"{self.name} : l'année scolaire manque ou est invalide dans PARAMETRES.")
        return ExportHeader(
            name=self.name,
            kind=kind,
            root=root.tag,
            version=root.get("VERSION", ""),
            uaj=uaj,
            year=int(year_text),
            export_date=params.get("DATE_EXPORT", "") or params.get("HORODATAGE", ""),
        )

    def records(self, wanted: set[str]) -> Iterator[ET.Element]:
        """Each element whose tag is wanted, complete; cleared and detached once consumed."""
        while True:
            item = self._next()
            if item is None:
                return
            event, elem = item
            if event != "end":
                continue
            depth = len(self._stack)
            if elem.tag in wanted:
                yield elem
            elif depth != RECORD_DEPTH:
                continue
            elem.clear()
            if self._stack:
                self._stack[-1].remove(elem)
            self._record_done()

    def _record_done(self) -> None:
        """A record is complete and forgotten: the bytes read so far no longer weigh on memory."""
        if self._counter is not None:
            self._counter.mark = self._counter.count


def fields(elem: ET.Element) -> dict[str, str]:
    """The record's attributes and simple children as text (the first of each tag wins)."""
    values = {k: text(v) for k, v in elem.attrib.items()}
    for child in elem:
        if child.tag not in values or not values[child.tag]:
            values[child.tag] = text(child.text)
    return values
