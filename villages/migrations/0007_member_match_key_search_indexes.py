from django.db import migrations, models

from villages.matching import match_key

FILL_BATCH = 10_000

# Name searches (admin, household list, village list) are `icontains`, which
# Django sends to PostgreSQL as UPPER(column::text) LIKE UPPER('%...%'): a
# trigram index on that expression serves them without a change to the
# queries. SQLite has no such index and scans, as before.
TRIGRAM_INDEXES = {
    "villages_member_name_trgm": "villages_member",
    "villages_area_name_trgm": "villages_area",
}


def fill_match_keys(apps, schema_editor):
    Member = apps.get_model("villages", "Member")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Member._meta.db_table)
    last = 0
    while True:
        rows = list(
            Member.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "name", "birth_date")[:FILL_BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        keys = [(pk, match_key(name, born)) for pk, name, born in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One statement a batch: executemany would be one round trip a row.
                cursor.execute(
                    f"UPDATE {table} AS m SET match_key = k.key "
                    "FROM unnest(%s::bigint[], %s::text[]) AS k(id, key) WHERE m.id = k.id",
                    [[pk for pk, _key in keys], [key for _pk, key in keys]],
                )
            else:
                cursor.executemany(
                    f"UPDATE {table} SET match_key = %s WHERE id = %s", [(key, pk) for pk, key in keys]
                )


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER(name::text)) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0006_import_job_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="match_key",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="match key"),
        ),
        migrations.RunPython(fill_match_keys, migrations.RunPython.noop, elidable=True),
        # After the fill: one index build instead of a million index updates.
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["match_key"], name="member_match_key"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        # It served the grouping by name and birth date that the match key replaces.
        migrations.RemoveIndex(model_name="member", name="member_name_birth"),
    ]
