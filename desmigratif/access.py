"""Who may see and change what. Every view that takes an id goes through
these helpers; nothing else decides scope.

A user's scope is an area code. A record is in scope when its village's
code is that code or starts with it and a dot. Ministry staff and
administrators see the whole country.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from desmigratif.models import Role

NATIONWIDE_ROLES = {Role.MINISTRY, Role.ADMINISTRATOR}
VILLAGE_WRITER_ROLES = {Role.VILLAGE_OFFICER, Role.REGENCY, Role.ADMINISTRATOR}


def role_of(user):
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return Role(user.role)


def sees_whole_country(user):
    return role_of(user) in NATIONWIDE_ROLES


def scope_code(user):
    """The area code the user is limited to; None for the whole country."""
    if sees_whole_country(user):
        return None
    return user.scope_id


def scope_filter(queryset, user, code_field):
    """Limit a queryset to the user's scope. ``code_field`` is the lookup path
    to the village area code, e.g. "area__code" or "household__village__area__code"
    (Django reads these from the foreign-key column, without a join)."""
    role = role_of(user)
    if role is None:
        return queryset.none()
    if role in NATIONWIDE_ROLES:
        return queryset
    code = user.scope_id
    if not code:
        return queryset.none()
    return queryset.filter(Q(**{code_field: code}) | Q(**{f"{code_field}__startswith": f"{code}."}))


def code_in_scope(user, code):
    role = role_of(user)
    if role is None:
        return False
    if role in NATIONWIDE_ROLES:
        return True
    scope = user.scope_id
    return bool(scope) and (code == scope or code.startswith(f"{scope}."))


def can_write_village_records(user):
    """Officers, regency offices and administrators change village records;
    province offices and ministry staff only read them."""
    return role_of(user) in VILLAGE_WRITER_ROLES


def get_in_scope_or_404(queryset, user, code_field, **lookup):
    """Fetch one object through the user's scope: outside it, 404, so the
    record's existence is not revealed."""
    return get_object_or_404(scope_filter(queryset, user, code_field), **lookup)


def get_village_for_user(user, code, *, for_write=False):
    from villages.models import Village

    village = get_in_scope_or_404(Village.objects.with_area_path(), user, "area__code", area_id=code)
    if for_write and not can_write_village_records(user):
        raise PermissionDenied
    return village


def sees_full_id_numbers(user, village_code):
    """The village's own officers and administrators see full NIK and No. KK;
    everyone else sees them masked to the area part (352407••••••••••)."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return True
    return role == Role.VILLAGE_OFFICER and user.scope_id == village_code


def can_manage_coordination(user):
    """Ministry staff and administrators keep agencies, MOUs, commitments,
    programmes and budgets; everyone else reads them."""
    return role_of(user) in NATIONWIDE_ROLES
