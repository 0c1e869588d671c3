from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from accounts.administration import refuse_disabling_while
        from casework.notices import register_subjects
        from casework.referral_steps import offer_referral_steps
        from casework.selectors import case_work_of

        offer_referral_steps()
        register_subjects()
        refuse_disabling_while(case_work_of)
