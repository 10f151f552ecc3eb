"""Coordination pages. Every signed-in user reads agencies, MOUs, commitments,
programmes and budgets; ministry staff and administrators change them
(desmigratif.access.can_manage_coordination; others get 403 on write pages).
Realisations and the coverage matrix are per village: only villages in the
user's scope, and another village's realisation answers 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coordination import exports as coverage_sheet
from coordination.filters import CoverageFilter
from coordination.forms import (
    AgencyFilterForm,
    AgencyForm,
    BudgetLineForm,
    CommitmentForm,
    MOUFilterForm,
    MOUForm,
    ProgrammeFilterForm,
    ProgrammeForm,
    RealisationFilterForm,
    RealisationForm,
    apply_service_errors,
)
from coordination.models import MOU, Agency, BudgetLine, Commitment, Programme, Realisation
from coordination.selectors import (
    agency_list,
    budget_totals,
    coordination_overview,
    coverage_matrix,
    coverage_page,
    coverage_rows,
    coverage_uncovered,
    coverage_village_choices,
    mou_detail_queryset,
    mou_list,
    mou_villages,
    programme_detail_queryset,
    programme_list,
    programme_villages,
    realisation_counts,
    realisation_detail_queryset,
    realisation_grid,
    realisation_list,
)
from coordination.services import (
    agency_save,
    budget_line_save,
    commitment_save,
    mou_save,
    programme_save,
    realisation_save,
)
from desmigratif.access import can_manage_coordination, get_village_for_user, sees_whole_country
from desmigratif.export_views import export_or_offer
from desmigratif.exports import ExportSource
from desmigratif.models import ExportJob
from desmigratif.paging import Sort, paginate, query_without
from pillars.models import Pillar
from villages.models import Village


def _require_manager(user):
    if not can_manage_coordination(user):
        raise PermissionDenied


def _page(request, queryset):
    page = Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _form_page(request, form, *, save, template, context, done, next_url, aliases=None):
    """Validate, call the service, say so and go on; or show the form again
    with the errors (a service's refusal included) and nothing saved."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ValidationError as error:
            apply_service_errors(form, error, aliases)
        else:
            messages.success(request, done)
            return redirect(next_url(saved))
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing has been saved."))
    return render(request, template, {"form": form, **context})


# Overview and coverage ----------------------------------------------------------------------


@login_required
def index_view(request):
    return render(
        request,
        "coordination/index.html",
        {
            "overview": coordination_overview(user=request.user),
            "can_manage": can_manage_coordination(request.user),
        },
    )


# Sortable columns of the matrix; the code last, so every page is stable.
COVERAGE_SORTS = {
    "code": ("area_id",),
    "village": ("area__name", "area_id"),
    "regency": ("area__parent__parent__name", "area__name", "area_id"),
}
# Rows per page of the matrix: a row with four pillars of agencies weighs
# about 1.5 KB of HTML, so a page stays well under 200 KB.
COVERAGE_PAGE_SIZE = 50


def _coverage_filter(request):
    return _coverage_filter_for(request.user, request.GET)


def _coverage_filter_for(user, query):
    rows = coverage_village_choices(user=user)
    code = (query.get("desa") or "").strip()
    if code and code not in {row[0] for row in rows}:
        # Another village's coverage by URL: not found, as everywhere.
        raise Http404
    return CoverageFilter(query or None, queryset=Village.objects.in_scope(user), village_rows=rows)


@login_required
def coverage_view(request):
    coverage_filter = _coverage_filter(request)
    villages = coverage_filter.qs
    sort = Sort(request, COVERAGE_SORTS, default="code")
    page, query = paginate(
        request, coverage_rows(villages=villages, order_by=sort.order_by), per_page=COVERAGE_PAGE_SIZE
    )
    matrix = coverage_page(page.object_list)
    return render(
        request,
        "coordination/coverage.html",
        {
            "filter": coverage_filter,
            "matrix": matrix,
            "page": page,
            "sort": sort,
            "pillars": list(
                zip(
                    Pillar.choices,
                    coverage_uncovered(villages=villages, total=page.paginator.count),
                    strict=True,
                )
            ),
            "query": query,
            # The export is the whole selection in its own order: the filters only.
            "export_query": query_without(request, "page", "sort"),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def coverage_export_view(request):
    """Small exports at once; the whole country, or more villages than
    EXPORT_INLINE_MAX_ROWS, as a job (desmigratif.exports)."""
    return export_or_offer(request, coverage_export(request.user, request.GET), fmt="xlsx")


# Filters that narrow the coverage matrix to part of the country.
COVERAGE_AREA_FILTERS = ("province", "regency", "desa")


def coverage_export(user, query) -> ExportSource:
    """The coverage matrix of the filter's villages as a sheet."""
    villages = _coverage_filter_for(user, query).qs

    def count(limit=None):
        return (villages[: limit + 1] if limit is not None else villages).count()

    return ExportSource(
        kind=ExportJob.Kind.COVERAGE,
        title=_("Pillar coverage"),
        filename_stem=f"cakupan-pilar-{timezone.localdate():%Y-%m-%d}",
        sheet_title=_("Coverage"),
        columns=coverage_sheet.coverage_columns(),
        rows=lambda: coverage_sheet.coverage_rows(coverage_matrix(villages=villages)),
        count=count,
        nationwide=sees_whole_country(user) and not any(query.get(key) for key in COVERAGE_AREA_FILTERS),
    )


# Agencies -------------------------------------------------------------------------------


@login_required
def agency_list_view(request):
    search = AgencyFilterForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    page, query = _page(request, agency_list(**{k: v for k, v in filters.items() if v}))
    return render(
        request,
        "coordination/agency_list.html",
        {"search": search, "page": page, "query": query, "can_manage": can_manage_coordination(request.user)},
    )


def _agency_form(request, agency):
    return _form_page(
        request,
        AgencyForm(request.POST or None, instance=agency),
        save=lambda form: agency_save(agency=form.instance),
        template="coordination/agency_form.html",
        context={"agency": agency},
        done=_("The agency has been saved."),
        next_url=lambda saved: reverse("coordination:agencies"),
    )


@login_required
def agency_create_view(request):
    _require_manager(request.user)
    return _agency_form(request, Agency())


@login_required
def agency_edit_view(request, pk):
    _require_manager(request.user)
    return _agency_form(request, get_object_or_404(Agency, pk=pk))


# MOUs and commitments -------------------------------------------------------------------


@login_required
def mou_list_view(request):
    search = MOUFilterForm(request.GET or None)
    filters = {k: v for k, v in (search.cleaned_data if search.is_valid() else {}).items() if v}
    mous = mou_list(today=timezone.localdate(), **filters)
    page, query = _page(request, mous)
    return render(
        request,
        "coordination/mou_list.html",
        {
            "search": search,
            "page": page,
            "query": query,
            "today": timezone.localdate(),
            "can_manage": can_manage_coordination(request.user),
        },
    )


@login_required
def mou_detail_view(request, pk):
    mou = get_object_or_404(mou_detail_queryset(), pk=pk)
    commitments = list(mou.commitments.all())
    counts = realisation_counts(mou=mou, user=request.user)
    page, query = _page(request, mou_villages(mou=mou, user=request.user))
    return render(
        request,
        "coordination/mou_detail.html",
        {
            "mou": mou,
            "commitments": commitments,
            "commitment_counts": [(c, counts.get(c.pk, {})) for c in commitments],
            "page": page,
            "query": query,
            "grid": realisation_grid(commitments=commitments, villages=list(page.object_list)),
            "today": timezone.localdate(),
            "can_manage": can_manage_coordination(request.user),
        },
    )


def _mou_form(request, mou):
    form = MOUForm(request.POST or None, request.FILES or None, instance=mou)
    return _form_page(
        request,
        form,
        save=lambda form: mou_save(
            mou=form.instance,
            parties=list(form.cleaned_data["parties"]),
            pillars=form.cleaned_data["pillars"],
            reach=form.cleaned_data["reach_codes"],
        ),
        template="coordination/mou_form.html",
        context={"mou": mou},
        done=_("The MOU has been saved."),
        next_url=lambda saved: reverse("coordination:mou", kwargs={"pk": saved.pk}),
        aliases={"reach": "reach_codes"},
    )


@login_required
def mou_create_view(request):
    _require_manager(request.user)
    return _mou_form(request, MOU())


@login_required
def mou_edit_view(request, pk):
    _require_manager(request.user)
    return _mou_form(request, get_object_or_404(MOU, pk=pk))


@login_required
def mou_document_view(request, pk):
    """The signed MOU, for signed-in users only: documents are not in a public
    media folder."""
    mou = get_object_or_404(MOU, pk=pk)
    if not mou.document:
        raise Http404
    try:
        handle = mou.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=False, filename=mou.document_label, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _commitment_form(request, mou, commitment):
    return _form_page(
        request,
        CommitmentForm(request.POST or None, instance=commitment, mou=mou),
        save=lambda form: commitment_save(commitment=form.instance),
        template="coordination/commitment_form.html",
        context={"mou": mou, "commitment": commitment},
        done=_("The commitment has been saved."),
        next_url=lambda saved: reverse("coordination:mou", kwargs={"pk": mou.pk}) + "#commitments",
    )


@login_required
def commitment_create_view(request, pk):
    _require_manager(request.user)
    mou = get_object_or_404(MOU, pk=pk)
    return _commitment_form(request, mou, Commitment(mou=mou))


@login_required
def commitment_edit_view(request, pk):
    _require_manager(request.user)
    commitment = get_object_or_404(Commitment.objects.select_related("mou"), pk=pk)
    return _commitment_form(request, commitment.mou, commitment)


# Realisations -------------------------------------------------------------------------------


@login_required
def realisation_list_view(request):
    search = RealisationFilterForm(request.GET or None)
    filters = {k: v for k, v in (search.cleaned_data if search.is_valid() else {}).items() if v}
    village = None
    code = (request.GET.get("desa") or "").strip()
    if code:
        village = get_village_for_user(request.user, code)
        filters["area"] = village.code
    page, query = _page(request, realisation_list(user=request.user, **filters))
    return render(
        request,
        "coordination/realisation_list.html",
        {"search": search, "page": page, "query": query, "village": village},
    )


@login_required
def realisation_detail_view(request, pk):
    realisation = get_object_or_404(realisation_detail_queryset(user=request.user), pk=pk)
    return render(
        request,
        "coordination/realisation_detail.html",
        {
            "realisation": realisation,
            "commitment": realisation.commitment,
            "mou": realisation.commitment.mou,
            "village": realisation.village,
            "area_path": realisation.village.area.path(),
            "can_manage": can_manage_coordination(request.user),
        },
    )


def _realisation_form(request, commitment, realisation):
    form = RealisationForm(
        request.POST or None, instance=realisation, user=request.user, commitment=commitment
    )
    return _form_page(
        request,
        form,
        save=lambda form: realisation_save(realisation=form.instance, user=request.user),
        template="coordination/realisation_form.html",
        context={"commitment": commitment, "mou": commitment.mou, "realisation": realisation},
        done=_("The realisation has been saved."),
        next_url=lambda saved: (
            reverse("coordination:mou", kwargs={"pk": commitment.mou_id}) + "#realisations"
        ),
    )


@login_required
def realisation_create_view(request, pk):
    """Record whether a commitment is realised in a village; ?desa= chooses the
    village (from the MOU's grid). A village outside the user's scope is 404."""
    commitment = get_object_or_404(Commitment.objects.select_related("mou", "agency"), pk=pk)
    code = (request.GET.get("desa") or "").strip()
    village = get_village_for_user(request.user, code) if code else None
    _require_manager(request.user)
    if village is not None:
        existing = Realisation.objects.filter(commitment=commitment, village=village).first()
        if existing is not None:
            return redirect("coordination:realisation_edit", pk=existing.pk)
    realisation = Realisation(commitment=commitment, village=village)
    return _realisation_form(request, commitment, realisation)


@login_required
def realisation_edit_view(request, pk):
    realisation = get_object_or_404(realisation_detail_queryset(user=request.user), pk=pk)
    _require_manager(request.user)
    return _realisation_form(request, realisation.commitment, realisation)


# Programmes and budgets ---------------------------------------------------------------------


@login_required
def programme_list_view(request):
    years = BudgetLine.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    search = ProgrammeFilterForm(request.GET or None, years=years)
    filters = {k: v for k, v in (search.cleaned_data if search.is_valid() else {}).items() if v}
    page, query = _page(request, programme_list(**filters))
    return render(
        request,
        "coordination/programme_list.html",
        {"search": search, "page": page, "query": query, "can_manage": can_manage_coordination(request.user)},
    )


@login_required
def programme_detail_view(request, pk):
    programme = get_object_or_404(programme_detail_queryset(), pk=pk)
    villages, others = programme_villages(programme=programme, user=request.user)
    lines = list(programme.budget_lines.all())
    totals, overall = budget_totals(lines)
    return render(
        request,
        "coordination/programme_detail.html",
        {
            "programme": programme,
            "villages": villages,
            "other_villages": others,
            "lines": lines,
            "totals": totals,
            "overall": overall,
            "can_manage": can_manage_coordination(request.user),
        },
    )


def _programme_form(request, programme):
    return _form_page(
        request,
        ProgrammeForm(request.POST or None, instance=programme),
        save=lambda form: programme_save(
            programme=form.instance,
            villages=list(form.cleaned_data["villages"]),
            partners=list(form.cleaned_data["partners"]),
        ),
        template="coordination/programme_form.html",
        context={"programme": programme},
        done=_("The programme has been saved."),
        next_url=lambda saved: reverse("coordination:programme", kwargs={"pk": saved.pk}),
    )


@login_required
def programme_create_view(request):
    _require_manager(request.user)
    return _programme_form(request, Programme())


@login_required
def programme_edit_view(request, pk):
    _require_manager(request.user)
    return _programme_form(request, get_object_or_404(Programme, pk=pk))


def _budget_line_form(request, programme, budget_line):
    return _form_page(
        request,
        BudgetLineForm(request.POST or None, instance=budget_line, programme=programme),
        save=lambda form: budget_line_save(budget_line=form.instance),
        template="coordination/budgetline_form.html",
        context={"programme": programme, "budget_line": budget_line},
        done=_("The budget line has been saved."),
        next_url=lambda saved: reverse("coordination:programme", kwargs={"pk": programme.pk}) + "#budget",
    )


@login_required
def budget_line_create_view(request, pk):
    _require_manager(request.user)
    programme = get_object_or_404(Programme, pk=pk)
    return _budget_line_form(request, programme, BudgetLine(programme=programme))


@login_required
def budget_line_edit_view(request, pk):
    _require_manager(request.user)
    budget_line = get_object_or_404(BudgetLine.objects.select_related("programme"), pk=pk)
    return _budget_line_form(request, budget_line.programme, budget_line)
