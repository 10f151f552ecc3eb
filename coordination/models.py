"""Who does what for each pillar in each village, and with which money.

The evaluation paper's finding is that ministries sign MOUs and then do not
carry them out in the villages. So the record here is:

- Agencies (ministries, offices, banks, NGOs, firms) sign MOUs; an MOU covers
  some pillars and reaches some areas (none: the whole country).
- Each MOU has commitments: one agency will do something for one pillar.
- Each commitment is realised or not in each enrolled village (Realisation):
  the coordination figure the paper asks for.
- Agencies run programmes (an activity for one pillar in a set of villages,
  tagged with the national plan priority and the HITS planning tags), funded
  by budget lines from several sources ("money follows program").

Plan periods and their national priorities are data, so the next RPJMN is a
few rows in the admin, not a code change.
"""

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from desmigratif.access import scope_filter
from desmigratif.dates import latest_today
from pillars.models import Pillar
from villages.models import FIRST_COHORT_YEAR, Area, AreaLevel, Village

# The programme began in 2016 (pilots in Indramayu and Wonosobo): no budget
# of it can be older.
FIRST_FISCAL_YEAR = FIRST_COHORT_YEAR
LAST_FISCAL_YEAR = 2100
# Rupiah have no cents in budgets: whole rupiah up to 999 trillion.
MONEY_DIGITS = 15

PILLAR_NUMBERS = [value for value, _label in Pillar.choices]


def area_code_within(code, reach_codes):
    """True when the area code is one of the reach codes or lies under one of
    them (35.24.07.2004 is within 35.24). An empty reach is the whole country."""
    if not reach_codes:
        return True
    return any(code == reach or code.startswith(f"{reach}.") for reach in reach_codes)


def fiscal_year_validators():
    return [
        MinValueValidator(
            FIRST_FISCAL_YEAR,
            message=_(
                "The Desmigratif programme began in %(limit_value)s: a budget cannot be for an earlier "
                "fiscal year."
            ),
        ),
        MaxValueValidator(LAST_FISCAL_YEAR),
    ]


def non_negative():
    return MinValueValidator(0, message=_("An amount cannot be negative."))


# Plan periods and national priorities ---------------------------------------------------


