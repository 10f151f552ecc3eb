"""The four pillars' records of each Desmigratif village, and the problems
that block them.

Every record belongs to a village (a foreign key to villages.Village), or to
a record that does (a loan to its cooperative, a follow-up to its problem),
so views fetch them through the village in the URL. People are rows of the
household registry (villages.Member) of the same village: the services check
it (pillars/services.py), the forms offer only that village's members.

Amounts are whole rupiah: DecimalField(max_digits=15, decimal_places=0),
never negative (a validator for forms, a CheckConstraint for everything else).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from desmigratif.dates import latest_today
from villages.models import Household, Member, Village


class Pillar(models.IntegerChoices):
    """The programme's four pillars. Other apps store the number."""

    MIGRATION_SERVICES = 1, _("I · Migration services")
    PRODUCTIVE_BUSINESS = 2, _("II · Productive business")
    COMMUNITY_PARENTING = 3, _("III · Community parenting")
    COOPERATIVE = 4, _("IV · Desmigratif cooperative")


NOT_NEGATIVE = MinValueValidator(0, message=_("The amount cannot be negative."))


def rupiah_field(verbose_name, **kwargs):
    """Whole rupiah, never negative."""
    return models.DecimalField(
        verbose_name, max_digits=15, decimal_places=0, validators=[NOT_NEGATIVE], **kwargs
    )


def _end_not_before_start(start, end):
    """(start, end) field names -> the Q a CheckConstraint needs."""
    return Q(**{f"{end}__isnull": True}) | Q(**{f"{start}__isnull": True}) | Q(**{f"{end}__gte": F(start)})


def _known(field, choices):
    return Q(**{f"{field}__in": choices.values})


# Pillar I: the migration service desk


