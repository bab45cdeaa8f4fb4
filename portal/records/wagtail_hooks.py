from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet
from wagtail.snippets.views.snippets import (
    IndexView,
    InspectView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from portal.admin_views import ReadOnlyPermissionPolicy
from portal.catalog.models import CatalogItem, Openness
from portal.queries import services as queries
from portal.queries.models import Channel
from portal.records.models import CreditRecord, RecordVersion
from portal.records.tasks import reapply_disclosure_rule
from portal.subjects.models import Subject, SubjectKind
from portal.tasks import enqueue_on_commit

# Records and subjects change only through the domain services, never by hand here.
register_permission_policy(Subject, ReadOnlyPermissionPolicy(Subject), exact_class=True)
register_permission_policy(CreditRecord, ReadOnlyPermissionPolicy(CreditRecord), exact_class=True)


def looked_at(obj) -> queries.Looked | None:
    """What an operator opens, if it must be registered: a natural person's subject or
    record, or a record of an item that is not public."""
    if isinstance(obj, RecordVersion):
        obj = obj.record
    if isinstance(obj, Subject):
        if obj.kind != SubjectKind.NATURAL_PERSON:
            return None
        return queries.Looked(f"subject:{obj.pk}", obj.pk, natural_person=True)
    person = obj.subject.kind == SubjectKind.NATURAL_PERSON
    shared = obj.catalog_item.openness != Openness.PUBLIC
    if not (person or shared):
        return None
    return queries.Looked(f"record:{obj.pk}", obj.subject_id, person, shared)


class RegisteredInspectView(InspectView):
    """The inspect page, opened only with a stated purpose where the query register needs one."""

    # While the purpose is asked for, the header names the kind of thing, not the person.
    withheld = False

    def get_page_subtitle(self):
        if self.withheld:
            return str(self.model._meta.verbose_name)
        return super().get_page_subtitle()

    def get(self, request, *args, **kwargs):
        looked = looked_at(self.object)
        if looked is not None:
            try:
                queries.register(
                    user=request.user,
                    channel=Channel.ADMIN,
                    looked=[looked],
                    purpose=request.GET.get("purpose", ""),
                )
            except ValidationError as error:
                self.withheld = True
                self.template_name = "queries/purpose_form.html"
                context = self.get_context_data(**kwargs)
                if "purpose" in request.GET:
                    context["purpose_error"] = error.messages[0]
                return self.render_to_response(context)
        return super().get(request, *args, **kwargs)


# The purpose a listing page implies, stored in the register as an operator would type it.
LISTING_PURPOSES = {
    Subject: "浏览信用主体列表",
    CreditRecord: "浏览信用记录列表",
    RecordVersion: "浏览记录版本列表",
}


class RegisteredIndexView(IndexView):
    """A listing page: the natural persons' subjects and records (and records of items that
    are not public) shown on it are registered, the purpose implied by the page."""

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        looked = [item for item in map(looked_at, context["object_list"]) if item is not None]
        queries.register(
            user=self.request.user,
            channel=Channel.ADMIN,
            looked=looked,
            purpose=LISTING_PURPOSES[self.model],
        )
        return context


# The choosers (the modal a form opens to pick one, searchable by name and code) show the
# same people as the listings: registered the same way, the purpose implied by the modal.
CHOOSER_PURPOSES = {
    Subject: "在选择器中浏览信用主体",
    CreditRecord: "在选择器中浏览信用记录",
    RecordVersion: "在选择器中浏览记录版本",
}


class RegisteredChoicesMixin:
    def get_results_page(self, request):
        page = super().get_results_page(request)
        page.object_list = list(page.object_list)
        queries.register(
            user=request.user,
            channel=Channel.ADMIN,
            looked=[item for item in map(looked_at, page.object_list) if item is not None],
            purpose=CHOOSER_PURPOSES[self.model],
        )
        return page


class RegisteredChooseView(RegisteredChoicesMixin, ChooseView):
    pass


class RegisteredChooseResultsView(RegisteredChoicesMixin, ChooseResultsView):
    pass


class RegisteredChooserViewSet(SnippetChooserViewSet):
    choose_view_class = RegisteredChooseView
    choose_results_view_class = RegisteredChooseResultsView


class SubjectViewSet(SnippetViewSet):
    model = Subject
    icon = "user"
    menu_label = _("信用主体")
    list_display = ["name", "public_code", "kind", "district", "updated_at"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "code"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_class = RegisteredInspectView
    index_view_class = RegisteredIndexView
    chooser_viewset_class = RegisteredChooserViewSet
    inspect_view_fields = [
        "code",
        "kind",
        "name",
        "identity_masked",
        "identity_type",
        "district",
        "industry",
        "legal_representative",
        "registered_on",
        "created_at",
        "updated_at",
    ]
    list_per_page = 50


class CreditRecordViewSet(SnippetViewSet):
    model = CreditRecord
    icon = "doc-full"
    menu_label = _("信用记录")
    list_display = [
        "title",
        "subject",
        "catalog_item",
        "department",
        "decision_date",
        "public_state",
    ]
    list_filter = ["catalog_item", "department", "public_state", "status", "severity"]
    search_fields = ["decision_no", "title"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_class = RegisteredInspectView
    index_view_class = RegisteredIndexView
    chooser_viewset_class = RegisteredChooserViewSet
    inspect_view_fields = [
        "subject",
        "catalog_item",
        "department",
        "decision_no",
        "decision_date",
        "severity",
        "title",
        "valid_until",
        "publish_until",
        "disclosure_ends",
        "repair_from",
        "status",
        "under_objection",
        "public_state",
        "version",
        "data",
        "created_at",
        "updated_at",
    ]
    list_per_page = 50

    def get_queryset(self, request):
        return self.model.objects.select_related("subject", "catalog_item", "department")


class RecordVersionViewSet(SnippetViewSet):
    """Every change to every record: who, when, why."""

    model = RecordVersion
    icon = "history"
    menu_label = _("记录版本")
    list_display = [
        "record",
        "number",
        "created_at",
        "actor",
        "reason",
        "reference",
        "public_state",
    ]
    list_filter = ["reason", "public_state"]
    search_fields = ["reference", "record__decision_no"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_class = RegisteredInspectView
    index_view_class = RegisteredIndexView
    chooser_viewset_class = RegisteredChooserViewSet
    inspect_view_fields = [
        "record",
        "number",
        "created_at",
        "actor",
        "reason",
        "reference",
        "comment",
        "public_state",
        "snapshot",
    ]
    list_per_page = 50

    def get_queryset(self, request):
        return self.model.objects.select_related(
            "record__catalog_item", "record__subject", "actor"
        ).order_by("-created_at", "-id")


class CreditDatabaseGroup(SnippetViewSetGroup):
    items = (SubjectViewSet, CreditRecordViewSet, RecordVersionViewSet)
    menu_icon = "table"
    menu_label = _("公共信用信息库")
    menu_name = "credit-database"
    menu_order = 210


register_snippet(CreditDatabaseGroup)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def reapply_edited_rule(request, instance):
    """An operator's edit may change an item's disclosure rule: its records follow."""
    if isinstance(instance, CatalogItem):
        enqueue_on_commit(reapply_disclosure_rule, instance.pk)
