from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from villages.countries import (
    COUNTRY_LIST_ID,
    country_name,
    destination_choices,
    parse_country,
)
from villages.identity import clean_kk, clean_nik, is_masked, mask_id_number
from villages.models import NIK_TAKEN_MESSAGE, Household, Member, PartnerInstitution, Village

PRODUCT_SEPARATOR = ";"


class LeadingProductsFormMixin(forms.Form):
    """Leading products are stored as a list and typed as "banana; coffee"."""

    leading_products = forms.CharField(
        label=_("Leading products"),
        required=False,
        help_text=_("Separate products with a semicolon, e.g. banana; cassava; coffee."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Also when bound: changed_data compares the posted text with it (edit conflicts).
        if self.instance:
            self.initial["leading_products"] = f"{PRODUCT_SEPARATOR} ".join(
                self.instance.leading_products or []
            )

    def clean_leading_products(self):
        text = self.cleaned_data["leading_products"] or ""
        products, seen = [], set()
        for item in text.split(PRODUCT_SEPARATOR):
            item = " ".join(item.split())
            if item and item.lower() not in seen:
                seen.add(item.lower())
                products.append(item)
        return products


class VillageProfileForm(LeadingProductsFormMixin, forms.ModelForm):
    class Meta:
        model = Village
        fields = [
            "latitude",
            "longitude",
            "apparatus_below_senior_high",
            "apparatus_senior_high",
            "apparatus_diploma",
            "apparatus_bachelor",
            "learning_house",
            "learning_house_area_m2",
            "learning_house_distance_m",
            "has_internet",
            "manpower_office_distance_km",
            "markets",
            "tourism_sites",
            "fish_landings",
            "leading_products",
            "pools_pades",
            "pools_add",
            "pools_dana_desa",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Location"), Row(Column("latitude"), Column("longitude"))),
            Fieldset(
                _("Village apparatus by education"),
                Row(
                    Column("apparatus_below_senior_high", css_class="col-6 col-md-3"),
                    Column("apparatus_senior_high", css_class="col-6 col-md-3"),
                    Column("apparatus_diploma", css_class="col-6 col-md-3"),
                    Column("apparatus_bachelor", css_class="col-6 col-md-3"),
                ),
            ),
            Fieldset(
                _("Learning house and service desk"),
                Row(
                    Column("learning_house", css_class="col-md-4"),
                    Column("learning_house_area_m2", css_class="col-md-4"),
                    Column("learning_house_distance_m", css_class="col-md-4"),
                ),
                Row(Column("has_internet"), Column("manpower_office_distance_km")),
            ),
            Fieldset(
                _("Economy"),
                Row(
                    Column("markets", css_class="col-4"),
                    Column("tourism_sites", css_class="col-4"),
                    Column("fish_landings", css_class="col-4"),
                ),
                "leading_products",
            ),
            Fieldset(
                _("Village funds used for the programme"),
                "pools_pades",
                "pools_add",
                "pools_dana_desa",
            ),
            "notes",
        )


class VillageAdminForm(LeadingProductsFormMixin, forms.ModelForm):
    class Meta:
        model = Village
        fields = ["area", "cohort_year", "status", *VillageProfileForm.Meta.fields]


class PartnerForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # The formset's hidden id and village fields are not in the layout.
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-7"), Column("kind", css_class="col-md-5")),
            Row(
                *(Column(f"supports_pillar_{n}", css_class="col-6 col-md-3") for n in (1, 2, 3, 4)),
            ),
        )

    class Meta:
        model = PartnerInstitution
        fields = [
            "name",
            "kind",
            "supports_pillar_1",
            "supports_pillar_2",
            "supports_pillar_3",
            "supports_pillar_4",
        ]


PartnerFormSet = forms.inlineformset_factory(
    Village, PartnerInstitution, form=PartnerForm, extra=1, can_delete=True
)


class DateInput(forms.DateInput):
    """The browser's own date picker; it sends YYYY-MM-DD whatever it shows
    (a phone set to Indonesian shows 02/12/2026). The device's checks
    (static/js/id-rules.js) read that ISO value. A date typed without the
    picker is read day first (DATE_INPUT_FORMATS in desmigratif/formats)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# People type ID numbers in groups ("3524 0712 0590 0001"); the form takes
# the spaces and clean_kk/clean_nik reduce it to 16 digits.
ID_NUMBER_INPUT_LENGTH = 32


class MaskedIdNumberMixin:
    """For users who see NIK and No. KK masked (desmigratif.access.sees_full_id_numbers):
    the registered number is shown masked in the form, the mask posted back
    unchanged keeps it, and a whole new number replaces it (checked as usual)."""

    id_number_field = ""

    def __init__(self, *args, full_ids=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.full_ids = full_ids
        self.registered_number = getattr(self.instance, self.id_number_field) if self.instance.pk else ""
        if not full_ids and self.registered_number:
            self.initial[self.id_number_field] = mask_id_number(self.registered_number)

    def clean_masked_id_number(self, clean, label):
        value = self.cleaned_data[self.id_number_field]
        if not self.full_ids and self.registered_number:
            if "".join(value.split()) == mask_id_number(self.registered_number):
                return self.registered_number
            if is_masked(value):
                raise ValidationError(
                    _(
                        "%(label)s is shown masked: leave it as it is to keep the registered number, "
                        "or type the whole new number (16 digits)."
                    )
                    % {"label": label},
                    code="masked",
                )
        return clean(value)


class HouseholdForm(MaskedIdNumberMixin, forms.ModelForm):
    no_kk = forms.CharField(
        label=_("Family card number (No. KK)"),
        max_length=ID_NUMBER_INPUT_LENGTH,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    # Laid out in templates/villages/household_form.html.
    class Meta:
        model = Household
        fields = ["no_kk", "dusun", "rt", "rw", "address"]

    id_number_field = "no_kk"

    def clean_no_kk(self):
        return self.clean_masked_id_number(clean_kk, _("Family card number (No. KK)"))

    def validate_unique(self):
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions())
        except ValidationError as error:
            if "no_kk" in getattr(error, "error_dict", {}):
                error.error_dict["no_kk"] = [
                    ValidationError(_("This family card number is already registered."), code="unique")
                ]
            self._update_errors(error)


class CountryField(forms.CharField):
    """A country picked from the page's one list of names or typed (its name in
    Indonesian or English, or its ISO code), cleaned to its ISO 3166 code. The
    page renders the list once ({% country_datalist %}): a <select> of every
    country in every member row made the household form the slowest page and a
    heavy one on a village connection."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": COUNTRY_LIST_ID, "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # A code (the saved value) shows as its name; what was typed stays as typed.
        if isinstance(value, str) and len(value) == 2 and value.isupper():
            return country_name(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return ""
        code = parse_country(text)
        if code is None:
            raise ValidationError(
                _(
                    "Unknown country “%(value)s”. Write the name in Indonesian or English "
                    "(e.g. Malaysia, Arab Saudi, Hong Kong) or its two-letter code (MY)."
                ),
                code="unknown_country",
                params={"value": text},
            )
        return code


class MemberForm(MaskedIdNumberMixin, forms.ModelForm):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=ID_NUMBER_INPUT_LENGTH,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    destination_country = CountryField(label=_("Destination country"), required=False)

    class Meta:
        model = Member
        fields = [
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
            "channel",
            "departure_date",
            "return_date",
            "business_status",
            "training_wishes",
            "schooling",
            "caregiver",
        ]
        widgets = {
            "birth_date": DateInput(),
            "departure_date": DateInput(),
            "return_date": DateInput(),
        }

    # Laid out in templates/villages/_member_form.html.
    id_number_field = "nik"

    def clean_nik(self):
        return self.clean_masked_id_number(clean_nik, _("NIK"))

    # Set by BaseMemberFormSet: nik -> ids of the members registered with it,
    # read for every row of the household form in one query.
    nik_owners = None

    def validate_unique(self):
        exclude = self._get_validation_exclusions()
        if self.nik_owners is not None and "nik" not in exclude:
            # Django's check (Member.validate_unique) with the formset's one
            # query instead of one per row: a NIK registered to anyone else.
            exclude.add("nik")
            if self.nik_owners(self.instance.nik) - {self.instance.pk}:
                self._update_errors(
                    ValidationError({"nik": ValidationError(NIK_TAKEN_MESSAGE, code="unique")})
                )
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)


