"""The public site's pages (docs/domain.md).

Editors build the page tree in Wagtail; the dynamic pages (search results,
a subject's credit profile, one record) are routes of the home page, so they
render inside the same site with the header, menus and footer editors keep.
"""

from urllib.parse import urlsplit

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from cms import lists, pagecache, profiles
from cms.caching import PublicCacheMixin, public_max_age
from cms.forms import ListFilterForm
from cms.ratelimits import throttle
from cms.search_page import run_search
from portal.catalog.models import ListType
from portal.core.caching import mark_private
from portal.core.spreadsheets import write_csv
from portal.core.text import normalise_code
from portal.records import visibility
from portal.subjects.models import Subject

COUNTERS_CACHE_KEY = "cms:home:counters"
COUNTERS_CACHE_SECONDS = 300


def site_counters() -> dict:
    """The home page's figures; counted at most every five minutes."""
    counters = cache.get(COUNTERS_CACHE_KEY)
    if counters is None:
        public = visibility.public_records()
        counters = {
            "subjects": Subject.objects.count(),
            "records": public.count(),
            "red": public.filter(catalog_item__list_type=ListType.RED).count(),
            "black": public.filter(catalog_item__list_type=ListType.BLACK).count(),
        }
        cache.set(COUNTERS_CACHE_KEY, counters, COUNTERS_CACHE_SECONDS)
    return counters


