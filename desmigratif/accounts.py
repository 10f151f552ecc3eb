"""Accounts people run themselves: changing the password, resetting a
forgotten one (by e-mail, or with a link an administrator hands over), the
sign-out page, and the user's own sign-ins and sessions. Every change is
written to the account log (desmigratif.account_log)."""

from importlib import import_module

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import user_logged_in, user_logged_out
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_q.tasks import async_task

from desmigratif import account_log
from desmigratif.models import AccountEvent, UserSession

Action = AccountEvent.Action
RECENT_SIGN_INS = 10


class SignInForm(AuthenticationForm):
    # Django's message fills the username field's label into "a correct
    # %(username)s", and its Indonesian catalogue already writes "nama
    # pengguna" before the placeholder: "Masukkan nama pengguna nama
    # pengguna dan sandi". A sentence of our own reads right in both languages.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "The username or password is not correct. Both are case-sensitive: check Caps Lock."
        ),
    }


class AdminSignInForm(AdminAuthenticationForm):
    # The same flaw as above, in the admin's own sign-in page.
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "The username or password is not correct, or this account may not use the administration. "
            "Both are case-sensitive."
        ),
    }


# Sessions ----------------------------------------------------------------


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_sessions(user, *, keep=None):
    """End every session the user signed in with, but ``keep`` (a session
    key: the browser that asked). Returns how many were ended."""
    rows = UserSession.objects.filter(user=user)
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    store = _session_store()
    for key in keys:
        # Through the session engine, so a cached copy goes too.
        store().delete(key)
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def live_sessions(user):
    """The user's sessions that have not expired, newest first."""
    alive = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return UserSession.objects.filter(user=user, session_key__in=alive).order_by("-created_at")


@receiver(user_logged_in, dispatch_uid="desmigratif.accounts.signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if not request.session.session_key:
        request.session.save()
    ip_address, user_agent = account_log.request_origin(request)
    # Rows of sessions that ended without a sign-out (expired, key cycled).
    UserSession.objects.filter(user=user).exclude(
        session_key__in=Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    ).delete()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "ip_address": ip_address, "user_agent": user_agent},
    )
    account_log.record(user, Action.SIGNED_IN, request=request)


@receiver(user_logged_out, dispatch_uid="desmigratif.accounts.signed_out")
def _signed_out(sender, request, user, **kwargs):
    if request is not None and user is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def _keep_current_session(request, old_key):
    """After update_session_auth_hash() gave this browser a new session key."""
    UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
    return request.session.session_key


# Changing the password ---------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "desmigratif/account/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        old_key = self.request.session.session_key
        form.user.must_change_password = False
        with transaction.atomic():
            response = super().form_valid(form)  # saves, and keeps this browser signed in
            keep = _keep_current_session(self.request, old_key)
            end_sessions(form.user, keep=keep)
            account_log.record(form.user, Action.PASSWORD_CHANGED, request=self.request)
        messages.success(
            self.request, _("Your password has been changed. Your other sessions have been signed out.")
        )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = self.request.user.must_change_password
        return context


# Reset by e-mail -----------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "desmigratif/account/password_reset.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # The request only queues the job, whether or not the address
        # belongs to anyone: the answer and its time tell nothing. The job
        # finds the accounts and sends the mail.
        async_task(
            "desmigratif.accounts.send_reset_mail",
            form.cleaned_data["email"],
            domain=self.request.get_host(),
            use_https=self.request.is_secure(),
            language=translation.get_language(),
            ip_address=account_log.request_origin(self.request)[0],
            task_name="password reset mail",
        )
        return redirect(self.get_success_url())


def send_reset_mail(email, *, domain, use_https, language, ip_address=None):
    """Mail a reset link to each active account with this address (a job)."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    users = list(form.get_users(email))
    with translation.override(language):
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name="desmigratif/account/password_reset_subject.txt",
            email_template_name="desmigratif/account/password_reset_email.txt",
            extra_email_context={"site_name": "Desmigratif", "valid_days": _reset_days()},
        )
    for user in users:
        account_log.record(user, Action.RESET_MAIL_SENT, note=f"asked from {ip_address or '-'}")
    return len(users)


def _reset_days():
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "desmigratif/account/password_reset_done.html"


class ResetConfirmMixin:
    """Set a new password from a link: never for a deactivated account, and
    the link is spent once the password changed (the token holds its hash)."""

    action = Action.PASSWORD_RESET_BY_MAIL
    template_name = "desmigratif/account/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        form.user.must_change_password = False
        with transaction.atomic():
            response = super().form_valid(form)
            end_sessions(form.user)
            account_log.record(form.user, self.action, request=self.request)
        # A user locked out for wrong passwords may sign in with the new one at once.
        axes_reset(username=form.user.get_username())
        return response


class PasswordResetConfirmView(ResetConfirmMixin, auth_views.PasswordResetConfirmView):
    pass


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "desmigratif/account/password_reset_complete.html"


# Reset link issued by an administrator ---------------------------------------


class AdminResetTokenGenerator(PasswordResetTokenGenerator):
    """Links an administrator hands over by phone: valid ADMIN_RESET_LINK_TIMEOUT
    (24 hours), however long PASSWORD_RESET_TIMEOUT is, and not interchangeable
    with the e-mailed links (another salt)."""

    key_salt = "desmigratif.accounts.AdminResetTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{int(user.is_active)}"

    def check_token(self, user, token):
        if not super().check_token(user, token):
            return False
        issued = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - issued <= settings.ADMIN_RESET_LINK_TIMEOUT


admin_reset_token = AdminResetTokenGenerator()


def issue_reset_link(request, user):
    """A one-time reset link for ``user``, logged with the administrator who
    asked. The link is shown once and stored nowhere."""
    uidb64 = urlsafe_base64_encode(str(user.pk).encode())
    token = admin_reset_token.make_token(user)
    path = reverse("password_reset_link", kwargs={"uidb64": uidb64, "token": token})
    account_log.record(user, Action.RESET_LINK_ISSUED, by=request.user, request=request)
    return request.build_absolute_uri(path)


class AdminLinkResetConfirmView(ResetConfirmMixin, auth_views.PasswordResetConfirmView):
    action = Action.RESET_LINK_USED
    token_generator = admin_reset_token


# Signing out, own sign-ins and sessions --------------------------------------


class LogoutView(auth_views.LogoutView):
    """GET shows a page with the sign-out button (a link or a typed address
    must not sign anyone out, so the sign-out itself stays a POST)."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGIN_URL)
        return render(request, "desmigratif/account/logout.html")


@never_cache
@login_required
def account_view(request):
    sign_ins = AccountEvent.objects.filter(user=request.user, action=Action.SIGNED_IN)[:RECENT_SIGN_INS]
    sessions = list(live_sessions(request.user))
    current = request.session.session_key
    for session in sessions:
        session.is_current = session.session_key == current
    return render(
        request,
        "desmigratif/account/account.html",
        {
            "sign_ins": sign_ins,
            "sessions": sessions,
            "other_sessions": sum(1 for s in sessions if not s.is_current),
        },
    )


@require_POST
@login_required
def sign_out_others_view(request):
    with transaction.atomic():
        ended = end_sessions(request.user, keep=request.session.session_key)
        account_log.record(
            request.user, Action.SIGNED_OUT_ELSEWHERE, request=request, note=f"{ended} session(s)"
        )
    messages.success(request, _("Your other sessions have been signed out."))
    return redirect("account")