class MemberIdField(forms.ModelChoiceField):
    """The hidden id of a member row: one of the household's members, which
    the formset has already read, instead of Django's query per row (any
    member of any household)."""

    def __init__(self, members, **kwargs):
        super().__init__(**kwargs)
        self.members = members

    def to_python(self, value):
        if value in self.empty_values:
            return None
        member = self.members().get(str(getattr(value, "pk", value)))
        if member is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return member


class BaseMemberFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        # Django's own check would say "Please correct the duplicate data for
        # nik" above the form; clean() below says it next to the field.
        pass

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields[self._pk_field.name]
        form.fields[self._pk_field.name] = MemberIdField(
            self._members_by_id,
            queryset=field.queryset,
            initial=field.initial,
            required=False,
            widget=field.widget,
        )
        form.nik_owners = self._nik_owners

    def _members_by_id(self):
        if not hasattr(self, "_member_ids"):
            self._member_ids = {str(member.pk): member for member in self.get_queryset()}
        return self._member_ids

    def _nik_owners(self, nik):
        """The ids of the members registered with ``nik``. The NIKs typed in
        every row (and those the household's members have) are read at the
        first call, in one query; any other value is looked up alone."""
        if not hasattr(self, "_owners"):
            candidates = {member.nik for member in self._members_by_id().values()}
            for i in range(self.total_form_count()):
                digits = "".join(
                    ch for ch in str(self.data.get(self.add_prefix(i) + "-nik", "")) if ch.isdigit()
                )
                if len(digits) == 16:
                    candidates.add(digits)
            self._owners = {nik: set() for nik in candidates}
            for registered, pk in Member.objects.filter(nik__in=candidates).values_list("nik", "pk"):
                self._owners[registered].add(pk)
        if nik not in self._owners:
            self._owners[nik] = set(Member.objects.filter(nik=nik).values_list("pk", flat=True))
        return self._owners[nik]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError(_("A household needs at least one member."), code="no_members")
        heads = [f for f in kept if f.cleaned_data.get("relation") == Member.Relation.HEAD]
        if len(heads) > 1:
            raise ValidationError(_("A household has one head of the family only."), code="two_heads")
        seen = {}
        for form in kept:
            nik = form.cleaned_data.get("nik")
            if nik in seen:
                form.add_error("nik", _("This NIK is entered twice in this household."))
            seen[nik] = form


