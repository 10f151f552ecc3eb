"""Shared parts of the query budgets."""

# Every signed-in request stores the session's last-seen time, so the idle
# limit is exact to the second (desmigratif.middleware.SessionLimitsMiddleware):
# one UPDATE in production, wrapped in SAVEPOINT/RELEASE inside a test's
# transaction.
SESSION_WRITE = 3

# The menu's count of reports waiting for a reviewer (regency, ministry,
# administrator: reports.context_processors.review_queue): one COUNT on every
# page with the menu; none for other roles.
REVIEW_COUNT = 1
