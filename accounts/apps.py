from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from accounts import (
            checks,  # noqa: F401  (registers the access-policy system check)
            sessions,  # noqa: F401  (records the sign-in time for the session lifetime)
        )
