"""The demo data (`seed_demo`) as `make run` loads it: built once for this module, not once per test.

`demo_world` runs seed_demo inside a transaction that lasts the module and is rolled back after it;
each test runs in a savepoint within it (Django's setUpTestData, as a pytest fixture), so every
test meets the world exactly as seeded and none leaks into another module.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts.roles import Role
from audit.choices import AuditAction
from referrals.models import Referral
from tests.factories import sign_in
from tests.helpers import assert_audited, rolled_back

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


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker, tmp_path_factory):
    evidence = {"BACKEND": "vault.blobs.EvidenceStorage", "OPTIONS": {"location": str(tmp_path_factory.mktemp("demo"))}}
    from django.conf import settings

    storages = {**settings.STORAGES, "evidence": evidence}
    with django_db_blocker.unblock(), override_settings(DEBUG=True, STORAGES=storages), rolled_back():
        call_command("seed_demo", "--if-empty")
        yield


@pytest.fixture
def demo_data(demo_world, db, settings):
    settings.DEBUG = True


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
    capsys.readouterr()
    call_command("seed_demo", "--if-empty", "--quiet-logins")
    assert " director " not in capsys.readouterr().out  # make run leaves the table to demo_logins


def test_demo_logins_come_last_in_a_short_table_at_the_port_in_use(demo_data, capsys, settings):
    settings.SITE_URL = "http://127.0.0.1:8001"
    capsys.readouterr()
    call_command("demo_logins", "--within", "0", "--no-wait")
    table = capsys.readouterr().out
    assert "Demo log-ins at http://127.0.0.1:8001/accounts/login/" in table
    assert all(" %s " % username in table for username in DEMO_LOGINS)
    assert len(table.splitlines()) <= len(DEMO_LOGINS) + 5


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
