"""Pages for the pillar records and problems of one village, under
/pilar/<village code>/.

Every view fetches the village through the user's scope first
(get_village_for_user: 404 outside it, 403 on a write page for a user who
may only read) and then the record through that village, never by bare id.
Lists and forms share two small base views; each record type is a few lines.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView

from desmigratif.access import can_write_village_records, get_village_for_user
from desmigratif.concurrency import (
    EditConflict,
    conflict_message,
    create_once,
    differences,
    form_token,
    seen_version,
    sent_before,
)
from pillars import selectors, services
from pillars.forms import (
    ActivityFilterForm,
    BusinessFilterForm,
    BusinessForm,
    CooperativeForm,
    FollowUpForm,
    LearningHouseForm,
    LoanFilterForm,
    LoanForm,
    ParentingSessionForm,
    ProblemFilterForm,
    ProblemForm,
    ServiceActivityForm,
    ServiceOfficerForm,
    TrainingForm,
)
from pillars.models import Business, Loan, Pillar, Problem, ServiceActivity

NOT_SAVED = gettext_lazy("Please correct the errors below; nothing has been saved.")


def add_service_errors(form, error):
    """Show a service's ValidationError next to the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class VillagePageMixin(LoginRequiredMixin):
    """The village from the URL, through the user's scope."""

    for_write = False
    tab = "pillars"  # the village tab (templates/villages/_village_nav.html)
    section = "overview"  # the pillar page (templates/pillars/_pillar_nav.html)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.village = get_village_for_user(request.user, kwargs["code"], for_write=self.for_write)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            village=self.village,
            area_path=self.village.area.path(),
            can_edit=can_write_village_records(self.request.user),
            tab=self.tab,
            section=self.section,
        )
        return context


class OverviewView(VillagePageMixin, TemplateView):
    template_name = "pillars/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overview"] = selectors.pillar_overview(village=self.village)
        context["pillars"] = Pillar
        context["problem_statuses"] = Problem.Status.choices
        return context


class RecordListView(VillagePageMixin, ListView):
    """One page of a record type's list, with its filter form (if any)."""

    selector = None  # staticmethod(selectors.<record>_list): (village=..., **filters) -> queryset
    filter_form_class = None

    def get_paginate_by(self, queryset):
        return settings.PAGE_SIZE

    def get_filter_form(self):
        if self.filter_form_class is None:
            return None
        return self.filter_form_class(self.request.GET or None, village=self.village)

    def get_queryset(self):
        self.filter_form = self.get_filter_form()
        filters = {}
        if self.filter_form is not None and self.filter_form.is_valid():
            filters = {name: value for name, value in self.filter_form.cleaned_data.items() if value}
        return self.selector(village=self.village, **filters)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(page=context["page_obj"], query=query.urlencode(), filter_form=self.filter_form)
        return context


