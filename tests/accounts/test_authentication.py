"""Log-in, log-out, throttling, sessions and password rules."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import StaffSession as Session
from audit.choices import AuditAction, Outcome
from tests.factories import TEST_PASSWORD
from tests.helpers import assert_audited


def log_in(client, username, password=TEST_PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_login_is_audited_and_lands_on_the_dashboard(client, intake):
    response = log_in(client, intake.username)
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    event = assert_audited(AuditAction.LOGIN, actor=intake, target_ref=intake.username, outcome=Outcome.ALLOWED)
    assert event.request_id == response["X-Request-ID"]
    assert event.ip_address == "127.0.0.1"


def test_failed_login_is_audited_with_a_clear_message(client, intake):
    response = log_in(client, intake.username, "wrong-password-entirely")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    event = assert_audited(AuditAction.LOGIN_FAILED, target_ref=intake.username, outcome=Outcome.DENIED)
    assert event.actor is None


def test_failed_login_for_unknown_user_is_audited(client, db):
    log_in(client, "nobody-by-this-name", "whatever-password")
    assert_audited(AuditAction.LOGIN_FAILED, target_ref="nobody-by-this-name", outcome=Outcome.DENIED)


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client, intake):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, intake.username, "wrong-password-entirely")
    response = log_in(client, intake.username)
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert_audited(AuditAction.LOCKED_OUT, target_ref=intake.username, outcome=Outcome.DENIED)


def test_lockout_is_per_username_and_address(client, intake, director):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, intake.username, "wrong-password-entirely")
    assert log_in(client, director.username).status_code == 302
    assert log_in(client, intake.username, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_failures_below_the_limit_do_not_lock(client, intake):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, intake.username, "wrong-password-entirely")
    assert log_in(client, intake.username).status_code == 302


def test_login_issues_a_new_session_key(client, intake):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    log_in(client, intake.username)
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(intake.pk)


def test_logout_is_post_only_audited_and_ends_the_session_on_the_server(client, intake):
    log_in(client, intake.username)
    session_key = client.session.session_key
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert not Session.objects.filter(session_key=session_key).exists()
    assert_audited(AuditAction.LOGOUT, actor=intake)
    # The old cookie is worthless now.
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    assert client.get(reverse("dashboard")).status_code == 302


def test_session_expires_after_idle_time_and_each_request_extends_it(client, intake):
    assert settings.SESSION_SAVE_EVERY_REQUEST
    log_in(client, intake.username)
    assert 0 < client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE <= 60 * 60
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date.replace(year=2000))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_disabled_account_cannot_log_in(client, intake):
    intake.is_active = False
    intake.save()
    response = log_in(client, intake.username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Short1!", "at least 12 characters"),
        ("password1234", "too common"),
        ("849203748290", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    with pytest.raises(ValidationError, match=message):
        validate_password(password)


def test_strong_password_is_accepted():
    validate_password("amber-kettle-violin-2031")


def test_many_usernames_tried_from_one_address_stop_at_the_limit(db, settings, intake):
    """django-axes locks one username at one address; trying twenty names from one address is stopped too."""
    from django.test import Client

    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for number in range(20):
        response = attacker.post("/accounts/login/", {"username": "guess%s" % number, "password": "wrong"})
        assert response.status_code == 200
    refused = attacker.post("/accounts/login/", {"username": intake.username, "password": TEST_PASSWORD})
    assert refused.status_code == 429
    assert not refused.wsgi_request.user.is_authenticated
    assert_audited(AuditAction.LOGIN_RATE_LIMITED, outcome=Outcome.DENIED)
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert (
        elsewhere.post("/accounts/login/", {"username": intake.username, "password": TEST_PASSWORD}).status_code == 302
    )
