from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from villages.countries import destination_choices
from villages.identity import clean_kk, clean_nik, is_masked, mask_id_number
from villages.models import Household, Member, PartnerInstitution, Village

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
    """The browser's own date picker; it sends YYYY-MM-DD whatever it shows."""

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


class MemberForm(MaskedIdNumberMixin, forms.ModelForm):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=ID_NUMBER_INPUT_LENGTH,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    destination_country = forms.ChoiceField(label=_("Destination country"), required=False)

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
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The usual destinations only (a full country list in every member row
        # is heavy on a village connection), plus the member's own if unusual.
        self.fields["destination_country"].choices = destination_choices(self.instance.destination_country)

    id_number_field = "nik"

    def clean_nik(self):
        return self.clean_masked_id_number(clean_nik, _("NIK"))

    def validate_unique(self):
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions())
        except ValidationError as error:
            self._update_errors(error)


class BaseMemberFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        # Django's own check would say "Please correct the duplicate data for
        # nik" above the form; clean() below says it next to the field.
        pass

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


class DepartureForm(forms.Form):
    departure_date = forms.DateField(label=_("Departure date"), widget=DateInput())
    sector = forms.ChoiceField(label=_("Sector"), choices=Member.Sector.choices)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "---------"), *Member.Channel.choices], required=False
    )
    placement_agency = forms.CharField(label=_("Placement agency (P3MI)"), max_length=150, required=False)


class ReturnForm(forms.Form):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        all_ = [("", _("All"))]
        self.fields["status"].choices = all_ + list(Member.Status.choices)
        self.fields["country"].choices = all_ + destination_choices()[1:]
        self.fields["sector"].choices = all_ + list(Member.Sector.choices)
        self.fields["channel"].choices = all_ + list(Member.Channel.choices)