class PlanPeriod(models.Model):
    """A national medium-term plan (RPJMN), e.g. 2020-2024."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))

    class Meta:
        verbose_name = _("plan period")
        verbose_name_plural = _("plan periods")
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                name="plan_period_ends_after_start",
                condition=models.Q(end_year__gte=models.F("start_year")),
                violation_error_message=_("A plan period cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("A plan period cannot end before it starts.")})


class NationalPriority(models.Model):
    """A national priority (Prioritas Nasional, PN) of one plan period."""

    period = models.ForeignKey(
        PlanPeriod, verbose_name=_("plan period"), on_delete=models.PROTECT, related_name="priorities"
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=255)

    class Meta:
        verbose_name = _("national priority")
        verbose_name_plural = _("national priorities")
        ordering = ["-period__start_year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "number"],
                name="national_priority_unique_number",
                violation_error_message=_("This plan period already has a priority with this number."),
            ),
        ]

    def __str__(self):
        return f"PN {self.number} · {self.title} ({self.period.name})"

    @property
    def short_label(self):
        return f"PN {self.number} ({self.period.name})"


# Agencies ---------------------------------------------------------------------------------


class Agency(models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry or national agency (K/L)")
        PROVINCE_OFFICE = "province_office", _("Provincial office")
        REGENCY_OFFICE = "regency_office", _("Regency / city office")
        BANK = "bank", _("Bank or state company")
        NGO = "ngo", _("NGO")
        PRIVATE = "private", _("Private company")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(
        _("short name"),
        max_length=40,
        unique=True,
        help_text=_("Shown in tables and the coverage matrix, e.g. Kemnaker, BNI."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, db_index=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level__in": [AreaLevel.PROVINCE, AreaLevel.REGENCY]},
        help_text=_("For a provincial or regency office: its province or regency."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["short_name"]
        constraints = [
            models.CheckConstraint(
                name="agency_known_kind",
                condition=models.Q(
                    kind__in=["ministry", "province_office", "regency_office", "bank", "ngo", "private"]
                ),
            ),
        ]

    def __str__(self):
        return self.short_name

    def clean(self):
        wanted = {self.Kind.PROVINCE_OFFICE: AreaLevel.PROVINCE, self.Kind.REGENCY_OFFICE: AreaLevel.REGENCY}
        if self.area_id and self.kind in wanted and self.area.level != wanted[self.kind]:
            raise ValidationError(
                {
                    "area": _("A %(kind)s belongs to a %(level)s.")
                    % {
                        "kind": self.get_kind_display().lower(),
                        "level": AreaLevel(wanted[self.kind]).label,
                    }
                }
            )


# MOUs and commitments ---------------------------------------------------------------------


MOU_DOCUMENT_MAX_MB = getattr(settings, "MOU_DOCUMENT_MAX_MB", 10)
PDF_MAGIC = b"%PDF-"


def validate_pdf(document):
    """A newly uploaded MOU document must be a PDF (by its content, not its
    name) of at most MOU_DOCUMENT_MAX_MB. A stored file is not read again."""
    if not document or getattr(document, "_committed", True):
        return
    if document.size > MOU_DOCUMENT_MAX_MB * 1024 * 1024:
        raise ValidationError(
            _("The document is larger than %(limit)s MB. Upload a smaller PDF (scan at a lower resolution)."),
            code="too_large",
            params={"limit": MOU_DOCUMENT_MAX_MB},
        )
    document.seek(0)
    head = document.read(len(PDF_MAGIC))
    document.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(
            _("The document is not a PDF file. Save or scan the signed MOU as PDF and upload that."),
            code="not_pdf",
        )


def mou_document_path(mou, filename):
    """Stored under a random name (the user's file name is kept in
    MOU.document_name): nothing the user typed becomes part of a path."""
    return f"mou/{datetime.date.today():%Y}/{uuid.uuid4().hex}.pdf"


class MOUQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(signed_on__lte=day).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


class MOU(models.Model):
    """A memorandum of understanding (nota kesepahaman) between agencies."""

    number = models.CharField(_("number"), max_length=120, db_index=True)
    title = models.CharField(_("title"), max_length=255)
    parties = models.ManyToManyField(Agency, verbose_name=_("parties"), related_name="mous")
    signed_on = models.DateField(_("signing date"), db_index=True)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, db_index=True, help_text=_("Empty: no end date stated.")
    )
    covers_pillar_1 = models.BooleanField(_("covers pillar I (migration services)"), default=False)
    covers_pillar_2 = models.BooleanField(_("covers pillar II (productive business)"), default=False)
    covers_pillar_3 = models.BooleanField(_("covers pillar III (community parenting)"), default=False)
    covers_pillar_4 = models.BooleanField(_("covers pillar IV (cooperative)"), default=False)
    reach = models.ManyToManyField(
        Area,
        verbose_name=_("reach"),
        blank=True,
        related_name="+",
        help_text=_("Provinces, regencies or villages the MOU covers. Empty: the whole country."),
    )
    document = models.FileField(
        _("document (PDF)"),
        upload_to=mou_document_path,
        max_length=200,
        blank=True,
        validators=[validate_pdf],
        help_text=_("The signed MOU as a PDF file."),
    )
    document_name = models.CharField(_("document file name"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    objects = MOUQuerySet.as_manager()

    class Meta:
        verbose_name = _("MOU")
        verbose_name_plural = _("MOUs")
        ordering = ["-signed_on", "number"]
        constraints = [
            models.CheckConstraint(
                name="mou_valid_after_signing",
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("signed_on")),
                violation_error_message=_("An MOU cannot end before it was signed."),
            ),
            models.CheckConstraint(
                name="mou_covers_a_pillar",
                condition=models.Q(covers_pillar_1=True)
                | models.Q(covers_pillar_2=True)
                | models.Q(covers_pillar_3=True)
                | models.Q(covers_pillar_4=True),
                violation_error_message=_("Choose at least one pillar the MOU covers."),
            ),
        ]

    def __str__(self):
        return f"{self.number} · {self.title}"

    @property
    def pillars(self):
        return [n for n in PILLAR_NUMBERS if getattr(self, f"covers_pillar_{n}")]

    @property
    def pillar_labels(self):
        return [Pillar(n).label for n in self.pillars]

    def set_pillars(self, numbers):
        for n in PILLAR_NUMBERS:
            setattr(self, f"covers_pillar_{n}", n in numbers)

    def reach_codes(self):
        """The codes of the reach; uses a prefetched reach when there is one."""
        return [area.code for area in self.reach.all()]

    @property
    def document_label(self):
        return self.document_name or PurePath(self.document.name).name

    def clean(self):
        if self.signed_on and self.valid_until and self.valid_until < self.signed_on:
            raise ValidationError(
                {
                    "valid_until": _("An MOU cannot end before it was signed (%(date)s).")
                    % {"date": date_format(self.signed_on)}
                }
            )
        if not self.pillars:
            raise ValidationError(_("Choose at least one pillar the MOU covers."))


class Commitment(models.Model):
    """What one agency will do for one pillar under an MOU."""

    mou = models.ForeignKey(MOU, verbose_name=_("MOU"), on_delete=models.CASCADE, related_name="commitments")
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="commitments"
    )
    pillar = models.PositiveSmallIntegerField(_("pillar"), choices=Pillar.choices, db_index=True)
    description = models.TextField(_("what the agency will do"))

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["mou", "pillar", "id"]
        constraints = [
            models.CheckConstraint(
                name="commitment_known_pillar", condition=models.Q(pillar__in=PILLAR_NUMBERS)
            ),
        ]

    def __str__(self):
        return f"{self.agency} · {self.get_pillar_display()}: {self.description[:60]}"

    def clean(self):
        if not self.mou_id:
            return
        errors = {}
        if self.pillar and self.pillar not in self.mou.pillars:
            errors["pillar"] = _("The MOU does not cover this pillar; it covers: %(pillars)s.") % {
                "pillars": ", ".join(str(label) for label in self.mou.pillar_labels)
            }
        if self.agency_id and self.mou.pk and not self.mou.parties.filter(pk=self.agency_id).exists():
            errors["agency"] = _("The agency must be one of the MOU's parties.")
        if errors:
            raise ValidationError(errors)


class RealisationQuerySet(models.QuerySet):
    def in_scope(self, user):
        return scope_filter(self, user, "village__area__code")


class Realisation(models.Model):
    """Whether a commitment has been carried out in one enrolled village."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        REALISED = "realised", _("realised")

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.CASCADE, related_name="realisations"
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="commitment_realisations"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED, db_index=True
    )
    status_date = models.DateField(
        _("date"),
        null=True,
        blank=True,
        help_text=_("When the work started or was realised. Required once realised."),
    )
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("What shows it: a report, photos, a handover record…")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    objects = RealisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("realisation")
        verbose_name_plural = _("realisations")
        ordering = ["commitment", "village"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "village"],
                name="realisation_unique_per_commitment_village",
                violation_error_message=_(
                    "This commitment already has a realisation for this village; change that one instead."
                ),
            ),
            models.CheckConstraint(
                name="realisation_known_status",
                condition=models.Q(status__in=["not_started", "in_progress", "realised"]),
            ),
            models.CheckConstraint(
                name="realisation_realised_has_date",
                condition=~models.Q(status="realised") | models.Q(status_date__isnull=False),
                violation_error_message=_("Give the date the commitment was realised."),
            ),
        ]
        indexes = [models.Index(fields=["village", "status"], name="realisation_village_status")]

    def __str__(self):
        return f"{self.commitment} · {self.village_id}: {self.get_status_display()}"

    def clean(self):
        errors = {}
        if self.status == self.Status.REALISED and not self.status_date:
            errors["status_date"] = _("Give the date the commitment was realised.")
        if self.status_date and self.status_date > latest_today():
            errors["status_date"] = _("The date cannot be in the future.")
        if self.commitment_id and self.village_id:
            mou = self.commitment.mou
            if not area_code_within(self.village_id, mou.reach_codes()):
                errors["village"] = _(
                    "This village is outside the reach of MOU %(number)s (%(reach)s): "
                    "its commitments cannot be realised there."
                ) % {"number": mou.number, "reach": ", ".join(a.name for a in mou.reach.all())}
            if self.status_date and self.status_date < mou.signed_on and "status_date" not in errors:
                errors["status_date"] = _("The date cannot be before the MOU was signed (%(date)s).") % {
                    "date": date_format(mou.signed_on)
                }
        if errors:
            raise ValidationError(errors)


