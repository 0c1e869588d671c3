"""Staff identity. Roles are groups (accounts.roles); case access is per object (accounts.access)."""

import hashlib
import uuid
from binascii import unhexlify

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from kernel.fields import EncryptedTextField, decrypt, encrypt, is_token


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp devices add reverse managers
    """A member of staff, or a partner system's service account. Referrers never sign in.

    A service account never signs in to the web pages; it holds only intake-scoped API tokens
    (made by an administrator with `create_service_account`) and can only submit concerns.
    """

    is_service_account = models.BooleanField(
        default=False, help_text="A partner system's account: API intake only, never a web sign-in."
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def reference(self) -> str:
        """How the audit trail names this user."""
        return self.username

    @cached_property
    def roles(self) -> list[Role]:
        """The user's roles, most senior first (uses prefetched groups when present); read once per
        request, since the header, the navigation and the dashboard each ask."""
        names = {group.name for group in self.groups.all()}
        return [role for role in Role if role.value in names]

    @property
    def role_labels(self) -> list[str]:
        return [role.label for role in self.roles]

    @property
    def primary_role(self) -> Role | None:
        """The role shown in the header and used to choose the dashboard."""
        roles = self.roles
        return roles[0] if roles else None


class ConflictDeclaration(models.Model):
    """A member of staff's declared link to a healthcare organisation (checked when assigning cases)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="conflict_declarations")
    organisation_name = models.CharField(max_length=200)
    nature = models.CharField(
        max_length=300, help_text="For example: previously employed there; a relative works there."
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="declaration_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return "%s: %s" % (self.user, self.organisation_name)

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


def recovery_code_digest(code: str) -> str:
    """SHA-256 of a recovery code as typed, ignoring case, spaces and hyphens.

    Codes carry 80 random bits, so a plain hash is enough: nothing short of the code matches it.
    """
    normalised = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


class Authenticator(TOTPDevice):
    """django-otp's TOTP device with its secret encrypted under the field keyring.

    A proxy: the row is django-otp's own. Its `key` column holds a Fernet token of the hex secret
    instead of the hex itself (the column is widened to text by accounts/0008), and `bin_key`, which
    everything that checks a code or shows the secret reads, decrypts it. Saving encrypts a secret
    still in clear (a new device's random default, or one installed for the demo).
    """

    key: str  # django-otp's CharField, for the type checker (django-otp has no annotations)

    class Meta:
        proxy = True

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.secret_hex.encode())

    @property
    def secret_hex(self) -> str:
        return decrypt(self.key) if is_token(self.key) else self.key

    def save(self, *args, **kwargs):
        if not is_token(self.key):
            self.key = encrypt(self.key)
        super().save(*args, **kwargs)

    def reencrypt(self) -> None:
        """Encrypt the secret again under the newest key (rotate_field_keys)."""
        type(self).objects.filter(pk=self.pk).update(key=encrypt(self.secret_hex))


class RecoveryCodeDevice(Device):
    """A user's single-use recovery codes, for when their authenticator is lost; only hashes are kept."""

    def verify_token(self, token) -> bool:
        """Accept an unused code once; called inside django-otp's transaction, so the row lock holds."""
        code = (
            self.codes.select_for_update()
            .filter(code_hash=recovery_code_digest(str(token)), used_at__isnull=True)
            .first()
        )
        if code is None:
            return False
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
        return True

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "code_hash"], name="recovery_code_unique_per_device")]

    def __str__(self) -> str:
        return "recovery code %s" % self.pk


class StaffSession(AbstractBaseSession):
    """A server-side session that knows whose it is, so users and administrators can list and end them."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta(AbstractBaseSession.Meta):
        indexes = [models.Index(fields=["user", "expire_date"])]

    def __str__(self) -> str:
        return "session of %s" % (self.user or "nobody")

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore

    @property
    def public_id(self) -> str:
        """Names the session on pages without revealing its key (which would let a script take it over)."""
        return hashlib.sha256(self.session_key.encode()).hexdigest()[:20]


class ApiTokenScope(models.TextChoices):
    READ = "read", "Read what you can see"
    WRITE = "write", "Act as you can in the web pages"
    INTAKE = "intake", "Create referrals (machine intake)"


class ApiToken(models.Model):
    """A personal API token: only its SHA-256 is stored; the token itself is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'weekly report script'.")
    prefix = models.CharField(max_length=12, editable=False, help_text="The token's first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return "%s (%s...)" % (self.name, self.prefix)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class OutsidePerson(models.Model):
    """Someone outside the body who has been sent something to answer (a draft report to comment on,
    later a recommendation to respond to, a course booking). Never a staff user: they sign in by a
    one-time code sent to their e-mail address and reach only the portal's pages.

    The address is personal data: stored encrypted, found by a keyed digest of its normal form.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = EncryptedTextField()
    email_digest = models.CharField(max_length=64, unique=True, editable=False)
    name = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return self.name or "Someone outside the body"

    @property
    def reference(self) -> str:
        """How the audit trail names them: never their address or name."""
        return "outside:%s" % self.public_id


class SignInCode(models.Model):
    """A one-time sign-in code for an outside person: kept only as a keyed hash, single use,
    short-lived, and burned after a few wrong tries."""

    person = models.ForeignKey(OutsidePerson, on_delete=models.CASCADE, related_name="sign_in_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["person", "-created_at"], name="sign_in_code_newest")]

    def __str__(self) -> str:
        return "Sign-in code for %s" % self.person.reference
