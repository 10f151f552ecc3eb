from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from desmigratif.models import User
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

    def save_model(self, request, obj, form, change):
        user_apply_role(user=obj)
        super().save_model(request, obj, form, change)

    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        (_("Role and scope"), {"fields": ["role", "scope"]}),
    ]


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
