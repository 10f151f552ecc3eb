from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from villages.models import PartnerInstitution, Village

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
        if self.instance and not self.is_bound:
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