class RecordFormView(VillagePageMixin, FormView):
    """Add (no pk in the URL) or change (pk) one record of the village, through
    the record type's services."""

    for_write = True
    template_name = "pillars/record_form.html"
    records = None  # village -> the queryset a record is fetched from
    create = None  # services.<record>_create
    update = None  # services.<record>_update
    record_name = ""  # the update service's keyword for the record
    list_url = ""  # where to go back to
    add_title = edit_title = ""
    saved_message = gettext_lazy("Saved.")
    # Records two roles change (problems) carry a version: the update service
    # takes it and refuses a form opened before someone else's save.
    versioned = False
    conflict_version = None

    def get_object(self):
        if not hasattr(self, "object"):
            pk = self.kwargs.get("pk")
            self.object = get_object_or_404(self.records(self.village), pk=pk) if pk else None
        return self.object

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(village=self.village, instance=self.get_object())
        if kwargs["instance"] is None:
            kwargs["instance"] = self.form_class._meta.model(**self.new_record_fields())
        return kwargs

    def new_record_fields(self):
        return {"village": self.village}

    def save(self, data):
        if self.get_object() is None:
            return self.create(village=self.village, user=self.request.user, **data)
        if self.versioned:
            data = {**data, "version": seen_version(self.request.POST)}
        return self.update(**{self.record_name: self.get_object()}, user=self.request.user, **data)

    def post(self, request, *args, **kwargs):
        record = self.get_object()
        if record is None and (url := sent_before(request)):
            # The same form sent twice (a double click): the first one's record.
            messages.success(request, self.saved_message)
            return redirect(url)
        if record is not None and self.versioned and seen_version(request.POST) not in (None, record.version):
            return self.conflict()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            if self.get_object() is None:
                _record, url = create_once(
                    self.request, lambda: self.save(form.service_data()), self.get_success_url
                )
            else:
                url = self.get_success_url(self.save(form.service_data()))
        except EditConflict:
            return self.conflict()
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.saved_message)
        return redirect(url)

    def conflict(self):
        """Someone saved the record after this form was opened: nothing is saved,
        the user's input is shown again with what is different, and the form
        now carries the saved version (saving again overwrites on purpose)."""
        self.__dict__.pop("object", None)
        record = self.get_object()
        self.conflict_version = record.version
        form = self.get_form()
        messages.error(self.request, conflict_message(self.conflict_subject, self.conflict_details(form)))
        return self.render_to_response(self.get_context_data(form=form))

    conflict_subject = gettext_lazy("This record")

    def conflict_details(self, form):
        return differences(form)

    def guard_context(self):
        """The hidden fields of desmigratif.concurrency for this form."""
        record = self.get_object()
        if record is None:
            return {"form_token": form_token(self.request.POST)}
        if not self.versioned:
            return {}
        # A form shown again after an error keeps the version it was opened at.
        seen = seen_version(self.request.POST)
        return {"version": self.conflict_version or seen or record.version}

    def form_invalid(self, form):
        messages.error(self.request, NOT_SAVED)
        return super().form_invalid(form)

    def get_success_url(self, record=None):
        return reverse(self.list_url, kwargs={"code": self.village.code})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.edit_title if self.get_object() else self.add_title,
            record=self.get_object(),
            cancel_url=self.get_success_url(self.get_object()),
            **self.guard_context(),
        )
        return context


# Pillar I


class OfficerListView(RecordListView):
    section = "officers"
    template_name = "pillars/officer_list.html"
    selector = staticmethod(selectors.officer_list)


class OfficerFormView(RecordFormView):
    section = "officers"
    form_class = ServiceOfficerForm
    records = staticmethod(lambda village: village.service_officers.all())
    create = staticmethod(services.service_officer_create)
    update = staticmethod(services.service_officer_update)
    record_name = "officer"
    list_url = "pillars:officers"
    add_title = gettext_lazy("Add a service officer")
    edit_title = gettext_lazy("Edit service officer")
    saved_message = gettext_lazy("The service officer has been saved.")


class ActivityListView(RecordListView):
    section = "activities"
    template_name = "pillars/activity_list.html"
    selector = staticmethod(selectors.activity_list)
    filter_form_class = ActivityFilterForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(kinds=ServiceActivity.Kind, **kwargs)


class ActivityFormView(RecordFormView):
    section = "activities"
    form_class = ServiceActivityForm
    records = staticmethod(lambda village: village.service_activities.all())
    create = staticmethod(services.service_activity_create)
    update = staticmethod(services.service_activity_update)
    record_name = "activity"
    list_url = "pillars:activities"
    add_title = gettext_lazy("Add a service activity")
    edit_title = gettext_lazy("Edit service activity")
    saved_message = gettext_lazy("The service activity has been saved.")


# Pillar II


class BusinessListView(RecordListView):
    section = "businesses"
    template_name = "pillars/business_list.html"
    selector = staticmethod(selectors.business_list)
    filter_form_class = BusinessFilterForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(stages=Business.Stage, **kwargs)


