"""Roles from the data migration, the demo data command, and each role's dashboard."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from accounts.roles import Role

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
        "notify.view_scheduledjob",
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
    newest = AuditEvent.objects.order_by("-id")[0].occurred_at
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
