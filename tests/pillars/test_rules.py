"""The rules of the pillar records, in the services (what every form, import
and the demo go through) and in the database (what holds whatever writes)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from pillars import services
from pillars.forms import RupiahField
from pillars.models import (
    Business,
    Cooperative,
    LearningHouse,
    Loan,
    Pillar,
    Problem,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from pillars.selectors import trainings_for_member
from tests.household_factories import HouseholdFactory

DAY = datetime.date(2022, 3, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def messages_of(error, field):
    return [str(m) for m in error.value.message_dict[field]]


def integrity_error(save):
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


# End before start


def test_a_training_cannot_end_before_it_starts(villages, people):
    with pytest.raises(ValidationError) as error:
        services.training_create(
            village=villages.a,
            title="Pengemasan",
            kind=Training.Kind.PACKAGING,
            start_date=DAY,
            end_date=DAY - datetime.timedelta(days=1),
        )

    assert messages_of(error, "end_date") == ["The end date cannot be before the start date."]
    assert not Training.objects.exists()


def test_a_one_day_training_may_end_on_its_start_day(villages):
    training = services.training_create(
        village=villages.a, title="Pengemasan", kind=Training.Kind.PACKAGING, start_date=DAY, end_date=DAY
    )

    assert training.end_date == training.start_date


def test_a_loan_cannot_be_due_before_it_was_disbursed(villages, records):
    with pytest.raises(ValidationError) as error:
        services.loan_update(loan=records.a.loan, due_on=DAY - datetime.timedelta(days=1))

    assert messages_of(error, "due_on") == ["The due date cannot be before the date the loan was disbursed."]


def test_a_renovation_cannot_end_before_it_starts(villages):
    with pytest.raises(ValidationError) as error:
        services.learning_house_save(
            village=villages.a,
            status=LearningHouse.Status.RENOVATING,
            renovation_start=DAY,
            renovation_end=DAY - datetime.timedelta(days=30),
        )

    assert messages_of(error, "renovation_end") == ["The end date cannot be before the start date."]
    assert not LearningHouse.objects.exists()


def test_the_database_refuses_end_before_start(villages, records):
    before = DAY - datetime.timedelta(days=1)

    integrity_error(
        lambda: Training.objects.create(
            village=villages.a, title="x", kind="other", start_date=DAY, end_date=before
        )
    )
    integrity_error(lambda: Loan.objects.filter(pk=records.a.loan.pk).update(due_on=before))
    integrity_error(
        lambda: LearningHouse.objects.create(village=villages.a, renovation_start=DAY, renovation_end=before)
    )


# People of another village


def test_a_training_participant_from_another_village_is_refused_by_name(villages, people):
    with pytest.raises(ValidationError) as error:
        services.training_create(
            village=villages.a,
            title="Pengemasan",
            kind=Training.Kind.PACKAGING,
            start_date=DAY,
            participants=[people.returnee_a, people.returnee_b],
        )

    assert messages_of(error, "participants") == ["Slamet Riyadi is not registered in this village."]
    assert not Training.objects.exists()


@pytest.mark.parametrize(
    ("service", "fields", "field"),
    [
        (
            services.service_activity_create,
            {"kind": "information", "date": DAY, "topic": "x", "participant_count": 5},
            "participants",
        ),
        (
            services.parenting_session_create,
            {"date": DAY, "topic": "Pola asuh", "facilitator": "PKK"},
            "participants",
        ),
        (services.cooperative_create, {"name": "Koperasi", "kind": "cooperative"}, "members"),
    ],
)
def test_people_from_another_village_are_refused_everywhere(villages, people, service, fields, field):
    with pytest.raises(ValidationError) as error:
        service(village=villages.a, **fields, **{field: [people.returnee_c]})

    assert messages_of(error, field) == ["Oktovina Ndun is not registered in this village."]


def test_a_change_cannot_add_a_participant_from_another_village(records, people):
    training = records.a.training

    with pytest.raises(ValidationError):
        services.training_update(training=training, participants=[people.returnee_a, people.returnee_b])

    assert list(training.participants.all()) == [people.returnee_a]


def test_a_business_owner_from_another_village_is_refused(villages, people):
    with pytest.raises(ValidationError) as error:
        services.business_create(
            village=villages.a, name="Keripik", kind="food", owner_member=people.returnee_b
        )

    assert messages_of(error, "owner_member") == ["Slamet Riyadi is not registered in this village."]


def test_a_business_needs_an_owner_and_takes_the_owners_household(villages, people):
    with pytest.raises(ValidationError) as error:
        services.business_create(village=villages.a, name="Keripik", kind="food")
    assert "owner_member" in error.value.message_dict

    business = services.business_create(
        village=villages.a, name="Keripik", kind="food", owner_member=people.wife_a
    )
    assert business.owner_household == people.wife_a.household


def test_a_members_business_is_their_households_and_a_household_must_be_of_the_village(villages, people):
    business = services.business_create(
        village=villages.a,
        name="Keripik",
        kind="food",
        owner_member=people.returnee_a,
        owner_household=HouseholdFactory(village=villages.a),
    )
    assert business.owner_household == people.returnee_a.household

    with pytest.raises(ValidationError) as error:
        services.business_create(
            village=villages.a, name="Keripik", kind="food", owner_household=people.returnee_b.household
        )
    assert messages_of(error, "owner_household") == ["This household is not registered in this village."]


def test_a_loan_is_refused_for_a_borrower_or_cooperative_of_another_village(villages, people, records):
    with pytest.raises(ValidationError) as error:
        services.loan_create(
            village=villages.a,
            cooperative=records.a.cooperative,
            borrower=people.returnee_b,
            amount=Decimal(1000),
            purpose="x",
            disbursed_on=DAY,
        )
    assert messages_of(error, "borrower") == ["Slamet Riyadi is not registered in this village."]

    with pytest.raises(ValidationError) as error:
        services.loan_create(
            village=villages.a,
            cooperative=records.b.cooperative,
            borrower=people.returnee_a,
            amount=Decimal(1000),
            purpose="x",
            disbursed_on=DAY,
        )
    assert messages_of(error, "cooperative") == ["This cooperative is not in this village."]


def test_an_activity_cannot_count_fewer_participants_than_it_names(villages, people):
    with pytest.raises(ValidationError) as error:
        services.service_activity_create(
            village=villages.a,
            kind=ServiceActivity.Kind.CONSULTATION,
            date=DAY,
            topic="Kontrak kerja",
            participant_count=1,
            participants=[people.returnee_a, people.wife_a],
        )

    assert "participant_count" in error.value.message_dict


def test_an_activity_officer_must_be_of_the_village(villages, records):
    with pytest.raises(ValidationError) as error:
        services.service_activity_update(activity=records.a.activity, officers=[records.b.officer])

    assert "officers" in error.value.message_dict


# Amounts


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Loan, "amount"),
        (Loan, "repaid_amount"),
        (Cooperative, "capital"),
        (Business, "monthly_turnover"),
        (LearningHouse, "renovation_cost_estimate"),
    ],
)
def test_amounts_cannot_be_negative(db, model, field):
    record = model(**{field: Decimal(-1)})

    with pytest.raises(ValidationError) as error:
        record.full_clean()

    assert "The amount cannot be negative." in messages_of(error, field)


def test_the_database_refuses_negative_amounts(villages, records):
    loans = Loan.objects.filter(pk=records.a.loan.pk)

    integrity_error(lambda: loans.update(amount=Decimal(-1), repaid_amount=Decimal(-2)))
    integrity_error(lambda: Cooperative.objects.filter(pk=records.a.cooperative.pk).update(capital=-5))
    integrity_error(lambda: Business.objects.filter(pk=records.a.business.pk).update(monthly_turnover=-5))


def test_a_loan_cannot_be_repaid_beyond_its_amount_nor_marked_repaid_before(records):
    loan = records.a.loan  # Rp 1.250.000

    with pytest.raises(ValidationError) as error:
        services.loan_update(loan=loan, repaid_amount=Decimal(1_300_000))
    assert messages_of(error, "repaid_amount") == ["More cannot be repaid than was lent."]

    with pytest.raises(ValidationError) as error:
        services.loan_update(loan=loan, repaid_amount=Decimal(1_000_000), status=Loan.Status.REPAID)
    assert messages_of(error, "status") == ["A loan is repaid when its whole amount is repaid."]

    services.loan_update(loan=loan, repaid_amount=Decimal(1_250_000), status=Loan.Status.REPAID)
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.REPAID


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1250000", Decimal(1_250_000)),
        ("1.250.000", Decimal(1_250_000)),
        ("Rp 1.250.000", Decimal(1_250_000)),
        ("rp1.250.000", Decimal(1_250_000)),
        ("1,250,000", Decimal(1_250_000)),
        ("", None),
    ],
)
def test_rupiah_are_typed_the_indonesian_way(typed, amount):
    assert RupiahField(required=False).clean(typed) == amount


@pytest.mark.parametrize("typed", ["12,5", "1.250.000,50", "1.25.000", "sejuta", "-1.000"])
def test_rupiah_fractions_words_and_negatives_are_refused(typed):
    with pytest.raises(ValidationError) as error:
        RupiahField().clean(typed)

    assert error.value.messages[0] in (
        "Enter an amount in whole rupiah, for example 1.250.000.",
        "The amount cannot be negative.",
    )


# Status values


@pytest.mark.parametrize(
    ("model", "field", "fields"),
    [
        (Problem, "status", {"pillar": 1, "title": "x"}),
        (Loan, "status", {"purpose": "x", "amount": 1, "disbursed_on": DAY}),
        (Business, "stage", {"name": "x", "kind": "food"}),
        (LearningHouse, "status", {}),
    ],
)
def test_unknown_status_values_are_refused(db, model, field, fields):
    record = model(**fields, **{field: "bogus"})

    with pytest.raises(ValidationError) as error:
        record.full_clean()

    assert field in error.value.message_dict


def test_the_database_refuses_unknown_statuses_and_pillars(villages, records):
    problems = Problem.objects.filter(pk=records.a.problem.pk)

    integrity_error(lambda: problems.update(status="bogus"))
    integrity_error(lambda: problems.update(pillar=5))
    integrity_error(lambda: Loan.objects.filter(pk=records.a.loan.pk).update(status="forgiven"))
    integrity_error(lambda: Business.objects.filter(pk=records.a.business.pk).update(stage="huge"))


def test_the_database_keeps_closing_dates_with_closed_problems(records):
    problems = Problem.objects.filter(pk=records.a.problem.pk)

    integrity_error(lambda: problems.update(status=Problem.Status.SOLVED))  # no closing date
    integrity_error(lambda: problems.update(resolved_on=DAY))  # open with a closing date


def test_a_training_date_needs_a_trained_officer(villages):
    with pytest.raises(ValidationError) as error:
        services.service_officer_create(village=villages.a, name="Ahmad", trained=False, trained_on=DAY)

    assert "trained_on" in error.value.message_dict
    integrity_error(lambda: ServiceOfficer.objects.create(village=villages.a, name="Ahmad", trained_on=DAY))


# Problems and follow-ups


def test_a_new_problem_is_open_and_recorded_by_its_author(villages, officer_a):
    problem = services.problem_create(
        village=villages.a,
        pillar=Pillar.COMMUNITY_PARENTING,
        title="Belum ada fasilitator parenting",
        proposed_solution="Melatih kader PKK",
        responsible_agency="Kemen PPPA",
        user=officer_a,
    )

    assert problem.status == Problem.Status.OPEN
    assert problem.resolved_on is None
    assert problem.created_by == officer_a
    assert problem.history.get().history_user == officer_a


def test_a_follow_up_can_move_a_problem_on_and_close_it(records, officer_a, regency_user):
    problem = records.a.problem

    services.problem_add_follow_up(
        problem=problem,
        author=officer_a,
        date=datetime.date(2021, 2, 5),
        text="Diusulkan untuk Dana Desa",
        new_status=Problem.Status.IN_PROGRESS,
    )
    services.problem_add_follow_up(
        problem=problem, author=regency_user, date=datetime.date(2021, 6, 1), text="Masih menunggu APBDes"
    )
    services.problem_add_follow_up(
        problem=problem,
        author=regency_user,
        date=datetime.date(2022, 1, 20),
        text="Internet terpasang",
        new_status=Problem.Status.SOLVED,
    )

    problem.refresh_from_db()
    assert problem.status == Problem.Status.SOLVED
    assert problem.resolved_on == datetime.date(2022, 1, 20)
    steps = [(f.author, f.new_status) for f in problem.follow_ups.order_by("date")]
    assert steps == [(officer_a, "in_progress"), (regency_user, ""), (regency_user, "solved")]
    # Each status change is in the history, with who made it.
    changes = [(h.status, h.history_user) for h in problem.history.order_by("history_date", "history_id")]
    assert changes == [("open", None), ("in_progress", officer_a), ("solved", regency_user)]


def test_reopening_a_problem_clears_its_closing_date(records, officer_a):
    problem = records.a.problem
    services.problem_add_follow_up(
        problem=problem, author=officer_a, date=DAY, text="Dibatalkan", new_status=Problem.Status.DROPPED
    )

    services.problem_add_follow_up(
        problem=problem, author=officer_a, text="Muncul lagi", new_status=Problem.Status.OPEN
    )

    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN
    assert problem.resolved_on is None


def test_a_follow_up_is_dated_today_unless_told(records, officer_a):
    follow_up = services.problem_add_follow_up(problem=records.a.problem, author=officer_a, text="Rapat desa")

    assert follow_up.date == timezone.localdate()
    assert follow_up.new_status == ""


@pytest.mark.parametrize(
    ("date", "message"),
    [
        (datetime.date(2019, 1, 1), "A follow-up cannot be dated before the problem was raised."),
        (datetime.date.today() + datetime.timedelta(days=2), "The date cannot be in the future."),
    ],
)
def test_a_follow_up_cannot_be_dated_before_the_problem_or_in_the_future(records, officer_a, date, message):
    problem = records.a.problem

    with pytest.raises(ValidationError) as error:
        services.problem_add_follow_up(
            problem=problem, author=officer_a, date=date, text="x", new_status=Problem.Status.SOLVED
        )

    assert messages_of(error, "date") == [message]
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN
    assert not problem.follow_ups.exists()


def test_editing_a_problem_does_not_change_its_status(records, officer_a):
    problem = services.problem_update(
        problem=records.a.problem, user=officer_a, status=Problem.Status.SOLVED, title="Internet desa"
    )

    problem.refresh_from_db()
    assert problem.title == "Internet desa"
    assert problem.status == Problem.Status.OPEN


def test_loans_keep_their_history(records, officer_a):
    services.loan_update(loan=records.a.loan, user=officer_a, status=Loan.Status.LATE)

    statuses = [h.status for h in records.a.loan.history.order_by("history_date", "history_id")]
    assert statuses == ["current", "late"]


# The member page's selector


def test_trainings_for_member_lists_only_that_members_trainings_newest_first(villages, people, records):
    later = services.training_create(
        village=villages.a,
        title="Pemasaran online",
        kind=Training.Kind.MARKETING,
        start_date=datetime.date(2023, 9, 5),
        participants=[people.returnee_a],
    )

    assert list(trainings_for_member(member=people.returnee_a)) == [later, records.a.training]
    assert list(trainings_for_member(member=people.wife_a)) == []


def test_a_problem_cannot_be_moved_after_its_first_follow_up(records, officer_a):
    problem = records.a.problem
    services.problem_add_follow_up(
        problem=problem, author=officer_a, date=datetime.date(2021, 2, 5), text="x"
    )

    with pytest.raises(ValidationError) as error:
        services.problem_update(problem=problem, raised_on=datetime.date(2021, 3, 1))

    assert "raised_on" in error.value.message_dict
