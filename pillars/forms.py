import re
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desmigratif.widgets import SearchableSelectMultiple
from pillars.models import (
    NOT_NEGATIVE,
    Business,
    Cooperative,
    LearningHouse,
    Loan,
    ParentingSession,
    Pillar,
    Problem,
    ProblemFollowUp,
    ServiceActivity,
    ServiceOfficer,
    Training,
)
from pillars.selectors import village_households, village_members
from villages.forms import DateInput
from villages.models import Village

# Rupiah as people type them: "1250000", "1.250.000", "Rp 1.250.000", "1,250,000".
RUPIAH_PATTERN = re.compile(r"-?(\d+|\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+)")


def format_rupiah_input(value):
    """1250000 -> "1.250.000", the way the form shows an amount back."""
    return f"{Decimal(value).quantize(Decimal('1')):,}".replace(",", ".")


class RupiahInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if value in (None, ""):
            return None
        try:
            return format_rupiah_input(value)
        except (ArithmeticError, ValueError, TypeError):
            return str(value)  # what the user typed, shown back with its error


class RupiahField(forms.DecimalField):
    """Whole rupiah, typed with or without "Rp" and thousands dots."""

    widget = RupiahInput
    default_error_messages = {
        "invalid": _("Enter an amount in whole rupiah, for example 1.250.000."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(**kwargs)
        if NOT_NEGATIVE not in self.validators:
            self.validators.append(NOT_NEGATIVE)

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"(?i)^\s*rp\.?", "", value).replace(" ", "").strip()
            if value in self.empty_values:
                return None
            if not RUPIAH_PATTERN.fullmatch(value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = value.replace(".", "").replace(",", "")
        return super().to_python(value)

    def widget_attrs(self, widget):
        # No "step"/"min" number attributes: the input is text (thousands dots).
        return {}


def member_label(member):
    return f"{member.name} · {member.get_migration_status_display()}"


NOT_IN_VILLAGE = _("The chosen person (no. %(value)s) is not registered in this village.")


class VillageMemberField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": NOT_IN_VILLAGE}

    def label_from_instance(self, obj):
        return member_label(obj)


class VillageMembersField(forms.ModelMultipleChoiceField):
    """The village's members in a multiple select: one option per person,
    light enough for a village connection; site.js makes it searchable."""

    default_error_messages = {"invalid_choice": NOT_IN_VILLAGE}
    widget = SearchableSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("Only this village's household registry is listed; choose everyone who took part."),
        )
        super().__init__(queryset=None, **kwargs)

    def label_from_instance(self, obj):
        return member_label(obj)


class HouseholdField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": _("This household is not registered in this village.")}

    def label_from_instance(self, obj):
        head = obj.head_name or _("no head recorded")
        where = f" ({obj.dusun})" if obj.dusun else ""
        return _("Household of %(head)s%(where)s") % {"head": head, "where": where}


class VillageRecordForm(forms.ModelForm):
    """A form for one record of ``village``: choices of people, households and
    records are limited to that village; the layout comes from ``layout()``."""

    member_fields = ()  # VillageMembersField / VillageMemberField names

    def __init__(self, *args, village: Village, **kwargs):
        super().__init__(*args, **kwargs)
        self.village = village
        members = village_members(village=village)
        for name in self.member_fields:
            self.fields[name].queryset = members
        for field in self.fields.values():
            # The browser's date picker for every date field.
            if isinstance(field.widget, forms.DateInput) and not isinstance(field.widget, DateInput):
                field.widget = DateInput()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = self.layout()

    def layout(self):
        return Layout(*self.fields)

    def service_data(self):
        """What the create/update service takes: the form's fields, cleaned."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


# Pillar I


class ServiceOfficerForm(VillageRecordForm):
    class Meta:
        model = ServiceOfficer
        fields = ["name", "position", "phone", "trained", "trained_on", "training_provider", "active"]

    def layout(self):
        return Layout(
            Row(Column("name", css_class="col-md-6"), Column("position", css_class="col-md-6")),
            Row(Column("phone", css_class="col-md-6"), Column("active", css_class="col-md-6 pt-md-4")),
            Fieldset(
                _("Training"),
                "trained",
                Row(
                    Column("trained_on", css_class="col-md-6"),
                    Column("training_provider", css_class="col-md-6"),
                ),
            ),
        )


class ServiceActivityForm(VillageRecordForm):
    member_fields = ("participants",)
    participants = VillageMembersField(label=_("Registered participants"))
    officers = forms.ModelMultipleChoiceField(
        label=_("Officers"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ServiceActivity
        fields = [
            "kind",
            "date",
            "topic",
            "participant_count",
            "households_registered",
            "participants",
            "officers",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, village=village, **kwargs)
        self.fields["officers"].queryset = village.service_officers.all()
        self.fields["officers"].error_messages["invalid_choice"] = _(
            "The chosen officer (no. %(value)s) is not an officer of this village."
        )

    def layout(self):
        return Layout(
            Row(Column("kind", css_class="col-md-6"), Column("date", css_class="col-md-6")),
            "topic",
            Row(
                Column("participant_count", css_class="col-md-6"),
                Column("households_registered", css_class="col-md-6"),
            ),
            Row(Column("participants", css_class="col-md-8"), Column("officers", css_class="col-md-4")),
            "notes",
        )


# Pillar II


class BusinessForm(VillageRecordForm):
    member_fields = ("owner_member",)
    owner_member = VillageMemberField(
        label=_("Owner"),
        queryset=None,
        required=False,
        help_text=_("A person of this village; their household is filled in."),
    )
    owner_household = HouseholdField(
        label=_("Owner household"),
        queryset=None,
        required=False,
        help_text=_("For a family business; when an owner is chosen, their household."),
    )
    monthly_turnover = RupiahField(label=_("Turnover per month (Rp)"), required=False)

    class Meta:
        model = Business
        fields = [
            "name",
            "owner_member",
            "owner_household",
            "kind",
            "products",
            "stage",
            "started_on",
            "workers",
            "monthly_turnover",
            *Business.SUPPORT_FIELDS,
            "support_notes",
            *Business.MARKET_FIELDS,
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, village=village, **kwargs)
        self.fields["owner_household"].queryset = village_households(village=village)

    def layout(self):
        return Layout(
            Row(Column("name", css_class="col-md-6"), Column("kind", css_class="col-md-6")),
            Row(
                Column("owner_member", css_class="col-md-6"), Column("owner_household", css_class="col-md-6")
            ),
            "products",
            Row(
                Column("stage", css_class="col-6 col-md-3"),
                Column("started_on", css_class="col-6 col-md-3"),
                Column("workers", css_class="col-6 col-md-3"),
                Column("monthly_turnover", css_class="col-6 col-md-3"),
            ),
            Fieldset(
                _("Support received"),
                Row(*(Column(name, css_class="col-6 col-md-4") for name in Business.SUPPORT_FIELDS)),
                "support_notes",
            ),
            Fieldset(
                _("Where it sells"),
                Row(*(Column(name, css_class="col-12 col-md-4") for name in Business.MARKET_FIELDS)),
            ),
            "notes",
        )


class TrainingForm(VillageRecordForm):
    member_fields = ("participants",)
    participants = VillageMembersField(label=_("Participants"))

    class Meta:
        model = Training
        fields = ["title", "kind", "organiser", "start_date", "end_date", "location", "participants", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def layout(self):
        return Layout(
            Row(Column("title", css_class="col-md-8"), Column("kind", css_class="col-md-4")),
            Row(Column("organiser", css_class="col-md-6"), Column("location", css_class="col-md-6")),
            Row(Column("start_date", css_class="col-6"), Column("end_date", css_class="col-6")),
            "participants",
            "notes",
        )


# Pillar III


class ParentingSessionForm(VillageRecordForm):
    member_fields = ("participants",)
    participants = VillageMembersField(label=_("Participants"))

    class Meta:
        model = ParentingSession
        fields = ["date", "topic", "facilitator", "partner", "participants", "children_reached", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def layout(self):
        return Layout(
            Row(Column("date", css_class="col-md-4"), Column("topic", css_class="col-md-8")),
            Row(Column("facilitator", css_class="col-md-6"), Column("partner", css_class="col-md-6")),
            Row(
                Column("participants", css_class="col-md-8"), Column("children_reached", css_class="col-md-4")
            ),
            "notes",
        )


class LearningHouseForm(VillageRecordForm):
    """The learning house with its ownership and size from the village profile."""

    ownership = forms.ChoiceField(
        label=_("Ownership"), choices=[("", "---------"), *Village.LearningHouse.choices], required=False
    )
    area_m2 = forms.DecimalField(
        label=_("Size (m²)"), max_digits=8, decimal_places=1, min_value=0, required=False
    )
    renovation_cost_estimate = RupiahField(label=_("Renovation cost estimate (RAB, Rp)"), required=False)

    class Meta:
        model = LearningHouse
        fields = [
            "status",
            "rooms",
            "renovation_partner",
            "renovation_cost_estimate",
            "renovation_progress",
            "renovation_start",
            "renovation_end",
            "progress_note",
        ]
        widgets = {"progress_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, village=village, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("ownership", village.learning_house)
            self.initial.setdefault("area_m2", village.learning_house_area_m2)

    def layout(self):
        return Layout(
            Row(
                Column("status", css_class="col-md-4"),
                Column("ownership", css_class="col-md-4"),
                Column("area_m2", css_class="col-6 col-md-2"),
                Column("rooms", css_class="col-6 col-md-2"),
            ),
            Fieldset(
                _("Renovation"),
                Row(
                    Column("renovation_partner", css_class="col-md-6"),
                    Column("renovation_cost_estimate", css_class="col-md-6"),
                ),
                Row(
                    Column("renovation_progress", css_class="col-md-4"),
                    Column("renovation_start", css_class="col-6 col-md-4"),
                    Column("renovation_end", css_class="col-6 col-md-4"),
                ),
                "progress_note",
            ),
        )

    def service_data(self):
        data = super().service_data()
        data["profile"] = {
            "learning_house": self.cleaned_data["ownership"],
            "learning_house_area_m2": self.cleaned_data["area_m2"],
        }
        return data


# Pillar IV


class CooperativeForm(VillageRecordForm):
    member_fields = ("members",)
    members = VillageMembersField(label=_("Members"))
    capital = RupiahField(label=_("Capital (Rp)"), required=False)

    class Meta:
        model = Cooperative
        fields = [
            "name",
            "kind",
            "legal_status",
            "legal_number",
            "established_on",
            "capital",
            "members",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def layout(self):
        return Layout(
            Row(Column("name", css_class="col-md-8"), Column("kind", css_class="col-md-4")),
            Row(
                Column("legal_status", css_class="col-md-4"),
                Column("legal_number", css_class="col-md-4"),
                Column("established_on", css_class="col-md-4"),
            ),
            Row(Column("capital", css_class="col-md-4")),
            "members",
            "notes",
        )


class LoanForm(VillageRecordForm):
    member_fields = ("borrower",)
    borrower = VillageMemberField(label=_("Borrower"), queryset=None)
    amount = RupiahField(label=_("Amount (Rp)"))
    repaid_amount = RupiahField(label=_("Repaid so far (Rp)"), initial=0)

    class Meta:
        model = Loan
        fields = [
            "cooperative",
            "borrower",
            "business",
            "scheme",
            "amount",
            "purpose",
            "disbursed_on",
            "due_on",
            "repaid_amount",
            "status",
        ]

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, village=village, **kwargs)
        self.fields["cooperative"].queryset = village.cooperatives.all()
        self.fields["cooperative"].error_messages["invalid_choice"] = _(
            "This cooperative is not in this village."
        )
        self.fields["business"].queryset = village.businesses.all()
        self.fields["business"].error_messages["invalid_choice"] = _("This business is not in this village.")
        if self.instance.pk and self.instance.borrower_id is None:
            # The borrower was removed from the registry: the loan stays editable.
            self.fields["borrower"].required = False

    def layout(self):
        return Layout(
            Row(Column("cooperative", css_class="col-md-6"), Column("scheme", css_class="col-md-6")),
            Row(Column("borrower", css_class="col-md-6"), Column("business", css_class="col-md-6")),
            Row(Column("amount", css_class="col-md-4"), Column("purpose", css_class="col-md-8")),
            Row(Column("disbursed_on", css_class="col-6"), Column("due_on", css_class="col-6")),
            Row(Column("repaid_amount", css_class="col-md-6"), Column("status", css_class="col-md-6")),
        )


# Problems


class ProblemForm(VillageRecordForm):
    class Meta:
        model = Problem
        fields = [
            "pillar",
            "title",
            "description",
            "proposed_solution",
            "responsible_agency",
            "raised_on",
            "source",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "proposed_solution": forms.Textarea(attrs={"rows": 3}),
        }

    def layout(self):
        return Layout(
            Row(Column("pillar", css_class="col-md-6"), Column("raised_on", css_class="col-md-6")),
            "title",
            "description",
            "proposed_solution",
            Row(Column("responsible_agency", css_class="col-md-6"), Column("source", css_class="col-md-6")),
        )


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = ProblemFollowUp
        fields = ["date", "text", "new_status"]
        widgets = {"date": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, problem: Problem, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.problem = problem
        self.fields["date"].initial = timezone.localdate
        self.fields["new_status"].choices = [
            ("", _("Keep the status (%(status)s)") % {"status": problem.get_status_display()}),
            *[(value, label) for value, label in Problem.Status.choices if value != problem.status],
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("date", css_class="col-md-4"), Column("new_status", css_class="col-md-8")),
            "text",
        )

    def service_data(self):
        return {name: self.cleaned_data[name] for name in self._meta.fields}


# List filters


def _all(choices):
    return [("", _("All")), *choices]


class FilterForm(forms.Form):
    """A list's filters; ``village`` limits any choice of records."""

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.village = village


class ActivityFilterForm(FilterForm):
    kind = forms.ChoiceField(label=_("Type"), choices=_all(ServiceActivity.Kind.choices), required=False)


class BusinessFilterForm(FilterForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=_all(Business.Stage.choices), required=False)
    kind = forms.ChoiceField(label=_("Kind of business"), choices=_all(Business.Kind.choices), required=False)


class LoanFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Repayment status"), choices=_all(Loan.Status.choices), required=False)
    cooperative = forms.ModelChoiceField(
        label=_("Cooperative"), queryset=None, required=False, empty_label=_("All")
    )

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, village=village, **kwargs)
        self.fields["cooperative"].queryset = village.cooperatives.all()


class ProblemFilterForm(FilterForm):
    pillar = forms.TypedChoiceField(
        label=_("Pillar"), choices=_all(Pillar.choices), coerce=int, empty_value=None, required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("unsolved", _("Open or in progress")), *Problem.Status.choices],
        required=False,
    )
