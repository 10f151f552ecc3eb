"""Two-factor sign-in (django-otp): who must use it, the demo secret, and the
middleware that holds a signed-in user at the second step.

After the password, a user who has a confirmed authenticator (or must have
one) is not fully signed in: the session records which step is still owed
(``SECOND_FACTOR_KEY``: "verify" or "setup"), and every page but the ones in
``ALLOWED_PREFIXES`` leads to that step. The step is decided once, at sign-in
(one query), so pages cost no extra query afterwards.

Writes (turning it on and off, recovery codes, the administrator's reset) are
the ``second_factor_*`` services here; the views only call them.
"""

import base64

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from desmigratif import account_log
from desmigratif.access import role_of
from desmigratif.models import Role, SecondFactorPolicy

SECOND_FACTOR_KEY = "second_factor_step"
VERIFY, SETUP = "verify", "setup"
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"

# The demo users' authenticator secret (README, `make run`). It is public, so
# it opens nothing when DEBUG is off, like load_demo itself.
DEMO_TOTP_SECRET = "DESMIGRATIFDEMOKEYFORTOTPSIGNIN2"
DEMO_TOTP_KEY = base64.b32decode(DEMO_TOTP_SECRET).hex()


def second_factor_required(user):
    """The roles in OTP_REQUIRED_ROLES (administrators and ministry staff, who
    read every NIK in the country, unless the load test excuses them), the
    regional roles an administrator switched on (SecondFactorPolicy), and
    anyone who can open the Django admin."""
    if user.is_staff or role_of(user) in settings.OTP_REQUIRED_ROLES:
        return True
    role = role_of(user)
    return role in (Role.PROVINCE, Role.REGENCY) and role in SecondFactorPolicy.current().required_roles()


def confirmed_totp_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def step_owed(user):
    """The step a user still owes after the password: None, VERIFY or SETUP."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return VERIFY
    return SETUP if second_factor_required(user) else None


def device_refused(device):
    """The demo secret is public: refused unless DEBUG is on."""
    return isinstance(device, TOTPDevice) and device.key == DEMO_TOTP_KEY and not settings.DEBUG


@receiver(user_logged_in, dispatch_uid="desmigratif.two_factor.step_after_password")
def _step_after_password(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    step = step_owed(user)
    if step:
        request.session[SECOND_FACTOR_KEY] = step
    else:
        request.session.pop(SECOND_FACTOR_KEY, None)


def mark_verified(request, device):
    """The second step is done for this session (django-otp's own session
    key, which the admin checks: ``session_device``)."""
    otp_login(request, device)
    request.session.pop(SECOND_FACTOR_KEY, None)


# Pages a user may open while the second step is owed: the step's own pages,
# signing out, changing the language, static files, the icons and web app
# manifest the browser fetches by itself, and the health probes.
ALLOWED_PREFIXES = (
    "/akun/dua-langkah/",
    "/keluar/",
    "/i18n/",
    "/static/",
    "/favicon.ico",
    "/manifest.webmanifest",
    "/healthz",
    "/readyz",
)


class SecondFactorMiddleware:
    """Holds a user who owes the second step at that step: nothing else opens
    until it is done. Sits after SessionLimitsMiddleware (an idle session ends
    first) and before the forced password change: the code is proven before
    any account change is allowed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = request.session.get(SECOND_FACTOR_KEY) if hasattr(request, "session") else None
        if step and request.user.is_authenticated and not request.path_info.startswith(ALLOWED_PREFIXES):
            if request.path_info.startswith("/api/"):
                raise PermissionDenied
            target = reverse("second_factor_verify" if step == VERIFY else "second_factor_setup")
            if request.method == "GET":
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
            return redirect(target)
        return self.get_response(request)


@checks.register(checks.Tags.security, deploy=True)
def check_required_roles(app_configs, **kwargs):
    missing = {"administrator", "ministry"} - set(settings.OTP_REQUIRED_ROLES)
    if not missing:
        return []
    return [
        checks.Warning(
            f"OTP_REQUIRED_ROLES leaves out {', '.join(sorted(missing))}: they read every NIK in the country "
            "and must use two-factor sign-in.",
            id="desmigratif.W001",
        )
    ]


class VerifiedAdminSite(admin.AdminSite):
    """The Django admin opens only for a session that passed the second
    factor, checked against the device itself on every admin page (as
    django-otp's OTPAdminSite does): a device an administrator reset stops
    opening it at once. Installed by desmigratif.apps.VerifiedAdminConfig."""

    def has_permission(self, request):
        return super().has_permission(request) and session_device(request) is not None


def session_device(request):
    """The device that verified this session, if it still exists, is
    confirmed and is the user's. (django-otp's OTPMiddleware does the same on
    every request; here only the admin pays that query.)"""
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    if device is None or device.user_id != request.user.pk or not device.confirmed:
        return None
    return device


def new_totp_device(user):
    """An unconfirmed authenticator for the setup page; confirmed by the
    first right code. An earlier unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def _new_recovery_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def second_factor_enable(*, request, device):
    """Confirm the authenticator just proven, drop any other, make fresh
    recovery codes (returned once: only their use is stored afterwards),
    mark the session verified and log it."""
    user = request.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    mark_verified(request, device)
    account_log.record(user, "otp_enabled", request=request)
    return codes


@transaction.atomic
def second_factor_new_recovery_codes(*, request):
    codes = _new_recovery_codes(request.user)
    account_log.record(request.user, "otp_enabled", request=request, note="new recovery codes")
    return codes


def _remove_devices(user):
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def second_factor_disable(*, request):
    """Only for users who may go without it."""
    if second_factor_required(request.user):
        raise PermissionDenied
    _remove_devices(request.user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    account_log.record(request.user, "otp_disabled", request=request)


@transaction.atomic
def second_factor_reset(*, user, by, request=None):
    """An administrator's reset for a user who lost the phone and the
    recovery codes: the next sign-in asks for a new setup (if required)."""
    _remove_devices(user)
    account_log.record(user, "otp_reset_by_admin", by=by, request=request)


def recovery_code_used(*, request, device):
    account_log.record(
        request.user, "recovery_code_used", request=request, note=f"{device.token_set.count()} left"
    )


def demo_totp_device(user):
    """The demo users' authenticator (desmigratif.demo)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True)
