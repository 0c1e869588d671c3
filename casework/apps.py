from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from casework.notices import register_subjects
        from casework.referral_steps import offer_referral_steps

        offer_referral_steps()
        register_subjects()
