from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from desmigratif.models import User


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
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        (_("Role and scope"), {"fields": ["role", "scope"]}),
    ]


admin.site.site_header = _("Desmigratif administration")
admin.site.site_title = _("Desmigratif")
admin.site.index_title = _("Administration")
