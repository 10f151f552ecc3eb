"""Turn a report's indicator snapshot (the JSON dashboards.indicators gave
when the report was submitted) into sections of rows and tables for the
report page. Only the stored JSON is read, so a frozen report always shows
what was reported; keys this module does not know are still shown, with a
label made from the key."""

import datetime
import functools
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from desmigratif.numbers import format_percent
from pillars.models import LearningHouseStatus, LegalStatus, Pillar
from villages.countries import country_name
from villages.models import Village


@dataclass
class Table:
    title: str
    columns: list
    rows: list


@dataclass
class Section:
    title: str
    rows: list = field(default_factory=list)  # (label, value)
    tables: list = field(default_factory=list)


SECTION_TITLES = {
    "village": gettext_lazy("Village"),
    "households": gettext_lazy("Households and members"),
    "problems": gettext_lazy("Open problems"),
    "coordination": gettext_lazy("Coordination and budget"),
    "completeness": gettext_lazy("Data completeness"),
    "progress": gettext_lazy("Progress score (0-100)"),
}

LABELS = {
    "as_of": gettext_lazy("Figures as of"),
    "year": gettext_lazy("Year counted as “this year”"),
    # village
    "name": gettext_lazy("Village"),
    "district": gettext_lazy("District"),
    "regency": gettext_lazy("Regency / city"),
    "province": gettext_lazy("Province"),
    "cohort_year": gettext_lazy("Cohort year"),
    "status_label": gettext_lazy("Status"),
    "apparatus_total": gettext_lazy("Village apparatus"),
    "learning_house_label": gettext_lazy("Learning house"),
    "has_internet": gettext_lazy("Internet at the service desk"),
    "leading_products": gettext_lazy("Leading products"),
    "pools": gettext_lazy("Village funds used for the programme"),
    # households
    "households": gettext_lazy("Households"),
    "members": gettext_lazy("Members"),
    "cpmi": gettext_lazy("CPMI (preparing to leave)"),
    "pmi": gettext_lazy("PMI (working abroad)"),
    "returnees": gettext_lazy("PMI purna (returned)"),
    "family": gettext_lazy("Family members"),
    "returnees_with_business": gettext_lazy("Returnees with a business"),
    "returnees_without_business": gettext_lazy("Returnees without a business"),
    "children_of_pmi": gettext_lazy("Children of PMI (under 18)"),
    "pmi_by_country": gettext_lazy("PMI by destination country"),
    "pmi_by_sector": gettext_lazy("PMI by sector"),
    "channel": gettext_lazy("CPMI and PMI by channel"),
    # pillar I
    "officers": gettext_lazy("Active service desk officers"),
    "officers_trained": gettext_lazy("Officers trained"),
    "migrants": gettext_lazy("CPMI, PMI and returnees"),
    "migrants_complete": gettext_lazy("Of them with a complete record"),
    "registration_coverage": gettext_lazy("Registration coverage"),
    "activities_this_year": gettext_lazy("Service activities this year"),
    "activities_by_kind": gettext_lazy("Service activities this year by kind"),
    "participants_this_year": gettext_lazy("Participants this year"),
    "activities_total": gettext_lazy("Service activities in all"),
    # pillar II
    "businesses": gettext_lazy("Businesses"),
    "businesses_by_stage": gettext_lazy("Businesses by stage"),
    "trainings_this_year": gettext_lazy("Trainings this year"),
    "trainings_total": gettext_lazy("Trainings in all"),
    "training_participants": gettext_lazy("People in this year's trainings"),
    # pillar III
    "parenting_sessions_this_year": gettext_lazy("Parenting sessions this year"),
    "parenting_sessions_total": gettext_lazy("Parenting sessions in all"),
    "children_reached_this_year": gettext_lazy("Children reached this year"),
    "parenting_participants_this_year": gettext_lazy("Parenting participants this year"),
    "learning_house_status_label": gettext_lazy("Learning house"),
    # pillar IV
    "cooperatives": gettext_lazy("Cooperatives"),
    "cooperative_legal_status": gettext_lazy("Best legal status"),
    "cooperative_members": gettext_lazy("Cooperative members"),
    "loans": gettext_lazy("Loans"),
    "loans_amount": gettext_lazy("Loans, amount (Rp)"),
    "loans_outstanding": gettext_lazy("Loans outstanding (Rp)"),
    "loans_late": gettext_lazy("Loans late or written off"),
    "loans_kur": gettext_lazy("KUR loans"),
    # problems
    "open": gettext_lazy("Open problems"),
    "by_pillar": gettext_lazy("By pillar"),
    # coordination
    "commitments_applicable": gettext_lazy("MOU commitments that apply to the village"),
    "commitments_realised": gettext_lazy("Commitments realised"),
    "commitments_in_progress": gettext_lazy("Commitments in progress"),
    "agencies_by_pillar": gettext_lazy("Agencies active per pillar"),
    "budget_by_source": gettext_lazy("Budget by funding source"),
    "budget_planned": gettext_lazy("Budget planned (Rp)"),
    "budget_realised": gettext_lazy("Budget realised (Rp)"),
    # completeness
    "members_missing_required": gettext_lazy("Members missing a required field"),
    "missing_by_field": gettext_lazy("Missing, by field"),
    "households_stale": gettext_lazy("Households not updated for a year"),
    "members_stale": gettext_lazy("Members not updated for a year"),
    "stale_days": gettext_lazy("Days counted as “not updated”"),
    # progress
    "overall": gettext_lazy("Overall"),
}

