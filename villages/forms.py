from django import forms
from django.utils.translation import gettext_lazy as _

from villages.models import PartnerInstitution, Village

PRODUCT_SEPARATOR = ";"


class VillageProfileForm(forms.ModelForm):
    leading_products = forms.CharField(
        label=_("Leading products"),
        required=False,
        help_text=_("Separate products with a semicolon, e.g. banana; cassava; coffee."),
    )

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


class PartnerForm(forms.ModelForm):
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
