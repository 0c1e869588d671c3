"""Every page carries the phase banner and the footer's links to the privacy notice, the
accessibility statement and a way to contact us; those pages are public."""

import pytest
from django.urls import reverse

from tests.factories import StaffClient

SITE_PAGES = ["public_reports:privacy", "public_reports:accessibility", "public_reports:contact"]


@pytest.mark.parametrize("page", ["home", "public:share_concern", "public_reports:list", "login", *SITE_PAGES])
def test_public_pages_have_the_phase_banner_and_the_footer_links(db, page):
    body = StaffClient().get(reverse(page)).content.decode()
    assert 'data-testid="phase-banner"' in body
    footer = body[body.index('role="contentinfo"') :]
    for linked in SITE_PAGES:
        assert reverse(linked) in footer, linked


def test_staff_pages_have_them_too(intake):
    client = StaffClient()
    client.force_login(intake)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="phase-banner"' in body
    assert reverse("public_reports:accessibility") in body[body.index('role="contentinfo"') :]


@pytest.mark.parametrize("page", SITE_PAGES)
def test_the_site_pages_are_public(db, page):
    response = StaffClient().get(reverse(page))
    assert response.status_code == 200
    assert "<h1>" in response.content.decode()
