from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from desmigratif.access import scope_filter
from desmigratif.dates import latest_today
from villages import matching

FIRST_COHORT_YEAR = 2016


class AreaLevel(models.IntegerChoices):
    PROVINCE = 1, _("province")
    REGENCY = 2, _("regency / city")
    DISTRICT = 3, _("district")
    VILLAGE = 4, _("village")


class Area(models.Model):
    """An official Kemendagri area. The code is hierarchical ("35.24.07.2004"),
    so the areas under one are those whose code starts with its code and a dot."""

    LEVEL_NAMES = dict(AreaLevel.choices)

    code = models.CharField(_("code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=AreaLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="area_only_provinces_have_no_parent",
                condition=models.Q(level=1, parent__isnull=True)
                | models.Q(level__gt=1, parent__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def autocomplete_label(self):
        """Name with its district and regency; needs select_related("parent__parent")."""
        names = [self.name]
        if self.parent:
            names.append(self.parent.name)
            if self.parent.parent:
                names.append(self.parent.parent.name)
        return f"{', '.join(names)} ({self.code})"

    def path(self):
        """The areas from the province down to this one; uses the parents
        already fetched with select_related("parent__parent__parent")."""
        chain = []
        area = self
        while area is not None:
            chain.append(area)
            area = area.parent
        return list(reversed(chain))


class VillageQuerySet(models.QuerySet):
    def in_scope(self, user):
        return scope_filter(self, user, "area__code")

    def with_area_path(self):
        return self.select_related("area__parent__parent__parent")


class Village(models.Model):
    """An area enrolled in the Desmigratif programme, with its survey profile."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        GRADUATED = "graduated", _("graduated")
        SUSPENDED = "suspended", _("suspended")

    class LearningHouse(models.TextChoices):
        OWNED = "owned", _("Owned by the village")
        RENTED = "rented", _("Rented")
        NONE = "none", _("No learning house")

    area = models.OneToOneField(
        Area,
        verbose_name=_("village area"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="desmigratif",
        limit_choices_to={"level": AreaLevel.VILLAGE},
    )
    cohort_year = models.PositiveSmallIntegerField(
        _("cohort year"),
        validators=[MinValueValidator(FIRST_COHORT_YEAR), MaxValueValidator(2100)],
        db_index=True,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-11), MaxValueValidator(6)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(95), MaxValueValidator(141)],
    )

    apparatus_below_senior_high = models.PositiveSmallIntegerField(
        _("number of apparatus below senior high school"), null=True, blank=True
    )
    apparatus_senior_high = models.PositiveSmallIntegerField(
        _("number of apparatus with senior high school"), null=True, blank=True
    )
    apparatus_diploma = models.PositiveSmallIntegerField(
        _("number of apparatus with a diploma (D1-D4)"), null=True, blank=True
    )
    apparatus_bachelor = models.PositiveSmallIntegerField(
        _("number of apparatus with a degree (S1 or higher)"), null=True, blank=True
    )

    learning_house = models.CharField(
        _("learning house"), max_length=8, choices=LearningHouse.choices, blank=True
    )
    learning_house_area_m2 = models.DecimalField(
        _("learning house size (m²)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    learning_house_distance_m = models.PositiveIntegerField(
        _("learning house distance to the village hall (m)"), null=True, blank=True
    )
    has_internet = models.BooleanField(_("internet at the service desk"), null=True, blank=True)
    manpower_office_distance_km = models.DecimalField(
        _("distance to the regency manpower office (km)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    markets = models.PositiveSmallIntegerField(_("number of markets"), null=True, blank=True)
    tourism_sites = models.PositiveSmallIntegerField(_("number of tourism sites"), null=True, blank=True)
    fish_landings = models.PositiveSmallIntegerField(_("number of fish landing sites"), null=True, blank=True)
    leading_products = models.JSONField(
        _("leading products"),
        default=list,
        blank=True,
        help_text=_("Separate products with a semicolon, e.g. banana; cassava; coffee."),
    )

    pools_pades = models.BooleanField(_("village own revenue (PADes) used for the programme"), default=False)
    pools_add = models.BooleanField(_("village fund allocation (ADD) used for the programme"), default=False)
    pools_dana_desa = models.BooleanField(_("Village Fund (Dana Desa) used for the programme"), default=False)
    notes = models.TextField(_("other facts from the survey"), blank=True)

    enrolled_at = models.DateTimeField(_("date enrolled"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    # Optimistic locking (desmigratif.concurrency): every write moves it on;
    # a form that carries an older one is refused instead of overwriting.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = VillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("Desmigratif village")
        verbose_name_plural = _("Desmigratif villages")
        ordering = ["area_id"]
        constraints = [
            models.CheckConstraint(
                name="village_cohort_from_2016", condition=models.Q(cohort_year__gte=FIRST_COHORT_YEAR)
            ),
            models.CheckConstraint(
                name="village_latitude_in_indonesia",
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-11, latitude__lte=6),
            ),
            models.CheckConstraint(
                name="village_longitude_in_indonesia",
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=95, longitude__lte=141),
            ),
        ]

    def __str__(self):
        return self.area.name

    @property
    def code(self):
        return self.area_id

    @property
    def apparatus_total(self):
        counts = [
            self.apparatus_below_senior_high,
            self.apparatus_senior_high,
            self.apparatus_diploma,
            self.apparatus_bachelor,
        ]
        return sum(c or 0 for c in counts) if any(c is not None for c in counts) else None


class PartnerInstitution(models.Model):
    class Kind(models.TextChoices):
        LPMD = "lpmd", "LPMD"
        PKK = "pkk", "PKK"
        KARANG_TARUNA = "karang_taruna", "Karang Taruna"
        BUSINESS_GROUP = "business_group", _("Business or farmer group")
        COOPERATIVE = "cooperative", _("Cooperative")
        BUMDES = "bumdes", "BUMDes"
        NGO = "ngo", _("NGO")
        BANK = "bank", _("Bank")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other")

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, related_name="partners"
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    supports_pillar_1 = models.BooleanField(_("supports pillar I (migration services)"), default=False)
    supports_pillar_2 = models.BooleanField(_("supports pillar II (productive business)"), default=False)
    supports_pillar_3 = models.BooleanField(_("supports pillar III (community parenting)"), default=False)
    supports_pillar_4 = models.BooleanField(_("supports pillar IV (cooperative)"), default=False)

    class Meta:
        verbose_name = _("partner institution")
        verbose_name_plural = _("partner institutions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="partner_unique_name_per_village"),
        ]

    def __str__(self):
        return self.name

    @property
    def pillars(self):
        return [n for n in (1, 2, 3, 4) if getattr(self, f"supports_pillar_{n}")]


def validate_country_code(value):
    from django_countries import countries

    if value and value not in countries:
        raise ValidationError(_("Unknown country code %(code)s.") % {"code": value})


class CheckConstraintsInClean:
    """For a model whose clean() refuses everything its CheckConstraints
    refuse, with a message that says what to fix: full_clean() leaves them to
    clean() instead of asking the database about each one (a query per
    constraint and record: 18 of the 50 queries of a household form's save).
    The database still enforces them; tests/villages/test_constraints_in_clean.py
    proves clean() covers each. Unique constraints are validated as usual."""

    def get_constraints(self):
        return [
            (model, [c for c in constraints if not isinstance(c, models.CheckConstraint)])
            for model, constraints in super().get_constraints()
        ]


class HouseholdQuerySet(models.QuerySet):
    def in_scope(self, user):
        return scope_filter(self, user, "village__area__code")


class Household(CheckConstraintsInClean, models.Model):
    """A migrant worker's household (rumah tangga PMI), identified by its family card."""

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    no_kk = models.CharField(_("family card number (No. KK)"), max_length=16, unique=True)
    dusun = models.CharField(_("hamlet (dusun)"), max_length=60, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    # Optimistic locking (desmigratif.concurrency): every write of the household
    # or of one of its members moves it on; a form that carries an older one is
    # refused instead of overwriting.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at", "version"])
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["no_kk"]
        constraints = [
            models.CheckConstraint(
                name="household_no_kk_16_digits", condition=models.Q(no_kk__regex=r"^[0-9]{16}$")
            ),
        ]
        indexes = [models.Index(fields=["village", "updated_at"], name="household_village_updated")]

    def __str__(self):
        return self.no_kk

    def clean(self):
        from villages.identity import clean_kk

        if self.no_kk:
            try:
                self.no_kk = clean_kk(self.no_kk)
            except ValidationError as error:
                raise ValidationError({"no_kk": error}) from None


class MemberQuerySet(models.QuerySet):
    def in_scope(self, user):
        return scope_filter(self, user, "household__village__area__code")


class Member(CheckConstraintsInClean, models.Model):
    class Sex(models.TextChoices):
        MALE = "L", _("Male")
        FEMALE = "P", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of the family")
        HUSBAND = "husband", _("Husband")
        WIFE = "wife", _("Wife")
        CHILD = "child", _("Child")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        GRANDCHILD = "grandchild", _("Grandchild")
        PARENT = "parent", _("Parent")
        PARENT_IN_LAW = "parent_in_law", _("Parent-in-law")
        OTHER_FAMILY = "other_family", _("Other relative")
        OTHER = "other", _("Other")

    class Education(models.TextChoices):
        NONE = "none", _("No schooling / not yet in school")
        SD = "sd", "SD"
        SMP = "smp", "SMP"
        SMA = "sma", _("SMA / SMK / SLTA")
        D1 = "d1", "D1"
        D2 = "d2", "D2"
        D3 = "d3", "D3"
        D4 = "d4", "D4"
        S1 = "s1", "S1"
        S2 = "s2", "S2"
        S3 = "s3", "S3"

    class Status(models.TextChoices):
        CPMI = "cpmi", _("CPMI (preparing to leave)")
        PMI = "pmi", _("PMI (working abroad)")
        RETURNEE = "returnee", _("PMI purna (returned)")
        FAMILY = "family", _("Family member")

    class Sector(models.TextChoices):
        FORMAL = "formal", _("Formal")
        INFORMAL = "informal", _("Informal")

    class Channel(models.TextChoices):
        PROCEDURAL = "procedural", _("Procedural")
        NON_PROCEDURAL = "non_procedural", _("Non-procedural")

    class Business(models.TextChoices):
        HAS = "has", _("Has a business")
        WANTS = "wants", _("Wants to start one")
        NO = "no", _("Not interested")

    class Schooling(models.TextChoices):
        NOT_YET = "not_yet", _("Not yet in school")
        IN_SCHOOL = "in_school", _("In school")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        FINISHED = "finished", _("Finished school")

    # What is recorded of a person: the survey sheet's columns and the fields a
    # merge chooses between (surveys.household_format, villages.merging).
    RECORDED_FIELDS = (
        "nik",
        "name",
        "sex",
        "birth_date",
        "relation",
        "education",
        "migration_status",
        "destination_country",
        "sector",
        "occupation",
        "placement_agency",
        "departure_date",
        "return_date",
        "channel",
        "business_status",
        "training_wishes",
        "schooling",
        "caregiver",
    )

    # Fields that only mean something for some statuses; the form hides the
    # others and the model clears them, so a status change leaves no stale value.
    STATUS_FIELDS = {
        "destination_country": {Status.CPMI, Status.PMI, Status.RETURNEE},
        "sector": {Status.PMI, Status.RETURNEE},
        "occupation": {Status.CPMI, Status.PMI, Status.RETURNEE},
        "placement_agency": {Status.CPMI, Status.PMI, Status.RETURNEE},
        "departure_date": {Status.PMI, Status.RETURNEE},
        "channel": {Status.CPMI, Status.PMI, Status.RETURNEE},
        "return_date": {Status.RETURNEE},
        "business_status": {Status.RETURNEE},
        "training_wishes": {Status.RETURNEE},
    }

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    name = models.CharField(_("full name"), max_length=150)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation.choices)
    education = models.CharField(_("education"), max_length=4, choices=Education.choices, blank=True)
    migration_status = models.CharField(_("migration status"), max_length=10, choices=Status.choices)
    destination_country = models.CharField(
        _("destination country"), max_length=2, blank=True, validators=[validate_country_code]
    )
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices, blank=True)
    occupation = models.CharField(
        _("occupation"),
        max_length=100,
        blank=True,
        help_text=_("For example PLRT (domestic worker), caregiver."),
    )
    placement_agency = models.CharField(_("placement agency (P3MI)"), max_length=150, blank=True)
    departure_date = models.DateField(_("departure date"), null=True, blank=True)
    return_date = models.DateField(_("return date"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    business_status = models.CharField(_("business"), max_length=8, choices=Business.choices, blank=True)
    training_wishes = models.CharField(_("training wanted"), max_length=200, blank=True)
    schooling = models.CharField(_("schooling"), max_length=12, choices=Schooling.choices, blank=True)
    caregiver = models.CharField(
        _("caregiver"),
        max_length=100,
        blank=True,
        help_text=_("Who raises the child while the parent works abroad."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    # Derived from name and birth_date (villages.matching): kept by clean(),
    # which every import row goes through, and by save() for the other paths.
    match_key = models.CharField(_("match key"), max_length=200, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at", "match_key"])
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household_id", "id"]
        constraints = [
            models.CheckConstraint(
                name="member_nik_16_digits", condition=models.Q(nik__regex=r"^[0-9]{16}$")
            ),
            models.CheckConstraint(
                name="member_return_not_before_departure",
                condition=models.Q(return_date__isnull=True)
                | models.Q(departure_date__isnull=True)
                | models.Q(return_date__gte=models.F("departure_date")),
            ),
            models.CheckConstraint(
                name="member_abroad_has_destination",
                condition=~models.Q(migration_status__in=["cpmi", "pmi"]) | ~models.Q(destination_country=""),
            ),
            models.CheckConstraint(
                name="member_returnee_has_return_date",
                condition=~models.Q(migration_status="returnee") | models.Q(return_date__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["migration_status"], name="member_status"),
            models.Index(fields=["destination_country"], name="member_country"),
            models.Index(fields=["sector"], name="member_sector"),
            models.Index(fields=["channel"], name="member_channel"),
            models.Index(fields=["match_key"], name="member_match_key"),
            # Near matches on the possible-duplicates page read members one
            # birth date after the other (villages.selectors.near_duplicates).
            models.Index(fields=["birth_date", "id"], name="member_birth_date"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.match_key = matching.match_key(self.name, self.birth_date)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "birth_date"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "match_key"}
        super().save(*args, **kwargs)

    @property
    def age(self):
        today = timezone.localdate()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def clean(self):
        from villages.identity import check_nik_agrees, clean_nik

        errors = {}
        # "Siti  Aminah " and "Siti Aminah" are one name (possible-duplicates page).
        self.name = " ".join((self.name or "").split())
        self.match_key = matching.match_key(self.name, self.birth_date)
        for field, statuses in self.STATUS_FIELDS.items():
            if self.migration_status not in statuses:
                setattr(self, field, None if field.endswith("_date") else "")
        if self.nik:
            try:
                self.nik = clean_nik(self.nik)
            except ValidationError as error:
                errors["nik"] = error
            else:
                errors.update(check_nik_agrees(self.nik, birth_date=self.birth_date, sex=self.sex))
        today = latest_today()
        if self.birth_date and self.birth_date > today:
            errors.setdefault("birth_date", _("The date of birth cannot be in the future."))
        status = self.migration_status
        # A returnee's country is worth keeping but not required (IMPORT_FORMATS).
        if status in (self.Status.CPMI, self.Status.PMI) and not self.destination_country:
            errors["destination_country"] = _("Choose the destination country.")
        if status == self.Status.PMI and not self.sector:
            errors["sector"] = _("Choose the sector the PMI works in.")
        if status == self.Status.RETURNEE and not self.return_date:
            errors["return_date"] = _("Enter the date the PMI came home.")
        if self.departure_date and self.departure_date > today:
            errors["departure_date"] = _("The departure date cannot be in the future.")
        if self.return_date and self.return_date > today:
            errors["return_date"] = _("The return date cannot be in the future.")
        if self.return_date and self.departure_date and self.return_date < self.departure_date:
            errors["return_date"] = _("The return date cannot be before the departure date.")
        if self.birth_date and self.departure_date and self.departure_date < self.birth_date:
            errors["departure_date"] = _("The departure date cannot be before the date of birth.")
        if errors:
            raise ValidationError(errors)

    def validate_unique(self, exclude=None):
        try:
            super().validate_unique(exclude)
        except ValidationError as error:
            # Django's message would be "Household member with this NIK already
            # exists"; say it plainly and reveal nothing about the other record.
            if "nik" in getattr(error, "error_dict", {}):
                error.error_dict["nik"] = [ValidationError(NIK_TAKEN_MESSAGE, code="unique")]
            raise


NIK_TAKEN_MESSAGE = _(
    "This NIK is already registered in the portal. One person can be in one household only: "
    "if they moved here from another household, ask the regency office to move the record."
)


class IdNumberAccess(models.Model):
    """A user saw full NIKs (on a member page, in an export), or looked a
    record up by a full NIK or No. KK while seeing numbers masked (a search:
    these rows also throttle such lookups, see villages.services)."""

    class Reason(models.TextChoices):
        MEMBER_PAGE = "member_page", _("member page")
        # Rows from before masked roles got masked numbers in the form.
        EDIT_FORM = "edit_form", _("household form")
        EXPORT = "export", _("export")
        SEARCH = "search", _("search by full number")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    count = models.PositiveIntegerField(_("numbers shown"), default=1)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("full NIK access")
        verbose_name_plural = _("full NIK accesses")
        ordering = ["-at"]
        # The per-user throttle of full-number searches counts these rows.
        indexes = [models.Index(fields=["user", "reason", "at"], name="idnumberaccess_user_reason_at")]

    def __str__(self):
        return f"{self.user} {self.get_reason_display()} {self.at:%Y-%m-%d %H:%M}"


class Merge(models.Model):
    """Two records of one household or one person made one (villages.merging).
    The other record is gone, but its history rows keep its id (``other_id``),
    so its earlier history stays readable under the survivor."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        MEMBER = "member", _("member")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # SET_NULL: the record of a merge outlives a survivor removed later.
    household = models.ForeignKey(
        Household,
        verbose_name=_("household kept"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merges",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member kept"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merges",
    )
    other_id = models.PositiveBigIntegerField(_("id of the merged record"))
    other_label = models.CharField(_("merged record"), max_length=150)
    other_number = models.CharField(_("NIK or No. KK of the merged record"), max_length=16)
    other_village = models.ForeignKey(
        Village, verbose_name=_("village of the merged record"), on_delete=models.PROTECT, related_name="+"
    )
    # Field name -> "kept" or "other": whose value the survivor took.
    choices = models.JSONField(_("values taken"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("merge of duplicates")
        verbose_name_plural = _("merges of duplicates")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="merge_kind_matches_survivor",
                condition=models.Q(kind="household", member__isnull=True)
                | models.Q(kind="member", household__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.other_label} ({self.at:%Y-%m-%d})"


# Migration villages 0003 refers to this by its path; surveys.ImportJob uses it.
def import_upload_path(job, filename):
    """Uploads are stored under a random name (the user's file name is kept in
    ImportJob.original_name): nothing the user typed becomes part of a path."""
    import uuid
    from pathlib import PurePath

    extension = PurePath(filename).suffix.lower()
    return f"imports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{extension}"
