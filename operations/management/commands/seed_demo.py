"""Demo users (one per role) and about sixty referrals, for trying the system locally. Never in production."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import install_known_authenticator
from accounts.roles import Role
from audit.choices import AuditAction
from audit.services import record_event
from kernel.transactions import service_transaction
from operations.demo.casework import create_demo_investigations
from operations.demo.disclosures import create_demo_disclosures
from operations.demo.referrals import create_demo_referrals

DEMO_USERS = [
    ("intake", "Priya", "Shah", Role.INTAKE_OFFICER),
    ("investigator", "Tom", "Okafor", Role.INVESTIGATOR),
    ("investigator2", "Grace", "Lindqvist", Role.INVESTIGATOR),
    ("director", "Helen", "Marsh", Role.DIRECTOR),
    ("director2", "Samuel", "Adeyemi", Role.DIRECTOR),
    ("chief", "Margaret", "Doyle", Role.CHIEF_INVESTIGATOR),
    ("auditor", "Ian", "Porter", Role.AUDITOR),
    ("admin", "Alex", "Rowe", Role.SYSTEM_ADMINISTRATOR),
]
# Every demo user's authenticator secret, so that codes can be computed for demonstrations and tests
# (for example `oathtool --totp -b JBSWY3DPEHPK3PXP`, or by adding the key to an authenticator app).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 (a published demo key; seed_demo refuses without DEBUG)  # noqa: S105 (published demo key; seed_demo refuses without DEBUG)


def demo_logins() -> str:
    """The demo log-ins as a short table: where, who, and the shared password and authenticator key."""
    existing = set(get_user_model().objects.filter(is_active=True).values_list("username", flat=True))
    rows = [
        "  %-14s %-20s %s" % (username, "%s %s" % (first, last), role.label)
        for username, first, last, role in DEMO_USERS
        if username in existing
    ]
    return "\n".join(
        [
            "",
            "Demo log-ins at %s/accounts/login/" % settings.SITE_URL.rstrip("/"),
            *rows,
            "  password       the DEMO_PASSWORD setting (default demo-pass-2026!)",
            "  authenticator  key %s (an authenticator app, or: oathtool --totp -b %s)"
            % (DEMO_TOTP_SECRET, DEMO_TOTP_SECRET),
            "",
        ]
    )


class Command(BaseCommand):
    help = "Create demo users (password from DEMO_PASSWORD) and sample referrals. Refuses when DEBUG is off."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any user already exists.")
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Leave the log-in table to `demo_logins` (make run)."
        )

    def handle(self, *args, if_empty=False, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates well-known passwords and refuses to run with DEBUG off.")
        if if_empty and get_user_model().objects.exists():
            self.stdout.write("Users already exist; demo data not loaded again.")
        else:
            with service_transaction():
                users = {
                    username: self.create_user(username, *names_and_role) for username, *names_and_role in DEMO_USERS
                }
                self.create_referrals(users)
                record_event(AuditAction.DEMO_DATA_SEEDED, detail={"users": len(users)})
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not options.get("quiet_logins"):
            self.print_logins()

    def print_logins(self):
        self.stdout.write(demo_logins())

    def create_user(self, username, first_name, last_name, role):
        User = get_user_model()
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "email": "%s@example.org" % username},
        )
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        install_known_authenticator(user, DEMO_TOTP_SECRET)
        return user

    def create_referrals(self, users):
        referrals = create_demo_referrals(users["intake"], users["director"])
        accepted = [r for r in referrals if r.investigations.exists()]
        # Investigations from the accepted referrals and more; team membership gives the demo
        # investigators need-to-know access to some cases (and their referrals) and not others.
        create_demo_investigations(users, accepted)
        create_demo_disclosures(users)
