"""The second factor: nothing protected without it, enrolment, codes that work once, lockout, re-authentication."""

import base64
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from accounts import mfa
from accounts.models import Authenticator as TOTPDevice
from accounts.models import RecoveryCode, RecoveryCodeDevice
from audit.choices import AuditAction, Outcome
from tests.factories import TEST_PASSWORD, current_code, give_authenticator, sign_in
from tests.helpers import assert_audited


def password_only(client, user):
    """A session that has given the password and nothing more."""
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def code_at(device, seconds_from_now: float) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + seconds_from_now
    return "%06d" % totp.token()


@pytest.fixture
def anon():
    return Client()


def test_password_alone_reaches_no_protected_page(anon, director, case_referral):
    give_authenticator(director)
    password_only(anon, director)
    for url in (reverse("dashboard"), case_referral.get_absolute_url(), reverse("casework:list")):
        response = anon.get(url)
        assert response.status_code == 302
        assert response.url == "%s?next=%s" % (reverse("accounts:mfa_verify"), url)
    assert anon.post(reverse("logout")).status_code == 302  # log-out works without the code


def test_code_completes_sign_in_and_returns_to_the_page_asked_for(anon, director, case_referral):
    give_authenticator(director)
    password_only(anon, director)
    response = anon.post(
        "%s?next=%s" % (reverse("accounts:mfa_verify"), case_referral.get_absolute_url()),
        {"code": current_code(director)},
    )
    assert response.status_code == 302
    assert response.url == case_referral.get_absolute_url()
    assert anon.get(case_referral.get_absolute_url()).status_code == 200
    assert_audited(AuditAction.MFA_VERIFIED, actor=director, target_ref=director.username)


def test_new_session_key_when_the_second_factor_is_given(anon, director):
    give_authenticator(director)
    password_only(anon, director)
    before = anon.cookies["sessionid"].value
    anon.post(reverse("accounts:mfa_verify"), {"code": current_code(director)})
    assert anon.cookies["sessionid"].value != before


