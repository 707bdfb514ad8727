"""In chromium with a real Celery worker: a school head uploads a big generated export, reads the
preview, applies it, reads the report; too big, other school's and malformed files get French messages and
write nothing. Screenshots go to $QA_SCREENSHOTS when set (for a human look)."""

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import axe_violations, browser_sign_in
from jobs.models import Job, JobState
from siecle.models import Guardian, GuardianLink, Student
from siecle.tests.exports import StudentRow, write_students_export

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases="__all__")]

SHOTS = os.environ.get("QA_SCREENSHOTS")
ROOT = Path(__file__).resolve().parents[2]


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def generated(tmp_path, uaj: str, students: int) -> tuple[Path, Path]:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from _siecle_exports import generate

    return generate(tmp_path, uaj=uaj, students=students)


def upload(page, path: Path) -> None:
    page.goto("/import/")
    page.get_by_label("Export SIECLE").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Voir l'aperçu de l'import").click()


def preview_then_apply(page, path: Path) -> None:
    upload(page, path)
    expect(page.get_by_text("rien n'a encore été enregistré")).to_be_visible(timeout=120_000)
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer cet import").click()
    expect(page.get_by_text("Import terminé pour")).to_be_visible(timeout=120_000)


def counts() -> tuple[int, int, int, int]:
    return (Student.objects.count(), Guardian.objects.count(), GuardianLink.objects.count(), Job.objects.count())


def test_a_big_export_is_previewed_then_applied(celery_worker, page, head, school, tmp_path, settings):
    folder = Path(settings.MEDIA_ROOT) / "imports"
    files_before = set(folder.iterdir()) if folder.exists() else set()
    eleves, responsables = generated(tmp_path, school.uaj, 6000)
    zipped = tmp_path / "ExportXML_ResponsablesAvecAdresses.zip"
    with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(responsables, "ResponsablesAvecAdresses.xml")
    browser_sign_in(page, "chef")

    upload(page, eleves)
    expect(page.get_by_role("progressbar", name="Avancement de l'aperçu")).to_be_visible()
    shot(page, "01-progress")
    expect(page.get_by_text("rien n'a encore été enregistré")).to_be_visible(timeout=120_000)
    assert not Student.objects.exists()  # nothing written before the confirmation
    expect(page.get_by_role("row", name=re.compile("^Élèves 6000 0 0"))).to_be_visible()
    shot(page, "01b-preview-students")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer cet import").click()
    expect(page.get_by_text("Import terminé pour")).to_be_visible(timeout=120_000)
    shot(page, "02-report-students")
    assert axe_violations(page) == []
    # The long lists (students without INE...) are folded: the rejections come first.
    without_ine = page.locator("details", has_text="Élèves sans INE")
    expect(without_ine.locator("li").first).to_be_hidden()
    without_ine.locator("summary").click()
    expect(without_ine.locator("li").first).to_be_visible()

    preview_then_apply(page, zipped)
    shot(page, "03-report-guardians")
    expect(page.locator("main")).to_contain_text("Liens élève–responsable")
    assert Student.objects.filter(school=school).count() == 6000
    assert GuardianLink.objects.filter(student__school=school, legal_rank__gt=0).exists()
    assert Job.objects.filter(state=JobState.DONE).count() == 4  # two previews, two imports
    assert set(folder.iterdir()) == files_before  # applied files are removed


def test_refused_uploads_are_explained_in_french_and_write_nothing(
    celery_worker, page, head, school, other_school, tmp_path, settings
):
    browser_sign_in(page, "chef")
    before = counts()
    folder = Path(settings.MEDIA_ROOT) / "imports"
    files_before = set(folder.iterdir()) if folder.exists() else set()

    other = tmp_path / "ElevesSansAdresses.xml"
    with other.open("wb") as out:
        write_students_export(out, uaj=other_school.uaj, year=2026, students=[StudentRow("1", "A", "B")])
    upload(page, other)
    expect(page.get_by_text(f"l'export de l'établissement {other_school.uaj}, pas du vôtre")).to_be_visible()
    shot(page, "04-other-school")

    malformed = tmp_path / "Eleves.xml"
    malformed.write_bytes(b"<?xml version='1.0'?><BEE_ELEVES><PARAMETRES><UAJ>")
    upload(page, malformed)
    expect(page.get_by_text("XML mal formé à la ligne 1")).to_be_visible()
    shot(page, "05-malformed")

    pdf = tmp_path / "export.xml"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    upload(page, pdf)
    expect(page.get_by_text("ce n'est pas un export SIECLE")).to_be_visible()

    settings.SIECLE_UPLOAD_MAX_BYTES = 1024
    big = io.BytesIO()
    write_students_export(
        big, uaj=school.uaj, year=2026, students=[StudentRow(str(i), "NOM", "Prénom") for i in range(100)]
    )
    big_file = tmp_path / "gros.xml"
    big_file.write_bytes(big.getvalue())
    upload(page, big_file)
    expect(page.get_by_text("Le fichier est trop volumineux")).to_be_visible()
    shot(page, "06-too-big")
    assert axe_violations(page) == []

    assert counts() == before
    assert (set(folder.iterdir()) if folder.exists() else set()) == files_before
