"""Backups that restore (deploy/backup, deploy/restore), on PostgreSQL: a
backup of the database and the MOU PDFs, restored into an empty database (the
old one is gone) and a MEDIA_ROOT without the PDFs, gives back the same
records and files, and the portal reads them."""

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.coordination.factories import PDF_BYTES, AgencyFactory, make_mou
from tests.household_factories import HouseholdFactory, MemberFactory

ROOT = Path(__file__).resolve().parent.parent
TABLES = (
    "villages_village",
    "villages_household",
    "villages_member",
    "coordination_mou",
    "desmigratif_user",
    "django_migrations",
)
pytestmark = pytest.mark.django_db(transaction=True)


def url_of(settings_dict, name=None):
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name or settings_dict['NAME']}"


def counts(url):
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            result[table] = cursor.fetchone()[0]
    conn.close()
    return result


def admin(sql):
    conn = psycopg2.connect(url_of(connection.settings_dict, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def run(script, *args, env):
    result = subprocess.run(
        [str(ROOT / "deploy" / script), *map(str, args)], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_backup_restores_the_records_and_mou_pdfs_into_an_empty_database(villages, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("deploy/backup and deploy/restore work on PostgreSQL (pg_dump, pg_restore)")
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    for household_number in range(2):
        household = HouseholdFactory(village=villages.a)
        for _ in range(3 + household_number):
            MemberFactory(household=household)
    mou = make_mou(
        parties=[AgencyFactory(short_name="Kemnaker"), AgencyFactory(short_name="BNI")],
        document=SimpleUploadedFile("signed.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    source = url_of(connection.settings_dict)
    before = counts(source)
    assert before["villages_member"] == 7

    backups = tmp_path / "backups"
    expired = backups / "2020-01-01T020000Z"
    expired.mkdir(parents=True)
    old = time.time() - 30 * 86400
    os.utime(expired, (old, old))
    env = {**os.environ, "DATABASE_URL": source, "MEDIA_ROOT": str(media), "BACKUP_KEEP_DAYS": "14"}
    folder = Path(run("backup", backups, env=env).strip().splitlines()[-1])
    assert {p.name for p in folder.iterdir()} == {"database.dump", "mou.tar.gz"}
    assert not expired.exists()  # older than BACKUP_KEEP_DAYS

    # The database and the files are lost: an empty database, no PDFs.
    target = f"restore_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{target}"')
    try:
        shutil.rmtree(media / "mou")
        restored = url_of(connection.settings_dict, target)
        env = {**env, "DATABASE_URL": restored}
        run("restore", folder, env=env)
        assert counts(restored) == before
        assert (media / mou.document.name).read_bytes() == PDF_BYTES
        # Restoring again over the restored database (--clean) gives the same.
        run("restore", folder, env=env)
        assert counts(restored) == before

        # The portal, pointed at the restored database, serves the same figures.
        script = (
            "import json; from villages.models import Member; from coordination.models import MOU; "
            f"print(json.dumps([Member.objects.count(), MOU.objects.get(pk={mou.pk}).document.read().hex()]))"
        )
        env_portal = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
        shell = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env={**env_portal, "DEBUG": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert shell.returncode == 0, shell.stderr
        members, pdf = json.loads(shell.stdout.strip().splitlines()[-1])
        assert members == 7
        assert bytes.fromhex(pdf) == PDF_BYTES
    finally:
        admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