class BusinessFormView(RecordFormView):
    section = "businesses"
    form_class = BusinessForm
    records = staticmethod(lambda village: village.businesses.all())
    create = staticmethod(services.business_create)
    update = staticmethod(services.business_update)
    record_name = "business"
    list_url = "pillars:businesses"
    add_title = gettext_lazy("Add a productive business")
    edit_title = gettext_lazy("Edit productive business")
    saved_message = gettext_lazy("The business has been saved.")


class TrainingListView(RecordListView):
    section = "trainings"
    template_name = "pillars/training_list.html"
    selector = staticmethod(selectors.training_list)


class TrainingFormView(RecordFormView):
    section = "trainings"
    form_class = TrainingForm
    records = staticmethod(lambda village: village.trainings.all())
    create = staticmethod(services.training_create)
    update = staticmethod(services.training_update)
    record_name = "training"
    list_url = "pillars:trainings"
    add_title = gettext_lazy("Add a training")
    edit_title = gettext_lazy("Edit training")
    saved_message = gettext_lazy("The training has been saved.")


# Pillar III


class ParentingListView(RecordListView):
    section = "parenting"
    template_name = "pillars/parenting_list.html"
    selector = staticmethod(selectors.parenting_list)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            learning_house=selectors.learning_house_of(village=self.village), **kwargs
        )


class ParentingFormView(RecordFormView):
    section = "parenting"
    form_class = ParentingSessionForm
    records = staticmethod(lambda village: village.parenting_sessions.all())
    create = staticmethod(services.parenting_session_create)
    update = staticmethod(services.parenting_session_update)
    record_name = "session"
    list_url = "pillars:parenting"
    add_title = gettext_lazy("Add a parenting session")
    edit_title = gettext_lazy("Edit parenting session")
    saved_message = gettext_lazy("The parenting session has been saved.")


class LearningHouseFormView(RecordFormView):
    """The village's one learning house: created on the first save."""

    section = "parenting"
    form_class = LearningHouseForm
    list_url = "pillars:parenting"
    add_title = edit_title = gettext_lazy("Learning house")
    saved_message = gettext_lazy("The learning house has been saved.")

    def get_object(self):
        if not hasattr(self, "object"):
            self.object = selectors.learning_house_of(village=self.village)
        return self.object

    def save(self, data):
        return services.learning_house_save(village=self.village, user=self.request.user, **data)


# Pillar IV


class CooperativeListView(RecordListView):
    section = "cooperatives"
    template_name = "pillars/cooperative_list.html"
    selector = staticmethod(selectors.cooperative_list)


class CooperativeFormView(RecordFormView):
    section = "cooperatives"
    form_class = CooperativeForm
    records = staticmethod(lambda village: village.cooperatives.all())
    create = staticmethod(services.cooperative_create)
    update = staticmethod(services.cooperative_update)
    record_name = "cooperative"
    list_url = "pillars:cooperatives"
    add_title = gettext_lazy("Add a cooperative or finance institution")
    edit_title = gettext_lazy("Edit cooperative or finance institution")
    saved_message = gettext_lazy("The cooperative has been saved.")


class LoanListView(RecordListView):
    section = "loans"
    template_name = "pillars/loan_list.html"
    selector = staticmethod(selectors.loan_list)
    filter_form_class = LoanFilterForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(statuses=Loan.Status, **kwargs)


class LoanFormView(RecordFormView):
    section = "loans"
    form_class = LoanForm
    records = staticmethod(lambda village: selectors.loans_of(village=village))
    create = staticmethod(services.loan_create)
    update = staticmethod(services.loan_update)
    record_name = "loan"
    list_url = "pillars:loans"
    add_title = gettext_lazy("Add a loan")
    edit_title = gettext_lazy("Edit loan")
    saved_message = gettext_lazy("The loan has been saved.")

    def new_record_fields(self):
        return {}

    def get_initial(self):
        # "Add a loan" from a cooperative's row chooses that cooperative.
        initial = super().get_initial()
        if self.request.GET.get("koperasi", "").isdigit():
            initial["cooperative"] = self.request.GET["koperasi"]
        return initial