class HomePage(PublicCacheMixin, RoutablePageMixin, Page):
    """The portal's home, and the routes of the dynamic public pages."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)
    body = RichTextField(_("正文"), blank=True)
    search_hint = models.CharField(
        _("搜索提示"),
        max_length=100,
        blank=True,
        default="输入企业名称、统一社会信用代码或决定文书号",
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("search_hint"),
        FieldPanel("body"),
        InlinePanel("featured_lists", label=_("首页推荐的公示栏目")),
    ]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.StandardPage",
        "cms.NewsIndexPage",
        "cms.PolicyIndexPage",
        "cms.DisclosureListPage",
    ]

    class Meta:
        verbose_name = _("首页")

    # -- home --------------------------------------------------------------
    @path("", name="index_route")
    def index_route(self, request, *args, **kwargs):
        pagecache.depends_on(
            request, pagecache.children_tag(self.pk), pagecache.RECORDS, pagecache.CATALOG
        )
        news = (
            NewsPage.objects.live().descendant_of(self).order_by("-date", "-first_published_at")[:5]
        )
        policies = (
            PolicyPage.objects.live()
            .descendant_of(self)
            .order_by("-issued_on", "-first_published_at")[:5]
        )
        latest = lists.latest_public(8)
        featured = [f for f in self.featured_lists.select_related("list_page") if f.list_page.live]
        return self.render(
            request,
            context_overrides={
                "counters": site_counters(),
                "latest_records": latest,
                "news_pages": news,
                "policy_pages": policies,
                "featured_lists": featured,
                "hide_header_search": True,
            },
        )

    # -- search ------------------------------------------------------------
    @path("search/", name="search")
    def search(self, request):
        limited = throttle(request, "public_search")
        if limited:
            return limited
        # The index catches up after records_changed (the outbox), so a page rendered just
        # after a change may still show the old state: kept only as long as shared caches may.
        pagecache.depends_on(request, pagecache.RECORDS, pagecache.CATALOG)
        pagecache.keep_at_most(request, public_max_age())
        if request.GET.get("q", "").strip():
            # Free text makes nearly every address new: a kept copy is seldom asked for again
            # (measured in docs/benchmarks.md). Browsing by facets repeats, and is kept.
            pagecache.do_not_keep(request)
        context = run_search(request, self.search_url())
        context["hide_header_search"] = True
        results = context.get("results")
        if results is not None and results.exact_code and "page" not in request.GET:
            # A full code names one subject: go straight to its profile.
            return redirect(self.subject_url_for_code(results.exact_code))
        response = self.render(
            request, template="cms/search_results.html", context_overrides=context
        )
        if context.get("unavailable"):
            response.status_code = 503
            response["Retry-After"] = "60"
        return response

    # -- subject profile -----------------------------------------------------
    @path("subjects/<str:code>/", name="subject_profile")
    def subject_profile(self, request, code):
        limited = throttle(request, "public_profile")
        if limited:
            return limited
        pagecache.depends_on(
            request,
            pagecache.SUBJECTS,
            pagecache.subject_tag(normalise_code(code)),
            pagecache.CATALOG,
        )
        subject = visibility.find_public_subject(code)
        if subject is None:
            raise Http404(_("未找到该信用主体的公示信息"))
        profile = profiles.build_profile(
            subject, item_code=request.GET.get("item", ""), page=request.GET.get("page", 1)
        )
        return self.render(
            request,
            template="cms/subject_profile.html",
            context_overrides={
                "profile": profile,
                "subject": subject,
                "today": timezone.localdate(),
            },
        )

    @path("records/<int:record_id>/", name="record_detail")
    def record_detail(self, request, record_id):
        limited = throttle(request, "public_profile")
        if limited:
            return limited
        pagecache.depends_on(
            request, pagecache.SUBJECTS, pagecache.record_tag(record_id), pagecache.CATALOG
        )
        record = visibility.find_public_record(record_id)
        if record is None:
            withdrawn = visibility.find_withdrawn_record(record_id)
            if withdrawn is None:
                raise Http404(_("该记录不存在或未公示"))
            # Gone for good: copies elsewhere should be taken down too (410, not 404).
            response = self.render(
                request,
                template="cms/record_withdrawn.html",
                context_overrides={"withdrawal": withdrawn},
            )
            response.status_code = 410
            return response
        # Named after the read: only a change of the subject itself (a new name) can slip
        # between, and the page cache's lifetime bounds that.
        pagecache.depends_on(request, pagecache.subject_tag(record.subject.code))
        return self.render(
            request,
            template="cms/record_detail.html",
            context_overrides={
                "record": record,
                "title": visibility.public_title(record),
                "subject": record.subject,
                "fields": profiles.record_fields(record),
                "actions": profiles.record_actions(record),
                "statement": visibility.public_statement(record),
            },
        )

    def subject_url(self, subject) -> str:
        return self.subject_url_for_code(subject.code)

    def subject_url_for_code(self, code: str) -> str:
        return self.url + self.reverse_subpage("subject_profile", kwargs={"code": code})

    def record_url(self, record) -> str:
        return self.url + self.reverse_subpage("record_detail", kwargs={"record_id": record.pk})

    def search_url(self) -> str:
        return self.url + self.reverse_subpage("search")


class HomeFeaturedList(Orderable):
    """A disclosure list the home page features, with a sentence about it."""

    page = ParentalKey(HomePage, related_name="featured_lists", on_delete=models.CASCADE)
    list_page = models.ForeignKey(
        "cms.DisclosureListPage", verbose_name=_("公示栏目"), on_delete=models.CASCADE
    )
    blurb = models.CharField(_("说明"), max_length=120, blank=True)

    panels = [FieldPanel("list_page"), FieldPanel("blurb")]

    class Meta(Orderable.Meta):
        verbose_name = _("推荐栏目")


class StandardPage(PublicCacheMixin, Page):
    """A page of editors' prose (about the platform, guides)."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)
    body = RichTextField(_("正文"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("普通页面")


class ArticleIndexPage(PublicCacheMixin, Page):
    """An index of dated articles (its children), newest first, paginated."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    per_page = 10
    date_field = ""

    class Meta:
        abstract = True

    def article_model(self):
        raise NotImplementedError

    def cache_tags(self) -> list[str]:
        return [*super().cache_tags(), pagecache.children_tag(self.pk)]

    def filter_articles(self, request, articles, context):
        """Narrow the articles by the request (none by default)."""
        return articles

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = (
            self.article_model()
            .objects.live()
            .child_of(self)
            .order_by(f"-{self.date_field}", "-first_published_at")
        )
        articles = self.filter_articles(request, articles, context)
        context["articles"] = Paginator(articles, self.per_page).get_page(request.GET.get("page"))
        return context


class NewsIndexPage(ArticleIndexPage):
    """信用动态: the platform's news."""

    subpage_types = ["cms.NewsPage"]
    date_field = "date"

    class Meta:
        verbose_name = _("新闻栏目")

    def article_model(self):
        return NewsPage


class NewsPage(PublicCacheMixin, Page):
    """One news article."""

    date = models.DateField(_("发布日期"), default=timezone.localdate)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    body = RichTextField(_("正文"))

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("date"), FieldPanel("source")], heading=_("发布信息")),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("新闻")


