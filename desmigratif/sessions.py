"""Django's database sessions, with a cheaper load and save of an existing session.

A signed-in session is written at most once a minute when nothing else in
it changes (desmigratif.middleware.SessionLimitsMiddleware stores the time of
a request for the idle timeout). Django's own save builds a model instance
and runs an ORM update inside a transaction for it (BEGIN, UPDATE, COMMIT);
here the same UPDATE of the same row with the same values is one statement
in autocommit, at about a third of the app's CPU (bench/load_mix.py). A new
session, a session with a new key take Django's way; inside a transaction
the UPDATE has a savepoint of its own, as Django's save has.
Loading reads the same row as Django's load (the key, not expired) with one
SELECT of its data, without building the ORM query and a model instance:
about a third of the CPU of Django's load, on every signed-in request.
Everything else (expiry, deletion, cycling the key) is Django's.
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def load(self):
        if self.session_key is None:
            return {}
        connection = connections[router.db_for_read(self.model)]
        meta = self.model._meta
        data, key, expiry = (meta.get_field(name) for name in ("session_data", "session_key", "expire_date"))
        quote = connection.ops.quote_name
        sql = "SELECT {0} FROM {3} WHERE {1} = %s AND {2} > %s".format(
            *(quote(field.column) for field in (data, key, expiry)), quote(meta.db_table)
        )
        params = [self.session_key, expiry.get_db_prep_value(timezone.now(), connection)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            # As Django's load: no such session (or it expired), so a new key
            # is made when this one is saved.
            self._session_key = None
            return {}
        return self.decode(row[0])

    def save(self, must_create=False):
        if self.session_key is None or must_create:
            return super().save(must_create=must_create)
        using = router.db_for_write(self.model)
        connection = connections[using]
        try:
            if connection.in_atomic_block:
                # In a savepoint, as Django's save: a failure leaves the
                # surrounding transaction usable.
                with transaction.atomic(using=using):
                    updated = self._update(connection)
            else:
                updated = self._update(connection)
        except DatabaseError as error:
            # As Django's save: the session could not be written (the
            # middleware answers SessionInterrupted).
            raise UpdateError from error
        if updated != 1:
            # The session was deleted meanwhile (signed out elsewhere): as
            # Django's forced update of a missing row.
            raise UpdateError

    def _update(self, connection):
        meta = self.model._meta
        fields = [meta.get_field(name) for name in ("session_data", "expire_date", "session_key")]
        values = [self.encode(self._get_session()), self.get_expiry_date(), self.session_key]
        quote = connection.ops.quote_name
        sql = "UPDATE {} SET {} = %s, {} = %s WHERE {} = %s".format(
            quote(meta.db_table), *(quote(field.column) for field in fields)
        )
        params = [
            field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
