from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import NARRATIVE_FIELDS, ProgressReport, quarter_of

NARRATIVE_HELP = _("What happened this quarter, what is blocked and what comes next.")


class NarrativesForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = list(NARRATIVE_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in NARRATIVE_FIELDS}
        help_texts = dict.fromkeys(NARRATIVE_FIELDS, NARRATIVE_HELP)

    def clean(self):
        cleaned = super().clean()
        for name in NARRATIVE_FIELDS:
            if name in cleaned:
                cleaned[name] = cleaned[name].strip()
        return cleaned

    def narratives(self):
        return {name: self.cleaned_data[name] for name in NARRATIVE_FIELDS}


class SubmitForm(NarrativesForm):
    """The quarter is chosen here; the service refuses a future or a repeated one."""

    class Meta(NarrativesForm.Meta):
        fields = ["year", "quarter", *NARRATIVE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year, quarter = quarter_of(timezone.localdate())
        self.fields["year"].initial = year
        self.fields["quarter"].initial = quarter

    def validate_unique(self):
        # The service says it with the quarter in the message.
        pass


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for sending back"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,  # the service refuses an empty reason, with its message
        help_text=_("The officer sees this and corrects the report."),
    )


class QueueFilterForm(forms.Form):
    """Where the waiting reports come from; only areas with something waiting
    are offered (selectors.queue_area_choices)."""

    province = forms.ChoiceField(label=_("Province"), required=False)
    regency = forms.ChoiceField(label=_("Regency / city"), required=False)

    def __init__(self, *args, provinces, regencies, **kwargs):
        super().__init__(*args, **kwargs)
        province = (self.data.get("province") or "").strip()
        if province:
            regencies = [(code, name) for code, name in regencies if code.startswith(f"{province}.")]
        everything = [("", _("All"))]
        self.fields["province"].choices = everything + list(provinces)
        self.fields["regency"].choices = everything + list(regencies)

    def area(self):
        """The chosen regency, else the chosen province; a choice not offered
        (outside the scope, nothing waiting there) is ignored."""
        if not self.is_bound:
            return ""
        self.is_valid()
        cleaned = self.cleaned_data
        return cleaned.get("regency") or cleaned.get("province") or ""
