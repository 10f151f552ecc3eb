"""Production settings read from the environment: Redis, the read replica,
PgBouncer and object storage. Each case imports desmigratif.settings in a
fresh Python with only the variables it names (settings are read once, at
import)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOW = """
import json
from desmigratif import settings as s
print(json.dumps({
    "cache": s.CACHES["default"]["BACKEND"],
    "cache_location": s.CACHES["default"].get("LOCATION"),
    "broker": sorted(k for k in ("orm", "redis") if k in s.Q_CLUSTER),
    "redis_broker": s.Q_CLUSTER.get("redis"),
    "aliases": sorted(s.DATABASES),
    "replica_reads": s.REPLICA_READS,
    "replica": s.DATABASES.get("replica", {}).get("HOST"),
    "server_side_cursors_off": [a for a, d in s.DATABASES.items() if d.get("DISABLE_SERVER_SIDE_CURSORS")],
    "storage": s.STORAGES["default"]["BACKEND"],
    "bucket": s.STORAGES["default"].get("OPTIONS", {}).get("bucket_name"),
    "sessions": s.SESSION_ENGINE,
    "conn_health_checks": s.DATABASES["default"]["CONN_HEALTH_CHECKS"],
}))
"""
DROP = ("REDIS_URL", "DATABASE_URL", "DATABASE_REPLICA_URL", "DB_PGBOUNCER", "S3_BUCKET")


def settings_with(**variables):
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env.update(DEBUG="1", **variables)
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_variables_everything_is_embedded():
    s = settings_with()
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["broker"] == ["orm"]
    assert s["aliases"] == ["default"]
    assert s["replica_reads"] is False
    assert s["storage"] == "django.core.files.storage.FileSystemStorage"
    assert s["sessions"] == "desmigratif.sessions"


def test_redis_url_puts_cache_and_queue_on_redis():
    s = settings_with(REDIS_URL="redis://:secret@10.0.0.5:6380/2")
    assert s["cache"] == "desmigratif.cache.ResilientRedisCache"
    assert s["cache_location"] == "redis://:secret@10.0.0.5:6380/2"
    assert s["broker"] == ["redis"]
    assert s["redis_broker"]["host"] == "10.0.0.5"
    assert s["redis_broker"]["port"] == 6380
    assert s["redis_broker"]["db"] == 2
    assert s["redis_broker"]["password"] == "secret"
    # Sessions stay in the database even with Redis (README: why).
    assert s["sessions"] == "desmigratif.sessions"


def test_replica_url_adds_the_replica_alias():
    s = settings_with(
        DATABASE_URL="postgres://app@10.0.0.1:5432/desmigratif",
        DATABASE_REPLICA_URL="postgres://app@10.0.0.2:5432/desmigratif",
    )
    assert s["aliases"] == ["default", "replica"]
    assert s["replica"] == "10.0.0.2"
    assert s["replica_reads"] is True
    assert s["conn_health_checks"] is True


def test_pgbouncer_turns_server_side_cursors_off():
    primary = "postgres://app@127.0.0.1:6432/desmigratif"
    assert settings_with(DATABASE_URL=primary)["server_side_cursors_off"] == []
    replica = "postgres://app@127.0.0.1:6433/desmigratif"
    s = settings_with(DATABASE_URL=primary, DATABASE_REPLICA_URL=replica, DB_PGBOUNCER="1")
    assert s["server_side_cursors_off"] == ["default", "replica"]


def test_s3_bucket_puts_files_in_object_storage():
    s = settings_with(S3_BUCKET="desmigratif-files", S3_ENDPOINT_URL="https://s3.example.go.id")
    assert s["storage"] == "storages.backends.s3.S3Storage"
    assert s["bucket"] == "desmigratif-files"
