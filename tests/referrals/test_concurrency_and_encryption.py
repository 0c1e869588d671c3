"""Two people acting at once, field encryption at rest, and key rotation."""

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from audit.choices import AuditAction
from kernel.errors import WorkflowError
from referrals import services
from referrals.choices import ReferralState
from referrals.models import Referral
from tests.factories import make_referral
from tests.helpers import assert_audited, at_once

OLD_KEY = "b2xkLWtleS1mb3Itcm90YXRpb24tdGVzdHMtMDAwMDA="
NEW_KEY = "bmV3LWtleS1mb3Itcm90YXRpb24tdGVzdHMtMDAwMDA="


@pytest.mark.django_db(transaction=True)
def test_two_officers_starting_triage_at_once_exactly_one_wins(migrated_data):
    from accounts.roles import Role
    from tests.factories import make_user

    officers = [make_user("officer%s" % n, Role.INTAKE_OFFICER) for n in range(2)]
    referral = make_referral()
    outcomes = at_once(
        *[lambda officer=officer: services.start_triage(referral, actor=officer) for officer in officers]
    )
    refusals = [str(outcome) for outcome in outcomes if isinstance(outcome, WorkflowError)]
    assert len(refusals) == 1
    [refusal] = refusals
    assert "is now in triage" in refusal
    assert "nothing was changed" in refusal
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.TRIAGE
    assert referral.activities.filter(action="start_triage").count() == 1


def raw_column(referral, column):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s FROM referrals_referral WHERE id = %%s" % column, [referral.pk])
        return cursor.fetchone()[0]


def test_personal_details_are_encrypted_at_rest(db):
    referral = make_referral(reporter_name="Alex Example", reporter_email="alex@example.org", patient_details="NHS 123")
    for column, plaintext in [
        ("reporter_name", "Alex Example"),
        ("reporter_email", "alex@example.org"),
        ("patient_details", "NHS 123"),
    ]:
        stored = raw_column(referral, column)
        assert plaintext not in stored
        assert stored.startswith("gAAAAA")  # a Fernet token
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.reporter_name, fresh.reporter_email) == ("Alex Example", "alex@example.org")


def test_history_rows_are_encrypted_too(db):
    referral = make_referral(reporter_name="Alex Example")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_name FROM referrals_historicalreferral WHERE id = %s", [referral.pk])
        (stored,) = cursor.fetchone()
    assert "Alex" not in stored


def test_encrypted_fields_cannot_be_filtered_on(db):
    with pytest.raises(FieldError, match="cannot be filtered on"):
        list(Referral.objects.filter(reporter_email="alex@example.org"))


def test_rotation_re_encrypts_under_the_newest_key_so_the_old_one_can_go(db, capsys):
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        referral = make_referral(reporter_name="Alex Example", reporter_phone="0161 496 0000")
    before = raw_column(referral, "reporter_name")

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("rotate_field_keys")
    assert "rows re-encrypted" in capsys.readouterr().out
    assert raw_column(referral, "reporter_name") != before
    assert_audited(AuditAction.FIELD_KEYS_ROTATED)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        fresh = Referral.objects.get(pk=referral.pk)
        assert (fresh.reporter_name, fresh.reporter_phone) == ("Alex Example", "0161 496 0000")
        assert Referral.history.filter(id=referral.pk).first().reporter_name == "Alex Example"


def test_a_value_under_a_removed_key_fails_loudly(db):
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        referral = make_referral(reporter_name="Alex Example")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(ImproperlyConfigured, match="rotate"):
        Referral.objects.get(pk=referral.pk)
