"""People outside the body sign in by a code sent to their address: single use, short-lived, a few
tries, limited per address and per client; unknown addresses get the same answers; an outside
session never reaches a staff page and a staff session never reaches theirs."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignInCode
from accounts.outside import check_sign_in_code, outside_person_for
from audit.choices import AuditAction, Outcome
from audit.models import AuditEvent
from tests.factories import StaffClient
from tests.helpers import assert_audited
from tests.smtp import smtp_mailers, smtp_server

pytestmark = pytest.mark.django_db

ADDRESS = "ruth.family@example.org"
WRONG_CODE = "That code is not right"


@pytest.fixture
def person():
    return outside_person_for(ADDRESS, "Ruth Ellis")


def ask_for_code(client, address=ADDRESS):
    return client.post(reverse("portal:sign_in"), {"email": address})


def code_in(message) -> str:
    found = re.search(r"\b(\d{6})\b", message)
    assert found is not None, "no code in the mail"
    return found.group(1)


def give(client, code):
    return client.post(reverse("portal:code"), {"code": code})


def test_a_code_from_a_real_mail_server_signs_in_once(person, settings):
    page = StaffClient()
    with smtp_server() as (mailbox, port):
        settings.MAILERS = smtp_mailers(port)
        assert ask_for_code(page, " Ruth.Family@Example.org ")["Location"] == reverse("portal:code")
    [message] = mailbox.to(ADDRESS)
    code = code_in(message.get_content())
    assert "Ruth" not in message.get_content()  # a code and how long it lasts, nothing else
    assert SignInCode.objects.get().code_hash != code  # kept only as a keyed hash
    assert give(page, code)["Location"] == reverse("portal:home")
    home = page.get(reverse("portal:home")).content.decode()
    assert 'data-testid="outside-person">Ruth Ellis<' in home  # named in the header, with a way out
    assert reverse("portal:sign_out") in home.split("</header>")[0]
    footer = home.split('role="contentinfo"')[1]
    assert "s.124" in footer  # the confidentiality warning, not the staff one, and a way to the public site
    assert reverse("login") not in footer
    assert_audited(AuditAction.PORTAL_SIGNED_IN, target_ref=person.reference)
    viewed = assert_audited(AuditAction.PORTAL_HOME_VIEWED, target_ref=person.reference)
    assert viewed.actor is None
    assert viewed.actor_username == person.reference  # named, never by address
    page.post(reverse("portal:sign_out"))
    assert page.get(reverse("portal:home"))["Location"].startswith(reverse("portal:sign_in"))
    # The same code again: refused (no new code was asked for, so it is the only one there is).
    assert check_sign_in_code(ADDRESS, code) is None
    assert_audited(AuditAction.PORTAL_SIGN_IN_REFUSED, outcome=Outcome.DENIED)


def test_an_unknown_address_gets_the_same_answers_and_no_mail(person):
    unknown, known = StaffClient(), StaffClient()
    assert ask_for_code(unknown, "stranger@example.org")["Location"] == ask_for_code(known)["Location"]
    assert [message.to for message in mail.outbox] == [[ADDRESS]]
    refused = give(unknown, "123456")
    assert refused.status_code == 400
    assert WRONG_CODE in refused.content.decode()
    assert_audited(AuditAction.PORTAL_CODE_REFUSED, outcome=Outcome.DENIED)


def test_wrong_guesses_burn_the_code(person, settings):
    page = StaffClient()
    ask_for_code(page)
    code = code_in(mail.outbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.PORTAL_CODE_TRIES):
        assert give(page, wrong).status_code == 400
    assert give(page, code).status_code == 400  # the right code, too late
    assert SignInCode.objects.get().attempts == settings.PORTAL_CODE_TRIES


def test_an_expired_code_and_an_older_code_are_refused(person):
    page = StaffClient()
    ask_for_code(page)
    older = code_in(mail.outbox[-1].body)
    ask_for_code(page)
    newer = code_in(mail.outbox[-1].body)
    if older != newer:
        assert give(page, older).status_code == 400
    SignInCode.objects.filter(used_at=None).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert give(page, newer).status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.PORTAL_SIGNED_IN).exists()


def test_codes_per_address_and_requests_per_client_are_limited(person, settings):
    settings.PORTAL_CODES_PER_HOUR = 2
    for _ in range(3):
        ask_for_code(StaffClient())
    assert len(mail.outbox) == 2
    settings.PORTAL_SIGN_IN_ATTEMPTS_PER_15_MINUTES = 3
    assert ask_for_code(StaffClient()).status_code == 429


def test_bad_input_is_explained_and_nothing_is_sent(person):
    page = StaffClient()
    response = page.post(reverse("portal:sign_in"), {"email": "not an address <script>"})
    assert response.status_code == 400
    assert "Enter an email address in the right form" in response.content.decode()
    assert "<script>" not in response.content.decode()
    assert mail.outbox == []
    ask_for_code(page)
    assert "The code is six numbers" in give(page, "12ab").content.decode()


def signed_in_outside(person) -> StaffClient:
    page = StaffClient()
    ask_for_code(page)
    give(page, code_in(mail.outbox[-1].body))
    return page


@pytest.mark.parametrize("staff_url", ["dashboard", "casework:list", "referrals:list", "audit:event_list"])
def test_an_outside_session_never_reaches_a_staff_page(person, staff_url):
    page = signed_in_outside(person)
    assert page.get(reverse(staff_url)).status_code == 404
    event = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).latest("id")
    assert event.detail["reason"] == "outside session on a staff page"
    assert event.actor_username == person.reference


@pytest.mark.parametrize("portal_url", ["portal:home", "portal:sign_in", "portal:code"])
def test_a_staff_session_never_reaches_a_portal_page(director, portal_url):
    page = StaffClient()
    page.force_login(director)
    assert page.get(reverse(portal_url)).status_code == 404
    assert_audited(AuditAction.ACCESS_DENIED, actor=director, outcome=Outcome.DENIED)


def test_the_portal_sends_strangers_to_its_own_sign_in_not_the_staff_one():
    response = StaffClient().get(reverse("portal:home"))
    assert response["Location"].startswith(reverse("portal:sign_in"))


def test_an_outside_session_ends_at_its_absolute_limit(person, settings):
    page = signed_in_outside(person)
    settings.PORTAL_ABSOLUTE_MINUTES = 0
    assert page.get(reverse("portal:home"))["Location"].startswith(reverse("portal:sign_in"))
    assert_audited(AuditAction.PORTAL_SESSION_EXPIRED, target_ref=person.reference)
