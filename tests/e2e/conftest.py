"""Browser tests: Playwright driving the system's Chromium against pytest-django's live server."""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The NHS.UK stylesheet asks for its font from an NHS host; the CSP blocks it and Arial is used.
EXPECTED_CONSOLE_NOISE = ("FrutigerLTW01", "Failed to load resource: the server responded with a status of 404")


def pytest_collection_modifyitems(config, items):
    """Without Chromium the browser tests are reported as skipped (`make test` installs it first)."""
    if os.access(CHROMIUM, os.X_OK):
        return
    skip = pytest.mark.skip(reason="Chromium not found at %s (scripts/ensure-chromium installs it)" % CHROMIUM)
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(skip)


@pytest.fixture(scope="module", autouse=True)
def allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread, which Django takes for async code.

    The tests' own ORM calls (and the database flush after each) are ordinary synchronous calls,
    so Django's guard is lifted while a browser module runs, and restored after it.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(allow_orm_beside_playwright):
    """One Chromium per module: its event loop must stop before non-browser tests run."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_problems = []
    page.on(
        "console",
        lambda message: (
            message.type in ("error", "warning")
            and not any(noise in message.text for noise in EXPECTED_CONSOLE_NOISE)
            and page.console_problems.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: page.console_problems.append(str(error)))
    yield page
    context.close()
