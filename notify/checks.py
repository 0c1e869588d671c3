"""Start-up refuses a schedule that names a job that does not exist."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from notify.schedule import configured_jobs


@checks.register()
def schedule_names_real_tasks(app_configs, **kwargs) -> list[checks.CheckMessage]:
    try:
        configured_jobs()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), hint="Fix settings.SCHEDULE.", id="notify.E001")]
    return []
