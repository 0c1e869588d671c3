"""Sessions: listed and ended by their owner or administrators, on disabling and leaving; idle and absolute limits."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Authenticator as TOTPDevice
from accounts.models import StaffSession
from accounts.roles import Role
from accounts.sessions import SIGNED_IN_AT
from audit.choices import AuditAction
from casework import services
from tests.factories import StaffClient, current_code, make_user
from tests.helpers import assert_audited


def signed_in(user, **extra) -> StaffClient:
    client = StaffClient(**extra)
    client.force_login(user)
    return client


def reaches_dashboard(client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def test_each_sign_in_is_a_session_row_with_its_user_address_and_browser(director):
    signed_in(director, HTTP_USER_AGENT="Firefox on the ward PC").get(reverse("dashboard"))
    session = StaffSession.objects.get(user=director)
    assert session.user_agent == "Firefox on the ward PC"
    assert session.ip_address == "127.0.0.1"


def test_user_sees_their_sessions_and_ends_another_one(director, intake):
    laptop, phone = signed_in(director), signed_in(director)
    signed_in(intake)
    page = laptop.get(reverse("accounts:sessions"))
    rows = page.context["rows"]
    assert len(rows) == 2
    assert [row["current"] for row in rows].count(True) == 1
    assert str(phone.session.session_key) not in page.content.decode()  # keys are never shown
    other = next(row["session"] for row in rows if not row["current"])

    laptop.post(reverse("accounts:sessions"), {"session": other.public_id})

    assert not reaches_dashboard(phone)
    assert reaches_dashboard(laptop)
    assert_audited(AuditAction.SESSION_ENDED, actor=director, target_ref=director.username)


def test_a_session_already_ended_or_not_ones_own_is_explained_and_nothing_changes(director, intake):
    mine, theirs = signed_in(director), signed_in(intake)
    their_session = StaffSession.objects.get(user=intake)
    response = mine.post(reverse("accounts:sessions"), {"session": their_session.public_id}, follow=True)
    assert "already ended" in response.content.decode()
    assert reaches_dashboard(theirs)


def test_end_all_other_sessions_keeps_this_one(director):
    here, elsewhere, third = signed_in(director), signed_in(director), signed_in(director)
    here.post(reverse("accounts:sessions"), {"action": "end_others"})
    assert reaches_dashboard(here)
    assert not reaches_dashboard(elsewhere)
    assert not reaches_dashboard(third)


@pytest.mark.parametrize("action", ["end_sessions", "reset_second_factor", "disable"])
def test_administrator_actions_end_the_users_sessions(admin_user, director, action):
    victim = signed_in(director)
    admin = signed_in(admin_user)
    response = admin.post(reverse("accounts:user_action", args=[director.username, action]))
    assert response.status_code == 302
    assert not reaches_dashboard(victim)
    assert not StaffSession.objects.filter(user=director).exists()
    assert_audited(AuditAction.SESSIONS_ENDED, actor=admin_user, target_ref=director.username)
    director.refresh_from_db()
    assert director.is_active is (action != "disable")
    assert TOTPDevice.objects.filter(user=director).exists() is (action != "reset_second_factor")


def test_administrator_cannot_act_on_their_own_account(admin_user):
    admin = signed_in(admin_user)
    response = admin.post(reverse("accounts:user_action", args=[admin_user.username, "reset_second_factor"]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=admin_user).exists()


def test_administrator_action_with_a_stale_second_factor_asks_for_a_code_and_loses_nothing(admin_user, director):
    admin = signed_in(admin_user)
    session = admin.session
    session["second_factor_verified_at"] = time.time() - 3600
    session.save()
    url = reverse("accounts:user_action", args=[director.username, "disable"])

    asked = admin.post(url)
    assert asked.status_code == 200
    assert "Confirm it is you" in asked.content.decode()
    director.refresh_from_db()
    assert director.is_active

    wrong = admin.post(url, {"step_up_code": "000000"})
    assert wrong.status_code == 400
    director.refresh_from_db()
    assert director.is_active

    done = admin.post(url, {"step_up_code": current_code(admin_user)})
    assert done.status_code == 302
    director.refresh_from_db()
    assert not director.is_active


def test_leaver_process_ends_the_leavers_sessions_at_once(director, lead_investigator):
    successor = make_user("successor", Role.INVESTIGATOR)
    leaver = signed_in(lead_investigator)
    assert reaches_dashboard(leaver)
    services.process_leaver(lead_investigator, successor=successor, actor=director)
    assert not reaches_dashboard(leaver)
    assert not StaffSession.objects.filter(user=lead_investigator).exists()


def test_session_ends_at_its_absolute_lifetime_however_active(director, settings):
    client = signed_in(director)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not reaches_dashboard(client)
    assert_audited(AuditAction.SESSION_EXPIRED, actor=director)


def test_idle_session_ends_on_the_server(director):
    client = signed_in(director)
    StaffSession.objects.filter(user=director).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_each_request_pushes_the_idle_expiry_on(director, settings):
    client = signed_in(director)
    StaffSession.objects.filter(user=director).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert reaches_dashboard(client)
    expiry = StaffSession.objects.get(user=director).expire_date
    assert expiry > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
