"""Migrations villages 0008 and surveys 0001 move ImportJob from villages to
surveys: the rows recorded before the move are still there after it, under
the new app, and the move can be undone."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from desmigratif.models import Role

BEFORE = [("villages", "0007_member_match_key_search_indexes"), ("surveys", None)]
AFTER = [("villages", "0008_move_import_job_to_surveys"), ("surveys", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor.migrate(targets).apps


@pytest.fixture
def before_the_move(transactional_db):
    apps = migrate(BEFORE)
    yield apps
    # Leave the database as the other tests expect it.
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_import_jobs_recorded_before_the_move_are_kept(before_the_move):
    apps = before_the_move
    user = get_user_model().objects.create_user("pengunggah", password="x", role=Role.ADMINISTRATOR)
    OldImportJob = apps.get_model("villages", "ImportJob")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.get_or_create(app_label="villages", model="importjob")
    ContentType.objects.filter(app_label="surveys").delete()
    old = OldImportJob.objects.create(
        user_id=user.pk,
        kind="households",
        original_name="survei-desa.xlsx",
        status="done",
        rows_done=120,
        rows_total=120,
        report={"created": 120},
    )

    apps = migrate(AFTER)

    ImportJob = apps.get_model("surveys", "ImportJob")
    moved = ImportJob.objects.get(pk=old.pk)
    assert (moved.user_id, moved.original_name, moved.status, moved.rows_done, moved.report) == (
        user.pk,
        "survei-desa.xlsx",
        "done",
        120,
        {"created": 120},
    )
    assert "surveys_importjob" in connection.introspection.table_names()
    assert "villages_importjob" not in connection.introspection.table_names()
    # The admin permissions hang on the content type: it moved with the model.
    ContentType = apps.get_model("contenttypes", "ContentType")
    assert ContentType.objects.filter(app_label="surveys", model="importjob").exists()
    assert not ContentType.objects.filter(app_label="villages", model="importjob").exists()
    # A new job after the move continues the numbering.
    newer = ImportJob.objects.create(user_id=user.pk, kind="partners", original_name="mitra.csv")
    assert newer.pk > old.pk

    apps = migrate(BEFORE)
    assert apps.get_model("villages", "ImportJob").objects.filter(pk=old.pk).exists()