def test_first_sign_in_sets_up_the_authenticator_with_qr_code_and_key(anon, intake):
    password_only(anon, intake)
    response = anon.get(reverse("dashboard"))
    assert response.url.startswith(reverse("accounts:mfa_setup"))
    page = anon.get(response.url)
    html = page.content.decode()
    assert "<svg" in html
    assert 'data-testid="manual-key"' in html
    device = TOTPDevice.objects.get(user=intake, confirmed=False)
    assert mfa.manual_key(device).replace(" ", "") in html.replace(" ", "")

    wrong = anon.post(reverse("accounts:mfa_setup"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "does not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=intake, confirmed=True).exists()
    assert anon.get(reverse("dashboard")).status_code == 302

    done = anon.post(reverse("accounts:mfa_setup"), {"code": code_at(device, 0)})
    codes = done.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert anon.get(reverse("dashboard")).status_code == 200
    assert_audited(AuditAction.MFA_ENROLLED, actor=intake)


def test_the_authenticator_secret_is_stored_encrypted_and_still_checks_codes(director):
    device = give_authenticator(director)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM otp_totp_totpdevice WHERE id = %s", [device.pk])
        (stored,) = cursor.fetchone()
    secret = TOTPDevice.objects.get(pk=device.pk).secret_hex
    assert len(secret) >= 20
    assert secret not in stored
    assert secret.upper() not in stored
    assert base64.b32encode(bytes.fromhex(secret)).decode().rstrip("=") not in stored
    assert TOTPDevice.objects.get(pk=device.pk).verify_token(current_code(director))


def test_set_up_is_refused_to_a_password_only_session_when_an_authenticator_exists(anon, director):
    """Otherwise a stolen password would be enough to attach the thief's own phone."""
    original = give_authenticator(director)
    password_only(anon, director)
    response = anon.get(reverse("accounts:mfa_setup"))
    assert response.url.startswith(reverse("accounts:mfa_verify"))
    anon.post(reverse("accounts:mfa_setup"), {"code": "123456"})
    assert list(TOTPDevice.objects.filter(user=director)) == [original]


@pytest.mark.parametrize(
    ("label", "code"),
    [("wrong", "000000"), ("expired", None), ("letters", "abcdef"), ("empty", ""), ("far too long", "1" * 41)],
)
def test_wrong_expired_and_malformed_codes_are_refused_clearly(anon, director, label, code):
    device = give_authenticator(director)
    if code is None:
        code = code_at(device, -300)  # five minutes old: outside the one-step tolerance
    password_only(anon, director)
    response = anon.post(reverse("accounts:mfa_verify"), {"code": code})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert anon.get(reverse("dashboard")).status_code == 302


def test_wrong_code_is_audited_as_a_second_factor_failure(anon, director):
    give_authenticator(director)
    password_only(anon, director)
    anon.post(reverse("accounts:mfa_verify"), {"code": "000000"})
    event = assert_audited(AuditAction.MFA_FAILED, target_ref=director.username, outcome=Outcome.DENIED)
    assert event.detail == {"stage": "sign-in"}


def test_a_code_is_accepted_once_only(director):
    device = give_authenticator(director)
    code = code_at(device, 0)
    first, second = Client(), Client()
    password_only(first, director)
    assert first.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302
    password_only(second, director)
    replay = second.post(reverse("accounts:mfa_verify"), {"code": code})
    assert replay.status_code == 200
    assert second.get(reverse("dashboard")).status_code == 302


def test_recovery_code_works_once_and_only_its_hash_is_stored(director):
    give_authenticator(director)
    codes = mfa.regenerate_recovery_codes(director, actor=director)
    stored = list(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not any(code.replace("-", "") in "".join(stored) for code in codes)

    first = password_only(Client(), director)
    response = first.post(reverse("accounts:mfa_verify"), {"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    event = assert_audited(AuditAction.MFA_VERIFIED, actor=director)
    assert event.detail == {"method": "recovery code", "recovery_codes_left": 9}

    second = password_only(Client(), director)
    assert second.post(reverse("accounts:mfa_verify"), {"code": codes[3]}).status_code == 200
    assert second.get(reverse("dashboard")).status_code == 302


def test_repeated_wrong_codes_lock_the_account_out_like_wrong_passwords(anon, director, settings):
    give_authenticator(director)
    password_only(anon, director)
    statuses = [anon.post(reverse("accounts:mfa_verify"), {"code": "000000"}).status_code for _ in range(5)]
    assert statuses[:4] == [200] * 4
    assert statuses[4] == 429
    assert_audited(AuditAction.LOCKED_OUT, target_ref=director.username)
    # The session is gone, and the password is refused until the lockout ends.
    assert anon.get(reverse("dashboard")).url.startswith(reverse("login"))
    assert anon.post(reverse("login"), {"username": director.username, "password": TEST_PASSWORD}).status_code == 429


def test_django_otp_slows_a_code_straight_after_a_wrong_one(anon, director, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    give_authenticator(director)
    password_only(anon, director)
    anon.post(reverse("accounts:mfa_verify"), {"code": "000000"})
    assert anon.post(reverse("accounts:mfa_verify"), {"code": current_code(director)}).status_code == 200


@pytest.mark.parametrize(
    "forged", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)", "http://testserver.evil/"]
)
def test_forged_next_to_another_host_goes_to_the_dashboard(anon, director, forged):
    give_authenticator(director)
    password_only(anon, director)
    response = anon.post("%s?next=%s" % (reverse("accounts:mfa_verify"), forged), {"code": current_code(director)})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    login = Client().post(reverse("login"), {"username": director.username, "password": TEST_PASSWORD, "next": forged})
    assert login["Location"] == reverse("dashboard")


def test_disabled_account_session_cookie_reaches_nothing(client, director):
    client.force_login(director)
    assert client.get(reverse("dashboard")).status_code == 200
    director.is_active = False
    director.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_settings_need_the_password_and_a_code_again(client, director):
    client.force_login(director)
    old_codes = mfa.regenerate_recovery_codes(director, actor=director)
    refused = client.post(
        reverse("accounts:mfa_settings"),
        {"action": "new_codes", "password": "not-my-password", "code": current_code(director)},
    )
    assert refused.status_code == 200
    assert "Nothing was changed" in refused.content.decode()
    wrong_code = client.post(
        reverse("accounts:mfa_settings"), {"action": "new_codes", "password": TEST_PASSWORD, "code": "000000"}
    )
    assert "Nothing was changed" in wrong_code.content.decode()
    assert RecoveryCodeDevice.objects.get(user=director).remaining() == 10

    replaced = client.post(
        reverse("accounts:mfa_settings"),
        {"action": "new_codes", "password": TEST_PASSWORD, "code": current_code(director)},
    )
    new_codes = replaced.context["codes"]
    assert not set(new_codes) & set(old_codes)
    assert_audited(AuditAction.MFA_RECOVERY_CODES_REPLACED, actor=director)


def test_new_authenticator_removes_the_old_one_and_asks_for_set_up(client, director):
    client.force_login(director)
    old = give_authenticator(director)
    response = client.post(
        reverse("accounts:mfa_settings"),
        {"action": "new_authenticator", "password": TEST_PASSWORD, "code": current_code(director)},
    )
    assert response.url == reverse("accounts:mfa_setup")
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get(reverse("dashboard")).url.startswith(reverse("accounts:mfa_setup"))
    assert_audited(AuditAction.MFA_REMOVED, actor=director)


def test_sign_in_helper_goes_through_both_pages(client, auditor):
    response = sign_in(client, auditor.username)
    assert response.redirect_chain[-1][0] == reverse("dashboard")


def test_guessing_the_password_on_the_settings_page_is_audited_and_locks_the_account_out(client, director):
    client.force_login(director)
    url = reverse("accounts:mfa_settings")
    guesses = [
        client.post(url, {"action": "new_codes", "password": "guess-%s" % n, "code": current_code(director)})
        for n in range(5)
    ]
    assert [response.status_code for response in guesses[:4]] == [200] * 4
    assert "The password is not right" in guesses[0].content.decode()
    assert guesses[4].status_code == 429
    assert_audited(AuditAction.LOGIN_FAILED, target_ref=director.username, outcome=Outcome.DENIED)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    assert RecoveryCodeDevice.objects.filter(user=director).count() == 0


@pytest.mark.django_db
def test_the_code_helper_keeps_up_with_a_drifting_authenticator(director):
    """Three sign-ins in one 30-second step: the second code is one step ahead, which moves the
    device's drift; the third must allow for that drift rather than count it twice."""
    for _ in range(3):
        device = give_authenticator(director)
        assert device.verify_token(current_code(director))
