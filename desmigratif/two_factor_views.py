"""The pages of two-factor sign-in (desmigratif.two_factor): the code after the
password, the setup with a QR code (an SVG image, no script), the recovery
codes, and turning it off where the role allows it."""

import base64

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from desmigratif import two_factor
from desmigratif.views import locked_out


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _count_failure(request):
    """A wrong code counts with django-axes like a wrong password (same
    limit, same cool-off, same username + address pair)."""
    request.second_factor_attempt = True
    user_login_failed.send(
        sender=__name__, credentials={"username": request.user.get_username()}, request=request
    )


def _locked(request):
    return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})


def _lock_response(request):
    request.second_factor_attempt = True
    logout(request)
    return locked_out(request)


@never_cache
@login_required
def verify_view(request):
    """The code after the password: from the authenticator app, or one of the
    recovery codes."""
    if request.session.get(two_factor.SECOND_FACTOR_KEY) != two_factor.VERIFY:
        return HttpResponseRedirect(_next_url(request))
    device = two_factor.confirmed_totp_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if _locked(request):
            return _lock_response(request)
        if form.is_valid():
            used, error, counts = _check_code(request, device, form.cleaned_data["code"])
            if used:
                two_factor.mark_verified(request, used)
                if isinstance(used, StaticDevice):
                    two_factor.recovery_code_used(request=request, device=used)
                    messages.warning(
                        request,
                        _("You signed in with a recovery code; it works only once. Codes left: %(count)s.")
                        % {"count": used.token_set.count()},
                    )
                return HttpResponseRedirect(_next_url(request))
            form.add_error("code", error)
            if counts:
                _count_failure(request)
            if getattr(request, "axes_locked_out", False):
                return _lock_response(request)
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.is_bound else 200,
    )


def _check_code(request, device, code):
    """(the device that accepted ``code``, None, False), or (None, the reason,
    whether it counts as a failed sign-in). A TOTP code is accepted once:
    django-otp keeps the last time step used, so the same code replayed
    within its window fails. Besides the django-axes count, django-otp makes
    the device wait 1, 2, 4... seconds after each wrong code, whatever the
    address; a code sent while it waits is not checked (and not counted)."""
    app_code = len(code) == 6 and code.isdigit()
    if device is not None and app_code:
        if two_factor.device_refused(device):
            return None, _("This is the public demo secret; it is refused on a production server."), True
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            return None, _("Too many wrong codes in a row: wait a few seconds and try again."), False
        if device.verify_token(code):
            return device, None, False
    recovery = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
    if recovery is not None and not app_code and recovery.verify_token(code):
        return recovery, None, False
    return None, _("The code is not right, or it was already used. Enter the next code from your app."), True


def _qr_svg(device):
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def setup_view(request):
    """Setting up the authenticator app: a QR code (and the secret to type in),
    then the first code from the app. The recovery codes are shown on the
    answer to that code, once."""
    if request.session.get(two_factor.SECOND_FACTOR_KEY) == two_factor.VERIFY:
        return redirect("second_factor_verify")
    form = CodeForm(request.POST or None)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if request.method == "POST" and device is not None and form.is_valid():
        if _locked(request):
            return _lock_response(request)
        if device.verify_token(form.cleaned_data["code"]):
            codes = two_factor.second_factor_enable(request=request, device=device)
            return render(
                request,
                "registration/second_factor_codes.html",
                {"codes": codes, "next": _next_url(request), "just_enabled": True},
            )
        form.add_error("code", _("The code is not right. Check the time on your phone and try again."))
        _count_failure(request)
        if getattr(request, "axes_locked_out", False):
            return _lock_response(request)
    elif request.method == "GET" or device is None:
        device = two_factor.new_totp_device(request.user)
        form = CodeForm()
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": _base32(device),
            "next": _next_url(request),
            "required": two_factor.second_factor_required(request.user),
        },
        status=400 if form.is_bound else 200,
    )


def _base32(device):
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def manage_view(request):
    """The account menu's page: whether it is on, and what the user may do."""
    if request.session.get(two_factor.SECOND_FACTOR_KEY):
        return redirect(
            "second_factor_verify"
            if request.session[two_factor.SECOND_FACTOR_KEY] == two_factor.VERIFY
            else "second_factor_setup"
        )
    recovery = StaticDevice.objects.filter(user=request.user).first()
    return render(
        request,
        "registration/second_factor_manage.html",
        {
            "enabled": two_factor.confirmed_totp_device(request.user) is not None,
            "required": two_factor.second_factor_required(request.user),
            "codes_left": recovery.token_set.count() if recovery else 0,
        },
    )


@require_POST
@login_required
def disable_view(request):
    if request.session.get(two_factor.SECOND_FACTOR_KEY):
        return redirect("second_factor_manage")
    two_factor.second_factor_disable(request=request)
    messages.success(request, _("Two-factor sign-in is off."))
    return redirect("second_factor_manage")


@never_cache
@require_POST
@login_required
def new_codes_view(request):
    if (
        request.session.get(two_factor.SECOND_FACTOR_KEY)
        or two_factor.confirmed_totp_device(request.user) is None
    ):
        return redirect("second_factor_manage")
    codes = two_factor.second_factor_new_recovery_codes(request=request)
    return render(
        request,
        "registration/second_factor_codes.html",
        {"codes": codes, "next": reverse("second_factor_manage"), "just_enabled": False},
    )
