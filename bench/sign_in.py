"""Signing a bench's test client in as a user who may owe a second factor."""


def sign_in(client, user):
    """``client.force_login(user)``, then past the second factor where the
    user owes one (desmigratif.two_factor: ministry staff, administrators,
    anyone with the admin), as after a real sign-in with an authenticator: a
    confirmed device, the session marked verified. The middleware stays on,
    so its cost is in every timed request."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from desmigratif.two_factor import SECOND_FACTOR_KEY

    client.force_login(user)
    session = client.session
    if session.get(SECOND_FACTOR_KEY):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        del session[SECOND_FACTOR_KEY]
        session.save()
    return client