class ServiceOfficer(models.Model):
    """A village migration officer (petugas layanan migrasi) at the service desk."""

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="service_officers"
    )
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(
        _("position"), max_length=100, blank=True, help_text=_("For example village secretary, Kaur Umum.")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    trained = models.BooleanField(_("trained"), default=False)
    trained_on = models.DateField(_("date trained"), null=True, blank=True)
    training_provider = models.CharField(
        _("trained by"), max_length=150, blank=True, help_text=_("For example Kemnaker, Disnaker.")
    )
    active = models.BooleanField(_("still at the desk"), default=True)

    class Meta:
        verbose_name = _("service officer")
        verbose_name_plural = _("service officers")
        ordering = ["-active", "name", "id"]
        constraints = [
            models.CheckConstraint(
                name="service_officer_training_date_only_when_trained",
                condition=Q(trained_on__isnull=True) | Q(trained=True),
            ),
        ]
        indexes = [models.Index(fields=["village", "active"], name="service_officer_village")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.trained_on and not self.trained:
            raise ValidationError({"trained_on": _("A training date needs the officer marked as trained.")})
        if self.trained_on and self.trained_on > latest_today():
            raise ValidationError({"trained_on": _("The training date cannot be in the future.")})


class ActivityKind(models.TextChoices):
    INFORMATION = "information", _("Information session")
    CONSULTATION = "consultation", _("Consultation")
    DOCUMENTS = "documents", _("Help with documents")
    REGISTRATION = "registration", _("Household registration drive")


class ServiceActivity(models.Model):
    """Something the service desk did: an information session, a consultation,
    help with documents, a household registration drive."""

    Kind = ActivityKind

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="service_activities"
    )
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    participant_count = models.PositiveIntegerField(
        _("number of participants"),
        default=0,
        help_text=_("Everyone who took part, registered in the household registry or not."),
    )
    participants = models.ManyToManyField(
        Member,
        verbose_name=_("registered participants"),
        related_name="service_activities",
        blank=True,
    )
    officers = models.ManyToManyField(
        ServiceOfficer, verbose_name=_("officers"), related_name="activities", blank=True
    )
    households_registered = models.PositiveIntegerField(
        _("households registered"),
        null=True,
        blank=True,
        help_text=_("For a registration drive: how many households were registered."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("service activity")
        verbose_name_plural = _("service activities")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                name="service_activity_known_kind", condition=_known("kind", ActivityKind)
            ),
        ]
        indexes = [
            models.Index(fields=["village", "-date"], name="service_activity_village_date"),
            models.Index(fields=["village", "kind"], name="service_activity_village_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.topic}"


# Pillar II: productive businesses and trainings


class BusinessKind(models.TextChoices):
    FOOD = "food", _("Food processing")
    FURNITURE = "furniture", _("Furniture and woodwork")
    CRAFT = "craft", _("Crafts and woven cloth")
    FARMING = "farming", _("Farming")
    LIVESTOCK = "livestock", _("Livestock")
    FISHERY = "fishery", _("Fishing and fish processing")
    TRADE = "trade", _("Shop or food stall")
    SERVICES = "services", _("Services")
    TOURISM = "tourism", _("Tourism")
    OTHER = "other", _("Other")


class BusinessStage(models.TextChoices):
    STARTING = "starting", _("Starting")
    GROWING = "growing", _("Growing")
    ESTABLISHED = "established", _("Established")


class Business(models.Model):
    """A productive business of a PMI family or a returnee, with its stage and
    the support it has received."""

    Kind = BusinessKind

    Stage = BusinessStage

    # The support flags, in the order the pages show them.
    SUPPORT_FIELDS = [
        "support_training",
        "support_mentoring",
        "support_equipment",
        "support_packaging",
        "halal_label",
        "bpom_label",
    ]
    MARKET_FIELDS = ["sells_in_village", "sells_outside", "sells_online"]

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="businesses"
    )
    name = models.CharField(_("name"), max_length=150)
    # A business is a household's or one member's. SET_NULL: removing a person
    # from the registry keeps the business record.
    owner_household = models.ForeignKey(
        Household,
        verbose_name=_("owner household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="businesses",
    )
    owner_member = models.ForeignKey(
        Member,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="businesses",
    )
    kind = models.CharField(_("kind of business"), max_length=10, choices=Kind.choices)
    products = models.CharField(
        _("products"), max_length=200, blank=True, help_text=_("For example banana chips, shredded fish.")
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.STARTING)
    started_on = models.DateField(_("started"), null=True, blank=True)
    workers = models.PositiveSmallIntegerField(_("people working in it"), null=True, blank=True)
    monthly_turnover = rupiah_field(_("turnover per month (Rp)"), null=True, blank=True)

    support_training = models.BooleanField(_("training"), default=False)
    support_mentoring = models.BooleanField(_("mentoring"), default=False)
    support_equipment = models.BooleanField(_("equipment"), default=False)
    support_packaging = models.BooleanField(_("packaging"), default=False)
    halal_label = models.BooleanField(_("halal label"), default=False)
    bpom_label = models.BooleanField(_("BPOM / PIRT registration"), default=False)
    support_notes = models.CharField(
        _("who gave the support"),
        max_length=200,
        blank=True,
        help_text=_("For example: equipment from Disnaker 2019, packaging training by Bank NTT."),
    )
    sells_in_village = models.BooleanField(_("sold in the village"), default=True)
    sells_outside = models.BooleanField(_("sold outside the village"), default=False)
    sells_online = models.BooleanField(_("sold online"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("productive business")
        verbose_name_plural = _("productive businesses")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(name="business_known_kind", condition=_known("kind", BusinessKind)),
            models.CheckConstraint(name="business_known_stage", condition=_known("stage", BusinessStage)),
            models.CheckConstraint(
                name="business_turnover_not_negative",
                condition=Q(monthly_turnover__isnull=True) | Q(monthly_turnover__gte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["village", "stage"], name="business_village_stage"),
            models.Index(fields=["village", "kind"], name="business_village_kind"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.started_on and self.started_on > latest_today():
            raise ValidationError({"started_on": _("The start date cannot be in the future.")})

    def supports(self):
        """The support received, as (label) list, for the pages."""
        return [
            self._meta.get_field(name).verbose_name for name in self.SUPPORT_FIELDS if getattr(self, name)
        ]

    def markets(self):
        return [self._meta.get_field(name).verbose_name for name in self.MARKET_FIELDS if getattr(self, name)]


class TrainingKind(models.TextChoices):
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship")
    PRODUCTION = "production", _("Production or processing technique")
    PACKAGING = "packaging", _("Packaging")
    MARKETING = "marketing", _("Marketing, including online")
    FINANCE = "finance", _("Financial management")
    CERTIFICATION = "certification", _("Halal / BPOM certification")
    OTHER = "other", _("Other")


class Training(models.Model):
    """A training for PMI families and returnees, with its participants."""

    Kind = TrainingKind

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="trainings"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    organiser = models.CharField(
        _("organiser"), max_length=150, blank=True, help_text=_("For example Disnaker, BLK, Bank BRI.")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Empty for one day."))
    location = models.CharField(_("place"), max_length=150, blank=True)
    participants = models.ManyToManyField(
        Member, verbose_name=_("participants"), related_name="trainings", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(name="training_known_kind", condition=_known("kind", TrainingKind)),
            models.CheckConstraint(
                name="training_end_not_before_start",
                condition=_end_not_before_start("start_date", "end_date"),
            ),
        ]
        indexes = [models.Index(fields=["village", "-start_date"], name="training_village_start")]

    def __str__(self):
        return self.title

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


# Pillar III: community parenting and the learning house


class ParentingSession(models.Model):
    """A community parenting session for the people raising PMI's children."""

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="parenting_sessions"
    )
    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    facilitator = models.CharField(
        _("facilitator"), max_length=150, help_text=_("Who led it, e.g. a PKK cadre or an NGO counsellor.")
    )
    partner = models.CharField(
        _("with the partner"), max_length=150, blank=True, help_text=_("For example Yayasan Attin, PKK.")
    )
    participants = models.ManyToManyField(
        Member, verbose_name=_("participants"), related_name="parenting_sessions", blank=True
    )
    children_reached = models.PositiveIntegerField(_("children reached"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("parenting session")
        verbose_name_plural = _("parenting sessions")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["village", "-date"], name="parenting_village_date")]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.topic}"


class LearningHouseStatus(models.TextChoices):
    NO_PLACE = "no_place", _("No place yet")
    PREPARING = "preparing", _("Place found, being prepared")
    IN_USE = "in_use", _("In use")
    RENOVATING = "renovating", _("Under renovation")
    STALLED = "stalled", _("Renovation stalled")


class LearningHouse(models.Model):
    """The village's learning house (rumah belajar) as a pillar III facility:
    its state and its renovation. Ownership and size stay in the village
    profile (villages.Village) and are edited with it from the same form."""

    Status = LearningHouseStatus

    village = models.OneToOneField(
        Village,
        verbose_name=_("village"),
        on_delete=models.CASCADE,
        related_name="learning_house_record",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NO_PLACE)
    rooms = models.PositiveSmallIntegerField(_("rooms"), null=True, blank=True)
    renovation_partner = models.CharField(
        _("renovation partner"), max_length=150, blank=True, help_text=_("For example Bank BNI (CSR).")
    )
    renovation_cost_estimate = rupiah_field(_("renovation cost estimate (RAB, Rp)"), null=True, blank=True)
    renovation_progress = models.PositiveSmallIntegerField(
        _("renovation progress (%)"),
        default=0,
        validators=[MaxValueValidator(100, message=_("Progress goes up to 100%."))],
    )
    renovation_start = models.DateField(_("renovation start"), null=True, blank=True)
    renovation_end = models.DateField(_("renovation end"), null=True, blank=True)
    progress_note = models.TextField(_("where the renovation stands"), blank=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("learning house")
        verbose_name_plural = _("learning houses")
        constraints = [
            models.CheckConstraint(
                name="learning_house_known_status", condition=_known("status", LearningHouseStatus)
            ),
            models.CheckConstraint(
                name="learning_house_progress_percent", condition=Q(renovation_progress__lte=100)
            ),
            models.CheckConstraint(
                name="learning_house_cost_not_negative",
                condition=Q(renovation_cost_estimate__isnull=True) | Q(renovation_cost_estimate__gte=0),
            ),
            models.CheckConstraint(
                name="learning_house_renovation_end_not_before_start",
                condition=_end_not_before_start("renovation_start", "renovation_end"),
            ),
        ]
        indexes = [models.Index(fields=["status"], name="learning_house_status")]

    def __str__(self):
        return str(self.village)

    def clean(self):
        if self.renovation_start and self.renovation_end and self.renovation_end < self.renovation_start:
            raise ValidationError({"renovation_end": _("The end date cannot be before the start date.")})


# Pillar IV: cooperatives and finance institutions


class CooperativeKind(models.TextChoices):
    COOPERATIVE = "cooperative", _("Cooperative (koperasi)")
    BMT = "bmt", _("BMT (Islamic savings and loan)")
    BPR = "bpr", _("BPR (rural bank)")
    OTHER = "other", _("Other")


class LegalStatus(models.TextChoices):
    REGISTERED = "registered", _("Legal entity (badan hukum)")
    IN_PROCESS = "in_process", _("Registration in process")
    UNREGISTERED = "unregistered", _("Not registered")


class Cooperative(models.Model):
    """A cooperative or another finance institution serving the village's PMI families."""

    Kind = CooperativeKind

    LegalStatus = LegalStatus

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="cooperatives"
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    legal_status = models.CharField(
        _("legal status"), max_length=12, choices=LegalStatus.choices, default=LegalStatus.UNREGISTERED
    )
    legal_number = models.CharField(_("legal entity number"), max_length=60, blank=True)
    established_on = models.DateField(_("established"), null=True, blank=True)
    capital = rupiah_field(_("capital (Rp)"), null=True, blank=True)
    members = models.ManyToManyField(
        Member, verbose_name=_("members"), related_name="cooperatives", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("cooperative or finance institution")
        verbose_name_plural = _("cooperatives and finance institutions")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(name="cooperative_known_kind", condition=_known("kind", CooperativeKind)),
            models.CheckConstraint(
                name="cooperative_known_legal_status", condition=_known("legal_status", LegalStatus)
            ),
            models.CheckConstraint(
                name="cooperative_capital_not_negative", condition=Q(capital__isnull=True) | Q(capital__gte=0)
            ),
            models.UniqueConstraint(
                fields=["village", "name"],
                name="cooperative_unique_name_per_village",
                violation_error_message=_(
                    "A cooperative with this name is already recorded in this village."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.legal_number and self.legal_status != self.LegalStatus.REGISTERED:
            raise ValidationError(
                {"legal_number": _("Only a registered legal entity has a legal entity number.")}
            )


class LoanScheme(models.TextChoices):
    REGULAR = "regular", _("Regular loan")
    KUR = "kur", _("People's business credit (KUR)")


class LoanStatus(models.TextChoices):
    CURRENT = "current", _("Repaying on schedule")
    LATE = "late", _("In arrears")
    REPAID = "repaid", _("Repaid")
    WRITTEN_OFF = "written_off", _("Written off")


class Loan(models.Model):
    """A loan from a cooperative to one of the village's people."""

    Scheme = LoanScheme

    Status = LoanStatus

    cooperative = models.ForeignKey(
        Cooperative, verbose_name=_("cooperative"), on_delete=models.CASCADE, related_name="loans"
    )
    # SET_NULL: a person removed from the registry leaves the loan on the books.
    borrower = models.ForeignKey(
        Member,
        verbose_name=_("borrower"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loans",
    )
    business = models.ForeignKey(
        Business,
        verbose_name=_("business financed"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loans",
    )
    scheme = models.CharField(_("scheme"), max_length=8, choices=Scheme.choices, default=Scheme.REGULAR)
    amount = rupiah_field(_("amount (Rp)"))
    purpose = models.CharField(_("purpose"), max_length=200)
    disbursed_on = models.DateField(_("disbursed"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    repaid_amount = rupiah_field(_("repaid so far (Rp)"), default=0)
    status = models.CharField(
        _("repayment status"), max_length=12, choices=Status.choices, default=Status.CURRENT
    )
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-disbursed_on", "-id"]
        constraints = [
            models.CheckConstraint(name="loan_known_scheme", condition=_known("scheme", LoanScheme)),
            models.CheckConstraint(name="loan_known_status", condition=_known("status", LoanStatus)),
            models.CheckConstraint(name="loan_amount_not_negative", condition=Q(amount__gte=0)),
            models.CheckConstraint(name="loan_repaid_not_negative", condition=Q(repaid_amount__gte=0)),
            models.CheckConstraint(
                name="loan_repaid_not_above_amount", condition=Q(repaid_amount__lte=F("amount"))
            ),
            models.CheckConstraint(
                name="loan_repaid_status_means_fully_repaid",
                condition=~Q(status="repaid") | Q(repaid_amount=F("amount")),
            ),
            models.CheckConstraint(
                name="loan_due_not_before_disbursed",
                condition=_end_not_before_start("disbursed_on", "due_on"),
            ),
        ]
        indexes = [
            models.Index(fields=["cooperative", "status"], name="loan_cooperative_status"),
            models.Index(fields=["status"], name="loan_status"),
        ]

    def __str__(self):
        return f"{self.purpose} ({self.amount})"

    @property
    def outstanding(self):
        if self.amount is None:
            return None
        return self.amount - (self.repaid_amount or 0)

    def clean(self):
        errors = {}
        if self.disbursed_on and self.due_on and self.due_on < self.disbursed_on:
            errors["due_on"] = _("The due date cannot be before the date the loan was disbursed.")
        if self.disbursed_on and self.disbursed_on > latest_today():
            errors["disbursed_on"] = _("The disbursement date cannot be in the future.")
        if self.amount is not None and self.repaid_amount is not None:
            if self.repaid_amount > self.amount:
                errors["repaid_amount"] = _("More cannot be repaid than was lent.")
            elif self.status == self.Status.REPAID and self.repaid_amount != self.amount:
                errors["status"] = _("A loan is repaid when its whole amount is repaid.")
        if errors:
            raise ValidationError(errors)


# Problems and their follow-ups


class ProblemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Problem.OPEN_STATUSES)


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    SOLVED = "solved", _("Solved")
    DROPPED = "dropped", _("Dropped")


class Problem(models.Model):
    """What blocks a pillar in a village, what would solve it and who should,
    followed up until it is solved or dropped."""

    Status = ProblemStatus

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
    CLOSED_STATUSES = (Status.SOLVED, Status.DROPPED)

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="problems"
    )
    pillar = models.PositiveSmallIntegerField(_("pillar"), choices=Pillar.choices)
    title = models.CharField(_("problem"), max_length=200, help_text=_("In a few words."))
    description = models.TextField(_("description"), blank=True)
    proposed_solution = models.TextField(_("proposed solution"), blank=True)
    responsible_agency = models.CharField(
        _("responsible agency"),
        max_length=200,
        blank=True,
        help_text=_("Who should act, e.g. Disnaker Kabupaten, Kemnaker, Bank BNI, the village government."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    raised_on = models.DateField(_("raised on"), default=datetime.date.today)
    resolved_on = models.DateField(_("closed on"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=150,
        blank=True,
        help_text=_("For example the 2020 evaluation, a village meeting."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    # Optimistic locking (desmigratif.concurrency): every write moves it on;
    # a form that carries an older one is refused instead of overwriting.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at", "version"])
    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["pillar", "-raised_on", "-id"]
        constraints = [
            models.CheckConstraint(name="problem_known_status", condition=_known("status", ProblemStatus)),
            models.CheckConstraint(name="problem_known_pillar", condition=Q(pillar__gte=1, pillar__lte=4)),
            # Solved and dropped problems have a closing date; open ones none.
            models.CheckConstraint(
                name="problem_closed_has_closing_date",
                condition=Q(status__in=["solved", "dropped"], resolved_on__isnull=False)
                | Q(status__in=["open", "in_progress"], resolved_on__isnull=True),
            ),
            models.CheckConstraint(
                name="problem_closed_not_before_raised",
                condition=_end_not_before_start("raised_on", "resolved_on"),
            ),
        ]
        indexes = [
            models.Index(fields=["village", "status"], name="problem_village_status"),
            models.Index(fields=["village", "pillar"], name="problem_village_pillar"),
            models.Index(fields=["pillar", "status"], name="problem_pillar_status"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def clean(self):
        errors = {}
        today = latest_today()
        if self.raised_on and self.raised_on > today:
            errors["raised_on"] = _("The date cannot be in the future.")
        if self.resolved_on and self.raised_on and self.resolved_on < self.raised_on:
            errors["resolved_on"] = _("A problem cannot be closed before it was raised.")
        if self.status in self.CLOSED_STATUSES and not self.resolved_on:
            errors["resolved_on"] = _("Enter the date the problem was solved or dropped.")
        if self.status in self.OPEN_STATUSES and self.resolved_on:
            errors["resolved_on"] = _("An open problem has no closing date.")
        if errors:
            raise ValidationError(errors)


class ProblemFollowUp(models.Model):
    """One step taken on a problem, by whom and when; it may change the problem's status."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    date = models.DateField(_("date"), default=datetime.date.today)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("what was done"))
    new_status = models.CharField(
        _("status after this step"),
        max_length=12,
        choices=Problem.Status.choices,
        blank=True,
        help_text=_("Leave empty to keep the status."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                name="follow_up_known_status",
                condition=Q(new_status="") | _known("new_status", Problem.Status),
            ),
        ]
        indexes = [models.Index(fields=["problem", "date"], name="follow_up_problem_date")]

    def __str__(self):
        return f"{self.date:%d/%m/%Y}: {self.text[:60]}"

    def clean(self):
        if self.date and self.date > latest_today():
            raise ValidationError({"date": _("The date cannot be in the future.")})
        if self.date and self.problem_id and self.problem.raised_on and self.date < self.problem.raised_on:
            raise ValidationError({"date": _("A follow-up cannot be dated before the problem was raised.")})
