"""An investigator uploads two files of evidence at once in the browser and downloads one back, byte
for byte."""

import os

import pytest

from casework import services
from casework.models import Evidence, Investigation
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.usefixtures("migrated_data")


def test_evidence_round_trip_through_the_browser(
    page, live_server, director, lead_investigator, evidence_storage, tmp_path
):
    investigation = Investigation.objects.create(reference="INV-2026-0950", title="Infusion pumps")
    services.start_scoping(investigation, actor=director, lead=lead_investigator)
    original = tmp_path / "pump-log.csv"
    content = b"time,alarm\n" + os.urandom(3 * 1024 * 1024)
    original.write_bytes(content)
    second = tmp_path / "pump-settings.txt"
    second.write_bytes(b"rate=5ml/h\n")

    sign_in(page, live_server, lead_investigator)
    page.goto(live_server.url + investigation.get_absolute_url())
    page.get_by_test_id("workspace-nav").get_by_role("link", name="Evidence").click()
    page.get_by_role("link", name="Add evidence").click()
    page.fill("#id_title", "Pump alarm log")
    page.select_option("#id_evidence_type", "data")
    page.set_input_files("#id_file", [str(original), str(second)])
    page.get_by_role("button", name="Upload evidence").click()
    page.wait_for_url("**/evidence/")  # the upload script goes to the register once the file is in
    assert "Evidence added: Pump alarm log (1 of 2), Pump alarm log (2 of 2)" in page.content(), page.locator(
        "main"
    ).inner_text()[:800]
    by_name = {item.display_name: item for item in Evidence.objects.all()}  # names are encrypted at rest
    evidence = by_name["pump-log.csv"]
    assert evidence.size == len(content)
    assert by_name["pump-settings.txt"].size == len(b"rate=5ml/h\n")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=evidence.title).click()
    download = download_info.value
    assert download.suggested_filename == "pump-log.csv"
    with open(download.path(), "rb") as handle:
        assert handle.read() == content
    for folder, _, names in os.walk(evidence_storage):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                assert content[:4096] not in handle.read()
