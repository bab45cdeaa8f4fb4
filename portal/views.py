from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /api/",
        # Staff areas (each also requires a login).
        "Disallow: /workspace/",
        "Disallow: /review/",
        "Disallow: /staff/",
        "Disallow: /accounts/",
        "Disallow: /cases/",
        # Public search result pages, report downloads and list exports are endless or
        # personal-ish: crawlers index the pages, not every query.
        "Disallow: /search/",
        "Disallow: /en/search/",
        "Disallow: /reports/",
        "Disallow: /en/reports/",
        "Disallow: /*/export/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
