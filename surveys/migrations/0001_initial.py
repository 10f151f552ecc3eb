# ImportJob, moved here from villages with its rows: the model enters this
# app's state on the table villages 0003 made, then the table is renamed, and
# its content type (with the admin permissions hanging on it) follows.

import desmigratif.models
import django.db.models.deletion
import villages.models
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    # On a new database neither exists yet (post_migrate makes them later).
    if not ContentType.objects.filter(app_label=target, model="importjob").exists():
        ContentType.objects.filter(app_label=source, model="importjob").update(app_label=target)


def move_content_type(apps, schema_editor):
    _move_content_type(apps, "villages", "surveys")


def move_content_type_back(apps, schema_editor):
    _move_content_type(apps, "surveys", "villages")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("villages", "0008_move_import_job_to_surveys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('households', 'Household survey (pendataan-rumah-tangga)'), ('village-profile', 'Village profile (profil-desa)'), ('partners', 'Partner institutions (lembaga-mitra)')], max_length=20, verbose_name='sheet type')),
                        ('file', models.FileField(blank=True, max_length=200, upload_to=villages.models.import_upload_path, verbose_name='file')),
                        ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                        ('size', models.PositiveBigIntegerField(default=0, verbose_name='size (bytes)')),
                        ('language', models.CharField(choices=[('id', 'Indonesian'), ('en', 'English')], default='id', help_text="The interface language at upload: the report's messages are in it.", max_length=10, verbose_name='language')),
                        ('status', models.CharField(choices=[('uploaded', 'uploaded, waiting to be checked'), ('checking', 'being checked'), ('checked', 'checked'), ('writing', 'being written'), ('done', 'written'), ('failed', 'failed')], db_index=True, default='uploaded', max_length=10, verbose_name='status')),
                        ('rows_done', models.PositiveIntegerField(default=0, verbose_name='rows done')),
                        ('rows_total', models.PositiveIntegerField(blank=True, null=True, verbose_name='rows in total')),
                        ('report', models.JSONField(blank=True, null=True, verbose_name='report')),
                        ('error_report', models.FileField(blank=True, max_length=200, upload_to='imports/errors/', verbose_name='error report')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='confirmed')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last sign of the worker')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='last updated')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='import_jobs', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'import',
                        'verbose_name_plural': 'imports',
                        'ordering': ['-created_at', '-id'],
                        'db_table': 'villages_importjob',
                        'indexes': [models.Index(fields=['user', '-created_at'], name='import_job_user_created')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['households', 'village-profile', 'partners'])), name='import_job_known_kind'), models.CheckConstraint(condition=models.Q(('status__in', ['uploaded', 'checking', 'checked', 'writing', 'done', 'failed'])), name='import_job_known_status')],
                    },
                    bases=(desmigratif.models.JobProgress, models.Model),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="importjob", table=None),
        migrations.RunPython(move_content_type, move_content_type_back, elidable=False),
    ]
