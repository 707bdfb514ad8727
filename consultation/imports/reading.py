"""Reading the consultation CSV files: encoding, separator, header, rows with their line number.

Files come from a spreadsheet or from a SIECLE module's extraction: UTF-8 (with or without
BOM) or, from an older French Excel, Windows-1252. The encoding is decided by one streaming
pass over the bytes (a file that is not valid UTF-8 throughout is read as Windows-1252); the
separator is the header line's `;` (French Excel) or `,`. Rows are then yielded one by one,
so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from siecle.importer.errors import ExportRefused
from siecle.importer.values import text

from .kinds import KINDS, Kind, detect_kind

CHUNK = 1 << 16


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' when the whole file decodes as UTF-8, else 'cp1252'."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


@dataclass
class CsvFile:
    """One consultation file: its kind is read from its header line."""

    path: Path
    kind: Kind
    columns: list[str]
    delimiter: str
    encoding: str

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def open(cls, path: str | Path) -> CsvFile:
        path = Path(path)
        if not path.is_file():
            raise ExportRefused(f"{path.name} : fichier introuvable ; rien n'a été importé.")
        encoding = detect_encoding(path)
        with path.open(encoding=encoding, errors="replace", newline="") as stream:
            first = stream.readline()
        if not first.strip():
            raise ExportRefused(f"{path.name} : fichier vide (ligne d'en-tête attendue) ; rien n'a été importé.")
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        columns = [text(c).upper() for c in next(csv.reader([first], delimiter=delimiter))]
        kind = detect_kind(path.name, columns)
        return cls(path=path, kind=kind, columns=columns, delimiter=delimiter, encoding=encoding)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, column -> trimmed value) for every non-blank line after the header."""
        with self.path.open(encoding=self.encoding, newline="") as stream:
            reader = csv.reader(stream, delimiter=self.delimiter)
            next(reader, None)
            width = len(self.columns)
            try:
                for values in reader:
                    line = reader.line_num
                    if not any(v.strip() for v in values):
                        continue
                    if len(values) > width:
                        raise ExportRefused(
                            f"{self.name}, ligne {line} : {len(values)} valeurs pour {width} colonnes "
                            "(séparateur dans une valeur non entourée de guillemets ?) ; rien n'a été importé."
                        )
                    values += [""] * (width - len(values))
                    yield line, {c: text(v) for c, v in zip(self.columns, values, strict=True)}
            except csv.Error as exc:
                raise ExportRefused(
                    f"{self.name}, ligne {reader.line_num} : ligne CSV illisible ({exc}) ; rien n'a été importé."
                ) from exc


__all__ = ["KINDS", "CsvFile", "detect_encoding"]
