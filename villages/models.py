from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from desmigratif.access import scope_filter

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
