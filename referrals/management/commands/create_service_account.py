"""Create a partner system's service account (or rotate its token) and print its intake token once."""

from django.core.management.base import BaseCommand, CommandError

from accounts.tokens import MAX_DAYS
from kernel.errors import WorkflowError
from referrals.services import create_service_account


class Command(BaseCommand):
    help = "Create a service account for machine intake of concerns and print a new intake token for it."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The account's name, after the partner system (for example lrms-north).")
        parser.add_argument("--days", type=int, default=90, help="Days until the token expires (1-%s)." % MAX_DAYS)

    def handle(self, *args, name, days, **options):
        try:
            account, token = create_service_account(name, days=days)
        except WorkflowError as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write("Intake token for %s (shown once, store it in the partner system now):" % account)
        self.stdout.write(token)
