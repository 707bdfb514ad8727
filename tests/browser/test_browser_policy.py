"""The Content-Security-Policy in Chromium: the main screens of both sites break none of it.

The pages run under the real policy (the test browser does not bypass it): every refusal is
recorded by a `securitypolicyviolation` listener (conftest.CSP_LISTENER_SCRIPT) and every error
Chromium logs in the console is collected, so an inline style or script shows up here.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import axe_violations, browser_sign_in, csp_violations, save_screenshot
from siecle.factories import GuardianLinkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def console_errors(page) -> list[str]:
    """The errors Chromium logs from now on (a refused inline style is logged as one)."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_the_admin_home_a_list_and_the_welcome_editor_break_no_browser_policy(page, head, school):
    GuardianLinkFactory.create_batch(3, student__school=school)
    errors = console_errors(page)
    browser_sign_in(page, "chef")
    for name in (
        "home",
        "car:manage",
        "services:welcome_message",
        "stats:guardians",
        "services:lpc",
        "services:contact",
        "services:letter",
    ):
        response = page.goto(reverse(name))
        assert response.status == 200, name
        assert "default-src 'self'" in response.headers["content-security-policy"], name
        expect(page.locator("main h1").first).to_be_visible()
        save_screenshot(page, f"csp-{name.replace(':', '-')}")
        assert csp_violations(page) == [], name
    # The welcome editor's preview keeps its height from the stylesheet, no longer an inline style.
    page.goto(reverse("services:welcome_message"))
    assert page.locator("#welcome-preview").evaluate("el => getComputedStyle(el).minHeight") == "128px"
    # Bootstrap's own icons (data: images) and the test's axe-core run under the policy too.
    assert axe_violations(page) == []
    assert errors == []


def test_a_jobs_progress_bar_is_drawn_without_an_inline_style(page, head, school):
    from django.utils import timezone

    from imports.services import IMPORT_JOB_KIND
    from jobs.models import Job, JobState

    job = Job.objects.create(
        school=school, kind=IMPORT_JOB_KIND, state=JobState.RUNNING, done=4, total=10, started_at=timezone.now()
    )
    browser_sign_in(page, "chef")
    response = page.goto(reverse("imports:report", args=[job.pk]))
    assert 'style="' not in response.text()
    fill = page.locator("[data-job-fill]")
    expect(fill).to_have_text("40 %")
    # The server writes the percentage as data; the page's script sets the width from it.
    ratio = fill.evaluate("el => el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width")
    assert 0.39 < ratio < 0.41
    save_screenshot(page, "csp-job-progress")
    assert csp_violations(page) == []


@pytest.mark.urls("tsadmin.urls_portal")
def test_the_portals_sign_in_and_home_break_no_browser_policy(page):
    from portal.tests.factories import PASSWORD, TsSchoolFactory, TsStudentFactory, account_factory, guardian_code

    school = TsSchoolFactory(
        name="Collège Jean Moulin", welcome_html='Bienvenue !<br><a href="https://college.example/">Notre site</a>'
    )
    code, _ = guardian_code(school=school, student=TsStudentFactory(school=school, first_name="Léa"))
    account_factory(login="parent.durand", codes=[code])
    errors = console_errors(page)
    response = page.goto("/connexion/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "camera=()" in response.headers["permissions-policy"]
    page.get_by_label("Identifiant").fill("parent.durand")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Notre site")).to_have_attribute("href", "https://college.example/")
    save_screenshot(page, "csp-portal-home")
    assert csp_violations(page) == []
    assert axe_violations(page) == []
    assert errors == []
