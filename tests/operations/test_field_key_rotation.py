"""rotate_field_keys re-encrypts every encrypted field of every model, history included."""

from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from casework.models import CaseNote
from casework.services import work
from tests.referrals.test_concurrency_and_encryption import NEW_KEY, OLD_KEY

EXPECTED_MODELS = {
    "accounts.Authenticator",
    "accounts.OutsidePerson",
    "referrals.Referral",
    "referrals.HistoricalReferral",
    "referrals.ReferralMessage",
    "referrals.Attachment",
    "referrals.HistoricalAttachment",
    "casework.CaseNote",
    "casework.HistoricalCaseNote",
    "casework.Task",
    "casework.HistoricalTask",
    "casework.Interview",
    "casework.HistoricalInterview",
    "casework.Evidence",
    "casework.HistoricalEvidence",
    "casework.RecommendationResponse",
    "casework.ResponseAttachment",
    "reports.ReportVersion",
    "reports.ReviewComment",
    "reports.ConsultationComment",
    "reports.IntendedIdentifier",
    "reports.ConsultationAttachment",
}


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute('SELECT "%s" FROM "%s" WHERE id = %%s ORDER BY 1 LIMIT 1' % (column, table), [pk])
        return cursor.fetchone()[0]


def test_rotation_covers_every_encrypted_field_history_included(case_investigation, lead_investigator, capsys):
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        note = work.add_note(case_investigation, "Ward 7 was two nurses short.", actor=lead_investigator)
    before = stored("casework_casenote", "text", note.pk), stored("casework_historicalcasenote", "text", note.pk)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("rotate_field_keys")
    rotated = {line.split(":")[0] for line in capsys.readouterr().out.splitlines()}
    assert rotated == EXPECTED_MODELS
    after = stored("casework_casenote", "text", note.pk), stored("casework_historicalcasenote", "text", note.pk)
    assert all(new != old for new, old in zip(after, before, strict=True))

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        assert CaseNote.objects.get(pk=note.pk).text == "Ward 7 was two nurses short."
        assert CaseNote.history.filter(id=note.pk).first().text == "Ward 7 was two nurses short."
