"""The public search JSON API (a contract that acceptance checks use).

GET /api/v1/search?q=&kind=&item=&department=&district=&year=&list=&page=&per_page=&sort=
    -> {"total", "page", "per_page", "pages", "exact_code", "did_you_mean", "hits": [...],
        "facets": {...}}  (a hit of a near name has "match_reasons": ["同音字", …])
GET /api/v1/subjects/<code> -> a subject's published profile, or 404
GET /api/v1/suggest?q= -> {"suggestions": [{"name", "code"}]}
GET /api/v1/records/<id> -> one published record (with `statement`: the subject's own
    approved statement, or null); 410 with when and why if it was withdrawn; 404 if it
    never existed or was never public
GET /api/v1/withdrawals?since=&limit= and /api/v1/withdrawals.atom -> the withdrawal feed

Rate-limited per client (HTTP 429 with Retry-After and a sentence saying why).
"""

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes

from portal.core.ratelimit import rate_limited
from portal.records import visibility
from portal.records.models import WithdrawalGround
from search import withdrawal_feed
from search.backends import SearchUnavailable
from search.profiles import published_record
from search.service import SORTS, SearchQuery, search_public, subject_profile, suggest

SEARCH_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="名称、统一社会信用代码、文书号或内容"),
    OpenApiParameter(
        "kind", OpenApiTypes.STR, description="主体类别（enterprise、natural_person…）"
    ),
    OpenApiParameter("item", OpenApiTypes.STR, description="目录代码（ADM_PENALTY…）"),
    OpenApiParameter("department", OpenApiTypes.STR, description="部门代码（MARKET…）"),
    OpenApiParameter("district", OpenApiTypes.STR, description="区县代码（441302…）"),
    OpenApiParameter("year", OpenApiTypes.INT, description="决定年份"),
    OpenApiParameter("list", OpenApiTypes.STR, description="red 或 black"),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("per_page", OpenApiTypes.INT, description="每页条数，最多 50"),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS)),
]


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def query_from_params(params) -> SearchQuery:
    """A SearchQuery from request parameters (shared with the public site's search page)."""
    return SearchQuery(
        q=params.get("q", ""),
        kind=params.get("kind", ""),
        item=params.get("item", ""),
        department=params.get("department", ""),
        district=params.get("district", ""),
        year=_int(params.get("year")),
        list_type=params.get("list", "") or params.get("list_type", ""),
        page=_int(params.get("page"), 1),
        per_page=_int(params.get("per_page"), 20),
        sort=params.get("sort", "relevance"),
    )


def _unavailable():
    return JsonResponse(
        {"error": "search_unavailable", "detail": _("搜索服务暂时不可用，请稍后再试。")},
        status=503,
        headers={"Retry-After": "30"},
    )


@extend_schema(parameters=SEARCH_PARAMETERS, responses={200: OpenApiTypes.OBJECT}, tags=["search"])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def _search(request):
    try:
        results = search_public(query_from_params(request.GET))
    except SearchUnavailable:
        return _unavailable()
    return JsonResponse(results.as_json(), json_dumps_params={"ensure_ascii": False})


@extend_schema(responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT}, tags=["search"])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def _subject(request, code: str):
    profile = subject_profile(code)
    if profile is None:
        return JsonResponse(
            {"error": "not_found", "detail": _("未找到该主体的公示信息。")}, status=404
        )
    return JsonResponse(profile, json_dumps_params={"ensure_ascii": False})


@extend_schema(
    parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="名称开头")],
    responses={200: OpenApiTypes.OBJECT},
    tags=["search"],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def _suggest(request):
    try:
        items = suggest(request.GET.get("q", ""), _int(request.GET.get("limit"), 8))
    except SearchUnavailable:
        return _unavailable()
    return JsonResponse({"suggestions": items}, json_dumps_params={"ensure_ascii": False})


def _record_address(request, record_id: int) -> str:
    # The public record page's address (a route of the site's home page, /records/<id>/).
    return request.build_absolute_uri(f"/records/{record_id}/")


# Read when the schema is rendered, in its language: the grounds are the model's, every one.
_grounds_help = lazy(
    lambda: "撤下原因：" + "、".join(f"{g.value} {g.label}" for g in WithdrawalGround), str
)


def _withdrawal_fields() -> dict:
    return {
        "record_id": serializers.IntegerField(),
        "ground": serializers.ChoiceField(
            choices=WithdrawalGround.values,
            help_text=_grounds_help(),
        ),
        "ground_label": serializers.CharField(),
        "withdrawn_at": serializers.DateTimeField(),
    }


