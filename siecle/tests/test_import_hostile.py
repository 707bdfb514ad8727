"""Hostile or broken files: each is refused with one French line, exit status 2, nothing written,
memory bounded (XML bombs, external entities, zip bombs, path traversal, wrong encodings)."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from siecle.factories import AcademyFactory
from siecle.importer import ExportFile, ExportRefused, import_exports
from siecle.models import Division, Guardian, GuardianLink, Mef, School, Student

pytestmark = pytest.mark.django_db

HEAD = '<?xml version="1.0" encoding="ISO-8859-15"?>\n'
PARAMS = "<PARAMETRES><UAJ>0990001A</UAJ><ANNEE_SCOLAIRE>2025</ANNEE_SCOLAIRE></PARAMETRES>"
NOMENCLATURE = (
    f'{HEAD}<BEE_NOMENCLATURES VERSION="3.1">{PARAMS}<DONNEES><MEFS>{{mefs}}</MEFS></DONNEES></BEE_NOMENCLATURES>'
)
STUDENTS = f'<BEE_ELEVES VERSION="3.0">{PARAMS}<DONNEES><ELEVES><ELEVE ELEVE_ID="1"><NOM_DE_FAMILLE>{{name}}</NOM_DE_FAMILLE></ELEVE></ELEVES></DONNEES></BEE_ELEVES>'
LOL = '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'


@pytest.fixture(autouse=True)
def academy(db):
    return AcademyFactory()


def base_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (School, Mef, Division, Student, Guardian, GuardianLink))


def refused(path: Path) -> str:
    before = base_counts()
    with pytest.raises(CommandError) as info:
        call_command("import_siecle", str(path), stdout=io.StringIO())
    assert info.value.returncode == 2
    message = str(info.value)
    assert "\n" not in message and message.startswith("Import refusé : ")
    assert "Traceback" not in message
    assert base_counts() == before
    return message


def xml(tmp_path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("iso-8859-15") if isinstance(content, str) else content)
    return path


def zipped(tmp_path, name: str, entries: dict[str, str | bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)
    return path


def test_a_billion_laughs_is_refused_as_a_doctype(tmp_path):
    message = refused(xml(tmp_path, "bomb.xml", HEAD + LOL + STUDENTS.format(name="&c;")))
    assert "DOCTYPE" in message and "sécurité" in message


def test_an_external_entity_is_refused_and_never_read(tmp_path):
    content = HEAD + '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n' + STUDENTS.format(name="&e;")
    assert "sécurité" in refused(xml(tmp_path, "xxe.xml", content))
    assert not Student.objects.exists()


def test_an_external_dtd_is_refused(tmp_path):
    content = HEAD + '<!DOCTYPE BEE_ELEVES SYSTEM "http://127.0.0.1:9/x.dtd">\n' + STUDENTS.format(name="A")
    assert "DOCTYPE" in refused(xml(tmp_path, "dtd.xml", content))


def test_an_entity_used_without_declaration_is_malformed_xml(tmp_path):
    assert "entité non définie" in refused(xml(tmp_path, "late.xml", HEAD + STUDENTS.format(name="&c;")))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "fichier vide ou tronqué"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n", "pas un fichier XML lisible"),
        (bytes(range(256)) * 20, "pas un fichier XML lisible"),
    ],
    ids=["empty", "pdf", "binary"],
)
def test_what_is_not_xml_is_refused_in_french(tmp_path, content, reason):
    assert reason in refused(xml(tmp_path, "eleves.xml", content))


def test_an_unknown_declared_encoding_is_refused_without_a_traceback(tmp_path):
    content = HEAD.replace("ISO-8859-15", "KLINGON-9") + STUDENTS.format(name="A")
    assert "encodage déclaré" in refused(xml(tmp_path, "eleves.xml", content))


def test_latin_bytes_declared_as_utf8_are_refused_with_a_hint(tmp_path):
    content = (HEAD.replace("ISO-8859-15", "UTF-8") + STUDENTS.format(name="Allée")).encode("iso-8859-15")
    message = refused(xml(tmp_path, "eleves.xml", content))
    assert "encodage" in message and "not well-formed" not in message


def test_a_truncated_file_of_an_unknown_school_creates_nothing(tmp_path):
    content = HEAD + STUDENTS.format(name="A")[:-40]
    assert "tronqué" in refused(xml(tmp_path, "eleves.xml", content))
    assert not School.objects.filter(uaj="0990001A").exists()


@pytest.mark.parametrize("entry", ["../../../tmp/x.xml", "/etc/x.xml", "C:/x.xml"])
def test_a_zip_entry_with_a_suspect_name_is_refused(tmp_path, entry):
    path = zipped(tmp_path, "export.zip", {entry: NOMENCLATURE.format(mefs="")})
    assert "nom de fichier suspect" in refused(path)
    assert not (Path("/") / "tmp" / "x.xml").exists()


def test_an_encrypted_zip_is_refused(tmp_path):
    path = zipped(tmp_path, "export.zip", {"Nomenclature.xml": NOMENCLATURE.format(mefs="")})
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag in the local and central headers.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    path.write_bytes(bytes(data))
    assert "mot de passe" in refused(path)


def test_a_zip_whose_entry_declares_a_huge_size_is_refused_before_reading(tmp_path, settings):
    settings.SIECLE_IMPORT_MAX_XML_BYTES = 1024 * 1024
    mefs = "".join(f'<MEF CODE_MEF="{i}"><FORMATION>F{i}</FORMATION></MEF>' for i in range(40_000))
    path = zipped(tmp_path, "export.zip", {"Nomenclature.xml": NOMENCLATURE.format(mefs=mefs)})
    assert path.stat().st_size < 1024 * 1024
    assert "trop volumineux une fois décompressé" in refused(path)


def test_a_zip_entry_that_inflates_past_its_declared_size_stops_at_the_limit(tmp_path, settings):
    """The declared size can lie: the bytes really read are counted too."""
    mefs = "".join(f'<MEF CODE_MEF="{i}"><FORMATION>F{i}</FORMATION></MEF>' for i in range(5_000))
    export = ExportFile(zipped(tmp_path, "export.zip", {"Nomenclature.xml": NOMENCLATURE.format(mefs=mefs)}))
    settings.SIECLE_IMPORT_MAX_XML_BYTES = 64 * 1024  # after the check of the declared size, as if it lied
    before = base_counts()
    with pytest.raises(ExportRefused, match="trop volumineux"):
        import_exports([export])
    assert base_counts() == before


def test_one_huge_text_is_refused_before_it_fills_the_memory(tmp_path, settings):
    settings.SIECLE_IMPORT_MAX_RECORD_BYTES = 256 * 1024
    mefs = f'<MEF CODE_MEF="1"><FORMATION>{"A" * 1024 * 1024}</FORMATION></MEF>'
    message = refused(zipped(tmp_path, "export.zip", {"Nomenclature.xml": NOMENCLATURE.format(mefs=mefs)}))
    assert "sans un enregistrement complet" in message


def test_many_small_records_are_not_mistaken_for_a_huge_one(tmp_path, settings):
    settings.SIECLE_IMPORT_MAX_RECORD_BYTES = 160 * 1024  # above the 64 KiB read buffer
    mefs = "".join(f'<MEF CODE_MEF="{i}"><FORMATION>F{i}</FORMATION></MEF>' for i in range(30_000))
    call_command("import_siecle", str(xml(tmp_path, "n.xml", NOMENCLATURE.format(mefs=mefs))), stdout=io.StringIO())
    assert Mef.objects.count() == 30_000


@pytest.mark.parametrize(("target", "reason"), [("missing.xml", "fichier introuvable"), ("", "c'est un dossier")])
def test_a_missing_file_or_a_folder_is_refused_in_french(tmp_path, target, reason):
    assert reason in refused(tmp_path / target)


def test_from_the_shell_a_refusal_is_one_french_line_and_exit_status_2(tmp_path):
    path = xml(tmp_path, "bomb.xml", HEAD + LOL + STUDENTS.format(name="&c;"))
    done = subprocess.run(  # noqa: S603 — our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "import_siecle", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "sqlite:///" + str(tmp_path / "unused.sqlite3")},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "Import refusé : bomb.xml : le fichier contient une déclaration DOCTYPE, refusée par sécurité ; "
        "un export SIECLE n'en a pas."
    ]


def test_an_unknown_school_is_created_and_the_report_says_so_once(tmp_path):
    out = io.StringIO()
    call_command("import_siecle", str(xml(tmp_path, "n.xml", NOMENCLATURE.format(mefs=""))), stdout=out)
    assert "Établissement 0990001A, inconnu : créé sous le nom provisoire « Établissement 0990001A »" in (
        out.getvalue()
    )
    assert School.objects.filter(uaj="0990001A").exists()


def test_a_zip_of_very_many_entries_is_refused_before_they_are_listed(tmp_path, monkeypatch):
    entries = {f"f{i}.txt": "" for i in range(150)}
    entries["Nomenclature.xml"] = NOMENCLATURE.format(mefs="")
    path = zipped(tmp_path, "export.zip", entries)
    listed = []
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: listed.append(1))
    assert "l'archive contient 151 fichiers" in refused(path)
    assert listed == []


def test_tags_nested_deeper_than_any_bee_export_are_refused(tmp_path):
    """8 MB of nested tags once drove a worker from 74 MB to 818 MB: refused at the 9th level."""
    nested = "<A>" * 200_000
    message = refused(xml(tmp_path, "deep.xml", NOMENCLATURE.format(mefs=f'<MEF CODE_MEF="1">{nested}')))
    assert "imbriqués sur plus de 8 niveaux" in message


def test_the_real_samples_nest_within_the_depth_limit():
    from siecle.importer.reading import MAX_DEPTH

    samples = Path(__file__).parent / "data" / "samples"
    export = ExportFile(samples / "dossiersco_eleves_avec_adresse_avec_double_structure.xml")  # 6 levels
    assert import_exports([export], dry_run=True).counts["students"].created > 0
    assert MAX_DEPTH == 8


def test_the_record_size_cap_is_one_megabyte_by_default(tmp_path):
    mefs = f'<MEF CODE_MEF="1"><FORMATION>{"A" * 1536 * 1024}</FORMATION></MEF>'
    assert "plus de 1,0\xa0Mio lus sans un enregistrement complet" in refused(
        xml(tmp_path, "n.xml", NOMENCLATURE.format(mefs=mefs))
    )


def corrupt_member(path: Path, *, flip_at: int | None = None, cut_to: int | None = None) -> Path:
    """Damage the compressed bytes of the zip's only member, in place (the central directory stays)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    header = info.header_offset
    name_len, extra_len = (
        int.from_bytes(data[header + 26 : header + 28], "little"),
        int.from_bytes(data[header + 28 : header + 30], "little"),
    )
    start = header + 30 + name_len + extra_len
    if flip_at is not None:
        data[start + flip_at] ^= 0xFF
        path.write_bytes(bytes(data))
    if cut_to is not None:  # the member's bytes are cut, the rest of the archive stays in place
        end = start + info.compress_size
        path.write_bytes(bytes(data[: start + cut_to]) + bytes(end - start - cut_to) + bytes(data[end:]))
    return path


