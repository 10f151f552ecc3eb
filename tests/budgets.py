"""Shared parts of the query budgets."""

# A signed-in request stores the session's last-seen time when the stored one
# is a minute old or has never been stored, as on the first request after a
# test's force_login (desmigratif.middleware.SessionLimitsMiddleware): one
# UPDATE in production, wrapped in SAVEPOINT/RELEASE inside a test's
# transaction.
SESSION_WRITE = 3

# The menu's count of reports waiting for a reviewer (regency, ministry,
# administrator: reports.context_processors.review_queue): one COUNT on every
# page with the menu; none for other roles.
REVIEW_COUNT = 1