# Columns of the tables whose rows are lists, by (section, key).
COLUMNS = {
    ("coordination", "by_pillar"): [
        gettext_lazy("Pillar"),
        gettext_lazy("Realised"),
        gettext_lazy("Applicable"),
    ],
    ("coordination", "agencies_by_pillar"): [gettext_lazy("Pillar"), gettext_lazy("Agencies")],
    ("coordination", "budget_by_source"): [
        gettext_lazy("Source"),
        gettext_lazy("Planned (Rp)"),
        gettext_lazy("Realised (Rp)"),
    ],
}

# Values stored as codes, shown with their label in the reader's language:
# key -> (key of the code beside it, or None when the value is the code; choices).
CODED = {
    "status_label": ("status", Village.Status),
    "learning_house_label": ("learning_house", Village.LearningHouse),
    "learning_house_status_label": ("learning_house_status", LearningHouseStatus),
    "cooperative_legal_status": (None, LegalStatus),
}


def _coded(key, data):
    code_key, choices = CODED[key]
    code = data.get(code_key) if code_key else data.get(key)
    try:
        return str(choices(code).label)
    except ValueError:
        # An older snapshot without the code: its stored text, translated if it is a source text.
        return _translated(data.get(key))


def _translated(value):
    """A label stored in the source language (English: reports.services.take_snapshot), in the reader's."""
    return _(value) if isinstance(value, str) and value else value


@functools.cache
def _country_codes():
    with translation.override("en"):
        return {str(name): code for code, name in countries}


def _country(value):
    code = _country_codes().get(value) if isinstance(value, str) else None
    return country_name(code) if code else _translated(value)


# Shares of 100, written "100,0%" like everywhere else.
PERCENTS = {"registration_coverage"}

# Machine values repeated by a labelled twin, or not worth printing.
SKIP = {"code", "status", "learning_house", "learning_house_status", "latitude", "longitude"}
SKIP_IN = {("pillars", "stage_counts"), ("problems", "open_by_pillar")}


def label(key) -> str:
    if key in LABELS:
        return str(LABELS[key])
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def display(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        # Years and day counts stay ungrouped; amounts and counts get separators.
        return number_format(value, force_grouping=abs(value) >= 10000)
    if isinstance(value, float):
        return number_format(value, decimal_pos=1, force_grouping=True)
    if isinstance(value, list):
        return ", ".join(display(item) for item in value) if value else "–"
    if isinstance(value, dict):
        return "; ".join(f"{label(k)}: {display(v)}" for k, v in value.items())
    return str(value)


def _table(section_key, key, rows) -> Table:
    if all(isinstance(row, dict) for row in rows):
        columns = list(dict.fromkeys(k for row in rows for k in row))
        return Table(
            title=label(key),
            columns=[label(c) for c in columns],
            rows=[[display(row.get(c)) for c in columns] for row in rows],
        )
    return Table(
        title=label(key),
        columns=[str(c) for c in COLUMNS.get((section_key, key), [])],
        rows=[
            [display(_first(key, cell) if n == 0 else cell) for n, cell in enumerate(row)]
            if isinstance(row, list)
            else [display(row)]
            for row in rows
        ],
    )


def _first(key, cell):
    """A table's first column names what is counted: a country, a label."""
    return _country(cell) if key == "pmi_by_country" else _translated(cell)


def _section(section_key, title, data) -> Section:
    section = Section(title=str(title))
    for key, value in data.items():
        if key in SKIP or (section_key, key) in SKIP_IN:
            continue
        if key in CODED:
            section.rows.append((label(key), display(_coded(key, data))))
            continue
        if key in PERCENTS:
            section.rows.append((label(key), format_percent(value)))
            continue
        if isinstance(value, list) and value and all(isinstance(v, list | dict) for v in value):
            section.tables.append(_table(section_key, key, value))
        else:
            section.rows.append((label(key), display(value)))
    return section


def _pillar_title(key) -> str:
    try:
        return str(Pillar(int(key)).label)
    except (TypeError, ValueError):
        return label(key)


def _day(value):
    """The snapshot's ISO date as the report page writes dates."""
    try:
        return date_format(datetime.date.fromisoformat(value))
    except (TypeError, ValueError):
        return display(value)


def snapshot_sections(snapshot) -> list[Section]:
    if not isinstance(snapshot, dict):
        return [Section(title=_("Indicators"), rows=[(_("Value"), display(snapshot))])]
    general = Section(title=_("General"))
    sections = [general]
    for key, value in snapshot.items():
        if key == "pillars" and isinstance(value, dict):
            for number, data in value.items():
                if isinstance(data, dict):
                    sections.append(_section("pillars", _pillar_title(number), data))
        elif key == "progress" and isinstance(value, dict):
            sections.append(
                Section(
                    title=str(SECTION_TITLES[key]),
                    rows=[
                        (_pillar_title(k) if k != "overall" else label(k), display(v))
                        for k, v in value.items()
                    ],
                )
            )
        elif isinstance(value, dict):
            sections.append(_section(key, SECTION_TITLES.get(key, label(key)), value))
        elif isinstance(value, list) and value and all(isinstance(v, list | dict) for v in value):
            sections.append(Section(title=label(key), tables=[_table(None, key, value)]))
        elif key == "as_of":
            general.rows.append((label(key), _day(value)))
        else:
            general.rows.append((label(key), display(value)))
    return [s for s in sections if s.rows or s.tables]