def big_nomenclature_zip(tmp_path, name="export.zip") -> Path:
    mefs = "".join(
        f'<MEF CODE_MEF="{i}"><FORMATION>Formation {i * 7919 % 10007}</FORMATION></MEF>' for i in range(3000)
    )
    return zipped(tmp_path, name, {"Nomenclature.xml": NOMENCLATURE.format(mefs=mefs)})


def test_a_zip_with_a_bad_crc_is_refused_in_french(tmp_path):
    path = big_nomenclature_zip(tmp_path)
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    data = bytearray(path.read_bytes())
    data[info.header_offset + 14] ^= 0xFF  # the CRC of the local header...
    data[data.rfind(b"PK\x01\x02") + 16] ^= 0xFF  # ...and of the central directory: a lying CRC
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive, pytest.raises(zipfile.BadZipFile, match="CRC"):
        archive.read(archive.infolist()[0])
    assert "archive zip illisible ou abîmée" in refused(path)


def test_a_zip_with_a_damaged_member_is_refused_in_french(tmp_path):
    path = corrupt_member(big_nomenclature_zip(tmp_path), flip_at=2000)
    assert "archive zip illisible ou abîmée" in refused(path)


def test_a_zip_with_a_truncated_member_is_refused_in_french(tmp_path):
    path = corrupt_member(big_nomenclature_zip(tmp_path), cut_to=3000)
    assert "archive zip illisible ou abîmée" in refused(path)