# Programmes and budgets -------------------------------------------------------------------


class Programme(models.Model):
    """An activity of an agency for one pillar in a set of villages, tagged for
    Holistic-Thematic-Integrative-Spatial (HITS) planning."""

    class Stage(models.TextChoices):
        UPSTREAM = "upstream", _("Upstream (preparation, training)")
        MIDSTREAM = "midstream", _("Midstream (production, mentoring)")
        DOWNSTREAM = "downstream", _("Downstream (marketing, finance)")

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="programmes"
    )
    name = models.CharField(_("name"), max_length=255)
    pillar = models.PositiveSmallIntegerField(_("pillar"), choices=Pillar.choices, db_index=True)
    mou = models.ForeignKey(
        MOU,
        verbose_name=_("under MOU"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programmes",
    )
    villages = models.ManyToManyField(
        Village, verbose_name=_("villages"), blank=True, related_name="programmes"
    )
    start_date = models.DateField(_("start date"), db_index=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The national plan.
    priority = models.ForeignKey(
        NationalPriority,
        verbose_name=_("national priority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
    )
    strategy = models.TextField(
        _("national strategy"),
        blank=True,
        help_text=_("The RPJMN strategy the activity serves, e.g. protection of women migrant workers."),
    )
    # HITS: the theme (thematic), the stage from upstream to downstream
    # (holistic), the partners it works with (integrative), the place (spatial).
    theme = models.CharField(_("theme"), max_length=120, blank=True, db_index=True)
    stage = models.CharField(
        _("upstream-downstream stage"), max_length=12, choices=Stage.choices, blank=True, db_index=True
    )
    partners = models.ManyToManyField(
        Agency, verbose_name=_("integration partners"), blank=True, related_name="partner_programmes"
    )
    location = models.CharField(
        _("location"),
        max_length=200,
        blank=True,
        help_text=_("Where it happens, e.g. northern coast of Lamongan."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                name="programme_ends_after_start",
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                violation_error_message=_("A programme cannot end before it starts."),
            ),
            models.CheckConstraint(
                name="programme_known_pillar", condition=models.Q(pillar__in=PILLAR_NUMBERS)
            ),
        ]
        indexes = [models.Index(fields=["agency", "pillar"], name="programme_agency_pillar")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {
                    "end_date": _("A programme cannot end before it starts (%(date)s).")
                    % {"date": date_format(self.start_date)}
                }
            )


class BudgetLine(models.Model):
    """Money for a programme from one source in one fiscal year."""

    class Source(models.TextChoices):
        APBN = "apbn", _("APBN: ministry spending")
        TRANSFER = "transfer", _("APBN: transfer to regions (DAK)")
        DANA_DESA = "dana_desa", _("Village Fund (Dana Desa)")
        APBD_PROVINCE = "apbd_province", _("APBD province")
        APBD_REGENCY = "apbd_regency", _("APBD regency / city")
        APBDES = "apbdes", _("Village budget (APBDes)")
        CSR = "csr", _("CSR")
        SELF_HELP = "self_help", _("Community self-help (swadaya)")

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    source = models.CharField(_("funding source"), max_length=16, choices=Source.choices, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=fiscal_year_validators(), db_index=True
    )
    planned = models.DecimalField(
        _("planned (Rp)"), max_digits=MONEY_DIGITS, decimal_places=0, validators=[non_negative()]
    )
    realised = models.DecimalField(
        _("realised (Rp)"), max_digits=MONEY_DIGITS, decimal_places=0, default=0, validators=[non_negative()]
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["programme", "fiscal_year", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "source", "fiscal_year"],
                name="budget_line_unique_source_year",
                violation_error_message=_(
                    "This programme already has a budget line from this source for this fiscal year; "
                    "change that one instead."
                ),
            ),
            models.CheckConstraint(
                name="budget_line_planned_not_negative",
                condition=models.Q(planned__gte=0),
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                name="budget_line_realised_not_negative",
                condition=models.Q(realised__gte=0),
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                name="budget_line_fiscal_year_from_2016",
                condition=models.Q(fiscal_year__gte=FIRST_FISCAL_YEAR),
                violation_error_message=_(
                    "The Desmigratif programme began in 2016: a budget cannot be for an earlier fiscal year."
                ),
            ),
            models.CheckConstraint(
                name="budget_line_known_source",
                condition=models.Q(
                    source__in=[
                        "apbn",
                        "transfer",
                        "dana_desa",
                        "apbd_province",
                        "apbd_regency",
                        "apbdes",
                        "csr",
                        "self_help",
                    ]
                ),
            ),
        ]
        indexes = [models.Index(fields=["programme", "realised"], name="budget_line_programme_realised")]

    def __str__(self):
        return f"{self.programme} · {self.get_source_display()} {self.fiscal_year}"

    @property
    def above_plan(self):
        return self.realised is not None and self.planned is not None and self.realised > self.planned

    def clean(self):
        if not (self.programme_id and self.fiscal_year) or self.fiscal_year < FIRST_FISCAL_YEAR:
            return
        programme = self.programme
        first = programme.start_date.year if programme.start_date else None
        last = programme.end_date.year if programme.end_date else None
        if first and self.fiscal_year < first:
            raise ValidationError(
                {
                    "fiscal_year": _(
                        "The programme starts in %(year)s: a budget cannot be for an earlier year."
                    )
                    % {"year": first}
                }
            )
        if last and self.fiscal_year > last:
            raise ValidationError(
                {
                    "fiscal_year": _("The programme ends in %(year)s: a budget cannot be for a later year.")
                    % {"year": last}
                }
            )
