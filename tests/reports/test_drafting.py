"""Writing a report: every save a version, any two compared, a stale save refused with nothing
lost, text rendered inert, and the review that must be settled before consultation."""

import pytest
from django.urls import reverse

from audit.choices import AuditAction
from casework import services as case_services
from casework.choices import InvestigationState as S
from casework.choices import TeamRole
from casework.models import Investigation
from kernel.errors import WorkflowError
from reports import services
from reports.choices import ReportKind
from reports.models import Report, ReportVersion
from reports.selectors import compare
from tests.casework.test_case_access import signed_in
from tests.helpers import assert_audited
from tests.operations.test_concurrency import run_together

pytestmark = pytest.mark.django_db

SCRIPTED = (
    "<script>alert('x')</script> **Bold** [link](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n# A heading"
)


@pytest.fixture
def report(case_investigation, lead_investigator):
    return services.create_report(
        case_investigation, actor=lead_investigator, kind=ReportKind.FINAL, title="Night-time falls"
    )


def save(report, author, based_on, **sections):
    return services.save_version(report, actor=author, sections=sections, based_on=based_on)


def test_every_save_is_a_version_and_two_compare_word_by_word(report, lead_investigator):
    save(report, lead_investigator, 0, summary="Falls happened at night.", findings="Rota gaps.")
    second = save(report, lead_investigator, 1, summary="Falls happened at night on two wards.", findings="Rota gaps.")
    first = ReportVersion.objects.get(report=report, number=1)
    assert (first.sections["summary"], second.number, second.author) == (
        "Falls happened at night.",
        2,
        lead_investigator,
    )
    changes = {change["label"]: change for change in compare(first, second)}
    assert changes["Findings and analysis"]["changed"] is False
    assert changes["Summary"]["runs"] == [
        ("equal", "Falls happened at night"),
        ("insert", " on two wards"),
        ("equal", "."),
    ]
    assert_audited(AuditAction.REPORT_VERSION_SAVED, actor=lead_investigator)
    with pytest.raises(WorkflowError, match="Nothing has changed"):
        save(report, lead_investigator, 2, summary="Falls happened at night on two wards.", findings="Rota gaps.")


def test_saving_on_a_stale_version_is_refused_with_theirs_shown_and_nothing_typed_lost(
    report, lead_investigator, director
):
    save(report, lead_investigator, 0, summary="First words.")
    save(report, lead_investigator, 1, summary="Words a colleague saved meanwhile.")
    page = signed_in(lead_investigator)
    url = reverse("reports:edit", args=[report.investigation.reference, report.public_id])
    response = page.post(url, {"based_on": "1", "summary": "My own careful paragraph."})
    html = response.content.decode()
    assert response.status_code == 409
    assert "My own careful paragraph." in html  # still in the form
    assert "Words a colleague saved meanwhile." in html  # theirs shown beside it
    assert 'name="based_on" value="2"' in html
    assert report.versions.count() == 2
    # Having seen theirs, saving again makes this version 3.
    assert page.post(url, {"based_on": "2", "summary": "My own careful paragraph."}).status_code == 302
    assert report.latest_version().sections["summary"] == "My own careful paragraph."


@pytest.mark.django_db(transaction=True)
def test_two_writers_saving_the_same_version_at_once_one_wins(migrated_data):
    from accounts.roles import Role
    from tests.factories import make_user

    director = make_user("director", Role.DIRECTOR)
    lead, colleague = make_user("lead", Role.INVESTIGATOR), make_user("colleague", Role.INVESTIGATOR)
    case = case_services.start_scoping(
        Investigation.objects.create(reference="INV-2026-0991", title="Race"), actor=director, lead=lead
    )
    case_services.add_team_member(case, colleague, TeamRole.INVESTIGATOR, actor=lead)
    report = services.create_report(case, actor=lead, kind=ReportKind.FINAL, title="Race report")
    results = run_together(
        lambda: save(report, lead, 0, summary="The lead's summary."),
        lambda: save(report, colleague, 0, summary="The colleague's summary."),
    )
    saved = [result for result in results if isinstance(result, ReportVersion)]
    refused = [result for result in results if isinstance(result, services.StaleVersion)]
    assert (len(saved), len(refused)) == (1, 1)
    assert report.versions.get().number == 1


