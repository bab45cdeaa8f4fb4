"""The public pages, mounted inside i18n_patterns: /objections/new/ and /en/objections/new/
(/repair/new/, /statements/new/, /cases/ likewise)."""

from django.urls import path

from portal.objections.views import public

app_name = "objections"

urlpatterns = [
    path("objections/new/", public.objection_new, name="objection_new"),
    path("repair/new/", public.repair_new, name="repair_new"),
    path("statements/new/", public.statement_new, name="statement_new"),
    path("cases/", public.case_lookup, name="case_lookup"),
    path("cases/<str:tracking_no>/", public.case_status, name="case_status"),
    path(
        "cases/<str:tracking_no>/withdraw-statement/",
        public.statement_withdraw,
        name="statement_withdraw",
    ),
]
