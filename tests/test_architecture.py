"""Rules of the code's shape that no linter states: one place for each permission name and each audit write.

Import layers are held by lint-imports and guardian's grant functions by ruff (both in `make lint`).
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROJECT_APPS = ["kernel", "audit", "vault", "accounts", "referrals", "casework", "disclosures"]
APP_PACKAGES = [*PROJECT_APPS, "workflow", "api", "dashboards", "oversight", "operations", "config"]


def app_sources(*, skip_names=()):
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or path.name in skip_names:
                continue
            yield path, ast.parse(path.read_text(), filename=str(path))


def string_constants(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def project_permissions() -> set[str]:
    """Every "app_label.codename" the project's models define (default and custom permissions)."""
    names: set[str] = set()
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            opts = model._meta
            names.update("%s.%s_%s" % (label, action, opts.model_name) for action in opts.default_permissions)
            names.update("%s.%s" % (label, codename) for codename, _ in opts.permissions)
    return names


def test_the_project_defines_the_permissions_this_test_looks_for():
    permissions = project_permissions()
    assert {"casework.work_on_investigation", "referrals.triage_referral", "audit.view_auditevent"} <= permissions


def test_permission_names_are_written_only_in_each_apps_permissions_module():
    permissions = project_permissions()
    found = [
        "%s:%s %s" % (path.relative_to(ROOT), node.lineno, node.value)
        for path, tree in app_sources(skip_names={"permissions.py"})
        for node in string_constants(tree)
        if node.value in permissions
    ]
    assert not found, "Use the constant or rule from the app's permissions.py:\n" + "\n".join(found)


def test_templates_ask_the_permission_rules_not_permission_names():
    found = [
        "%s:%s" % (path.relative_to(ROOT), number)
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\bperms\.", line)
    ]
    assert not found, "Templates use `may` (dashboards.context_processors), not `perms`:\n" + "\n".join(found)


AUDIT_MODELS = {"AuditEvent", "ChainLink", "UnchainedEvent"}
AUDIT_WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "delete", "raw"}


def audit_writes(tree):
    """Lines that build an AuditEvent or a ChainLink, or write to the trail's tables, outside audit.services."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in AUDIT_MODELS:
            yield node.lineno
        if (
            isinstance(node, ast.Attribute)
            and node.attr in AUDIT_WRITES
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "objects"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in AUDIT_MODELS
        ):
            yield node.lineno
    for node in string_constants(tree):
        if re.search(
            r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+audit_(auditevent|chainlink|unchainedevent)\b",
            node.value,
            re.IGNORECASE,
        ):
            yield node.lineno


def test_only_record_event_writes_to_the_audit_trail():
    owner = ROOT / "audit" / "services.py"
    found = [
        "%s:%s" % (path.relative_to(ROOT), line)
        for path, tree in app_sources()
        if path != owner
        for line in audit_writes(tree)
    ]
    assert not found, "Write audit events with audit.services.record_event:\n" + "\n".join(found)
    assert list(audit_writes(ast.parse(owner.read_text()))), "record_event no longer writes events here"


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("AuditEvent(seq=1)", True),
        ("AuditEvent.objects.create(seq=1)", True),
        ("cursor.execute('INSERT INTO audit_auditevent VALUES (1)')", True),
        ("AuditEvent.objects.filter(id=1)", False),
        ("ChainLink.objects.create(seq=1)", True),
        ("cursor.execute('DELETE FROM audit_unchainedevent')", True),
    ],
)
def test_the_audit_write_finder_finds_writes_and_only_writes(source, caught):
    assert bool(list(audit_writes(ast.parse(source)))) is caught