def test_script_in_a_draft_is_shown_inert(report, lead_investigator, director):
    save(report, lead_investigator, 0, summary=SCRIPTED)
    html = signed_in(director).get(report.get_absolute_url()).content.decode()
    text = html.split('data-testid="section-summary"')[1].split("</div>")[0]
    assert "<script" not in text
    assert "href" not in text  # the javascript: link stays text, never a link
    assert "<img" not in text  # the handler is shown as text, never an attribute
    assert "&lt;script&gt;" in text
    assert "<strong>Bold</strong>" in text
    assert "<h3>A heading</h3>" in text  # a writer's heading sits under the section's h2


@pytest.mark.parametrize(
    ("persona", "status"),
    [("lead_investigator", 200), ("director", 200), ("chief", 200), ("other_investigator", 404),
     ("auditor", 404), ("intake", 404)],
)  # fmt: skip
def test_the_team_and_approvers_read_everyone_else_gets_404(report, lead_investigator, personas, persona, status):
    save(report, lead_investigator, 0, summary="Protected draft words.")
    response = signed_in(personas[persona]).get(report.get_absolute_url())
    assert response.status_code == status
    assert ("Protected draft words." in response.content.decode()) is (status == 200)


def test_approvers_read_and_comment_but_only_the_team_writes_and_resolves(report, lead_investigator, director):
    save(report, lead_investigator, 0, summary="Draft.")
    reference, public_id = report.investigation.reference, report.public_id
    as_director = signed_in(director)
    assert as_director.get(reverse("reports:edit", args=[reference, public_id])).status_code == 403
    comment_url = reverse("reports:comment", args=[reference, public_id])
    as_director.post(comment_url, {"version": "1", "comment-anchor": "summary", "comment-text": "Say which wards."})
    comment = report.comments.get()
    assert_audited(AuditAction.REPORT_COMMENT_ADDED, actor=director)
    resolve = reverse("reports:resolve", args=[reference, public_id, comment.public_id])
    assert as_director.post(resolve, {"resolve-resolution": "Mine"}).status_code == 403
    signed_in(lead_investigator).post(resolve, {"resolve-resolution": "Named both wards in version 2."})
    comment.refresh_from_db()
    assert not comment.is_open
    assert comment.resolved_by == lead_investigator


def test_the_review_is_approved_only_with_a_draft_and_no_open_comment(
    case_investigation, lead_investigator, director, chief
):
    from tests.casework.test_investigation_services import walk

    at_review = walk(case_investigation, director, lead_investigator, chief, until=S.INTERNAL_REVIEW)
    report = Report.objects.get(investigation=at_review, kind=ReportKind.FINAL)
    version = report.versions.get()
    comment = services.add_comment(version, actor=director, anchor="findings", text="Evidence for finding 2?")
    with pytest.raises(WorkflowError, match="1 review comment on the draft is still open"):
        case_services.transition(at_review, "approve_for_consultation", actor=director)
    services.resolve_comment(comment, actor=lead_investigator, resolution="Added the rota analysis.")
    case_services.transition(at_review, "approve_for_consultation", actor=director)
    assert Investigation.objects.get(pk=at_review.pk).state == S.DRAFT_CONSULTATION


def test_no_final_report_no_approval(case_investigation, lead_investigator, director, chief):
    from tests.casework.test_investigation_services import walk

    at_drafting = walk(case_investigation, director, lead_investigator, chief, until=S.DRAFTING)
    case_services.transition(at_drafting, "submit_for_review", actor=lead_investigator)
    with pytest.raises(WorkflowError, match="no final report draft"):
        case_services.transition(at_drafting, "approve_for_consultation", actor=director)


def test_one_final_report_per_case_and_none_once_closed(report, case_investigation, lead_investigator):
    with pytest.raises(WorkflowError, match="already has a final report"):
        services.create_report(case_investigation, actor=lead_investigator, kind=ReportKind.FINAL, title="Again")
    interim = services.create_report(
        case_investigation, actor=lead_investigator, kind=ReportKind.INTERIM, title="Interim findings"
    )
    assert interim.kind == ReportKind.INTERIM
