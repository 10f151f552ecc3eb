"""The national medium-term plan RPJMN 2020-2024 and its seven national
priorities (DOMAIN.md, "National priorities"). Administrators add the next
plan period in the admin."""

from django.db import migrations

PERIOD = ("RPJMN 2020-2024", 2020, 2024)
PRIORITIES = [
    (1, "Memperkuat ketahanan ekonomi untuk pertumbuhan yang berkualitas dan berkeadilan"),
    (2, "Mengembangkan wilayah untuk mengurangi kesenjangan dan menjamin pemerataan"),
    (3, "Meningkatkan sumber daya manusia berkualitas dan berdaya saing"),
    (4, "Revolusi mental dan pembangunan kebudayaan"),
    (5, "Memperkuat infrastruktur untuk mendukung pengembangan ekonomi dan pelayanan dasar"),
    (6, "Membangun lingkungan hidup, meningkatkan ketahanan bencana, dan perubahan iklim"),
    (7, "Memperkuat stabilitas politik, hukum, pertahanan, keamanan dan transformasi pelayanan publik"),
]


def forward(apps, schema_editor):
    PlanPeriod = apps.get_model("coordination", "PlanPeriod")
    NationalPriority = apps.get_model("coordination", "NationalPriority")
    name, start, end = PERIOD
    period, _created = PlanPeriod.objects.get_or_create(
        name=name, defaults={"start_year": start, "end_year": end}
    )
    for number, title in PRIORITIES:
        NationalPriority.objects.get_or_create(period=period, number=number, defaults={"title": title})


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
