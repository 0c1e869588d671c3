from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Investigation reports"

    def ready(self) -> None:
        from reports.gates import guard_case_steps

        guard_case_steps()
