from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Investigation reports"

    def ready(self) -> None:
        from notify.subjects import register_outside_subject
        from reports.gates import guard_case_steps, offer_publication_step
        from reports.models import Consultee
        from reports.services.consultation import CONSULTEE

        guard_case_steps()
        offer_publication_step()
        # A consulted person hears only of the consultation sent to them.
        register_outside_subject(
            CONSULTEE,
            lambda person, ref: Consultee.objects.filter(person=person, consultation__reference=ref).exists(),
        )
