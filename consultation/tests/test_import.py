"""`manage.py import_consultation`: the documented CSV files, all or nothing, idempotent."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from consultation.models import Absence, AbsenceState, B2iValidation, CompetenceValidation, Evaluation, Mark, MarkStatus
from replication.models import Change
from siecle.factories import DivisionFactory, SchoolFactory, StudentFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_FILES = ["evaluations.csv", "notes.csv", "absences.csv", "lpc.csv", "b2i.csv"]
UAJ = "0990001N"
MODELS = (Evaluation, Mark, Absence, CompetenceValidation, B2iValidation)


@pytest.fixture
def sample_school():
    school = SchoolFactory(uaj=UAJ, name="Collège des échantillons")
    division = DivisionFactory(school=school, code="3A")
    for siecle_id in ("100001", "100002", "100004", "100005"):
        StudentFactory(school=school, division=division, siecle_id=siecle_id)
    return school


def run(*paths, **options) -> str:
    out = io.StringIO()
    call_command("import_consultation", *map(str, paths), stdout=out, **options)
    return out.getvalue()


def refused(*paths, **options) -> str:
    with pytest.raises(CommandError) as info:
        run(*paths, **options)
    assert info.value.returncode == 2
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("Import refusé : ")
    return message


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def samples() -> list[Path]:
    return [SAMPLES / name for name in SAMPLE_FILES]


def journal_size() -> int:
    return Change.objects.count()


def write(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_the_samples_fill_every_kind(sample_school):
    out = run(*samples())

    assert counts() == (3, 9, 5, 3, 3)
    assert "Établissement 0990001N :" in out
    assert "contrôles : 3 ajouté(e)s, 0 modifié(e)s, 0 inchangé(e)s" in out
    assert "notes : 9 ajouté(e)s" in out
    evaluation = Evaluation.objects.get(ref="MAT-3A-02")
    assert (evaluation.coefficient, evaluation.scale, evaluation.publish_on) == (
        Decimal("2"),
        20,
        datetime.date(2026, 10, 20),
    )
    assert evaluation.division.code == "3A" and evaluation.teacher == "M. DURAND"
    mark = Mark.objects.get(evaluation__ref="MAT-3A-01", student__siecle_id="100001")
    assert (mark.status, mark.value) == (MarkStatus.MARKED, Decimal("14.5"))
    assert Mark.objects.get(evaluation__ref="MAT-3A-01", student__siecle_id="100002").status == MarkStatus.ABSENT
    absence = Absence.objects.get(student__siecle_id="100001", date=datetime.date(2026, 10, 5), half_day="A")
    assert (absence.state, absence.reason, absence.school) == (
        AbsenceState.LEGITIMATE,
        "Rendez-vous médical",
        sample_school,
    )
    lpc = CompetenceValidation.objects.get(student__siecle_id="100001", competence=3)
    assert (lpc.validated_on, lpc.entered_on) == (datetime.date(2026, 10, 6), datetime.date(2026, 10, 7))
    assert B2iValidation.objects.get(student__siecle_id="100001", item="2.3").domain == 2


def test_importing_the_same_files_again_changes_and_journals_nothing(sample_school):
    run(*samples())
    stamps = list(Mark.objects.order_by("pk").values_list("updated_at", flat=True))
    before = journal_size()
    assert before > 0  # the first import was journaled for the replication

    out = run(*samples())

    assert journal_size() == before
    assert counts() == (3, 9, 5, 3, 3)
    assert list(Mark.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert "notes : 0 ajouté(e)s, 0 modifié(e)s, 9 inchangé(e)s" in out
    assert "absences : 0 ajouté(e)s, 0 modifié(e)s, 5 inchangé(e)s" in out


def test_a_changed_row_is_updated_and_only_it(sample_school, tmp_path):
    run(*samples())
    before = journal_size()
    notes = (SAMPLES / "notes.csv").read_text().replace("0990001N;MAT-3A-02;100002;8", "0990001N;MAT-3A-02;100002;12")
    changed = tmp_path / "notes.csv"
    changed.write_text(notes)
    absences = write(
        tmp_path / "absences.csv", "UAJ;ELEVE_ID;DATE;DEMI_JOURNEE;ETAT", f"{UAJ};100004;19/10/2026;M;annulée"
    )

    out = run(SAMPLES / "evaluations.csv", changed, absences)

    assert "notes : 0 ajouté(e)s, 1 modifié(e)s, 8 inchangé(e)s" in out
    assert "absences : 0 ajouté(e)s, 1 modifié(e)s, 0 inchangé(e)s" in out
    assert Mark.objects.get(evaluation__ref="MAT-3A-02", student__siecle_id="100002").value == Decimal("12")
    cancelled = Absence.objects.get(student__siecle_id="100004", date=datetime.date(2026, 10, 19))
    assert cancelled.state == AbsenceState.CANCELLED
    # Rows the new files do not name are kept as they were.
    assert Absence.objects.count() == 5
    assert set(Change.objects.filter(id__gt=0).order_by("-id").values_list("label", flat=True)[:2]) == {
        "consultation_mark",
        "consultation_absence",
    }
    assert journal_size() == before + 2


def test_dry_run_reports_and_writes_nothing(sample_school):
    before = journal_size()

    out = run(*samples(), dry_run=True)

    assert "simulation : rien n'a été enregistré" in out
    assert "notes : 9 ajouté(e)s" in out
    assert counts() == (0, 0, 0, 0, 0)
    assert journal_size() == before


def test_uaj_option_for_files_without_uaj_comma_separated_windows_1252(sample_school, tmp_path):
    evaluations = write(
        tmp_path / "ev.csv",
        "REF,DIVISION,MATIERE,LIBELLE,DATE,COEFFICIENT,BAREME,DATE_PUBLICATION",
        'HG-1,3A,HISTOIRE-GEOGRAPHIE,"Évaluation, la Révolution",01/10/2026,"1,5",20,05/10/2026',
        encoding="cp1252",
    )
    marks = write(tmp_path / "n.csv", "\ufeffref;eleve_id;note", "HG-1;100001;13,75")  # UTF-8 with BOM, lower case

    run(evaluations, marks, uaj=UAJ)

    evaluation = Evaluation.objects.get(ref="HG-1")
    assert (evaluation.label, evaluation.coefficient) == ("Évaluation, la Révolution", Decimal("1.5"))
    assert evaluation.marks.get().value == Decimal("13.75")


BAD_FILES = {
    "unknown student": (
        [
            "UAJ;ELEVE_ID;DATE;DEMI_JOURNEE;ETAT",
            f"{UAJ};100005;05/10/2026;M;constatee",
            f"{UAJ};999999;05/10/2026;M;constatee",
        ],
        "bad.csv, ligne 3 : élève ELEVE_ID 999999 inconnu dans l'établissement 0990001N",
    ),
    "bad date": (
        ["UAJ;ELEVE_ID;DATE;DEMI_JOURNEE;ETAT", f"{UAJ};100001;31/02/2026;M;constatee"],
        "ligne 2 : DATE « 31/02/2026 » n'est pas une date JJ/MM/AAAA",
    ),
    "mark above the scale": (
        ["UAJ;REF;ELEVE_ID;NOTE", f"{UAJ};FRA-3A-01;100001;11"],
        "note 11 supérieure au barème du contrôle (10)",
    ),
    "unknown state": (
        ["UAJ;ELEVE_ID;DATE;DEMI_JOURNEE;ETAT", f"{UAJ};100001;05/10/2026;M;excusee"],
        "état « excusee » inconnu",
    ),
    "competence outside 1-7": (
        ["UAJ;ELEVE_ID;COMPETENCE;DATE_VALIDATION;DATE_SAISIE", f"{UAJ};100001;8;06/10/2026;07/10/2026"],
        "COMPETENCE « 8 » hors de 1 à 7",
    ),
    "unknown B2i item": (
        ["UAJ;ELEVE_ID;ITEM_B2I;DATE_VALIDATION", f"{UAJ};100001;9.9;15/10/2026"],
        "item B2i « 9.9 » inconnu",
    ),
    "duplicate key": (
        [
            "UAJ;REF;ELEVE_ID;NOTE",
            f"{UAJ};FRA-3A-01;100005;5",
            f"{UAJ};MAT-3A-01;100005;5",
            f"{UAJ};FRA-3A-01;100005;6",
        ],
        "ligne 4 : même REF et même élève que la ligne 2 de bad.csv (ligne en double)",
    ),
    "missing column": (
        ["UAJ;ELEVE_ID;DATE;DEMI_JOURNEE", f"{UAJ};100001;05/10/2026;M"],
        "bad.csv : fichier de absences sans la colonne ETAT",
    ),
    "unknown header": (
        ["NOM;PRENOM;CLASSE", "DUPONT;Léa;3A"],
        "bad.csv : en-tête non reconnu",
    ),
    "unknown evaluation": (
        ["UAJ;REF;ELEVE_ID;NOTE", f"{UAJ};NOPE;100001;5"],
        "contrôle REF NOPE inconnu",
    ),
    "unknown division": (
        [
            "UAJ;REF;DIVISION;MATIERE;LIBELLE;DATE;COEFFICIENT;BAREME;DATE_PUBLICATION",
            f"{UAJ};X-1;4Z;SVT;Contrôle;01/10/2026;1;20;02/10/2026",
        ],
        "division « 4Z » inconnue",
    ),
    "unknown school": (
        ["UAJ;ELEVE_ID;COMPETENCE;DATE_VALIDATION;DATE_SAISIE", "0990099Z;100001;1;06/10/2026;07/10/2026"],
        "établissement 0990099Z inconnu",
    ),
    "no school at all": (
        ["ELEVE_ID;COMPETENCE;DATE_VALIDATION;DATE_SAISIE", "100001;1;06/10/2026;07/10/2026"],
        "établissement non précisé",
    ),
    "negative mark": (
        ["UAJ;REF;ELEVE_ID;NOTE", f"{UAJ};FRA-3A-01;100001;-1"],
        "NOTE « -1 » : nombre positif",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_one_french_line_and_nothing_written(sample_school, tmp_path, case):
    lines, expected = BAD_FILES[case]
    bad = write(tmp_path / "bad.csv", *lines)
    before = journal_size()

    # The good samples come first in the same import: none of their rows may stay.
    message = refused(*samples(), bad)

    assert expected in message
    assert message.endswith("rien n'a été importé.")
    assert counts() == (0, 0, 0, 0, 0)
    assert journal_size() == before


def test_a_bad_row_after_an_earlier_import_leaves_the_base_as_it_was(sample_school, tmp_path):
    run(*samples())
    before = journal_size()
    bad = write(
        tmp_path / "notes.csv",
        "UAJ;REF;ELEVE_ID;NOTE",
        f"{UAJ};MAT-3A-01;100001;3",  # a change, then a bad row: the change must not stay
        f"{UAJ};MAT-3A-01;100002;25",
    )

    refused(bad)

    assert Mark.objects.get(evaluation__ref="MAT-3A-01", student__siecle_id="100001").value == Decimal("14.5")
    assert journal_size() == before


def test_a_smaller_scale_that_leaves_a_mark_above_it_is_refused(sample_school, tmp_path):
    run(*samples())
    lines = (SAMPLES / "evaluations.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(";1;20;25/09/2026", ";1;10;25/09/2026")  # MAT-3A-01 has a 14,5 and a 17
    smaller = write(tmp_path / "evaluations.csv", *lines)

    message = refused(smaller)

    assert "contrôle REF MAT-3A-01 : barème 10 inférieur à la note 14,5 de l'élève ELEVE_ID 100001" in message
    assert Evaluation.objects.get(ref="MAT-3A-01").scale == 20
    # with the marks corrected in the same import, it goes through
    notes = write(
        tmp_path / "notes.csv", "UAJ;REF;ELEVE_ID;NOTE", f"{UAJ};MAT-3A-01;100001;7", f"{UAJ};MAT-3A-01;100004;8,5"
    )
    run(smaller, notes)
    assert Evaluation.objects.get(ref="MAT-3A-01").scale == 10


def test_rows_of_another_school_than_uaj_are_refused(sample_school, tmp_path):
    other = SchoolFactory()
    message = refused(SAMPLES / "lpc.csv", uaj=other.uaj)
    assert f"établissement 0990001N, pas celui demandé par --uaj ({other.uaj})" in message
    assert counts() == (0, 0, 0, 0, 0)


def test_a_missing_file_is_refused(tmp_path):
    assert "absent.csv : fichier introuvable" in refused(tmp_path / "absent.csv")


def test_a_big_file_is_written_in_batches(sample_school, tmp_path):
    """More rows than one batch: all of them arrive, and a second run finds them unchanged."""
    students = [StudentFactory(school=sample_school, siecle_id=str(200000 + n)) for n in range(30)]
    lines = ["UAJ;ELEVE_ID;DATE;DEMI_JOURNEE;ETAT"]
    start = datetime.date(2026, 9, 1)
    for student in students:
        for day in range(40):
            date = (start + datetime.timedelta(days=day)).strftime("%d/%m/%Y")
            lines.append(f"{UAJ};{student.siecle_id};{date};M;constatee")
    big = write(tmp_path / "absences.csv", *lines)

    assert "absences : 1200 ajouté(e)s" in run(big)
    assert "absences : 0 ajouté(e)s, 0 modifié(e)s, 1200 inchangé(e)s" in run(big)
    assert Absence.objects.count() == 1200


def test_the_sample_files_are_those_the_readme_documents():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name in SAMPLE_FILES:
        header, example = (SAMPLES / name).read_text(encoding="utf-8").splitlines()[:2]
        assert header in readme, name
        assert example in readme, name


def test_from_the_shell_a_refusal_is_one_french_line_and_exit_status_2(tmp_path):
    bad = write(tmp_path / "eleves.csv", "NOM;PRENOM", "DUPONT;Léa")
    done = subprocess.run(  # noqa: S603 — our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "import_consultation", str(bad)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "sqlite:///" + str(tmp_path / "unused.sqlite3")},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Import refusé : eleves.csv : en-tête non reconnu")
