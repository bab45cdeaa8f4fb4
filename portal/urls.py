import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from portal import views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("portal.accounts.urls")),
    path("", include("portal.assessment.urls")),
    path("workspace/", include("exchange.urls")),
    path("api/v1/exchange/", include("exchange.api_urls")),
    path("api/v1/", include("exchange.api_docs_urls")),
    # Public search API: /api/v1/search, /api/v1/suggest, /api/v1/subjects/<code>.
    path("api/v1/", include("search.urls")),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap),
    path("review/", include("portal.measures.urls")),
    # Objections and repair, staff side: /staff/cases/, /workspace/cases/, /api/v1/cases/.
    path("", include("portal.objections.urls")),
]

if settings.DEBUG or settings.PORTAL_SERVE_MEDIA:
    from django.views.static import serve

    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Objections and repair, public pages: /objections/new/, /repair/new/, /cases/ (and /en/…).
urlpatterns += i18n_patterns(
    path("", include("portal.objections.public_urls")), prefix_default_language=False
)
# Wagtail serves every remaining path; apps add their routes above this line.
urlpatterns += i18n_patterns(
    path("reports/", include("portal.reports.urls")),
    path("statistics/", include("portal.statistics.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
