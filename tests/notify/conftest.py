"""People and a case for the notification tests (transactional: the worker runs between commits)."""

import pytest
from django.core.management import call_command

from accounts.roles import Role
from casework import services
from casework.models import Investigation
from tests.factories import make_user

MARKERS = [
    "MARKER-TITLE-7781",
    "MARKER-TASK-5521",
    "MARKER-NOTE-4410",
    "MARKER-DIRECTION-3390",
    "Riverside Marker Trust",
]


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0, verbosity=0)


@pytest.fixture
def people(migrated_data):
    def staff(username, role):
        return make_user(username, role, email="%s@body.example" % username, first_name=username.title())

    return {
        "director": staff("director", Role.DIRECTOR),
        "director2": staff("director2", Role.DIRECTOR),
        "chief": staff("chief", Role.CHIEF_INVESTIGATOR),
        "lead": staff("lead", Role.INVESTIGATOR),
        "member": staff("member", Role.INVESTIGATOR),
    }


def open_case(people) -> Investigation:
    investigation = Investigation.objects.create(
        reference="INV-2026-0901", title=MARKERS[0], organisation_name=MARKERS[4]
    )
    return services.start_scoping(investigation, actor=people["director"], lead=people["lead"])
