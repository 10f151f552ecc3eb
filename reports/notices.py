"""E-mail notices of the review workflow: whose turn it is now.

A notice goes to each person concerned who has an e-mail address: on
(re)submission and on the regency's acceptance to the reviewers of the next
step in the village's scope, on sending back and on the final acceptance to
the village's officers. It names the village, the quarter and the step, and
links to the report: nothing about migrant workers (not even the reason for
sending back, which a reviewer types freely: the report page shows it).

Notices leave through the job queue once the step is committed, one job per
recipient: a mail server that is down never fails the step. A failed sending
is logged and tried again later (NOTICE_RETRY_MINUTES), then given up.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from desmigratif.models import Role

logger = logging.getLogger(__name__)

WAITING, SENT_BACK, ACCEPTED = "waiting", "sent_back", "accepted"
# Minutes to wait before the 2nd, 3rd and 4th try; after the 4th it is given up.
NOTICE_RETRY_MINUTES = (5, 30, 120)
DELIVER = "reports.notices.deliver_notice"


def _scope_codes(code):
    """ "35.24.07.2004" -> the codes whose holders see the village."""
    parts = code.split(".")
    return [".".join(parts[: n + 1]) for n in range(len(parts))]


def recipients(report, kind):
    """The active users with an address whom this step concerns."""
    from reports.models import ProgressReport

    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if kind in (SENT_BACK, ACCEPTED):
        return users.filter(role=Role.VILLAGE_OFFICER, scope_id=report.village_id, is_superuser=False)
    if report.status == ProgressReport.Status.SUBMITTED:
        return users.filter(
            role=Role.REGENCY, scope_id__in=_scope_codes(report.village_id), is_superuser=False
        )
    # Waiting for the ministry: its staff (administrators may act too, but
    # are not written to for every report of the country).
    return users.filter(Q(role=Role.MINISTRY), is_superuser=False)


def report_url(report):
    """Absolute: a mail is read outside the site. SITE_URL is the portal's own address."""
    return settings.SITE_URL.rstrip("/") + reverse("reports:detail", kwargs={"pk": report.pk})


def compose(report, kind):
    """(subject, body) in the portal's language (users have no language of their own)."""
    with translation.override(settings.LANGUAGE_CODE):
        names = {"period": report.period_name, "village": report.village.area.name}
        subject = {
            WAITING: _("%(period)s report of %(village)s is waiting for your review"),
            SENT_BACK: _("%(period)s report of %(village)s was sent back: please correct it"),
            ACCEPTED: _("%(period)s report of %(village)s has been accepted"),
        }[kind] % names
        action = {
            WAITING: _("Open the report to accept it or send it back:"),
            SENT_BACK: _("Open the report to read the reason, correct it and resubmit it:"),
            ACCEPTED: _("The report is now final. It stays available here:"),
        }[kind]
        body = "\n\n".join(
            [
                subject + ".",
                f"{action}\n{report_url(report)}",
                _("This is an automatic message of the Desmigratif portal."),
            ]
        )
    return subject, body


def send_after_commit(report, kind):
    """Queue one notice per recipient once the step is saved (nothing if it is rolled back)."""

    def queue():
        from django_q.tasks import async_task

        subject, body = compose(report, kind)
        for user_id, email in recipients(report, kind).values_list("id", "email"):
            notice = {"to": email, "user": user_id, "report": report.pk, "subject": subject, "body": body}
            try:
                async_task(DELIVER, notice)
            except Exception:
                # The queue itself is down: the step stands, the notice is lost (and said so).
                logger.exception("report %s: notice to user %s could not be queued", report.pk, user_id)

    transaction.on_commit(queue)


def deliver_notice(notice, attempt=1):
    """The job: send one notice; on failure log it and schedule the next try."""
    try:
        send_mail(notice["subject"], notice["body"], None, [notice["to"]], fail_silently=False)
    except Exception as error:
        if attempt > len(NOTICE_RETRY_MINUTES):
            logger.error(
                "report %s: notice to user %s failed %s times, given up: %s",
                notice["report"],
                notice["user"],
                attempt,
                error,
            )
            return False
        delay = NOTICE_RETRY_MINUTES[attempt - 1]
        logger.warning(
            "report %s: notice to user %s failed (try %s), retried in %s minutes: %s",
            notice["report"],
            notice["user"],
            attempt,
            delay,
            error,
        )
        from django_q.models import Schedule
        from django_q.tasks import schedule

        schedule(
            DELIVER,
            notice,
            attempt + 1,
            schedule_type=Schedule.ONCE,
            repeats=1,
            next_run=timezone.now() + datetime.timedelta(minutes=delay),
        )
        return False
    return True
