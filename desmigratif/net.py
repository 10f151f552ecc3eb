"""The client's address, for sign-in throttling (django-axes) and anything else
that keys on it."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost of them was contacted from.

    Each proxy appends the address it was contacted from to X-Forwarded-For,
    so only the last TRUSTED_PROXY_COUNT entries were written by our proxies;
    entries further left come from the client and can say anything. The same
    rule as Django REST framework's NUM_PROXIES. A request with fewer entries
    did not come through every proxy, and one whose entry is not an address
    is not trusted: both fall back to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
