from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = "Notifications and scheduled work"

    def ready(self) -> None:
        from notify import checks, signals  # noqa: F401 - registers the system check and the task signal handlers
        from notify.subjects import register_own_subjects

        register_own_subjects()
