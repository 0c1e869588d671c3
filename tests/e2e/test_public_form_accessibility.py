"""The public concern form by keyboard alone, with a visible focus on every control.

Members of the public include people who cannot use a mouse: every control of the form must be
reached with Tab in reading order, show where the focus is, and the concern must be sendable
without a pointer.
"""

import pytest

from referrals.models import Referral

pytestmark = pytest.mark.usefixtures("migrated_data")

FOCUS_STATE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
    && style.outlineColor !== 'rgba(0, 0, 0, 0)';
  const shadow = style.boxShadow !== 'none';
  const background = style.backgroundColor;
  return {tag: el.tagName, type: el.type || '', name: el.name || '', id: el.id || '',
          visible: outline || shadow, background: background};
}"""
REQUIRED = ["reporter_type", "concern_kind", "organisation_name", "care_setting", "region", "description"]
REQUIRED += ["harm_level", "frequency"]


def tab_through(page, limit=80) -> list[dict]:
    """Every control Tab reaches from the top of the page to its end, in order, with its focus state.

    A date input takes several Tab stops (day, month, year, then the browser's own calendar button,
    drawn with Chromium's focus ring); it counts once, with the focus state of its first stop.
    """
    reached: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state["tag"] == "BODY":
            break
        if state["id"] and reached and reached[-1]["id"] == state["id"]:
            continue
        reached.append(state)
    return reached


def test_every_control_is_reached_by_tab_with_a_visible_focus(page, live_server):
    page.goto(live_server.url + "/share-a-concern/")
    reached = tab_through(page)
    names = [state["name"] for state in reached if state["name"]]
    for name in REQUIRED:
        assert name in names, "%s is not reached with Tab" % name
    # In reading order: each question comes after the one before it.
    assert [names.index(name) for name in REQUIRED] == sorted(names.index(name) for name in REQUIRED)
    invisible = [state for state in reached if not state["visible"]]
    assert invisible == [], "focus not visible on %s" % invisible


def test_a_concern_is_sent_with_the_keyboard_alone(page, live_server):
    page.goto(live_server.url + "/share-a-concern/")
    keyboard = page.keyboard

    def tab_to(name):
        for _ in range(80):
            keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.name") == name:
                return
        raise AssertionError("could not reach %s with Tab" % name)

    tab_to("reporter_type")
    keyboard.press("Space")
    tab_to("concern_kind")
    keyboard.press("Space")
    tab_to("organisation_name")
    keyboard.type("Riverside Hospital")
    tab_to("care_setting")
    keyboard.type("Hospital")
    tab_to("region")
    keyboard.type("London")
    tab_to("description")
    keyboard.type("Call bells were not answered for long periods at night.")
    tab_to("harm_level")
    keyboard.press("Space")
    tab_to("frequency")
    keyboard.press("Space")
    for _ in range(80):
        keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "submit":
            break
    keyboard.press("Enter")
    page.get_by_test_id("reference").wait_for()
    reference = page.get_by_test_id("reference").inner_text()
    referral = Referral.objects.get(reference=reference)
    assert referral.organisation_name == "Riverside Hospital"
    assert referral.care_setting == "hospital"
    assert referral.region == "london"
    assert page.console_problems == []
