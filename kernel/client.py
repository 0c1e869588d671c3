"""Who is asking: the client's address behind any trusted proxies."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry added by the outermost trusted proxy.

    With TRUSTED_PROXY_COUNT = n, each of the n proxies appends the address it saw, so the client is
    the n-th entry from the right; anything further left was written by the client and is ignored.
    Also used by django-axes, so lockouts count the real client, not the load balancer.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return ipaddress.ip_address(candidate).compressed
    except ValueError:
        return remote
