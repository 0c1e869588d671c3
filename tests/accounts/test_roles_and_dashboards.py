"""Roles from the data migration, the demo data command, and each role's dashboard."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from accounts.roles import Role
from audit.choices import AuditAction
from referrals.models import Referral
from tests.factories import sign_in
from tests.helpers import assert_audited

INTAKE_REFERRAL_PERMISSIONS = {
    "referrals.view_referral",
    "referrals.add_referral",
    "referrals.triage_referral",
    "referrals.view_referral_identity",
    "referrals.assign_referral",
}
EXPECTED_ROLE_PERMISSIONS = {
    Role.INTAKE_OFFICER: INTAKE_REFERRAL_PERMISSIONS,
    Role.INVESTIGATOR: set(),
    Role.DIRECTOR: {
        *INTAKE_REFERRAL_PERMISSIONS,
        "referrals.decide_referral",
        "casework.view_investigation",
        "casework.direct_investigation",
        "casework.manage_investigation_team",
        "casework.register_direction",
        "casework.approve_direction",
        "casework.view_direction",
        "casework.add_breakglassaccess",
        "disclosures.approve_internal_disclosure",
        "disclosures.view_disclosurerequest",
    },
    Role.CHIEF_INVESTIGATOR: {
        "referrals.view_referral",
        "casework.view_investigation",
        "casework.publish_investigation",
        "casework.approve_direction",
        "casework.view_direction",
        "casework.add_breakglassaccess",
        "disclosures.approve_disclosure",
        "disclosures.view_disclosurerequest",
    },
    Role.AUDITOR: {"audit.view_auditevent", "audit.export_subject_access", "disclosures.view_disclosurerequest"},
    Role.SYSTEM_ADMINISTRATOR: {
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "audit.export_subject_access",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_a_group_with_its_model_permissions(role):
    group = Group.objects.get(name=role.value)
    granted = {
        "%s.%s" % (p.content_type.app_label, p.codename) for p in group.permissions.select_related("content_type")
    }
    assert granted == EXPECTED_ROLE_PERMISSIONS[role]


@pytest.mark.django_db
def test_no_role_can_change_or_delete_audit_events():
    for group in Group.objects.all():
        audit_permissions = group.permissions.filter(content_type__app_label="audit")
        assert not audit_permissions.filter(codename__startswith="change_")
        assert not audit_permissions.filter(codename__startswith="delete_")
        assert not audit_permissions.filter(codename__startswith="add_")


@pytest.mark.django_db
def test_seed_demo_refuses_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


DEMO_LOGINS = {
    "intake": Role.INTAKE_OFFICER,
    "investigator": Role.INVESTIGATOR,
    "investigator2": Role.INVESTIGATOR,
    "director": Role.DIRECTOR,
    "director2": Role.DIRECTOR,
    "chief": Role.CHIEF_INVESTIGATOR,
    "auditor": Role.AUDITOR,
    "admin": Role.SYSTEM_ADMINISTRATOR,
}


@pytest.fixture
def demo_data(db, settings, evidence_storage):
    settings.DEBUG = True
    call_command("seed_demo", "--if-empty")


@pytest.mark.parametrize(("username", "role"), DEMO_LOGINS.items())
def test_each_demo_user_logs_in_with_the_demo_password_and_sees_their_dashboard(
    client, demo_data, settings, username, role
):
    response = sign_in(client, username, settings.DEMO_PASSWORD)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    html = response.content.decode()
    assert '<span class="nhsuk-caption-l">%s</span>' % role.label in html
    assert "(%s)" % role.label in html  # the header shows the role beside the name
    assert_audited(AuditAction.DASHBOARD_VIEWED, target_ref="")
    assert_audited(AuditAction.LOGIN, target_ref=username)


def test_seed_demo_if_empty_does_not_run_twice_but_still_prints_the_logins(demo_data, capsys):
    capsys.readouterr()
    call_command("seed_demo", "--if-empty")
    out = capsys.readouterr().out
    assert "already exist" in out
    assert all(" %s " % username in out for username in DEMO_LOGINS)
    assert Referral.objects.count() == 59


def test_demo_investigators_each_see_only_their_own_referral(client, demo_data, settings):
    seen = {}
    for username in ("investigator", "investigator2"):
        sign_in(client, username, settings.DEMO_PASSWORD)
        html = client.get(reverse("dashboard")).content.decode()
        seen[username] = {ref for ref in Referral.objects.values_list("reference", flat=True) if ref in html}
        client.post(reverse("logout"))
    assert seen["investigator"]
    assert seen["investigator2"]
    assert not seen["investigator"] & seen["investigator2"]


@pytest.mark.parametrize(
    ("persona", "visible", "hidden"),
    [
        ("auditor", ["Audit log"], ["Users"]),
        ("admin", ["Users"], ["Audit log"]),
        ("intake", ["Dashboard"], ["Audit log", "Users"]),
        ("director", ["Dashboard"], ["Audit log", "Users"]),
    ],
)
def test_navigation_shows_only_what_the_role_may_open(client, personas, persona, visible, hidden):
    client.force_login(personas[persona])
    html = client.get(reverse("dashboard")).content.decode()
    nav = html[html.index('aria-label="Menu"') : html.index("</nav>", html.index('aria-label="Menu"'))]
    for label in visible:
        assert ">%s</a>" % label in nav
    for label in hidden:
        assert ">%s</a>" % label not in nav


def test_auditor_and_admin_dashboards_show_no_referral_content(client, auditor, admin_user, case_referral):
    for user in (auditor, admin_user):
        client.force_login(user)
        html = client.get(reverse("dashboard")).content.decode()
        assert case_referral.reference not in html.split("Latest audit events")[0]
        assert case_referral.organisation_name not in html


@override_settings(DEBUG=False)
def test_user_without_role_sees_a_clear_message(client, db):
    from tests.factories import make_user

    client.force_login(make_user("newstarter"))
    assert "has no role yet" in client.get(reverse("dashboard")).content.decode()


@override_settings(TIME_ZONE="Asia/Tokyo")  # nine hours from UTC, so the two cannot coincide
def test_audit_log_shows_times_in_utc_as_labelled(client, auditor):
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from audit.models import AuditEvent

    client.force_login(auditor)
    html = client.get(reverse("audit:event_list")).content.decode()
    newest = AuditEvent.objects.order_by("-seq")[0].occurred_at
    assert "When (UTC)" in html
    assert newest.astimezone(UTC).strftime("%Y-%m-%d %H:%M") in html
    assert newest.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M") not in html


def test_intake_dashboard_summarises_the_queue(client, intake, director):
    from referrals import services
    from tests.factories import make_referral

    waiting = make_referral()
    services.assign_referral(waiting, actor=intake, assignee=intake)
    services.start_triage(make_referral(), actor=intake)
    client.force_login(intake)
    html = client.get(reverse("dashboard")).content.decode()
    summary = html[html.index('data-testid="queue-summary"') :]
    assert "Received</a>: 1" in summary
    assert "In triage</a>: 1" in summary
    assert "Assigned to you</a>: 1" in summary


def test_demo_investigations_cover_the_workflow_with_two_directed(demo_data):
    from casework.choices import InvestigationState
    from casework.models import Investigation

    states = set(Investigation.objects.values_list("state", flat=True))
    # Every state but `disposed`, which needs a retention period to have run out.
    assert states == set(InvestigationState.values) - {InvestigationState.DISPOSED}
    assert Investigation.objects.filter(directed=True).count() == 2
    User = get_user_model()
    mine = set(Investigation.objects.visible_to(User.objects.get(username="investigator")))
    theirs = set(Investigation.objects.visible_to(User.objects.get(username="investigator2")))
    assert mine - theirs
    assert theirs - mine


def test_demo_disclosures_show_each_step_of_the_register(demo_data):
    from disclosures.models import DisclosureRequest

    assert sorted(DisclosureRequest.objects.values_list("state", flat=True)) == ["disclosed", "refused", "requested"]
