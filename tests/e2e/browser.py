"""Steps shared by the browser journeys."""

from tests.factories import TEST_PASSWORD, current_code, give_authenticator


def sign_in(page, live_server, user, *, start: str = "/accounts/login/"):
    """Sign in as an enrolled member of staff does: password, then the authenticator's current code."""
    give_authenticator(user)
    page.goto(live_server.url + start)
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.fill("#id_code", current_code(user))
    page.get_by_role("button", name="Continue").click()
