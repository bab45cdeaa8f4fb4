"""The department API (/api/v1/exchange/): token per department, JSON errors.

Every response about a batch is scoped to the token's department; another
department's batch answers 404. Errors are `{"error": code, "detail": text}`
with 400 (bad request), 401 (no or bad token), 403 (not allowed), 404,
409 (wrong state), 413 (file too large), 415 (not CSV or XLSX) and 422 (an
Idempotency-Key reused for another request).
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from exchange import services, sharing
from exchange.models import Batch, BatchRow, BatchSource, CandidateKind, RowError
from exchange.registration import register_batch_view
from exchange.report import error_report_xlsx
from exchange.views import XLSX, gave_up_note, providable_items, silence_note, template_response
from importers.messages import render
from portal.catalog.models import CatalogItem
from portal.core.languages import activate_for
from portal.departments.auth import DepartmentTokenAuthentication, IsDepartment, actor_of
from portal.queries.models import Channel as QueryChannel

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "file_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
}


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = (
        response.data.get("detail", response.data)
        if isinstance(response.data, dict)
        else response.data
    )
    response.data = {
        "error": getattr(exc, "error_code", None) or _CODES.get(response.status_code, "error"),
        "detail": detail,
    }
    return response


class ApiError(exceptions.APIException):
    def __init__(self, status_code: int, code: str, detail: str):
        self.status_code = status_code
        self.error_code = code
        super().__init__(detail)


class DepartmentAPIView(APIView):
    authentication_classes = [DepartmentTokenAuthentication]
    permission_classes = [IsDepartment]

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        activate_for(request, accept_header=True)
        super().initial(request, *args, **kwargs)

    def batch(self, request, pk) -> Batch:
        return get_object_or_404(
            Batch.objects.select_related("catalog_item", "department"),
            pk=pk,
            department=request.department,
        )

    def read_batch(self, request, pk) -> Batch:
        """The batch, for a read of its rows: registered in the query register as the
        workspace's batch pages are (exchange.registration), under the key."""
        return self.registered(request, self.batch(request, pk))

    def registered(self, request, batch: Batch) -> Batch:
        user, label = actor_of(request)
        register_batch_view(user, batch, channel=QueryChannel.EXCHANGE_API, user_label=label)
        return batch


class Pages(PageNumberPagination):
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


# -- serializers -------------------------------------------------------------


class CatalogFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    label_en = serializers.CharField()
    field_type = serializers.CharField()
    required = serializers.BooleanField()
    required_if_field = serializers.CharField()
    required_if_op = serializers.CharField()
    required_if_value = serializers.CharField()
    choices = serializers.ListField(source="choice_list", child=serializers.CharField())
    default = serializers.CharField()


class CatalogItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    schema_version = serializers.IntegerField()
    natural_key = serializers.ListField(source="natural_key_fields", child=serializers.CharField())
    fields = CatalogFieldSerializer(many=True, source="fields.all")
    template_xlsx = serializers.SerializerMethodField()
    template_csv = serializers.SerializerMethodField()

    def _url(self, item, fmt):
        request = self.context["request"]
        return request.build_absolute_uri(
            reverse("exchange_api:catalog_template", args=[item.code, fmt])
        )

    def get_template_xlsx(self, item) -> str:
        return self._url(item, "xlsx")

    def get_template_csv(self, item) -> str:
        return self._url(item, "csv")


