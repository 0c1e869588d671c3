"""System check: every URL's view declares an access policy, so none can ship without one."""

from django.core.checks import Error, Tags, register
from django.urls import URLPattern, URLResolver, get_resolver


def iter_url_patterns(patterns, prefix: str = "", namespace: str = ""):
    """Yield (route, qualified name, callback) for every URL pattern, following includes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            child_namespace = namespace
            if pattern.namespace:
                child_namespace = "%s:%s" % (namespace, pattern.namespace) if namespace else pattern.namespace
            yield from iter_url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), child_namespace)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and ("%s:%s" % (namespace, pattern.name) if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name, pattern.callback


@register(Tags.security, Tags.urls)
def check_views_declare_access_policy(app_configs, **kwargs):
    errors = []
    for route, name, callback in iter_url_patterns(get_resolver().url_patterns):
        if not hasattr(callback, "access_policy"):
            errors.append(
                Error(
                    "The view for URL '%s' (%s) declares no access policy." % (route, name or "unnamed"),
                    hint="Decorate it with public, signed_in, requires_permission or "
                    "requires_object_permission from accounts.access.",
                    obj=callback,
                    id="accounts.E001",
                )
            )
    return errors
