"""Header, footer and menus, edited by the site's editors in Wagtail (设置 → 网站外观)."""

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable

from cms.localise import is_english, localised_path


@register_setting(icon="site")
class SiteChrome(ClusterableModel, BaseSiteSetting):
    """What every public page shows around its content."""

    site_name = models.CharField(_("网站名称"), max_length=60, default="信用惠州")
    site_name_en = models.CharField(_("网站英文名称"), max_length=100, blank=True)
    site_subtitle = models.CharField(
        _("网站副标题"), max_length=100, default="惠州市公共信用信息公示平台"
    )
    site_subtitle_en = models.CharField(_("网站英文副标题"), max_length=150, blank=True)
    organiser = models.CharField(
        _("主办单位"), max_length=100, default="惠州市社会信用体系建设工作领导小组办公室"
    )
    organiser_en = models.CharField(_("主办单位英文名称"), max_length=200, blank=True)
    operator = models.CharField(_("承办单位"), max_length=100, blank=True)
    operator_en = models.CharField(_("承办单位英文名称"), max_length=200, blank=True)
    contact_phone = models.CharField(_("咨询电话"), max_length=50, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    address_en = models.CharField(_("英文地址"), max_length=300, blank=True)
    icp_record = models.CharField(_("ICP备案号"), max_length=60, blank=True)
    police_record = models.CharField(_("公安机关备案号"), max_length=60, blank=True)
    footer_note = models.TextField(
        _("页脚说明"),
        blank=True,
        help_text=_("例如：本网站公示的信用信息由各部门提供，如有异议请通过异议申诉渠道提出。"),
    )
    footer_note_en = models.TextField(_("页脚说明（英文）"), blank=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("site_name"),
                FieldPanel("site_name_en"),
                FieldPanel("site_subtitle"),
                FieldPanel("site_subtitle_en"),
            ],
            heading=_("页眉"),
        ),
        InlinePanel("main_menu_items", label=_("主导航")),
        InlinePanel("footer_links", label=_("页脚链接")),
        MultiFieldPanel(
            [
                FieldPanel("organiser"),
                FieldPanel("organiser_en"),
                FieldPanel("operator"),
                FieldPanel("operator_en"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_email"),
                FieldPanel("address"),
                FieldPanel("address_en"),
                FieldPanel("icp_record"),
                FieldPanel("police_record"),
                FieldPanel("footer_note"),
                FieldPanel("footer_note_en"),
            ],
            heading=_("页脚"),
        ),
    ]

    class Meta:
        verbose_name = _("网站外观（页眉、页脚与导航）")

    def localised(self, field: str) -> str:
        """The English variant of a field when the visitor reads English and one is set."""
        english = getattr(self, f"{field}_en", "")
        if english and is_english():
            return english
        return getattr(self, field)

    @cached_property
    def main_menu(self) -> list:
        return list(self.main_menu_items.select_related("link_page"))

    @cached_property
    def footer_menu(self) -> list:
        return list(self.footer_links.select_related("link_page"))

    @property
    def display_name(self) -> str:
        return self.localised("site_name")

    @property
    def display_subtitle(self) -> str:
        return self.localised("site_subtitle")

    @property
    def display_organiser(self) -> str:
        return self.localised("organiser")

    @property
    def display_operator(self) -> str:
        return self.localised("operator")

    @property
    def display_address(self) -> str:
        return self.localised("address")

    @property
    def display_footer_note(self) -> str:
        return self.localised("footer_note")


class MenuLink(Orderable):
    """A link to a page of the site or to another address, with an English title."""

    title = models.CharField(_("标题"), max_length=40)
    title_en = models.CharField(_("英文标题"), max_length=60, blank=True)
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("链接页面"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    link_url = models.CharField(
        _("链接地址"),
        max_length=255,
        blank=True,
        help_text=_("站内功能页面的地址（例如 /objections/new/）；选择了链接页面时忽略。"),
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("title_en"),
        FieldPanel("link_page"),
        FieldPanel("link_url"),
    ]

    class Meta(Orderable.Meta):
        abstract = True

    def __str__(self):
        return self.title

    @property
    def label(self) -> str:
        if self.title_en and is_english():
            return self.title_en
        return self.title

    @property
    def url(self) -> str:
        if self.link_page_id:
            # The page's translation in the reader's language, where editors made one.
            return self.link_page.localized.url or "#"
        if self.link_url.startswith("/"):
            return localised_path(self.link_url)
        return self.link_url or "#"


class MainMenuItem(MenuLink):
    setting = ParentalKey(SiteChrome, related_name="main_menu_items", on_delete=models.CASCADE)

    class Meta(MenuLink.Meta):
        verbose_name = _("主导航项")


class FooterLink(MenuLink):
    setting = ParentalKey(SiteChrome, related_name="footer_links", on_delete=models.CASCADE)

    class Meta(MenuLink.Meta):
        verbose_name = _("页脚链接")
