"""axe-core's WCAG 2.1 A and AA rules on the main pages of every role: no serious or critical violation.

axe-core comes from the npm registry (`scripts/ensure-axe`, run by `make test`, checks its integrity).
It is injected into a browser context that bypasses the pages' Content Security Policy, which would
rightly refuse a script the site did not serve.

Every page is checked on a desktop (1280 px) and a phone (390 px): loaded once, checked, laid out
again at the other width and checked again. Colour contrast, axe's costliest rule, is checked at
the desktop width only: the site's colours do not change with the width.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from casework import services
from casework.models import Investigation
from casework.services import responses
from referrals import services as referral_services
from reports import services as report_services
from reports.choices import ReportKind
from tests.e2e.browser import sign_in
from tests.e2e.test_report_journey import code_from
from tests.factories import referral_details

pytestmark = pytest.mark.usefixtures("migrated_data")
AXE = Path(settings.BASE_DIR) / ".data" / "axe" / "4.14.1" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Only violations are asked for: axe then skips detailing every rule that passed, its slowest part.
RUN_AXE = """async ([tags, contrast]) => (await axe.run(document, {
    runOnly: {type: "tag", values: tags}, rules: {"color-contrast": {enabled: contrast}},
    resultTypes: ["violations"]})).violations"""
NARROW = 600


# A desktop and a phone: the pages must hold at both (tables stack, navigation wraps).
WIDTHS = (1280, 390)


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        pytest.skip("axe-core not fetched (scripts/ensure-axe, run by make test)")
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def serious_violations(page) -> list[str]:
    """The serious and critical violations of the page as it stands, at each width in turn."""
    page.add_script_tag(path=str(AXE))
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        violations = page.evaluate(RUN_AXE, [RULES, width >= NARROW])
        found += [
            "%s px, %s (%s): %s at %s" % (width, v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
    return found


def check(page, live_server, paths) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status == 200, path
        problems += ["%s: %s" % (path, violation) for violation in serious_violations(page)]
    return problems


def test_public_pages(axe_page, live_server):
    problems = check(
        axe_page,
        live_server,
        [
            "/",
            "/reports/",
            "/recommendations/",
            "/observations/",
            "/share-a-concern/",
            "/share-a-concern/follow-up/",
            "/accounts/login/",
            "/portal/sign-in/",
            "/privacy/",
            "/accessibility/",
            "/contact/",
        ],
    )
    axe_page.goto(live_server.url + "/share-a-concern/")
    axe_page.click("button[type=submit]")  # the page that explains what is missing
    problems += ["error summary: %s" % v for v in serious_violations(axe_page)]
    assert not problems, "\n".join(problems)


# The lead's pages are two groups, so that the two test processes share the longest walk.
@pytest.mark.parametrize(
    "role", ["intake", "lead, the workspace", "lead, reports and settings", "director", "auditor and administrator"]
)
def test_staff_pages_of_every_role(
    axe_page, live_server, intake, director, lead_investigator, auditor, admin_user, case_referral, role
):
    investigation = Investigation.objects.create(reference="INV-2026-0960", title="Accessible case")
    services.start_scoping(investigation, actor=director, lead=lead_investigator)
    report = report_services.create_report(
        investigation, actor=lead_investigator, kind=ReportKind.FINAL, title="Accessible report"
    )
    first = report_services.save_version(
        report, actor=lead_investigator, sections={"summary": "Falls at night.", "findings": "## Rotas"}, based_on=0
    )
    report_services.save_version(
        report, actor=lead_investigator, sections={"summary": "Falls at night on two wards."}, based_on=1
    )
    report_services.add_comment(first, actor=director, anchor="summary", text="Which wards?")
    organisation = responses.create_organisation(actor=director, name="Accessible Trust", ods_code="ACC")
    responses.add_contact(organisation, actor=director, email="contact@accessible.example", name="A Contact")
    note = services.add_note(investigation, "Rotas checked on both wards.", actor=lead_investigator)
    workspace = [
        reverse("casework:%s" % part, args=[investigation.reference])
        for part in ("journal", "tasks", "evidence", "interviews", "recommendations", "disclosures", "timeline")
    ]
    steps = [reverse("casework:action", args=[investigation.reference, step]) for step in ("terms", "pause")]
    reports = "/investigations/%s/reports/" % investigation.reference
    report_pages = [reports, report.get_absolute_url(), "%sedit/" % report.get_absolute_url()]
    pages_of = {
        "intake": {intake: ["/dashboard/", "/referrals/", case_referral.get_absolute_url(), "/referrals/new/"]},
        "lead, the workspace": {
            lead_investigator: [
                "/dashboard/",
                "/investigations/",
                investigation.get_absolute_url(),
                *workspace,
                reverse("casework:journal_note", args=[investigation.reference, note.pk]),
                steps[0],
            ]
        },
        "lead, reports and settings": {
            lead_investigator: [
                *report_pages,
                "%scompare/" % report.get_absolute_url(),
                "/accounts/api-tokens/",
                "/notifications/",
                "/notifications/settings/",
            ]
        },
        "director": {
            director: [
                "/dashboard/",
                investigation.get_absolute_url(),
                reverse("casework:recommendations", args=[investigation.reference]),
                steps[1],
                "/investigations/directions/",
                "/disclosures/",
                report.get_absolute_url(),
                "/organisations/",
                organisation.get_absolute_url(),
            ]
        },
        "auditor and administrator": {
            auditor: ["/dashboard/", "/audit/", "/audit/review/"],
            admin_user: [
                "/dashboard/",
                "/accounts/users/",
                "/accounts/users/new/",
                "/accounts/users/%s/" % intake.username,
            ],
        },
    }
    problems = []
    for user, paths in pages_of[role].items():
        axe_page.context.clear_cookies()
        sign_in(axe_page, live_server, user)
        problems += ["%s %s" % (user.username, problem) for problem in check(axe_page, live_server, paths)]
    assert not problems, "\n".join(problems)


def test_the_pages_of_people_outside_the_body(axe_page, live_server, director, lead_investigator, intake):
    """The referrer's page (with a question to answer) and an organisation contact's portal pages."""
    referral, code = referral_services.receive_referral(
        {k: v for k, v in referral_details(reporter_email="r@example.org").items() if v is not None}
    )
    referral_services.start_triage(referral, actor=intake)
    referral_services.request_info(referral, actor=intake, question="Which ward?")
    axe_page.goto(live_server.url + "/share-a-concern/follow-up/")
    axe_page.fill("#id_reference", referral.reference)
    axe_page.fill("#id_receipt_code", code)
    axe_page.click("main button[type=submit]")
    problems = ["referrer: %s" % v for v in serious_violations(axe_page)]
    axe_page.get_by_role("button", name="Send").click()  # sent empty: the error summary
    problems += ["referrer, refused reply: %s" % v for v in serious_violations(axe_page)]

    investigation = Investigation.objects.create(reference="INV-2026-0961", title="Accessible case")
    services.start_scoping(investigation, actor=director, lead=lead_investigator)
    organisation = responses.create_organisation(actor=director, name="Accessible Trust")
    responses.add_contact(organisation, actor=director, email="contact@accessible.example", name="A Contact")
    recommendation = services.draft_recommendation(
        investigation, actor=lead_investigator, text="Staff the night.", organisation=organisation
    )
    services.recommendation_step(recommendation, "agree", actor=lead_investigator)
    services.recommendation_step(recommendation, "issue", actor=director)
    axe_page.context.clear_cookies()
    axe_page.goto(live_server.url + "/portal/sign-in/")
    axe_page.fill("#id_email", "contact@accessible.example")
    axe_page.get_by_role("button", name="Email me a code").click()
    axe_page.fill("#id_code", code_from(mail.outbox[-1].body))
    axe_page.get_by_role("button", name="Sign in").click()
    problems += check(
        axe_page,
        live_server,
        ["/portal/", "/portal/recommendations/", "/portal/recommendations/%s/" % recommendation.reference],
    )
    axe_page.get_by_role("button", name="Save the response").click()  # sent empty: the error summary
    problems += ["contact, refused response: %s" % v for v in serious_violations(axe_page)]
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_serious_violation(axe_page, live_server):
    """The rules really run: an image without a text alternative is reported as critical."""
    axe_page.goto(live_server.url + "/share-a-concern/")
    axe_page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")
    found = serious_violations(axe_page)
    assert {width for width in WIDTHS if "%s px, image-alt (critical)" % width in str(found)} == set(WIDTHS)


def test_colour_contrast_is_checked_at_the_desktop_width(axe_page, live_server):
    """Faint text is reported at 1280 px; at 390 px the rule is left out, as the colours are the same."""
    axe_page.goto(live_server.url + "/share-a-concern/")
    axe_page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<p style=\"color:#ddd\">Faint words</p>')"
    )
    contrast = [problem for problem in serious_violations(axe_page) if "color-contrast (serious)" in problem]
    assert [problem.split(" px")[0] for problem in contrast] == ["1280"]
