from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination.demo import coordination_load_demo
from desmigratif.models import Role, User
from desmigratif.services import user_apply_role
from desmigratif.two_factor import demo_totp_device
from pillars.demo import pillars_load_demo
from villages.demo import households_load_demo, villages_load_demo

# Shown in the README and printed by `make run`; demo data never reaches a
# production database because load_demo refuses to run with DEBUG off.
DEMO_PASSWORD = "desmigratif-demo"

DEMO_USERS = [
    # username, role, scope, name
    ("petugas.brengkok", Role.VILLAGE_OFFICER, "35.24.07.2004", "Siti Aminah"),
    ("petugas.megonten", Role.VILLAGE_OFFICER, "33.21.14.2014", "Budi Santoso"),
    ("disnaker.lamongan", Role.REGENCY, "35.24", "Dinas Tenaga Kerja Lamongan"),
    ("disnaker.jatim", Role.PROVINCE, "35", "Dinas Tenaga Kerja Jawa Timur"),
    ("kemnaker", Role.MINISTRY, None, "Staf Kemnaker"),
    ("admin", Role.ADMINISTRATOR, None, "Administrator"),
]


@transaction.atomic
def demo_load():
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "load_demo only runs with DEBUG=1: demo accounts must never reach production."
        )
    villages = villages_load_demo()
    users = 0
    for username, role, scope, name in DEMO_USERS:
        first, _, last = name.partition(" ")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "scope_id": scope,
                "first_name": first,
                "last_name": last,
            },
        )
        if created:
            user_apply_role(user=user)
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            users += 1
        # Every role that must (or may be made to) use two-factor sign-in gets
        # the README's authenticator secret; it is refused with DEBUG off.
        if role != Role.VILLAGE_OFFICER and not TOTPDevice.objects.filter(user=user).exists():
            demo_totp_device(user)
    households = households_load_demo()
    # Pillar records and problems, then the coordination record (MOUs,
    # commitments, programmes, budgets) that refers to them.
    pillars = pillars_load_demo()
    coordination = coordination_load_demo()
    return {"villages": villages, "users": users, **households, **pillars, **coordination}
