"""Shared parts of the query budgets."""

# Every signed-in request stores the session's last-seen time, so the idle
# limit is exact to the second (desmigratif.middleware.SessionLimitsMiddleware):
# one UPDATE in production, wrapped in SAVEPOINT/RELEASE inside a test's
# transaction.
SESSION_WRITE = 3
