"""Writes for the pillar records and problems. Forms, the admin and the demo
loader all come here, so each rule is written once:

- people (participants, members, owners, borrowers) are registered in the
  record's own village;
- dates and amounts pass the model's clean() (full_clean before save);
- a problem's status changes with a dated, signed follow-up.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desmigratif.concurrency import claim_version
from pillars.models import (
    Business,
    Cooperative,
    LearningHouse,
    Loan,
    ParentingSession,
    Problem,
    ProblemFollowUp,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from villages.models import Member
from villages.services import village_save_profile


def not_in_village_message(member):
    return _("%(name)s is not registered in this village.") % {"name": member.name}


def check_members_in_village(*, village, members, field):
    """Raise a ValidationError on ``field`` naming each person who is not a
    member of a household of ``village``. One query, whatever the number."""
    members = list(members)
    if not members:
        return
    outside = set(
        Member.objects.filter(pk__in=[m.pk for m in members])
        .exclude(household__village=village)
        .values_list("pk", flat=True)
    )
    if outside:
        raise ValidationError(
            {field: [not_in_village_message(m) for m in members if m.pk in outside]}, code="other_village"
        )


def _save(record, *, fields, user=None):
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean()
    if user is not None and hasattr(record, "history"):
        record._history_user = user
    record.save()
    return record


# Pillar I


@transaction.atomic
def service_officer_create(*, village, user=None, **fields) -> ServiceOfficer:
    return _save(ServiceOfficer(village=village), fields=fields, user=user)


@transaction.atomic
def service_officer_update(*, officer: ServiceOfficer, user=None, **fields) -> ServiceOfficer:
    return _save(officer, fields=fields, user=user)


def _check_activity(activity, participants, officers):
    check_members_in_village(village=activity.village, members=participants, field="participants")
    strangers = [o for o in officers if o.village_id != activity.village_id]
    if strangers:
        raise ValidationError(
            {
                "officers": [
                    _("%(name)s is not an officer of this village.") % {"name": o.name} for o in strangers
                ]
            }
        )
    if activity.participant_count < len(participants):
        raise ValidationError(
            {
                "participant_count": _(
                    "The number of participants (%(count)s) is smaller than the %(chosen)s registered "
                    "people chosen."
                )
                % {"count": activity.participant_count, "chosen": len(participants)}
            }
        )


@transaction.atomic
def _service_activity_save(activity, *, participants=(), officers=(), user=None, **fields):
    participants, officers = list(participants), list(officers)
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.full_clean()
    _check_activity(activity, participants, officers)
    activity.save()
    activity.participants.set(participants)
    activity.officers.set(officers)
    return activity


def service_activity_create(*, village, **kwargs) -> ServiceActivity:
    return _service_activity_save(ServiceActivity(village=village), **kwargs)


def service_activity_update(*, activity: ServiceActivity, **kwargs) -> ServiceActivity:
    return _service_activity_save(activity, **kwargs)


# Pillar II


def check_business_owner(business):
    """A business is one member's or one household's, of its own village. A
    member's business is also their household's: the household follows the member."""
    village = business.village
    household, member = business.owner_household, business.owner_member
    if household is None and member is None:
        raise ValidationError(
            {"owner_member": _("Choose the owner: a member or a household of this village.")}, code="no_owner"
        )
    if member is not None:
        check_members_in_village(village=village, members=[member], field="owner_member")
        business.owner_household_id = member.household_id
    elif household.village_id != village.pk:
        raise ValidationError(
            {"owner_household": _("This household is not registered in this village.")}, code="other_village"
        )


@transaction.atomic
def _business_save(business, *, user=None, **fields):
    for name, value in fields.items():
        setattr(business, name, value)
    check_business_owner(business)
    business.full_clean()
    if user is not None:
        business._history_user = user
    business.save()
    return business


def business_create(*, village, **kwargs) -> Business:
    """A productive business; its owner is a member or a household of ``village``
    (a member's household is filled in when no household is given)."""
    return _business_save(Business(village=village), **kwargs)


def business_update(*, business: Business, **kwargs) -> Business:
    return _business_save(business, **kwargs)


@transaction.atomic
def _training_save(training, *, participants=(), user=None, **fields):
    participants = list(participants)
    for name, value in fields.items():
        setattr(training, name, value)
    training.full_clean()
    check_members_in_village(village=training.village, members=participants, field="participants")
    training.save()
    training.participants.set(participants)
    return training


def training_create(*, village, **kwargs) -> Training:
    """A training and its participants, members of ``village``."""
    return _training_save(Training(village=village), **kwargs)


def training_update(*, training: Training, **kwargs) -> Training:
    return _training_save(training, **kwargs)


# Pillar III


@transaction.atomic
def _parenting_session_save(session, *, participants=(), user=None, **fields):
    participants = list(participants)
    for name, value in fields.items():
        setattr(session, name, value)
    session.full_clean()
    check_members_in_village(village=session.village, members=participants, field="participants")
    session.save()
    session.participants.set(participants)
    return session


def parenting_session_create(*, village, **kwargs) -> ParentingSession:
    return _parenting_session_save(ParentingSession(village=village), **kwargs)


def parenting_session_update(*, session: ParentingSession, **kwargs) -> ParentingSession:
    return _parenting_session_save(session, **kwargs)


# The learning house's ownership and size are fields of the village profile.
LEARNING_HOUSE_PROFILE_FIELDS = ["learning_house", "learning_house_area_m2"]


@transaction.atomic
def learning_house_save(*, village, profile=None, user=None, **fields) -> LearningHouse:
    """Create or change the village's learning house. ``profile`` holds its
    ownership and size (LEARNING_HOUSE_PROFILE_FIELDS), which are saved on the
    village profile, so each fact has one place."""
    house = LearningHouse.objects.filter(village=village).first() or LearningHouse(village=village)
    _save(house, fields=fields, user=user)
    if profile:
        unknown = set(profile) - set(LEARNING_HOUSE_PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"not learning-house fields of the profile: {sorted(unknown)}")
        village_save_profile(village=village, fields=profile)
    return house


# Pillar IV


@transaction.atomic
def _cooperative_save(cooperative, *, members=(), user=None, **fields):
    members = list(members)
    for name, value in fields.items():
        setattr(cooperative, name, value)
    cooperative.full_clean()
    check_members_in_village(village=cooperative.village, members=members, field="members")
    cooperative.save()
    cooperative.members.set(members)
    return cooperative


def cooperative_create(*, village, **kwargs) -> Cooperative:
    """A cooperative or finance institution and its members, people of ``village``."""
    return _cooperative_save(Cooperative(village=village), **kwargs)


def cooperative_update(*, cooperative: Cooperative, **kwargs) -> Cooperative:
    return _cooperative_save(cooperative, **kwargs)


@transaction.atomic
def _loan_save(loan, *, village, user=None, **fields):
    for name, value in fields.items():
        setattr(loan, name, value)
    if loan.cooperative_id is None:
        raise ValidationError({"cooperative": _("Choose the cooperative that gave the loan.")})
    if loan.cooperative.village_id != village.pk:
        raise ValidationError({"cooperative": _("This cooperative is not in this village.")})
    if loan.borrower is None and loan.pk is None:
        raise ValidationError({"borrower": _("Choose the borrower.")})
    if loan.borrower is not None:
        check_members_in_village(village=village, members=[loan.borrower], field="borrower")
    if loan.business is not None and loan.business.village_id != village.pk:
        raise ValidationError({"business": _("This business is not in this village.")})
    loan.full_clean()
    if user is not None:
        loan._history_user = user
    loan.save()
    return loan


def loan_create(*, village, **kwargs) -> Loan:
    """A loan of one of ``village``'s cooperatives to one of its people."""
    return _loan_save(Loan(), village=village, **kwargs)


def loan_update(*, loan: Loan, **kwargs) -> Loan:
    # The loan stays in the village it was recorded in.
    return _loan_save(loan, village=loan.cooperative.village, **kwargs)


# Problems


@transaction.atomic
def problem_create(*, village, user=None, **fields) -> Problem:
    """A problem of one pillar of ``village``, open unless said otherwise."""
    problem = Problem(village=village, created_by=user, **fields)
    problem.full_clean()
    if user is not None:
        problem._history_user = user
    problem.save()
    return problem


@transaction.atomic
def problem_update(*, problem: Problem, user=None, version: int | None = None, **fields) -> Problem:
    """Change what a problem says. Its status changes with a follow-up
    (problem_add_follow_up), so each change has a date and an author.
    ``version``: the one the form showed; if the problem was saved since (an
    edit, a follow-up that changed its status), nothing is written
    (desmigratif.concurrency.EditConflict)."""
    problem.version = claim_version(Problem, problem.pk, version)
    fields.pop("status", None)
    raised_on = fields.get("raised_on")
    if raised_on and problem.pk and problem.follow_ups.filter(date__lt=raised_on).exists():
        raise ValidationError(
            {"raised_on": _("A follow-up is dated before this day: the problem was raised earlier.")}
        )
    return _save(problem, fields=fields, user=user)


@transaction.atomic
def problem_add_follow_up(
    *, problem: Problem, author=None, text, date=None, new_status="", version: int | None = None
) -> ProblemFollowUp:
    """Record a step taken on a problem; ``new_status`` (optional) moves the
    problem on, e.g. to solved, dated by this follow-up. A status change from a
    form opened at an older ``version`` of the problem is refused (EditConflict):
    its author decided on what the problem said then."""
    follow_up = ProblemFollowUp(
        problem=problem,
        author=author,
        text=text,
        date=date or timezone.localdate(),
        new_status=new_status if new_status and new_status != problem.status else "",
    )
    follow_up.full_clean()
    if follow_up.new_status:
        problem.version = claim_version(Problem, problem.pk, version)
        problem.status = follow_up.new_status
        problem.resolved_on = follow_up.date if follow_up.new_status in Problem.CLOSED_STATUSES else None
        problem.full_clean()
        if author is not None:
            problem._history_user = author
        problem._change_reason = "follow-up"
        problem.save()
    follow_up.save()
    return follow_up
