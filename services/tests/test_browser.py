"""In chromium: the welcome message's counter, preview and link button; the notes-dates screen."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import axe_violations, browser_sign_in
from services.models import NotesPublicationDate
from services.selectors import letter_settings, notes_publication, welcome_message_html
from services.services import notes_dates_add, notes_mode_set
from services.welcome import sanitize
from siecle.factories import EntFactory

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_counter_and_preview_follow_the_typing_and_links_are_made_from_a_selection(page, head, school):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_sign_in(page, "chef")
    page.goto(reverse("services:welcome_message"))
    counter = page.locator("#welcome-counter")
    preview = page.locator("#welcome-preview")
    assert counter.inner_text() == "0/1000"
    box = page.get_by_label("Message d'accueil")
    box.fill("Bonjour,\nPortes ouvertes le 15 mai.")
    assert counter.inner_text() == "35/1000"
    assert preview.inner_text() == "Bonjour,\nPortes ouvertes le 15 mai."
    assert preview.locator("br").count() == 1

    # Select "Portes ouvertes" and make it a link.
    box.evaluate("el => el.setSelectionRange(9, 24)")
    page.get_by_label("Adresse du lien").fill("https://college.example/jpo")
    page.get_by_role("button", name="Créer le lien").click()
    assert box.input_value() == 'Bonjour,\n<a href="https://college.example/jpo">Portes ouvertes</a> le 15 mai.'
    link = preview.get_by_role("link", name="Portes ouvertes")
    assert link.get_attribute("href") == "https://college.example/jpo"
    assert counter.inner_text() == "35/1000"  # the address does not count
    assert axe_violations(page) == []  # the link in the preview is readable on its background

    # "www." and a bare e-mail address are completed.
    box.evaluate("el => el.setSelectionRange(0, 7)")
    page.get_by_label("Adresse du lien").fill("www.college.example")
    page.get_by_role("button", name="Créer le lien").click()
    assert preview.get_by_role("link", name="Bonjour").get_attribute("href") == "https://www.college.example"
    box.fill("Écrivez au secrétariat.")
    box.evaluate("el => el.setSelectionRange(11, 22)")
    page.get_by_label("Adresse du lien").fill("secretariat@college.example")
    page.get_by_role("button", name="Créer le lien").click()
    assert preview.get_by_role("link", name="secrétariat").get_attribute("href") == "mailto:secretariat@college.example"

    # A javascript: address is refused by the link button.
    box.evaluate("el => el.setSelectionRange(0, 7)")
    page.get_by_label("Adresse du lien").fill("javascript:alert(1)")
    page.get_by_role("button", name="Créer le lien").click()
    assert "http://, https:// ou mailto:" in page.locator("#welcome-link-error").inner_text()

    # Pasted script never runs in the preview, nor after saving.
    box.fill(
        'Salut<script>alert("x")</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)" onclick="alert(4)">clic</a>'
    )
    assert preview.inner_text() == "Salutclic"
    assert preview.locator("script, img, [onclick]").count() == 0
    assert preview.locator("a").count() == 0
    preview.get_by_text("clic").click()
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert "Le message d'accueil est enregistré." in page.inner_text("main")
    assert welcome_message_html(school=school) == "Salutclic"
    page.wait_for_timeout(200)
    assert dialogs == []

    # Over the limit the counter turns red; the server refuses and keeps the text.
    box = page.get_by_label("Message d'accueil")
    box.fill("a" * 1001)
    assert counter.inner_text() == "1001/1000"
    assert "text-danger" in counter.get_attribute("class")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert "1001 caractères" in page.inner_text("main")
    assert page.get_by_label("Message d'accueil").input_value() == "a" * 1001
    assert axe_violations(page) == []


def test_the_head_dates_the_notes_per_couple_in_the_browser(page, head, notes_open, couples):
    notes_mode_set(school=notes_open, mode="deadline", by=head)
    notes_dates_add(school=notes_open, date=datetime.date(2026, 12, 18), couples=couples[1:2], by=head)
    browser_sign_in(page, "chef")
    page.goto(reverse("services:notes"))
    table = page.locator("#notes-couples")
    assert table.locator("tbody tr").count() == 3
    assert axe_violations(page) == []

    # "Check all" then add a date to every checked couple.
    page.get_by_label("Cocher tous les couples").check()
    assert table.locator("tbody input:checked").count() == 3
    page.get_by_label("Date à ajouter").fill("2027-03-26")
    page.get_by_role("button", name="Ajouter aux couples cochés").click()
    page.wait_for_load_state()
    assert "Date du 26/03/2027 ajoutée à 3 couple(s)" in page.inner_text("main")
    assert page.locator("#notes-couples tbody").inner_text().count("26/03/2027") == 3

    # Pick a date to remove: the button checks exactly the couples that have it.
    page.get_by_label("Date à supprimer").select_option(label="18/12/2026")
    page.get_by_role("button", name="Cocher les couples ayant cette date").click()
    checked = page.locator("#notes-couples tbody input:checked")
    assert checked.count() == 1
    assert checked.get_attribute("value") == f"{couples[1][0]}-{couples[1][1]}"
    page.get_by_role("button", name="Supprimer des couples cochés").click()
    page.wait_for_load_state()
    assert "Date du 18/12/2026 supprimée pour 1 couple(s)" in page.inner_text("main")
    assert set(notes_publication(school=notes_open).dates[couples[1]]) == {datetime.date(2027, 3, 26)}

    # Back to "au fil de l'eau": a confirmation page, then the dates are gone.
    page.get_by_label("Au fil de l'eau").check()
    page.get_by_role("button", name="Valider").first.click()
    page.wait_for_load_state()
    assert "Les dates de publication vont être supprimées." in page.inner_text("main")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Oui, publier au fil de l'eau").click()
    page.wait_for_load_state()
    assert "au fil de l'eau" in page.inner_text("main")
    assert not NotesPublicationDate.objects.filter(school=notes_open).exists()


def test_the_ent_list_shows_only_for_the_ent_letter_types(page, head, school):
    ent = EntFactory(academy=school.academy, location="YVELINES", description="ENT 78")
    browser_sign_in(page, "chef")
    page.goto(reverse("services:letter"))
    ent_select = page.get_by_label("ENT à associer au courrier (localisation, description, adresse)")
    assert not ent_select.is_visible()
    page.get_by_label("Mixte ENT/Téléservices").check()
    assert ent_select.is_visible()
    ent_select.select_option(value=str(ent.pk))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert letter_settings(school=school).ent == ent
    page.get_by_label("Téléservices", exact=True).check()
    assert not ent_select.is_visible()


def test_the_settings_pages_are_accessible_once_services_are_open(page, head, notes_open, lpc_open, couples):
    notes_mode_set(school=notes_open, mode="deadline", by=head)
    notes_dates_add(school=notes_open, date=datetime.date(2026, 12, 18), couples=couples, by=head)
    browser_sign_in(page, "chef")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    names = (
        "staff:home",
        "services:opening",
        "services:notes",
        "services:lpc",
        "services:contact",
        "services:absences",
    )
    for name in names:
        page.goto(reverse(name))
        page.screenshot(path=str(SCREENSHOTS / f"open-{name.replace(':', '-')}.png"), full_page=True)
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert problems == {}


PREVIEW_PARITY = [
    '<script>alert("s")</script>Bonjour',
    "<svg><script>alert(1)</script><a href=https://x.example>svg</a>T</svg>après",
    "<math><mi>m</mi></math>après",
    "<template>caché</template>vu",
    "<img src=x onerror=alert(1)>image",
    '<a href="javascript:alert(1)">js</a> <a href="java&#x09;script:alert(1)">tab</a>',
    '<a href="data:text/html,x">data</a> <a href="/admin/">relatif</a>',
    '<a href="https://a.example/?q=1&amp;r=2">un</a><a href="https://b.example">dans <a href="https://c.example">deux</a></a>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "Moyenne < 10 & retards > 3\n\nfin",
    "<b>gras</b> <i>italique</i> <p>paragraphe</p>",
    "&amp;&lt;&gt;&eacute;&#233;&#x1F600;",
]


def test_the_preview_shows_exactly_what_the_server_keeps(page, head, school):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_sign_in(page, "chef")
    page.goto(reverse("services:welcome_message"))
    box = page.get_by_label("Message d'accueil")
    mismatches = {}
    for source in PREVIEW_PARITY:
        box.fill(source)
        shown = page.locator("#welcome-preview").inner_html()
        if shown != sanitize(source):
            mismatches[source] = (shown, sanitize(source))
    assert mismatches == {}
    assert dialogs == []
