"""What ties a device's offline store to one user: an opaque owner tag and
the key the device encrypts with (static/js/offline-store.js)."""

import base64

from django.utils.crypto import salted_hmac


def device_owner(user):
    """An opaque tag of the signed-in user, which the device stores with its
    entries: the header counts only this user's entries, and a page opened by
    another user wipes the previous user's key and village data. Not the
    user's id or name (the tag sits in the cached page shell). Letters only:
    it is on every officer page, and digits there could pass for the hidden
    part of a masked NIK (tests/villages/test_nik_masking_walk.py)."""
    tag = salted_hmac("desmigratif.offline.owner", str(user.pk)).hexdigest()[:32]
    return tag.translate(_LETTERS_FOR_DIGITS)


_LETTERS_FOR_DIGITS = str.maketrans("0123456789", "ghijklmnop")


def device_key(user):
    """The AES-256 key the device encrypts this user's entries and village
    data with, base64. The same every time for the same user, so entries kept
    across a sign-out are readable again after the next sign-in, and by nobody
    else: the device deletes the key at sign-out, and another user's session
    is given another key. Changing SECRET_KEY makes kept entries unreadable."""
    secret = salted_hmac(
        "desmigratif.offline.device-key", f"{user.pk}:{user.date_joined.isoformat()}", algorithm="sha256"
    )
    return base64.b64encode(secret.digest()).decode()