class BatchSerializer(serializers.ModelSerializer):
    catalog = serializers.CharField(source="catalog_item.code")
    department = serializers.CharField(source="department.code")
    progress = serializers.SerializerMethodField()
    worker = serializers.SerializerMethodField()
    masked_cells = serializers.SerializerMethodField()
    file_error = serializers.SerializerMethodField()
    same_as = serializers.SerializerMethodField()
    name_mismatches = serializers.SerializerMethodField()
    template_notice = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    created = serializers.IntegerField(source="created_count")
    updated = serializers.IntegerField(source="updated_count")
    unchanged = serializers.IntegerField(source="unchanged_count")
    withdrawn = serializers.IntegerField(source="withdrawn_count")
    # Withdrawal rows waiting for a second officer's approval (exchange.approvals).
    pending_approval = serializers.IntegerField(source="pending_count")
    awaiting_commit_approval = serializers.SerializerMethodField()
    rows = serializers.IntegerField(source="rows_total")

    class Meta:
        model = Batch
        fields = [
            "id",
            "catalog",
            "department",
            "status",
            "dry_run",
            "auto_commit",
            "file_name",
            "file_size",
            "file_format",
            "encoding",
            "idempotency_key",
            "rows",
            "accepted",
            "rejected",
            "created",
            "updated",
            "unchanged",
            "withdrawn",
            "pending_approval",
            "awaiting_commit_approval",
            "error_count",
            "candidate_count",
            "name_mismatch_count",
            "names_confirmed",
            "name_mismatches",
            "masked_count",
            "masked_cells",
            "file_error",
            "same_as",
            "file_template_version",
            "template_notice",
            "progress",
            "worker",
            "created_at",
            "validated_at",
            "committed_at",
            "gave_up_at",
            "links",
        ]

    def get_masked_cells(self, batch) -> list[dict]:
        """Which cells had personal numbers masked (the first thousand)."""
        return [
            {"row": cell.row, "field": cell.field, "column": cell.column, "kinds": cell.kinds}
            for cell in batch.masked_cells.all()[:1000]
        ]

    def get_name_mismatches(self, batch) -> list[dict]:
        """Rows whose subject code is registered under a clearly different name (the first
        thousand): confirm them when committing (`confirm_names`) or fix the file."""
        return [
            {
                "row": c.row,
                "code": c.incoming_code,
                "name": c.incoming_name,
                "registered_name": c.matched_subject.name,
            }
            for c in batch.candidates.filter(kind=CandidateKind.NAME_DIFFERS)
            .select_related("matched_subject")
            .order_by("row")[:1000]
        ]

    def get_template_notice(self, batch) -> str:
        """Set when the file was made from an older template: which, and what changed."""
        return services.template_notice(batch)

    def get_same_as(self, batch) -> int | None:
        """An earlier batch with the identical file (a likely double submission)."""
        earlier = services.same_file_batch(batch)
        return earlier.pk if earlier else None

    def get_awaiting_commit_approval(self, batch) -> bool:
        """True while the commit waits for a second officer of the department."""
        return services.awaiting_approval(batch) is not None

    def get_progress(self, batch) -> dict:
        return services.batch_progress(batch).as_dict()

    def get_worker(self, batch) -> dict | None:
        """Set when the batch's worker stopped answering (or the scheduled recovery gave up):
        when it was last heard of, what happens automatically and by when, and whether
        the department may retry or discard it now."""
        note = gave_up_note(batch)
        if note:
            return {"silent": False, "gave_up": True, "detail": note}
        silence = services.silence(batch)
        if silence is None:
            return None
        return {
            "silent": True,
            "gave_up": False,
            "last_heard": silence.last_heard.isoformat(),
            "automatic": silence.automatic,
            "automatic_by": silence.automatic_by.isoformat(),
            "attempts": silence.attempts,
            "max_attempts": silence.max_attempts,
            "can_retry": services.can_retry(batch),
            "can_discard": services.can_discard(batch),
            "detail": " ".join(silence_note(silence)),
        }

    def get_file_error(self, batch) -> dict | None:
        if not batch.file_error_code:
            return None
        return {"code": batch.file_error_code, "detail": batch.file_error()}

    def get_links(self, batch) -> dict:
        request = self.context["request"]

        def url(name):
            return request.build_absolute_uri(reverse(f"exchange_api:{name}", args=[batch.pk]))

        return {
            "self": url("batch_detail"),
            "errors": url("batch_errors"),
            "rows": url("batch_rows"),
            "report": url("batch_report"),
            "commit": url("batch_commit"),
            "promote": url("batch_promote"),
            "discard": url("batch_discard"),
            "retry": url("batch_retry"),
        }


class RowErrorSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField()

    class Meta:
        model = RowError
        fields = ["row", "column", "field", "code", "message"]

    def get_message(self, error) -> str:
        return error.message()


class BatchRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = BatchRow
        fields = ["row", "outcome", "label"]


# -- views -------------------------------------------------------------------


class CatalogListView(DepartmentAPIView):
    @extend_schema(
        summary="Catalog items this department may submit, with their fields and templates",
        responses=CatalogItemSerializer(many=True),
    )
    def get(self, request):
        items = providable_items(request.department)
        return Response(CatalogItemSerializer(items, many=True, context={"request": request}).data)


class CatalogTemplateView(DepartmentAPIView):
    @extend_schema(
        summary="Download the import template (XLSX or CSV) of a catalog item",
        responses={(200, XLSX): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request, code, fmt):
        item = get_object_or_404(CatalogItem, code=code, is_active=True)
        if item not in providable_items(request.department):
            raise ApiError(403, "item_not_allowed", _("本部门不是此目录项的提供部门。"))
        return template_response(item, fmt)


_BATCH_UPLOAD = inline_serializer(
    "BatchUpload",
    {
        "catalog": serializers.CharField(help_text="catalog item code, e.g. ADM_PENALTY"),
        "file": serializers.FileField(help_text="CSV (UTF-8, UTF-8 BOM, GBK) or XLSX"),
        "dry_run": serializers.BooleanField(required=False, help_text="validate and plan only"),
        "commit": serializers.BooleanField(
            required=False, help_text="load the accepted rows right after validation"
        ),
        "confirm_names": serializers.BooleanField(
            required=False,
            help_text="with commit: load rows whose code is registered under a clearly "
            "different name too (otherwise the batch stops validated for confirmation)",
        ),
    },
)


class BatchListView(DepartmentAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="This department's batches, newest first", responses=BatchSerializer(many=True)
    )
    def get(self, request):
        batches = Batch.objects.filter(department=request.department).select_related(
            "catalog_item", "department"
        )
        paginator = Pages()
        page = paginator.paginate_queryset(batches, request, view=self)
        data = BatchSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        summary="Submit a file as a new batch",
        description=(
            "Creates a batch and starts validation in the background; poll the batch for "
            "progress. With `commit=true` the accepted rows are loaded right after validation "
            "(all or nothing); `dry_run=true` and `commit=true` together are refused (400). Send "
            "an `Idempotency-Key` header to make retries safe: the same key with the same file "
            "and item returns the batch it created first (200) instead of creating another; "
            "the same key with another file or item is refused (422). `same_as` names an "
            "earlier batch with the identical file, if any."
        ),
        request={"multipart/form-data": _BATCH_UPLOAD},
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        responses={
            201: BatchSerializer,
            200: OpenApiResponse(BatchSerializer, description="idempotent replay"),
            400: OpenApiResponse(description="missing or invalid field"),
            401: OpenApiResponse(description="no or bad token"),
            403: OpenApiResponse(description="the department may not submit this item"),
            404: OpenApiResponse(description="unknown catalog item"),
            413: OpenApiResponse(description="file too large"),
            415: OpenApiResponse(description="not a CSV or XLSX file"),
            422: OpenApiResponse(description="Idempotency-Key reused for another request"),
        },
    )
    def post(self, request):
        limit = settings.PORTAL_IMPORT_MAX_UPLOAD_BYTES
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > limit + 64 * 1024:
            raise ApiError(
                413,
                "file_too_large",
                _("请求大小超过上限 %(limit)d 字节。") % {"limit": limit},
            )
        key = request.headers.get("Idempotency-Key", "").strip()
        dry_run = _flag(request.data.get("dry_run"))
        auto_commit = _flag(request.data.get("commit"))
        if dry_run and auto_commit:
            raise ApiError(400, "dry_run_with_commit", render("dry_run_with_commit"))
        code = str(request.data.get("catalog", "")).strip()
        upload = request.FILES.get("file")
        if not code:
            raise ApiError(400, "catalog_required", _("缺少 catalog（目录项代码）。"))
        if upload is None:
            raise ApiError(400, "file_required", _("缺少 file（数据文件）。"))
        item = CatalogItem.objects.filter(code=code).first()
        if item is None:
            raise ApiError(404, "unknown_item", _("未知的目录项：%(code)s") % {"code": code})
        user, label = actor_of(request)
        try:
            batch, created = services.submit_batch(
                department=request.department,
                item=item,
                fileobj=upload,
                file_name=upload.name,
                source=BatchSource.API,
                user=user,
                token=request.auth,
                idempotency_key=key,
                dry_run=dry_run,
                auto_commit=auto_commit,
                names_confirmed=_flag(request.data.get("confirm_names")),
                max_bytes=limit,
            )
        except services.SubmissionError as exc:
            raise ApiError(exc.status, exc.code, exc.message()) from exc
        batch.refresh_from_db()
        return self._batch_response(
            request, batch, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def _batch_response(self, request, batch, code):
        data = BatchSerializer(batch, context={"request": request}).data
        return Response(data, status=code, headers={"Location": data["links"]["self"]})


def _flag(value) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


class BatchDetailView(DepartmentAPIView):
    @extend_schema(summary="A batch: status, counts and progress", responses=BatchSerializer)
    def get(self, request, pk):
        batch = self.read_batch(request, pk)
        return Response(BatchSerializer(batch, context={"request": request}).data)


class BatchErrorsView(DepartmentAPIView):
    @extend_schema(
        summary="A batch's row errors (row, column, reason)",
        responses=RowErrorSerializer(many=True),
    )
    def get(self, request, pk):
        batch = self.read_batch(request, pk)
        paginator = Pages()
        page = paginator.paginate_queryset(
            batch.row_errors.order_by("row", "id"), request, view=self
        )
        return paginator.get_paginated_response(RowErrorSerializer(page, many=True).data)


class BatchRowsView(DepartmentAPIView):
    @extend_schema(
        summary="Per-row outcome: create / update / unchanged / withdraw / rejected",
        responses=BatchRowSerializer(many=True),
    )
    def get(self, request, pk):
        batch = self.read_batch(request, pk)
        paginator = Pages()
        page = paginator.paginate_queryset(batch.rows.order_by("row"), request, view=self)
        return paginator.get_paginated_response(BatchRowSerializer(page, many=True).data)


class BatchReportView(DepartmentAPIView):
    @extend_schema(
        summary="The row-error report: rejected rows plus an error column (XLSX)",
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        from django.http import HttpResponse

        batch = self.batch(request, pk)
        if batch.status in ("received", "validating", "failed"):
            raise ApiError(409, "not_validated", _("此批次没有行错误报告。"))
        self.registered(request, batch)
        content = error_report_xlsx(batch)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-errors.xlsx"'
        return response


class BatchCommitView(DepartmentAPIView):
    @extend_schema(
        summary="Load a validated batch (all or nothing, in the background)",
        description=(
            "Rows whose subject code is registered under a clearly different name "
            "(`name_mismatches` in the batch) must be confirmed with `confirm_names=true`; "
            "without it the commit is refused (409 `names_unconfirmed`)."
        ),
        request=inline_serializer(
            "BatchCommit",
            {
                "confirm_names": serializers.BooleanField(
                    required=False,
                    help_text="the codes of the name-mismatch rows are right (e.g. renamed)",
                )
            },
        ),
        responses={
            202: BatchSerializer,
            409: OpenApiResponse(description="not validated, or name mismatches unconfirmed"),
        },
    )
    def post(self, request, pk):
        batch = self.batch(request, pk)
        user, _label = actor_of(request)
        try:
            batch = services.request_commit(
                batch, actor=user, names_confirmed=_flag(request.data.get("confirm_names"))
            )
        except services.AlreadyDone:
            pass  # a replayed request: the same answer as the first time
        except services.TransitionError as exc:
            raise ApiError(409, "invalid_state", _("此批次当前不能入库。")) from exc
        except services.NamesUnconfirmed as exc:
            raise ApiError(409, "names_unconfirmed", exc.message()) from exc
        return Response(
            BatchSerializer(batch, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class BatchPromoteView(DepartmentAPIView):
    @extend_schema(
        summary="Turn a validated dry run into a batch that can be committed (same file)",
        request=None,
        responses={200: BatchSerializer, 409: OpenApiResponse(description="not validated")},
    )
    def post(self, request, pk):
        batch = self.batch(request, pk)
        user, _label = actor_of(request)
        try:
            batch = services.promote_dry_run(batch, actor=user)
        except services.AlreadyDone:
            pass  # a replayed request: the same answer as the first time
        except services.TransitionError as exc:
            raise ApiError(
                409, "invalid_state", _("只有校验完成的试运行批次可以转为正式入库。")
            ) from exc
        return Response(BatchSerializer(batch, context={"request": request}).data)


class BatchDiscardView(DepartmentAPIView):
    @extend_schema(
        summary="Discard a batch that has not been loaded (one in progress only while its worker is silent)",
        request=None,
        responses=BatchSerializer,
    )
    def post(self, request, pk):
        batch = self.batch(request, pk)
        user, _label = actor_of(request)
        try:
            batch = services.discard_batch(batch, actor=user)
        except services.TransitionError as exc:
            raise ApiError(409, "invalid_state", _("此批次当前不能放弃。")) from exc
        return Response(BatchSerializer(batch, context={"request": request}).data)


class BatchRetryView(DepartmentAPIView):
    @extend_schema(
        summary="Send a batch again whose worker stopped answering (see `worker` in its status)",
        request=None,
        responses={
            202: BatchSerializer,
            409: OpenApiResponse(description="its worker still answers"),
        },
    )
    def post(self, request, pk):
        batch = self.batch(request, pk)
        user, _label = actor_of(request)
        try:
            batch = services.retry_batch(batch, actor=user)
        except services.TransitionError as exc:
            raise ApiError(409, "invalid_state", _("此批次仍在处理中，无需重试。")) from exc
        batch.refresh_from_db()
        return Response(
            BatchSerializer(batch, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


# -- conditional sharing ------------------------------------------------------------


class SharedQuerySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    purpose = serializers.CharField(max_length=500)
    legal_basis = serializers.CharField(max_length=300)
    catalog_item = serializers.CharField(max_length=64, required=False, allow_blank=True)


class SharedRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    catalog_item = serializers.CharField(source="catalog_item.code")
    catalog_item_name = serializers.CharField(source="catalog_item.name")
    department = serializers.CharField(source="department.code")
    decision_no = serializers.CharField()
    decision_date = serializers.DateField()
    status = serializers.CharField()
    public_state = serializers.CharField()
    values = serializers.SerializerMethodField()

    def get_values(self, record) -> dict:
        return dict(record.shared_data)


class SharedQueryView(DepartmentAPIView):
    """A subject's shared-only records, for a key an operator granted sharing; registered."""

    for_shared_query = True

    @extend_schema(
        summary="Query a subject's shared-only records (purpose and legal basis required)",
        request=SharedQuerySerializer,
        responses={200: OpenApiTypes.OBJECT, 403: OpenApiResponse(description="not granted")},
    )
    def post(self, request):
        token = request.auth
        if not getattr(token, "shared_query", False):
            raise ApiError(403, "forbidden", _("此令牌未获准查询有条件共享信息。"))
        query = SharedQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        _user, label = actor_of(request)
        try:
            answer = sharing.query_shared(
                user=None,
                department=request.department,
                code=query.validated_data["code"],
                purpose=query.validated_data["purpose"],
                legal_basis=query.validated_data["legal_basis"],
                channel=QueryChannel.API,
                user_label=label,
                item_code=query.validated_data.get("catalog_item", ""),
            )
        except sharing.SharingRefused as exc:
            raise ApiError(403, "not_granted", "；".join(exc.messages)) from exc
        except DjangoValidationError as exc:
            raise ApiError(400, "bad_request", "；".join(exc.messages)) from exc
        if answer.subject is None:
            raise ApiError(404, "not_found", _("没有找到该代码对应的信用主体。"))
        return Response(
            {
                "subject": {
                    "name": answer.subject.name,
                    "code": answer.subject.public_code,
                    "kind": answer.subject.kind,
                },
                "records": SharedRecordSerializer(answer.records, many=True).data,
            }
        )