MemberFormSet = forms.inlineformset_factory(
    Household, Member, form=MemberForm, formset=BaseMemberFormSet, extra=1, can_delete=True
)


class MemberStatusForm(forms.Form):
    """A status change of ``member``, its fields filled with what the record
    already holds (``recorded``): the officer checks them instead of typing
    them again, and a field left as shown keeps its value."""

    recorded = ()

    def __init__(self, *args, member, **kwargs):
        kwargs.setdefault("initial", {name: getattr(member, name) for name in self.recorded})
        super().__init__(*args, **kwargs)


class DepartureForm(MemberStatusForm):
    # A CPMI's sector is not recorded yet (Member.STATUS_FIELDS).
    recorded = ("channel", "placement_agency")

    departure_date = forms.DateField(label=_("Departure date"), widget=DateInput())
    sector = forms.ChoiceField(label=_("Sector"), choices=Member.Sector.choices)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "---------"), *Member.Channel.choices], required=False
    )
    placement_agency = forms.CharField(label=_("Placement agency (P3MI)"), max_length=150, required=False)


class ReturnForm(MemberStatusForm):
    # Nothing to fill: a PMI has no business or training wishes recorded yet
    # (Member.STATUS_FIELDS), and the return keeps the departure's fields.
    return_date = forms.DateField(label=_("Return date"), widget=DateInput())
    business_status = forms.ChoiceField(
        label=_("Business"), choices=[("", "---------"), *Member.Business.choices], required=False
    )
    training_wishes = forms.CharField(label=_("Training wanted"), max_length=200, required=False)


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name, NIK or No. KK"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    country = forms.ChoiceField(label=_("Destination country"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(self, *args, full_ids=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Part of a number finds nothing for those who see numbers masked (villages.selectors).
        self.fields["q"].help_text = (
            _("A name, a whole NIK or No. KK, or the last 6 digits of a NIK.")
            if full_ids
            else _("A name, or a whole NIK or No. KK (16 digits).")
        )
        all_ = [("", _("All"))]
        self.fields["status"].choices = all_ + list(Member.Status.choices)
        self.fields["country"].choices = all_ + destination_choices()[1:]
        self.fields["sector"].choices = all_ + list(Member.Sector.choices)
        self.fields["channel"].choices = all_ + list(Member.Channel.choices)


class MergeForm(forms.Form):
    """Merging two records (villages.merging): for each field the two records
    disagree on, whose value the kept record takes; for a household merge,
    which of the other household's members are people of the kept one."""

    reason = forms.CharField(
        label=_("Why are these two records one?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the history with your name, e.g. “entered twice at the 2019 survey”."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    other_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data=None, *, rows, same_people=(), **kwargs):
        """``rows``: (field name, label, kept value, other value, initial) for
        each field that differs; ``same_people``: (other member id, label,
        [(kept member id, label)], initial) for a household merge."""
        super().__init__(data, **kwargs)
        from villages.merging import KEPT, OTHER

        self.take_names = []
        for name, label, kept, other, initial in rows:
            key = f"take_{name}"
            self.fields[key] = forms.ChoiceField(
                label=label, choices=[(KEPT, kept), (OTHER, other)], initial=initial, widget=forms.RadioSelect
            )
            self.take_names.append((key, name))
        self.same_names = []
        for pk, label, choices, initial in same_people:
            key = f"same_{pk}"
            self.fields[key] = forms.TypedChoiceField(
                label=label,
                choices=[("", _("Another person: moves to the kept household")), *choices],
                coerce=int,
                empty_value=None,
                required=False,
                initial=initial,
            )
            self.same_names.append((key, pk))

    def take_fields(self):
        return [self[key] for key, _name in self.take_names]

    def same_fields(self):
        return [self[key] for key, _pk in self.same_names]

    def choices(self):
        return {name: self.cleaned_data[key] for key, name in self.take_names}

    def same_people(self):
        return {pk: self.cleaned_data[key] for key, pk in self.same_names if self.cleaned_data.get(key)}
