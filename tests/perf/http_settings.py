"""Settings for the benchmark's gunicorn: the test settings plus the unencrypted baseline views."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.perf.http_baseline"
