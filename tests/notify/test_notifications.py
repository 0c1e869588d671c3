"""Notifications through a real SMTP server on loopback, run by the real database worker.

Transactional tests: the worker runs between commits, as in production.
"""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from casework import services
from casework.models import Investigation, Task
from casework.services.directions import register_direction
from casework.services.team import add_team_member, remove_team_member
from casework.services.work import add_note, create_task
from notify.choices import EmailFrequency, EmailState, NotificationKind
from notify.models import Notification
from notify.services import set_email_frequency
from notify.tasks import send_daily_digests
from tests.factories import StaffClient
from tests.notify.conftest import MARKERS, open_case, run_worker
from tests.smtp import free_port, smtp_mailers, smtp_server

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_journey_mails_every_hand_off_once_with_no_protected_content(people, settings):
    with smtp_server() as (mailbox, port):
        settings.MAILERS = smtp_mailers(port)
        investigation = open_case(people)
        add_team_member(investigation, people["member"], "member", actor=people["director"])
        create_task(investigation, actor=people["lead"], title=MARKERS[1], assignee=people["member"])
        add_note(investigation, MARKERS[2], actor=people["lead"])
        register_direction(actor=people["director"], title=MARKERS[3], issued_on=date.today(), scope="Scope")
        run_worker()

    expected = {
        ("lead@body.example", NotificationKind.TEAM_APPOINTED),
        ("member@body.example", NotificationKind.TEAM_APPOINTED),
        ("member@body.example", NotificationKind.TASK_ASSIGNED),
        ("director2@body.example", NotificationKind.DIRECTION_WAITING),
        ("chief@body.example", NotificationKind.DIRECTION_WAITING),
    }
    stored = {(n.address, n.kind) for n in Notification.objects.select_related("recipient")}
    assert stored == expected
    assert set(Notification.objects.values_list("email", flat=True)) == {EmailState.SENT}
    assert len(mailbox.messages) == len(expected)
    received = {(message["To"], message["Subject"]) for message in mailbox.messages}
    assert ("member@body.example", "A task was assigned to you on INV-2026-0901") in received
    for message in mailbox.messages:
        whole = message.as_string()
        assert not [marker for marker in MARKERS if marker in whole], whole
    # The in-service list says the same as the mail.
    client = StaffClient()
    client.force_login(people["member"])
    page = client.get(reverse("notify:notifications")).content.decode()
    assert page.count('data-testid="notification-') == 2
    assert 'data-testid="unread-count">2' in page


def test_mail_server_down_keeps_the_action_and_the_notification_and_retries(people, settings):
    settings.MAILERS = smtp_mailers(free_port())  # nothing listens there
    investigation = open_case(people)
    task = create_task(investigation, actor=people["lead"], title="Chase records", assignee=people["lead"])
    add_team_member(investigation, people["member"], "member", actor=people["director"])
    run_worker()
    notification = Notification.objects.get(recipient=people["member"])
    assert notification.email == EmailState.WAITING
    assert Task.objects.filter(pk=task.pk).exists()
    assert investigation.team.filter(user=people["member"]).exists()
    retries = DBTaskResult.objects.filter(status="READY")
    assert sorted(retry.args_kwargs["args"] for retry in retries) == sorted(
        [n.pk, 2] for n in Notification.objects.all()
    )
    assert all(retry.run_after > retry.enqueued_at for retry in retries)  # after a back-off
    with smtp_server() as (mailbox, port):
        settings.MAILERS = smtp_mailers(port)
        retries.update(run_after=timezone.now())  # the back-off has passed
        run_worker()
    assert sorted(message["To"] for message in mailbox.messages) == ["lead@body.example", "member@body.example"]
    notification.refresh_from_db()
    assert notification.email == EmailState.SENT


def test_a_recipient_who_lost_access_before_sending_is_not_mailed(people, settings):
    with smtp_server() as (mailbox, port):
        settings.MAILERS = smtp_mailers(port)
        investigation = open_case(people)
        add_team_member(investigation, people["member"], "member", actor=people["director"])
        remove_team_member(investigation, people["member"], actor=people["director"])
        run_worker()
    assert mailbox.to("member@body.example") == []
    states = set(Notification.objects.filter(recipient=people["member"]).values_list("email", flat=True))
    assert states == {EmailState.WITHHELD}


def test_a_send_interrupted_after_its_claim_is_never_sent_again(people, settings):
    with smtp_server() as (mailbox, port):
        settings.MAILERS = smtp_mailers(port)
        investigation = open_case(people)
        Notification.objects.update(email=EmailState.CLAIMED)  # as a worker stopped mid-send leaves it
        DBTaskResult.objects.update(status="READY")
        run_worker()
    assert mailbox.messages == []
    assert Notification.objects.get(recipient=people["lead"]).email == EmailState.UNCERTAIN
    assert investigation.pk


def test_people_who_want_no_mail_or_a_digest_get_none_at_once(people, settings):
    set_email_frequency(people["lead"], EmailFrequency.NEVER)
    set_email_frequency(people["member"], EmailFrequency.DAILY_DIGEST)
    with smtp_server() as (mailbox, port):
        settings.MAILERS = smtp_mailers(port)
        investigation = open_case(people)
        add_team_member(investigation, people["member"], "member", actor=people["director"])
        run_worker()
    assert mailbox.messages == []
    assert Notification.objects.get(recipient=people["lead"]).email == EmailState.NOT_WANTED
    assert Notification.objects.get(recipient=people["member"]).email == EmailState.DIGEST


def test_a_notification_opens_only_for_its_recipient_and_its_link_checks_access_again(people):
    investigation = open_case(people)
    add_team_member(investigation, people["member"], "member", actor=people["director"])
    notification = Notification.objects.get(recipient=people["member"])
    other = StaffClient()
    other.force_login(people["lead"])
    assert other.post(reverse("notify:notification_open", args=[notification.pk])).status_code == 404
    member = StaffClient()
    member.force_login(people["member"])
    opened = member.post(reverse("notify:notification_open", args=[notification.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == investigation.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None
    remove_team_member(investigation, people["member"], actor=people["director"])
    assert member.get(investigation.get_absolute_url()).status_code == 404


def test_the_daily_digest_lists_what_waited_in_one_mail_and_leaves_out_what_is_no_longer_seen(people, settings):
    set_email_frequency(people["member"], EmailFrequency.DAILY_DIGEST)
    investigation = open_case(people)
    add_team_member(investigation, people["member"], "member", actor=people["director"])
    create_task(investigation, actor=people["lead"], title=MARKERS[1], assignee=people["member"])
    other = Investigation.objects.create(reference="INV-2026-0902", title="Another")
    services.start_scoping(other, actor=people["director"], lead=people["lead"])
    add_team_member(other, people["member"], "member", actor=people["director"])
    remove_team_member(other, people["member"], actor=people["director"])
    with smtp_server() as (mailbox, port):
        settings.MAILERS = smtp_mailers(port)
        send_daily_digests.enqueue()
        run_worker()
    digests = mailbox.to("member@body.example")
    assert len(digests) == 1
    body = digests[0].get_content()
    assert "INV-2026-0901" in body
    assert "INV-2026-0902" not in body
    assert not [marker for marker in MARKERS if marker in digests[0].as_string()]
    member_states = dict(
        Notification.objects.filter(recipient=people["member"]).values_list("subject_ref", "email").distinct()
    )
    assert member_states == {"INV-2026-0901": EmailState.SENT, "INV-2026-0902": EmailState.WITHHELD}