WITHDRAWN_RECORD = inline_serializer(
    "WithdrawnRecord",
    {
        "error": serializers.CharField(help_text="withdrawn"),
        "detail": serializers.CharField(),
        **_withdrawal_fields(),
    },
)
FEED_ENTRY = inline_serializer(
    "WithdrawalEntry",
    {
        "id": serializers.IntegerField(
            help_text="条目在订阅中的序号，按进入订阅的先后递增，作为下一页的 since"
        ),
        **_withdrawal_fields(),
        "subject_code": serializers.CharField(
            help_text="统一社会信用代码；自然人为遮蔽后的证件号码"
        ),
        "natural_person": serializers.BooleanField(),
        "url": serializers.URLField(help_text="记录原地址（现返回 410）"),
    },
    many=True,
)
FEED_PAGE = inline_serializer(
    "WithdrawalFeedPage",
    {
        "since": serializers.IntegerField(),
        "next_since": serializers.IntegerField(help_text="下一页请求的 since"),
        "has_more": serializers.BooleanField(),
        "next": serializers.URLField(),
        "entries": FEED_ENTRY,
    },
)
FEED_PARAMETERS = [
    OpenApiParameter(
        "since",
        OpenApiTypes.INT,
        description="游标：上一页最后一条的编号（next_since）；省略则从头开始",
    ),
    OpenApiParameter(
        "limit",
        OpenApiTypes.INT,
        description=f"每页条数，默认 {withdrawal_feed.DEFAULT_LIMIT}，"
        f"最多 {withdrawal_feed.MAX_LIMIT}",
    ),
]
BAD_CURSOR = inline_serializer(
    "FeedCursorError", {"error": serializers.CharField(), "detail": serializers.CharField()}
)


@extend_schema(
    responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT, 410: WITHDRAWN_RECORD},
    tags=["search"],
    description="一条公示中的信用记录（statement 为经平台审核的信用主体本人声明，"
    "不代表本平台或认定部门的意见；没有则为 null）。已撤下公示的记录返回 410 及撤下时间和原因（不含记录内容）；"
    "从未存在或从未公示的记录返回 404。",
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def _record(request, record_id: int):
    found = published_record(record_id)
    if found is not None:
        return JsonResponse(found, json_dumps_params={"ensure_ascii": False})
    withdrawn = visibility.find_withdrawn_record(record_id)
    if withdrawn is None:
        return JsonResponse(
            {"error": "not_found", "detail": _("该记录不存在或未公示。")}, status=404
        )
    return JsonResponse(
        {
            "error": "withdrawn",
            "detail": _("该记录已撤下公示。"),
            "record_id": withdrawn.record_id,
            "ground": withdrawn.ground,
            "ground_label": withdrawn.ground_label,
            "withdrawn_at": timezone.localtime(withdrawn.withdrawn_at).isoformat(),
        },
        status=410,
        json_dumps_params={"ensure_ascii": False},
    )


def _feed_page(request):
    """(page, next address) for the request's cursor; CursorError for a bad one."""
    since, limit = withdrawal_feed.parse_cursor(request.GET.get("since"), request.GET.get("limit"))
    page = withdrawal_feed.feed_page(since, limit)
    base = request.build_absolute_uri(request.path)
    next_url = f"{base}?since={page.next_since}"
    if limit != withdrawal_feed.DEFAULT_LIMIT:
        next_url += f"&limit={limit}"
    return page, next_url


def _bad_cursor(error):
    return JsonResponse(
        {"error": "bad_cursor", "detail": str(error)},
        status=400,
        json_dumps_params={"ensure_ascii": False},
    )


@extend_schema(
    parameters=FEED_PARAMETERS,
    responses={200: FEED_PAGE, 400: BAD_CURSOR},
    tags=["withdrawals"],
    description="撤下公示订阅（JSON）：信用修复、更正、公示期满、撤销、移出名单而撤下公示的记录，"
    "按进入订阅的先后排列。撤下在提交后片刻才进入订阅，序号在此时分配，不会排在已读过的条目之前；"
    "用 next_since 作为下一页的 since，可持续增量获取，不会漏读；转载过这些记录的网站应同步删除。",
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def _withdrawals(request):
    try:
        page, next_url = _feed_page(request)
    except withdrawal_feed.CursorError as error:
        return _bad_cursor(error)
    body = withdrawal_feed.page_json(
        page, lambda record_id: _record_address(request, record_id), next_url
    )
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@extend_schema(
    parameters=FEED_PARAMETERS,
    responses={
        (200, "application/atom+xml"): OpenApiTypes.STR,
        400: BAD_CURSOR,
    },
    tags=["withdrawals"],
    description="撤下公示订阅（Atom），内容与 JSON 订阅相同，撤下同样在提交后片刻才出现；"
    '下一页见 rel="next" 链接。',
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def _withdrawals_atom(request):
    try:
        page, next_url = _feed_page(request)
    except withdrawal_feed.CursorError as error:
        return _bad_cursor(error)
    body = withdrawal_feed.page_atom(
        page,
        feed_url=request.build_absolute_uri(),
        site_url=request.build_absolute_uri("/"),
        record_url=lambda record_id: _record_address(request, record_id),
        next_url=next_url,
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


search_api = require_GET(rate_limited("search", 60, 60)(_search))
subject_api = require_GET(rate_limited("subject", 120, 60)(_subject))
suggest_api = require_GET(rate_limited("suggest", 240, 60)(_suggest))
record_api = require_GET(rate_limited("record", 120, 60)(_record))
withdrawals_api = require_GET(rate_limited("withdrawals", 60, 60)(_withdrawals))
withdrawals_atom = require_GET(rate_limited("withdrawals", 60, 60)(_withdrawals_atom))
