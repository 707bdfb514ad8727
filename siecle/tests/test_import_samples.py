"""Every real sample export imports or is refused cleanly; zips, encodings, refusals."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from siecle.factories import AcademyFactory
from siecle.importer import ExportFile, ExportRefused, import_exports
from siecle.models import Division, Guardian, GuardianLink, Mef, School, Student

pytestmark = pytest.mark.django_db

# Real exports from public projects, byte for byte; provenance and licences in SOURCES.md there.
SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
BROKEN = "dossiersco_eleves_avec_adresse_simple.xml"
PIX = "pix_siecle-with-two-valid-students-and-school-year.xml"
SAMPLE_FILES = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in {".xml", ".zip"})


@pytest.fixture(autouse=True)
def academy(db):
    return AcademyFactory()


def run(*paths, **options) -> str:
    out = io.StringIO()
    call_command("import_siecle", *map(str, paths), stdout=out, **options)
    return out.getvalue()


def refused(*paths, **options) -> str:
    with pytest.raises(CommandError) as info:
        run(*paths, **options)
    assert info.value.returncode == 2
    message = str(info.value)
    assert "\n" not in message
    return message


def base_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (School, Mef, Division, Student, Guardian, GuardianLink))


def test_the_samples_are_all_there():
    assert len(SAMPLE_FILES) == 10 and BROKEN in SAMPLE_FILES


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_sample_imports_or_is_refused_with_one_clear_line(name):
    if name in {BROKEN, PIX}:
        message = refused(SAMPLES / name)
        assert name in message
    else:
        out = run(SAMPLES / name)
        assert out.startswith("Import terminé.")
        assert "Enregistrements rejetés" in out


def test_the_malformed_sample_is_refused_and_writes_nothing():
    before = base_counts()
    message = refused(SAMPLES / BROKEN)
    assert "XML mal formé à la ligne 139" in message
    assert base_counts() == before
    assert not School.objects.filter(uaj="0752387M").exists()


def test_the_malformed_sample_with_a_valid_one_writes_nothing_at_all():
    before = base_counts()
    with pytest.raises(ExportRefused):
        import_exports([ExportFile(SAMPLES / "dossiersco_nomenclature_simple.xml"), ExportFile(SAMPLES / BROKEN)])
    assert base_counts() == before


def test_the_double_structure_student_gets_the_division_not_the_group():
    out = run(SAMPLES / "dossiersco_eleves_avec_adresse_avec_double_structure.xml")
    student = Student.objects.get(siecle_id="1541944")
    assert student.school.uaj == "0660864F"
    assert (student.last_name, student.first_name, student.ine) == ("ESCAGLIA", "Jeanine", "070876696HA")
    assert student.division.code == "301"
    assert student.birth_date.isoformat() == "2002-06-21"
    assert student.sex == "M"
    assert student.mef.code == "10310019110"
    assert not Division.objects.filter(code="_301P1").exists()
    assert "divisions : 1 / 0 / 0 / 0 / 1" in out


def test_the_guardians_sample_shares_one_address_and_rejects_links_to_unknown_students():
    out = run(SAMPLES / "dossiersco_responsables_avec_adresses_simple.xml")
    guardians = Guardian.objects.filter(school__uaj="0140070A").order_by("siecle_id")
    assert [g.last_name for g in guardians] == ["LOVELACE", "ROCK", "TRUC"]
    for g in guardians:
        assert g.address_lines == ["18 RUE DES HOMMETS", "MEZIDON CANON", "14270 MEZIDON VALLEE D AUGE"]
        assert g.civility == "MME"
    assert guardians[1].email == "rock33445570@hotmail.fr"
    assert GuardianLink.objects.count() == 0
    assert "lien ELEVE_ID 610308 / PERSONNE_ID 209401 : élève inconnu" in out


def test_the_nomenclature_zip_imports_like_its_xml():
    run(SAMPLES / "dossiersco_ExportXML_Nomenclature_arago_2018-19_au_8juil19.zip")
    codes = set(Mef.objects.filter(school__uaj="0750680G").values_list("code", "label"))
    assert ("10310019110", "3EME") in codes
    out = run(SAMPLES / "dossiersco_Nomenclature-2018-19.xml")
    assert "MEF : 0 / 0 / 89 / 0 / 0" in out


def test_the_school_year_comes_from_parametres():
    run(SAMPLES / "dossiersco_nomenclature_simple.xml")
    school = School.objects.get(uaj="0140070A")
    assert school.school_year_label == "2018-2019"


def test_the_pix_sample_is_refused_for_its_invalid_uaj_and_imports_once_corrected(tmp_path):
    assert "UAJ « 123ABC »" in refused(SAMPLES / PIX)
    fixed = tmp_path / "pix.xml"
    fixed.write_bytes((SAMPLES / PIX).read_bytes().replace(b"123ABC", b"0780001A"))
    run(fixed)
    students = {s.siecle_id: s for s in Student.objects.filter(school__uaj="0780001A")}
    assert set(students) == {"0001", "0002"}  # leading zeros kept
    assert students["0002"].last_name == "COVERT"
    assert students["0002"].division.code == "4A"  # after a group
    assert students["0001"].mef.code == "123456789"


def test_a_utf8_export_with_a_byte_order_mark_keeps_its_accents(tmp_path):
    source = (SAMPLES / PIX).read_bytes().replace(b"123ABC", b"0780001A").decode("iso-8859-15")
    utf8 = tmp_path / "utf8.xml"
    utf8.write_bytes(b"\xef\xbb\xbf" + source.replace("ISO-8859-15", "UTF-8").replace("HANDMADE", "HÉLOÏSE-Œ").encode())
    run(utf8)
    assert Student.objects.get(siecle_id="0001").last_name == "HÉLOÏSE-Œ"


def test_a_zip_is_detected_by_content_whatever_its_name(tmp_path):
    odd = tmp_path / "export.bin"
    shutil.copy(SAMPLES / "dossiersco_ExportXML_Nomenclature_arago_2018-19_au_8juil19.zip", odd)
    assert "MEF : 89 / 0 / 0 / 0 / 0" in run(odd)


def test_an_empty_zip_is_refused(tmp_path):
    empty = tmp_path / "vide.zip"
    with zipfile.ZipFile(empty, "w"):
        pass
    assert "archive zip est vide" in refused(empty)


def test_a_zip_with_two_xml_files_is_refused(tmp_path):
    double = tmp_path / "double.zip"
    with zipfile.ZipFile(double, "w") as archive:
        archive.write(SAMPLES / "dossiersco_nomenclature_simple.xml", "Nomenclature.xml")
        archive.write(SAMPLES / "dossiersco_responsables_avec_adresses_simple.xml", "Responsables.xml")
    before = base_counts()
    assert "contient 2 fichiers XML" in refused(double)
    assert base_counts() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.4 not xml at all", "pas un fichier XML lisible"),
        (b'<?xml version="1.0"?><html><body/></html>', "pas un export SIECLE BEE"),
        (b'<?xml version="1.0"?><BEE_ELEVES VERSION="3.0"><DONNEES/></BEE_ELEVES>', "UAJ de l'établissement manque"),
        (b"", "pas un fichier XML lisible"),
    ],
)
def test_a_file_that_is_not_a_siecle_export_is_refused(tmp_path, content, expected):
    path = tmp_path / "autre.xml"
    path.write_bytes(content)
    assert expected in refused(path)


def test_a_file_of_another_school_is_refused_with_uaj():
    before = base_counts()
    message = refused(SAMPLES / "dossiersco_nomenclature_simple.xml", uaj="0780001A")
    assert "établissement 0140070A, pas de 0780001A" in message
    assert base_counts() == before


def test_two_files_of_two_schools_are_refused():
    message = refused(SAMPLES / "dossiersco_nomenclature_simple.xml", SAMPLES / "dossiersco_Nomenclature-2018-19.xml")
    assert "plusieurs établissements" in message


def test_dry_run_reports_and_writes_nothing():
    before = base_counts()
    out = run(SAMPLES / "dossiersco_eleves_avec_adresse_avec_double_structure.xml", dry_run=True)
    assert out.startswith("Simulation")
    assert "élèves : 1 / 0 / 0 / 0 / 0" in out
    assert base_counts() == before


def test_students_and_guardians_in_one_run_import_links(tmp_path):
    """The guardians sample's students, given by a students export of the same school."""
    students = tmp_path / "eleves.xml"
    students.write_bytes(
        (SAMPLES / "dossiersco_eleves_avec_adresse_avec_double_structure.xml")
        .read_bytes()
        .replace(b"0660864F", b"0140070A")
        .replace(b"1541944", b"610308")
    )
    out = run(SAMPLES / "dossiersco_responsables_avec_adresses_simple.xml", students)
    links = GuardianLink.objects.filter(student__siecle_id="610308").order_by("legal_rank")
    # Both mothers (CODE_PARENTE 10) at level 1: ordered by PERSONNE_ID.
    assert [(link.guardian.siecle_id, link.legal_rank) for link in links] == [("209401", 1), ("209406", 2)]
    assert "liens élève–responsable : 2 / 0 / 0 / 0 / 0" in out


def test_a_file_declaring_entities_is_refused(tmp_path):
    path = tmp_path / "entites.xml"
    path.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<BEE_ELEVES VERSION="3.0"><PARAMETRES><UAJ>0780001A</UAJ><ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE>'
        b"</PARAMETRES><DONNEES><ELEVES><ELEVE ELEVE_ID='1'><NOM>&b;</NOM></ELEVE></ELEVES></DONNEES></BEE_ELEVES>"
    )
    assert "refusée par sécurité" in refused(path)
    assert not Student.objects.exists()
