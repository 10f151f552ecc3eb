import re
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from coordination.models import (
    MONEY_DIGITS,
    MOU,
    MOU_DOCUMENT_MAX_MB,
    Agency,
    BudgetLine,
    Commitment,
    Programme,
    Realisation,
)
from coordination.selectors import priority_choices
from desmigratif.templatetags.money import format_rupiah
from desmigratif.widgets import SearchableSelectMultiple
from pillars.models import Pillar
from villages.filters import normalise_area_code
from villages.forms import DateInput
from villages.models import Area, AreaLevel, Village

AREA_CODE_SEPARATORS = re.compile(r"[\s,;]+")


def _helper(*layout):
    helper = FormHelper()
    helper.form_tag = False
    if layout:
        helper.layout = Layout(*layout)
    return helper


def village_label(village):
    """Needs select_related("area__parent__parent")."""
    return f"{village.area.name}, {village.area.parent.parent.name} ({village.code})"


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return village_label(obj)


class VillageMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return village_label(obj)


class RupiahField(forms.DecimalField):
    """Whole rupiah, typed as people write them: "1.250.000", "Rp 1.250.000",
    "1250000" or "1.250.000,00". Shown back with Indonesian grouping."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", 0)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            text = re.sub(r"^\s*-?\s*rp\.?", lambda m: "-" if "-" in m.group() else "", value, flags=re.I)
            text = re.sub(r"[\s.]", "", text)
            if "," in text:
                whole, _sep, cents = text.partition(",")
                if cents.strip("0"):
                    raise ValidationError(_("Enter whole rupiah, without cents."), code="cents")
                text = whole
            value = text
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_rupiah(value).removeprefix("Rp ")
        return value


# Agencies -------------------------------------------------------------------------------


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["name", "short_name", "kind", "area", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(
            level__in=[AreaLevel.PROVINCE, AreaLevel.REGENCY]
        ).order_by("code")
        self.fields["area"].label_from_instance = lambda area: f"{area.code} {area.name}"
        self.helper = _helper(
            Row(Column("name", css_class="col-md-8"), Column("short_name", css_class="col-md-4")),
            Row(Column("kind", css_class="col-md-6"), Column("area", css_class="col-md-6")),
            "notes",
        )


class AgencyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All")), *Agency.Kind.choices])


# MOUs --------------------------------------------------------------------------------------


class MOUForm(forms.ModelForm):
    pillars = forms.TypedMultipleChoiceField(
        label=_("Pillars covered"),
        choices=Pillar.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one pillar the MOU covers.")},
    )
    reach_codes = forms.CharField(
        label=_("Reach (area codes)"),
        required=False,
        help_text=_(
            "Codes of the provinces, regencies or villages the MOU covers, separated by commas, "
            "e.g. 53, 35.24. Leave empty for the whole country."
        ),
    )

    remove_document = forms.BooleanField(label=_("Remove the current document"), required=False)

    class Meta:
        model = MOU
        fields = ["number", "title", "parties", "signed_on", "valid_until", "document", "notes"]
        widgets = {
            # Not the clearable input: it would link the stored file by its
            # media URL, and documents have none (views.mou_document_view).
            "document": forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
            "signed_on": DateInput(),
            "valid_until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "parties": SearchableSelectMultiple(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = Agency.objects.order_by("short_name")
        self.fields["parties"].label_from_instance = lambda agency: f"{agency.short_name} · {agency.name}"
        self.fields["parties"].help_text = _("Choose at least two.")
        limit = _("The signed MOU as a PDF file, at most %(limit)s MB.") % {"limit": MOU_DOCUMENT_MAX_MB}
        if self.instance.pk and self.instance.document:
            self.fields["document"].help_text = format_html(
                '{} {} <a href="{}">{}</a>. {}',
                limit,
                _("Current document:"),
                reverse("coordination:mou_document", kwargs={"pk": self.instance.pk}),
                self.instance.document_label,
                _("Upload a new PDF to replace it."),
            )
        else:
            self.fields["document"].help_text = limit
            del self.fields["remove_document"]
        if self.instance.pk and not self.is_bound:
            self.initial["pillars"] = self.instance.pillars
            self.initial["reach_codes"] = ", ".join(self.instance.reach_codes())
        self.helper = _helper(
            Row(Column("number", css_class="col-md-5"), Column("title", css_class="col-md-7")),
            Row(
                Column("parties", css_class="col-md-6"),
                Column("pillars", css_class="col-md-6"),
            ),
            Row(Column("signed_on", css_class="col-md-6"), Column("valid_until", css_class="col-md-6")),
            "reach_codes",
            "document",
            *(["remove_document"] if "remove_document" in self.fields else []),
            "notes",
        )

    def clean_reach_codes(self):
        codes = []
        for text in AREA_CODE_SEPARATORS.split(self.cleaned_data["reach_codes"] or ""):
            if text:
                code = normalise_area_code(text)
                if code not in codes:
                    codes.append(code)
        areas = {area.code: area for area in Area.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in areas]
        if unknown:
            raise ValidationError(
                _("Unknown area codes: %(codes)s."), code="unknown_area", params={"codes": ", ".join(unknown)}
            )
        districts = [code for code in codes if areas[code].level == AreaLevel.DISTRICT]
        if districts:
            raise ValidationError(
                _("Give provinces, regencies or villages, not districts: %(codes)s."),
                code="district",
                params={"codes": ", ".join(districts)},
            )
        return [areas[code] for code in codes]

    def clean(self):
        cleaned = super().clean()
        # The model's own checks (at least one pillar) see the chosen pillars.
        self.instance.set_pillars(cleaned.get("pillars") or [])
        new_upload = self.files.get(self.add_prefix("document"))
        if cleaned.get("remove_document") and not new_upload:
            cleaned["document"] = False  # the model form then empties the field
        return cleaned


class MOUFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by number or title"), required=False)
    agency = forms.ModelChoiceField(label=_("Party"), required=False, queryset=Agency.objects.none())
    pillar = forms.TypedChoiceField(
        label=_("Pillar"), required=False, coerce=int, choices=[("", _("All")), *Pillar.choices]
    )
    valid = forms.ChoiceField(
        label=_("Validity"),
        required=False,
        choices=[("", _("All")), ("yes", _("Valid today")), ("no", _("Expired or not yet valid"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("short_name")
        self.fields["agency"].empty_label = _("All")


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = Commitment
        fields = ["agency", "pillar", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, mou, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.mou = mou
        self.fields["agency"].queryset = mou.parties.order_by("short_name")
        self.fields["pillar"].choices = [("", "---------")] + [
            (value, label) for value, label in Pillar.choices if value in mou.pillars
        ]
        self.helper = _helper(
            Row(Column("agency", css_class="col-md-6"), Column("pillar", css_class="col-md-6")),
            "description",
        )


# Realisations -------------------------------------------------------------------------------


class RealisationForm(forms.ModelForm):
    class Meta:
        model = Realisation
        fields = ["village", "status", "status_date", "evidence"]
        widgets = {"status_date": DateInput(), "evidence": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"village": VillageChoiceField}

    def __init__(self, *args, user, commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.commitment = commitment
        if self.instance.pk:
            # The village of a recorded realisation does not change.
            del self.fields["village"]
        else:
            self.fields["village"].queryset = (
                Village.objects.in_scope(user).select_related("area__parent__parent").order_by("area__name")
            )
            reach = [area.name for area in commitment.mou.reach.all()]
            if reach:
                self.fields["village"].help_text = _(
                    "Only villages within the MOU's reach can be recorded: %(reach)s."
                ) % {"reach": ", ".join(reach)}
        self.helper = _helper(
            *(["village"] if "village" in self.fields else []),
            Row(Column("status", css_class="col-md-6"), Column("status_date", css_class="col-md-6")),
            "evidence",
        )


class RealisationFilterForm(forms.Form):
    mou = forms.ModelChoiceField(label=_("MOU"), required=False, queryset=MOU.objects.none())
    agency = forms.ModelChoiceField(label=_("Agency"), required=False, queryset=Agency.objects.none())
    pillar = forms.TypedChoiceField(
        label=_("Pillar"), required=False, coerce=int, choices=[("", _("All")), *Pillar.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Realisation.Status.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mou"].queryset = MOU.objects.order_by("-signed_on", "number")
        self.fields["mou"].empty_label = _("All")
        self.fields["agency"].queryset = Agency.objects.order_by("short_name")
        self.fields["agency"].empty_label = _("All")


# Programmes and budgets ---------------------------------------------------------------------


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "name",
            "agency",
            "pillar",
            "mou",
            "start_date",
            "end_date",
            "villages",
            "description",
            "priority",
            "strategy",
            "theme",
            "stage",
            "partners",
            "location",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "strategy": forms.Textarea(attrs={"rows": 2}),
            "villages": SearchableSelectMultiple(attrs={"size": 10}),
            "partners": SearchableSelectMultiple(attrs={"size": 6}),
        }
        field_classes = {"villages": VillageMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.order_by("short_name")
        self.fields["agency"].queryset = agencies
        self.fields["partners"].queryset = agencies
        self.fields["mou"].queryset = MOU.objects.order_by("-signed_on", "number")
        self.fields["priority"].queryset = priority_choices()
        self.fields["villages"].queryset = Village.objects.select_related("area__parent__parent").order_by(
            "area__name"
        )
        self.fields["partners"].help_text = _("Other agencies it works with (integrative).")
        self.helper = _helper(
            Row(Column("name", css_class="col-md-8"), Column("agency", css_class="col-md-4")),
            Row(
                Column("pillar", css_class="col-md-4"),
                Column("start_date", css_class="col-md-4"),
                Column("end_date", css_class="col-md-4"),
            ),
            "mou",
            "villages",
            "description",
            Fieldset(_("National plan (RPJMN)"), "priority", "strategy"),
            Fieldset(
                _("HITS: holistic, thematic, integrative, spatial"),
                Row(Column("theme", css_class="col-md-6"), Column("stage", css_class="col-md-6")),
                "partners",
                "location",
            ),
        )


class ProgrammeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name, theme or location"), required=False)
    agency = forms.ModelChoiceField(label=_("Agency"), required=False, queryset=Agency.objects.none())
    pillar = forms.TypedChoiceField(
        label=_("Pillar"), required=False, coerce=int, choices=[("", _("All")), *Pillar.choices]
    )
    priority = forms.ModelChoiceField(
        label=_("National priority"), required=False, queryset=priority_choices().none()
    )
    source = forms.ChoiceField(
        label=_("Funding source"), required=False, choices=[("", _("All")), *BudgetLine.Source.choices]
    )
    year = forms.TypedChoiceField(label=_("Fiscal year"), required=False, coerce=int)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("short_name")
        self.fields["agency"].empty_label = _("All")
        self.fields["priority"].queryset = priority_choices()
        self.fields["priority"].empty_label = _("All")
        self.fields["priority"].label_from_instance = lambda priority: priority.short_label
        self.fields["year"].choices = [("", _("All")), *((year, str(year)) for year in years)]


class BudgetLineForm(forms.ModelForm):
    planned = RupiahField(label=_("Planned (Rp)"))
    realised = RupiahField(label=_("Realised (Rp)"), initial=0)
    confirm_above_plan = forms.BooleanField(
        label=_("I confirm the realised amount is above the plan"), required=False
    )

    class Meta:
        model = BudgetLine
        fields = ["source", "fiscal_year", "planned", "realised", "note"]

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is not None:
            self.instance.programme = programme
        self.helper = _helper(
            Row(Column("source", css_class="col-md-8"), Column("fiscal_year", css_class="col-md-4")),
            Row(Column("planned", css_class="col-md-6"), Column("realised", css_class="col-md-6")),
            "confirm_above_plan",
            "note",
        )

    def clean(self):
        cleaned = super().clean()
        planned, realised = cleaned.get("planned"), cleaned.get("realised")
        if (
            planned is not None
            and realised is not None
            and realised > planned
            and not cleaned.get("confirm_above_plan")
        ):
            self.add_error(
                "realised",
                ValidationError(
                    _(
                        "The realised amount (%(realised)s) is above the plan (%(planned)s). Check it; if it "
                        "is right, tick “I confirm the realised amount is above the plan”."
                    ),
                    code="above_plan",
                    params={"realised": format_rupiah(realised), "planned": format_rupiah(planned)},
                ),
            )
        return cleaned


def apply_service_errors(form, error, aliases=None):
    """Show a service's ValidationError on the form: on the field it names
    when the form has it (``aliases`` maps model fields to form fields),
    above the form otherwise."""
    aliases = aliases or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = aliases.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
