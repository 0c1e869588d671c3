"""The client address recorded in the audit trail and used for log-in throttling."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from audit.choices import AuditAction
from kernel.client import client_ip
from tests.factories import TEST_PASSWORD
from tests.helpers import assert_audited


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxy: the header is the client's own claim
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # spoofed entry on the left is ignored
        (2, "10.0.0.3", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "10.0.0.3", "198.51.100.1", "10.0.0.3"),  # fewer entries than proxies: fall back
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "2001:db8:0:0:0:0:0:7", "2001:db8::7"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(proxies, remote, forwarded, expected):
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request_from(remote, forwarded)) == expected


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_audit_and_lockout_use_the_forwarded_client_address(client, intake, settings):
    login = reverse("login")
    from_client = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": intake.username, "password": "wrong-password-entirely"}, **from_client)
    event = assert_audited(AuditAction.LOGIN_FAILED, target_ref=intake.username)
    assert event.ip_address == "198.51.100.1"
    # Locked out from that client, but another client behind the same proxy can still log in.
    assert (
        client.post(login, {"username": intake.username, "password": TEST_PASSWORD}, **from_client).status_code == 429
    )
    other = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert client.post(login, {"username": intake.username, "password": TEST_PASSWORD}, **other).status_code == 302
