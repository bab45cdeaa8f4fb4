"""The public site's pages (DESIGN §1, platform 2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from portal.catalog.models import ListType
from portal.records.models import CreditRecord
from portal.subjects.models import Subject


class HomePage(Page):
    """The portal's home: search box, counters and the latest disclosures."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)
    body = RichTextField(_("正文"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        public = CreditRecord.objects.public()
        context["counters"] = {
            "subjects": Subject.objects.count(),
            "records": public.count(),
            "red": public.filter(catalog_item__list_type=ListType.RED).count(),
            "black": public.filter(catalog_item__list_type=ListType.BLACK).count(),
        }
        context["latest_records"] = public.select_related(
            "subject", "catalog_item", "department"
        ).order_by("-decision_date", "-id")[:10]
        return context


class StandardPage(Page):
    """A page of editors' prose (about the platform, guides)."""

    body = RichTextField(_("正文"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]

    class Meta:
        verbose_name = _("普通页面")
