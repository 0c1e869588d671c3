from django.apps import AppConfig
from django.urls import register_converter


class KernelConfig(AppConfig):
    name = "kernel"
    verbose_name = "Shared infrastructure"

    def ready(self) -> None:
        from kernel.converters import ReferenceConverter, UsernameConverter

        register_converter(ReferenceConverter, "ref")
        register_converter(UsernameConverter, "username")
