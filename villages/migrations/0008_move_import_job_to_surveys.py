# ImportJob moved to the surveys app (surveys 0001 takes over the table and
# its rows). Here the model only leaves villages' state: the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0007_member_match_key_search_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportJob")],
            database_operations=[],
        ),
    ]
