"""The public search JSON API (a contract that acceptance checks use).

GET /api/v1/search?q=&kind=&item=&department=&district=&year=&list=&page=&per_page=&sort=
    -> {"total", "page", "per_page", "pages", "exact_code", "did_you_mean", "hits": [...],
        "facets": {...}}  (a hit of a near name has "match_reasons": ["同音字", …])
GET /api/v1/subjects/<code> -> a subject's published profile, or 404
GET /api/v1/suggest?q= -> {"suggestions": [{"name", "code"}]}

Rate-limited per client (HTTP 429 with Retry-After and a sentence saying why).
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes

from portal.core.ratelimit import rate_limited
from search.backends import SearchUnavailable
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


search_api = require_GET(rate_limited("search", 60, 60)(_search))
subject_api = require_GET(rate_limited("subject", 120, 60)(_subject))
suggest_api = require_GET(rate_limited("suggest", 240, 60)(_suggest))