class PolicyLevel(models.TextChoices):
    NATIONAL = "national", _("国家")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")


class PolicyIndexPage(ArticleIndexPage):
    """政策法规: laws, regulations and policy documents on social credit."""

    subpage_types = ["cms.PolicyPage"]
    date_field = "issued_on"

    class Meta:
        verbose_name = _("政策法规栏目")

    def article_model(self):
        return PolicyPage

    def filter_articles(self, request, articles, context):
        level = request.GET.get("level", "")
        context["levels"] = PolicyLevel.choices
        context["current_level"] = level if level in PolicyLevel.values else ""
        return articles.filter(level=level) if context["current_level"] else articles


class PolicyPage(PublicCacheMixin, Page):
    """One law, regulation or policy document."""

    document_number = models.CharField(_("发文字号"), max_length=100, blank=True)
    issuing_authority = models.CharField(_("发文机关"), max_length=100)
    level = models.CharField(
        _("层级"), max_length=16, choices=PolicyLevel.choices, default=PolicyLevel.MUNICIPAL
    )
    issued_on = models.DateField(_("发布日期"), default=timezone.localdate)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    body = RichTextField(
        _("正文"), blank=True, help_text=_("文件全文；不转载全文时请填写原文链接。")
    )
    source_url = models.URLField(
        _("原文链接"), blank=True, help_text=_("发布机关公布原文的网址，例如中国政府网的文件页面。")
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("document_number"),
                FieldPanel("issuing_authority"),
                FieldPanel("level"),
                FieldPanel("issued_on"),
                FieldPanel("effective_on"),
            ],
            heading=_("文件信息"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("source_url"),
    ]
    parent_page_types = ["cms.PolicyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("政策法规")

    def clean(self):
        super().clean()
        if not self.body_text() and not self.source_url:
            raise ValidationError({"body": _("请填写文件全文或原文链接。")})

    def body_text(self) -> str:
        return strip_tags(self.body or "").strip()

    @property
    def source_site(self) -> str:
        """The source link's host when it points at a site or a section of one (its path ends
        in "/"), not at the document itself: the link then names the site, not "the original"."""
        parts = urlsplit(self.source_url or "")
        at_folder = parts.path == "" or parts.path.endswith("/")
        return parts.netloc if parts.netloc and at_folder else ""

    @property
    def lead(self) -> str:
        """The summary, unless the full text already opens with it (never said twice)."""
        summary = (self.summary or "").strip()
        if summary and summary in self.body_text()[: len(summary) + 20]:
            return ""
        return summary


class DisclosureListPage(PublicCacheMixin, RoutablePageMixin, Page):
    """A public disclosure list: filterable, paginated, exportable as CSV."""

    list_kind = models.CharField(_("公示类别"), max_length=16, choices=lists.ListKind.choices)
    intro = RichTextField(_("说明"), blank=True)
    per_page = models.PositiveSmallIntegerField(_("每页条数"), default=20)

    content_panels = Page.content_panels + [
        FieldPanel("list_kind"),
        FieldPanel("intro"),
        FieldPanel("per_page"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("公示栏目")

    def cache_tags(self) -> list[str]:
        return [*super().cache_tags(), pagecache.list_tag(self.list_kind), pagecache.CATALOG]

    def _filters(self, request):
        form = ListFilterForm(request.GET or None, kind=self.list_kind)
        return form, form.filters()

    @path("", name="index_route")
    def index_route(self, request, *args, **kwargs):
        form, filters = self._filters(request)
        records = lists.list_records(self.list_kind, filters)
        per_page = max(5, min(self.per_page, 100))
        page = lists.record_page(records, request.GET.get("page"), per_page)
        return self.render(
            request,
            context_overrides={
                "form": form,
                "filters": filters,
                "records_page": page,
                "columns": lists.columns_for(self.list_kind),
                "export_url": self.url + self.reverse_subpage("export"),
                "export_max_rows": lists.export_max_rows(),
            },
        )

    @path("export/", name="export")
    def export(self, request):
        limited = throttle(request, "public_list_export")
        if limited:
            return limited
        _form, filters = self._filters(request)
        data = write_csv(lists.export_rows(self.list_kind, filters))
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="{self.list_kind}-{stamp}.csv"'
        response["X-Robots-Tag"] = "noindex"
        return mark_private(response)
