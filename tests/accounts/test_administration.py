"""System administrators create staff accounts with a role, change roles, disable and re-enable
accounts; a new member of staff sets their own password from a one-time link sent by a real mail
server; someone who still holds casework is handed over, not simply disabled."""

import re
import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.mfa import SESSION_VERIFIED_AT
from accounts.roles import Role
from audit.choices import AuditAction
from casework import services as case_services
from casework.models import Investigation
from kernel.once import FORM_FIELD
from tests.factories import StaffClient, make_user
from tests.helpers import assert_audited
from tests.smtp import smtp_mailers, smtp_server

NEW = {
    "username": "jane.smith",
    "first_name": "Jane",
    "last_name": "Smith",
    "email": "Jane.Smith@body.example",
    "role": Role.INVESTIGATOR,
}
PASSWORD = "copper kettle orchard lantern"


@pytest.fixture
def admin(admin_user):
    return admin_user


def administrator_client(admin) -> StaffClient:
    client = StaffClient()
    client.force_login(admin)
    session = client.session
    session[SESSION_VERIFIED_AT] = time.time()  # a fresh second factor: no step-up page
    session.save()
    return client


def act(client, account, action, **data):
    url = reverse("accounts:user_action", args=[account.username, action])
    return client.post(url, {FORM_FIELD: uuid.uuid4().hex, **data})


def link_in(text: str) -> str:
    found = re.search(r"http://\S+/accounts/set-password/\S+/", text)
    assert found is not None, text
    return "/" + found.group(0).split("/", 3)[3]


def test_an_administrator_creates_an_account_whose_owner_sets_their_password_from_the_link(
    admin, settings, django_capture_on_commit_callbacks
):
    client = administrator_client(admin)
    with smtp_server() as (mailbox, port), django_capture_on_commit_callbacks(execute=True):
        settings.MAILERS = smtp_mailers(port)
        response = client.post(reverse("accounts:user_new"), {**NEW, FORM_FIELD: "new-1"})
    assert response.status_code == 302
    user = get_user_model().objects.get(username="jane.smith")
    assert user.email == "jane.smith@body.example"
    assert list(user.groups.values_list("name", flat=True)) == [Role.INVESTIGATOR]
    assert not user.has_usable_password()
    assert_audited(AuditAction.ACCOUNT_CREATED, actor=admin, target_ref=user.username)
    assert_audited(AuditAction.ACCOUNT_INVITED, actor=admin, target_ref=user.username)
    [message] = mailbox.to("jane.smith@body.example")
    link = link_in(message.get_content())

    visitor = StaffClient()
    assert "Set your password" in visitor.get(link).content.decode()
    mismatch = visitor.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD + "x"})
    assert mismatch.status_code == 400
    done = visitor.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})

    assert done["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert_audited(AuditAction.PASSWORD_SET, actor=user)
    used = visitor.get(link)
    assert used.status_code == 400
    assert 'data-testid="link-expired"' in used.content.decode()


def test_a_link_that_is_wrong_is_refused_and_recorded(db):
    response = StaffClient().get(reverse("accounts:set_password", args=["MTIz", "not-a-token"]))
    assert response.status_code == 400
    assert 'data-testid="link-expired"' in response.content.decode()
    assert_audited(AuditAction.PASSWORD_LINK_REFUSED)


def test_an_account_that_exists_is_not_created_again_and_the_form_keeps_what_was_typed(admin):
    make_user("j.smith", Role.INTAKE_OFFICER, email="jane.smith@body.example")
    client = administrator_client(admin)

    same_address = client.post(reverse("accounts:user_new"), {**NEW, FORM_FIELD: "n2"})
    same_name = client.post(reverse("accounts:user_new"), {**NEW, "username": "j.smith", FORM_FIELD: "n3"})

    assert same_address.status_code == 400
    assert "There is already an account for jane.smith@body.example" in same_address.content.decode()
    assert same_name.status_code == 400
    assert "There is already an account called j.smith" in same_name.content.decode()
    assert 'value="Jane"' in same_name.content.decode()
    assert not get_user_model().objects.filter(username="jane.smith").exists()


def test_changing_a_role_replaces_it_and_ends_the_sessions(admin, intake):
    client = administrator_client(admin)
    response = act(client, intake, "change_role", **{"change_role-role": Role.AUDITOR})
    assert response.status_code == 302
    assert list(intake.groups.values_list("name", flat=True)) == [Role.AUDITOR]
    event = assert_audited(AuditAction.ROLE_CHANGED, actor=admin, target_ref=intake.username)
    assert event.detail["to"] == Role.AUDITOR
    assert_audited(AuditAction.SESSIONS_ENDED, target_ref=intake.username)


def test_nobody_changes_or_disables_their_own_account(admin):
    client = administrator_client(admin)
    assert act(client, admin, "change_role", **{"change_role-role": Role.AUDITOR}).status_code == 403
    assert act(client, admin, "disable").status_code == 403
    admin.refresh_from_db()
    assert admin.is_active
    assert list(admin.groups.values_list("name", flat=True)) == [Role.SYSTEM_ADMINISTRATOR]


def test_someone_who_leads_a_case_is_handed_over_not_disabled(admin, director, lead_investigator):
    case = Investigation.objects.create(reference="INV-2026-0640", title="Night falls")
    case_services.start_scoping(case, actor=director, lead=lead_investigator)
    client = administrator_client(admin)

    refused = act(client, lead_investigator, "disable")

    lead_investigator.refresh_from_db()
    assert lead_investigator.is_active
    page = client.get(refused["Location"]).content.decode()
    assert "leads 1 investigation" in page
    assert "leavers&#x27; hand-over" in page or "leavers' hand-over" in page
    assert_audited(AuditAction.ACTION_REFUSED, actor=admin, target_ref=lead_investigator.username)


def test_an_account_without_casework_is_disabled_and_can_be_enabled_again(admin, intake):
    client = administrator_client(admin)

    assert act(client, intake, "disable").status_code == 302
    intake.refresh_from_db()
    assert not intake.is_active
    assert act(client, intake, "enable").status_code == 302
    intake.refresh_from_db()
    assert intake.is_active
    assert_audited(AuditAction.ACCOUNT_ENABLED, actor=admin, target_ref=intake.username)
    again = client.get(act(client, intake, "enable")["Location"]).content.decode()
    assert "already enabled" in again


@pytest.mark.parametrize("persona", ["intake", "director", "auditor"])
def test_only_administrators_create_accounts(personas, persona):
    client = StaffClient()
    client.force_login(personas[persona])
    assert client.get(reverse("accounts:user_new")).status_code == 403
    assert client.post(reverse("accounts:user_new"), {**NEW, FORM_FIELD: "x"}).status_code == 403
    assert not get_user_model().objects.filter(username="jane.smith").exists()