# Problems


class ProblemListView(RecordListView):
    tab = section = "problems"
    template_name = "pillars/problem_list.html"
    selector = staticmethod(selectors.problem_list)
    filter_form_class = ProblemFilterForm


class ProblemFormView(RecordFormView):
    tab = section = "problems"
    form_class = ProblemForm
    records = staticmethod(lambda village: village.problems.all())
    create = staticmethod(services.problem_create)
    update = staticmethod(services.problem_update)
    record_name = "problem"
    list_url = "pillars:problems"
    add_title = gettext_lazy("Add a problem")
    edit_title = gettext_lazy("Edit problem")
    saved_message = gettext_lazy("The problem has been saved.")
    versioned = True
    conflict_subject = gettext_lazy("This problem")

    def conflict_details(self, form):
        # The status is not in this form: it changes with follow-ups.
        status = _("%(field)s: “%(value)s”") % {
            "field": capfirst(Problem._meta.get_field("status").verbose_name),
            "value": self.get_object().get_status_display(),
        }
        return [*differences(form), status]

    def get_initial(self):
        # "Add" from a pillar's panel chooses that pillar.
        initial = super().get_initial()
        if self.request.GET.get("pilar", "") in {str(p) for p in Pillar.values}:
            initial["pillar"] = int(self.request.GET["pilar"])
        return initial

    def get_success_url(self, record=None):
        if record is not None:
            return reverse("pillars:problem", kwargs={"code": self.village.code, "pk": record.pk})
        return super().get_success_url()


@login_required
def problem_detail_view(request, code, pk):
    village = get_village_for_user(request.user, code)
    problem = selectors.problem_detail(village=village, pk=pk)
    if problem is None:
        raise Http404
    can_edit = can_write_village_records(request.user)
    return render(
        request,
        "pillars/problem_detail.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "tab": "problems",
            "problem": problem,
            "history": selectors.problem_history(problem=problem),
            "can_edit": can_edit,
            "form": FollowUpForm(problem=problem) if can_edit else None,
            "version": problem.version,
            "form_token": form_token(),
        },
    )


@login_required
def follow_up_add_view(request, code, pk):
    """Add a follow-up to a problem (the problem page embeds this form)."""
    village = get_village_for_user(request.user, code, for_write=True)
    problem = get_object_or_404(village.problems, pk=pk)
    problem_url = reverse("pillars:problem", kwargs={"code": village.code, "pk": problem.pk})
    done = _("The follow-up has been added.")
    if request.method == "POST" and (url := sent_before(request)):
        # The same form sent twice (a double click): one follow-up.
        messages.success(request, done)
        return redirect(url)
    form = FollowUpForm(request.POST or None, problem=problem)
    seen = seen_version(request.POST)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            create_once(
                request,
                lambda: services.problem_add_follow_up(
                    problem=problem, author=request.user, version=seen, **form.service_data()
                ),
                lambda _follow_up: problem_url,
            )
        except EditConflict:
            conflict = True
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(problem_url)
    if conflict:
        # The status was changed since the form was opened: the user decides again.
        problem = get_object_or_404(village.problems, pk=pk)
        form = FollowUpForm(request.POST, problem=problem)
        status = _("%(field)s: “%(value)s”") % {
            "field": capfirst(Problem._meta.get_field("status").verbose_name),
            "value": problem.get_status_display(),
        }
        messages.error(request, conflict_message(_("This problem"), [status]))
    elif request.method == "POST":
        messages.error(request, NOT_SAVED)
    return render(
        request,
        "pillars/follow_up_form.html",
        {
            "village": village,
            "area_path": village.area.path(),
            "tab": "problems",
            "problem": problem,
            "form": form,
            "version": problem.version if conflict or not seen else seen,
            "form_token": form_token(request.POST),
        },
    )
