"""Django's database sessions, with a cheaper save of an existing session.

Every signed-in request writes its session: the idle timeout is exact to the
second (desmigratif.middleware.SessionLimitsMiddleware stores the time of
each request). Django's own save builds a model instance and runs an ORM
update inside a transaction for it (BEGIN, UPDATE, COMMIT); here the same
UPDATE of the same row with the same values is one statement in autocommit,
at about a third of the app's CPU (bench/load_mix.py). A new session, a
session with a new key take Django's way; inside a transaction the UPDATE
has a savepoint of its own, as Django's save has.
Everything else (load, expiry, deletion, cycling the key) is Django's.
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, connections, router, transaction


class SessionStore(DatabaseSessionStore):
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
