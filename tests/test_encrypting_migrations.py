"""The migration operations that encrypt text stored in clear before its field was encrypted, and back."""

from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from kernel.fields import decrypt, is_token
from kernel.migration_operations import encrypt_stored_column, encrypt_stored_text


def run(operation, direction: str) -> None:
    code = operation.code if direction == "forward" else operation.reverse_code
    code(apps, SimpleNamespace(connection=connection))


def raw(sql: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_text_stored_in_clear_is_encrypted_once_and_decrypted_back(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE library_devices (id int PRIMARY KEY, key text)")
        cursor.execute("INSERT INTO library_devices VALUES (1, 'deadbeef'), (2, '')")
    operation = encrypt_stored_column("library_devices", "key")

    run(operation, "forward")
    (token,), (empty,) = raw("SELECT key FROM library_devices ORDER BY id")
    assert is_token(token)
    assert decrypt(token) == "deadbeef"
    assert empty == ""
    run(operation, "forward")  # twice changes nothing: a token stays the same token
    assert raw("SELECT key FROM library_devices WHERE id = 1") == [(token,)]

    run(operation, "backward")
    assert raw("SELECT key FROM library_devices ORDER BY id") == [("deadbeef",), ("",)]


def test_a_models_encrypted_fields_and_its_history_are_found(db, case_investigation, lead_investigator):
    from casework.services import work

    note = work.add_note(case_investigation, "Ward 7 was short.", actor=lead_investigator)
    operation = encrypt_stored_text("casework", "CaseNote", "HistoricalCaseNote")
    run(operation, "backward")  # as it was stored before the field was encrypted
    assert raw("SELECT text FROM casework_casenote WHERE id = %s", note.pk) == [("Ward 7 was short.",)]
    assert raw("SELECT text FROM casework_historicalcasenote WHERE id = %s", note.pk) == [("Ward 7 was short.",)]

    run(operation, "forward")
    for table in ("casework_casenote", "casework_historicalcasenote"):
        ((stored,),) = raw("SELECT text FROM %s WHERE id = %%s" % table, note.pk)
        assert is_token(stored)
        assert decrypt(stored) == "Ward 7 was short."
