from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from desmigratif import account_log, accounts, two_factor
from desmigratif.models import AccountEvent, SecondFactorPolicy, User
from desmigratif.services import user_apply_role


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "scope", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "scope__name", "scope__code"]
    list_select_related = ["scope"]
    autocomplete_fields = ["scope"]
    fieldsets = [
        *BaseUserAdmin.fieldsets[:2],
        (_("Role and scope"), {"fields": ["role", "scope"]}),
        *BaseUserAdmin.fieldsets[2:],
    ]

    def get_fieldsets(self, request, obj=None):
        # Staff and superuser flags follow the role (desmigratif.services.user_apply_role).
        fieldsets = super().get_fieldsets(request, obj)
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in {"is_staff", "is_superuser"}]})
            for name, opts in fieldsets
        ]

    change_form_template = "admin/desmigratif/user/change_form.html"

    def save_model(self, request, obj, form, change):
        user_apply_role(user=obj)
        added_with_password = not change and obj.has_usable_password()
        if added_with_password:
            obj.must_change_password = True
        super().save_model(request, obj, form, change)
        if added_with_password:
            account_log.record(
                obj, AccountEvent.Action.PASSWORD_SET_BY_ADMIN, by=request.user, request=request
            )

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if (
            request.method == "POST"
            and response.status_code == 302
            and response.url != request.get_full_path()
        ):
            user = self.get_object(request, unquote(id))
            if user.pk == request.user.pk:
                account_log.record(user, AccountEvent.Action.PASSWORD_CHANGED, request=request)
            elif user.has_usable_password():
                # Only the user should know their password: it is changed at the next sign-in.
                type(user).objects.filter(pk=user.pk).update(must_change_password=True)
                accounts.end_sessions(user)
                account_log.record(
                    user, AccountEvent.Action.PASSWORD_SET_BY_ADMIN, by=request.user, request=request
                )
        return response

    def get_urls(self):
        return [
            path(
                "<id>/reset-link/",
                self.admin_site.admin_view(self.reset_link_view),
                name="desmigratif_user_reset_link",
            ),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    @method_decorator(require_POST)
    def reset_link_view(self, request, id):
        """Issues a one-time reset link for an officer without e-mail, shown
        once on this page to hand over by phone or message."""
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        change_url = reverse("admin:desmigratif_user_change", args=[user.pk])
        if not user.is_active:
            messages.error(
                request, _("This account is deactivated: activate it before issuing a reset link.")
            )
            return redirect(change_url)
        link = accounts.issue_reset_link(request, user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": user,
            "title": _("Reset link for %(username)s") % {"username": user.get_username()},
            "link": link,
            "valid_until": timezone.now() + timedelta(seconds=settings.ADMIN_RESET_LINK_TIMEOUT),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/desmigratif/user/reset_link.html", context)

    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset two-factor sign-in (lost phone and recovery codes)"))
    def reset_second_factor(self, request, queryset):
        """The user sets up a new authenticator at the next sign-in (if the
        role needs one). Their sessions end, since the lost phone may hold one
        (an administrator resetting their own account is signed out too)."""
        users = list(queryset)
        for user in users:
            two_factor.second_factor_reset(user=user, by=request.user, request=request)
            accounts.end_sessions(user)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(count)d user; they were signed out.",
                "Two-factor sign-in reset for %(count)d users; they were signed out.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )

    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        (_("Role and scope"), {"fields": ["role", "scope"]}),
    ]


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ["when", "user", "action", "by", "ip_address", "user_agent"]
    list_filter = ["action"]
    list_select_related = ["user", "by"]
    search_fields = ["user__username", "by__username"]
    date_hierarchy = "when"
    raw_id_fields = ["user", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The account log is evidence of who reset or changed what: nobody edits or deletes it.
        return False


@admin.register(SecondFactorPolicy)
class SecondFactorPolicyAdmin(admin.ModelAdmin):
    """One row: the switches for province and regency staff. Who changed it
    last is kept on the row and every change in the admin's history."""

    list_display = ["__str__", "province", "regency", "changed_at", "changed_by"]
    readonly_fields = ["changed_at", "changed_by"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SecondFactorPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One policy: open it straight away (made with everything off the first time).
        policy, _created = SecondFactorPolicy.objects.get_or_create(pk=1)
        return redirect(reverse("admin:desmigratif_secondfactorpolicy_change", args=[policy.pk]))

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)


admin.site.login_form = accounts.AdminSignInForm
admin.site.site_header = _("Desmigratif administration")
admin.site.site_title = _("Desmigratif")
admin.site.index_title = _("Administration")


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Admin autocomplete that shows a model's autocomplete_label(): "Brengkok"
    alone is ambiguous among 83,762 villages, its district and regency are not."""

    def get_queryset(self):
        queryset = super().get_queryset()
        related = getattr(self.model_admin, "autocomplete_select_related", None)
        return queryset.select_related(*related) if related else queryset

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if hasattr(obj, "autocomplete_label"):
            result["text"] = obj.autocomplete_label()
        return result


def _autocomplete_view(request):
    return LabelledAutocompleteJsonView.as_view(admin_site=admin.site)(request)


admin.site.autocomplete_view = _autocomplete_view
