"""Start-up checks: the vault's keyring must load before the first upload or download needs it."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.utils.module_loading import import_string


@register()
def keyring_is_importable(app_configs: object, **kwargs: object) -> list[CheckMessage]:
    """EVIDENCE_KEYRING names a factory that exists (a stale dotted path would otherwise fail on first use)."""
    try:
        import_string(settings.EVIDENCE_KEYRING)
    except ImportError as error:
        return [
            Error(
                "EVIDENCE_KEYRING %r cannot be imported: %s" % (settings.EVIDENCE_KEYRING, error),
                hint="The local keyring is vault.keys.local_keyring.",
                id="vault.E001",
            )
        ]
    return []
