"""In chromium: the welcome message's counter, preview and link button; the notes-dates screen."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import axe_violations, browser_sign_in, click_and_wait, csp_violations, save_screenshot
from services.models import NotesPublicationDate
from services.selectors import letter_settings, letter_signatory, notes_publication, welcome_message_html
from services.services import notes_dates_add, notes_mode_set
from services.welcome import sanitize
from siecle.factories import EntFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_counter_and_preview_follow_the_typing_and_links_are_made_from_a_selection(page, head, school):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_sign_in(page, "chef")
    page.goto(reverse("services:welcome_message"))
    counter = page.locator("#welcome-counter")
    preview = page.locator("#welcome-preview")
    expect(counter).to_have_text("0/1000")
    box = page.get_by_label("Message d'accueil")
    box.fill("Bonjour,\nPortes ouvertes le 15 mai.")
    expect(counter).to_have_text("35/1000")
    expect(preview).to_have_text("Bonjour,\nPortes ouvertes le 15 mai.", use_inner_text=True)
    expect(preview.locator("br")).to_have_count(1)

    # Select "Portes ouvertes" and make it a link.
    box.evaluate("el => el.setSelectionRange(9, 24)")
    page.get_by_label("Adresse du lien").fill("https://college.example/jpo")
    page.get_by_role("button", name="Créer le lien").click()
    expect(box).to_have_value('Bonjour,\n<a href="https://college.example/jpo">Portes ouvertes</a> le 15 mai.')
    link = preview.get_by_role("link", name="Portes ouvertes")
    expect(link).to_have_attribute("href", "https://college.example/jpo")
    expect(counter).to_have_text("35/1000")  # the address does not count
    assert axe_violations(page) == []  # the link in the preview is readable on its background

    # "www." and a bare e-mail address are completed.
    box.evaluate("el => el.setSelectionRange(0, 7)")
    page.get_by_label("Adresse du lien").fill("www.college.example")
    page.get_by_role("button", name="Créer le lien").click()
    expect(preview.get_by_role("link", name="Bonjour")).to_have_attribute("href", "https://www.college.example")
    box.fill("Écrivez au secrétariat.")
    box.evaluate("el => el.setSelectionRange(11, 22)")
    page.get_by_label("Adresse du lien").fill("secretariat@college.example")
    page.get_by_role("button", name="Créer le lien").click()
    expect(preview.get_by_role("link", name="secrétariat")).to_have_attribute(
        "href", "mailto:secretariat@college.example"
    )

    # A javascript: or an http: address is refused by the link button.
    for refused in ("javascript:alert(1)", "http://college.example"):
        box.evaluate("el => el.setSelectionRange(0, 7)")
        page.get_by_label("Adresse du lien").fill(refused)
        page.get_by_role("button", name="Créer le lien").click()
        expect(page.locator("#welcome-link-error")).to_have_text(
            "Indiquez une adresse commençant par https:// (site sécurisé) ou mailto:."
        )
    expect(box).to_have_value('Écrivez au <a href="mailto:secretariat@college.example">secrétariat</a>.')  # unchanged

    # Pasted script never runs in the preview; the server refuses the pasted link and says why.
    pasted = (
        'Salut<script>alert("x")</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)" onclick="alert(4)">clic</a>'
    )
    box.fill(pasted)
    expect(preview).to_have_text("Salutclic")
    expect(preview.locator("script, img, [onclick]")).to_have_count(0)
    expect(preview.locator("a")).to_have_count(0)
    preview.get_by_text("clic").click()
    click_and_wait(page, page.get_by_role("button", name="Valider"))
    expect(page.locator("#welcome-errors")).to_contain_text("Lien refusé : « javascript:alert(3) »")
    expect(page.get_by_label("Message d'accueil")).to_have_value(pasted)  # the form is kept
    assert welcome_message_html(school=school) == ""  # nothing saved
    save_screenshot(page, "welcome-link-refused")
    # The preview parses the pasted onerror and onclick (in an inert document): Chromium reports
    # them as refused by the Content-Security-Policy (script-src-attr). That is the policy
    # refusing hostile input, expected here; nothing else may be reported.
    found = axe_violations(page)
    assert {v["help"].split(" ")[0] for v in found if v["id"] == "content-security-policy"} == {"script-src-attr"}
    assert [v for v in found if v["id"] != "content-security-policy"] == []
    box = page.get_by_label("Message d'accueil")
    box.fill(pasted.replace(' href="javascript:alert(3)"', ""))
    click_and_wait(page, page.get_by_role("button", name="Valider"))
    expect(page.locator("main")).to_contain_text("Le message d'accueil est enregistré.")
    assert welcome_message_html(school=school) == "Salutclic"
    expect(page.locator("#welcome-preview")).to_have_text("Salutclic")  # the saved text, shown again
    assert dialogs == []  # no script ran, while typing nor on the saved page

    # Over the limit the counter turns red; the server refuses and keeps the text.
    box = page.get_by_label("Message d'accueil")
    box.fill("a" * 1001)
    expect(counter).to_have_text("1001/1000")
    expect(counter).to_have_class(re.compile(r"\btext-danger\b"))
    click_and_wait(page, page.get_by_role("button", name="Valider"))
    expect(page.locator("main")).to_contain_text("1001 caractères")
    expect(page.get_by_label("Message d'accueil")).to_have_value("a" * 1001)
    assert axe_violations(page) == []


def test_with_the_academys_allow_list_the_link_button_and_the_server_refuse_other_sites(page, head, school):
    from siecle.models import Academy

    Academy.objects.filter(pk=school.academy_id).update(welcome_link_domains="ac-test.fr")
    browser_sign_in(page, "chef")
    page.goto(reverse("services:welcome_message"))
    expect(page.locator("#welcome-help")).to_contain_text("Sites acceptés par l'académie : ac-test.fr")
    box = page.get_by_label("Message d'accueil")
    box.fill("Notre site")
    box.evaluate("el => el.setSelectionRange(0, 10)")
    page.get_by_label("Adresse du lien").fill("https://college.example")
    page.get_by_role("button", name="Créer le lien").click()
    expect(page.locator("#welcome-link-error")).to_have_text(
        "Ce site n'est pas parmi les domaines autorisés par l'académie : ac-test.fr."
    )
    expect(box).to_have_value("Notre site")
    page.get_by_label("Adresse du lien").fill("www.clg-moulin.ac-test.fr")
    page.get_by_role("button", name="Créer le lien").click()
    expect(page.locator("#welcome-link-error")).to_be_hidden()
    expect(page.locator("#welcome-preview").get_by_role("link", name="Notre site")).to_have_attribute(
        "href", "https://www.clg-moulin.ac-test.fr"
    )
    # Typed by hand, another site reaches the server, which refuses it and keeps the text.
    box.fill('<a href="https://college.example">Notre site</a>')
    expect(page.locator("#welcome-preview").locator("a")).to_have_count(0)
    click_and_wait(page, page.get_by_role("button", name="Valider"))
    expect(page.locator("#welcome-errors")).to_contain_text(
        "le site college.example n'est pas parmi les domaines autorisés par l'académie, ac-test.fr."
    )
    expect(page.get_by_label("Message d'accueil")).to_have_value('<a href="https://college.example">Notre site</a>')
    save_screenshot(page, "welcome-domain-refused")
    assert axe_violations(page) == []
    assert welcome_message_html(school=school) == ""


def test_the_head_dates_the_notes_per_couple_in_the_browser(page, head, notes_open, couples):
    notes_mode_set(school=notes_open, mode="deadline", by=head)
    notes_dates_add(school=notes_open, date=datetime.date(2026, 12, 18), couples=couples[1:2], by=head)
    browser_sign_in(page, "chef")
    page.goto(reverse("services:notes"))
    table = page.locator("#notes-couples")
    expect(table.locator("tbody tr")).to_have_count(3)
    assert axe_violations(page) == []

    # "Check all" then add a date to every checked couple.
    page.get_by_label("Cocher tous les couples").check()
    expect(table.locator("tbody input:checked")).to_have_count(3)
    page.get_by_label("Date à ajouter").fill("2027-03-26")
    click_and_wait(page, page.get_by_role("button", name="Ajouter aux couples cochés"))
    expect(page.locator("main")).to_contain_text("Date du 26/03/2027 ajoutée à 3 couple(s)")
    expect(page.locator("#notes-couples tbody tr", has_text="26/03/2027")).to_have_count(3)

    # Pick a date to remove: the button checks exactly the couples that have it.
    page.get_by_label("Date à supprimer").select_option(label="18/12/2026")
    page.get_by_role("button", name="Cocher les couples ayant cette date").click()
    checked = page.locator("#notes-couples tbody input:checked")
    expect(checked).to_have_count(1)
    expect(checked).to_have_attribute("value", f"{couples[1][0]}-{couples[1][1]}")
    click_and_wait(page, page.get_by_role("button", name="Supprimer des couples cochés"))
    expect(page.locator("main")).to_contain_text("Date du 18/12/2026 supprimée pour 1 couple(s)")
    assert set(notes_publication(school=notes_open).dates[couples[1]]) == {datetime.date(2027, 3, 26)}

    # Back to "au fil de l'eau": a confirmation page, then the dates are gone.
    page.get_by_label("Au fil de l'eau").check()
    click_and_wait(page, page.get_by_role("button", name="Valider").first)
    expect(page.locator("main")).to_contain_text("Les dates de publication vont être supprimées.")
    assert axe_violations(page) == []
    click_and_wait(page, page.get_by_role("button", name="Oui, publier au fil de l'eau"))
    expect(page.locator("main")).to_contain_text("au fil de l'eau")
    assert not NotesPublicationDate.objects.filter(school=notes_open).exists()


def test_the_ent_list_shows_only_for_the_ent_letter_types(page, head, school):
    ent = EntFactory(academy=school.academy, location="YVELINES", description="ENT 78")
    browser_sign_in(page, "chef")
    page.goto(reverse("services:letter"))
    ent_select = page.get_by_label("ENT à associer au courrier (localisation, description, adresse)")
    expect(ent_select).to_be_hidden()
    page.get_by_label("Mixte ENT/Téléservices").check()
    expect(ent_select).to_be_visible()
    ent_select.select_option(value=str(ent.pk))
    assert axe_violations(page) == []
    click_and_wait(page, page.get_by_role("button", name="Valider"))
    expect(page.get_by_label("Mixte ENT/Téléservices")).to_be_checked()
    assert letter_settings(school=school).ent == ent
    page.get_by_label("Téléservices", exact=True).check()
    expect(ent_select).to_be_hidden()


def test_the_head_signs_the_letters_and_a_refused_name_stays_in_the_box(page, head, school):
    browser_sign_in(page, "chef")
    page.goto(reverse("services:letter"))
    name = page.get_by_label("Nom du signataire")
    name.fill("<b>Mme Claire Martin</b>")
    click_and_wait(page, page.get_by_role("button", name="Enregistrer le signataire"))
    expect(page.locator("#signatory-errors")).to_contain_text("ne peut pas contenir les signes < et >")
    expect(name).to_have_value("<b>Mme Claire Martin</b>")
    assert axe_violations(page) == []  # the error state too: the message is tied to the box
    assert letter_signatory(school=school) == ""

    name.fill("Mme   Claire Martin")
    click_and_wait(page, page.get_by_role("button", name="Enregistrer le signataire"))
    expect(page.get_by_role("alert")).to_contain_text("Le signataire des courriers est enregistré.")
    expect(name).to_have_value("Mme Claire Martin")
    expect(page.get_by_role("table")).to_contain_text("Signataire des courriers")
    expect(page.get_by_label("Téléservices", exact=True)).to_be_checked()  # the letter type was left alone
    save_screenshot(page, "services-letter-signatory")
    assert axe_violations(page) == []
    assert letter_signatory(school=school) == "Mme Claire Martin"


def test_the_settings_pages_are_accessible_once_services_are_open(page, head, notes_open, lpc_open, couples):
    notes_mode_set(school=notes_open, mode="deadline", by=head)
    notes_dates_add(school=notes_open, date=datetime.date(2026, 12, 18), couples=couples, by=head)
    browser_sign_in(page, "chef")
    problems = {}
    names = (
        "home",
        "services:opening",
        "services:notes",
        "services:lpc",
        "services:contact",
        "services:absences",
    )
    for name in names:
        page.goto(reverse(name))
        expect(page.locator("main h1").first).to_be_visible()
        save_screenshot(page, f"open-{name.replace(':', '-')}")
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
    preview = page.locator("#welcome-preview")
    for source in PREVIEW_PARITY:
        box.fill(source)
        shown = preview.inner_html()
        if shown != sanitize(source):
            mismatches[source] = (shown, sanitize(source))
    assert mismatches == {}
    assert dialogs == []


def test_the_academys_new_allow_list_shows_what_it_removes_and_asks_first(page, head, school):
    """IT staff change the allow-list in the admin: a page says which schools lose which links;
    "Annuler" keeps what was typed, then confirming cleans the messages."""
    from django.contrib.auth.models import User

    from services.models import SchoolSettings
    from services.services import welcome_message_update
    from siecle.models import Academy

    welcome_message_update(
        school=school,
        source='Venez à <a href="https://evil.example/jpo">nos portes ouvertes</a> !',
        by=head,
    )
    User.objects.create_superuser("it.academie", "it@example.org", "Un-mot-de-passe-solide-42")
    browser_sign_in(page, "it.academie", "Un-mot-de-passe-solide-42")
    page.goto(reverse("admin:siecle_academy_change", args=[school.academy_id]))
    page.get_by_label("Domaines autorisés").fill("ac-test.fr")
    click_and_wait(page, page.get_by_role("button", name="Enregistrer", exact=True))
    counts = page.locator("#welcome-reclean-counts")
    expect(counts).to_contain_text("1 message d'accueil change, 1 lien retiré en tout.")
    expect(page.locator("#content")).to_contain_text(school.uaj)
    expect(page.locator("#content")).to_contain_text("https://evil.example/jpo")
    save_screenshot(page, "admin-academy-allow-list-confirm")
    assert "evil.example" in SchoolSettings.objects.get(school=school).welcome_message  # nothing written yet
    click_and_wait(page, page.get_by_role("button", name="Annuler"))
    expect(page.get_by_label("Domaines autorisés")).to_have_value("ac-test.fr")
    assert Academy.objects.get(pk=school.academy_id).welcome_link_domains == ""
    click_and_wait(page, page.get_by_role("button", name="Enregistrer", exact=True))
    click_and_wait(page, page.get_by_role("button", name="Oui, enregistrer et retirer ces liens"))
    expect(page.locator(".messagelist")).to_contain_text("1 message")
    assert Academy.objects.get(pk=school.academy_id).welcome_link_domains == "ac-test.fr"
    assert "evil.example" not in SchoolSettings.objects.get(school=school).welcome_message
    assert csp_violations(page) == []
