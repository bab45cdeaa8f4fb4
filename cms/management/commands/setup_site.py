"""Create the public site's page tree, menus and demo content. Idempotent.

Pages, menus and settings that already exist are left as editors made them;
only what is missing is created. Safe to run on every `make setup`.
"""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_supported_language_variant
from wagtail.models import Locale, Page, Site

from cms.lists import ListKind
from cms.models import (
    DisclosureListPage,
    FooterLink,
    HomeFeaturedList,
    HomePage,
    MainMenuItem,
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyLevel,
    PolicyPage,
    SiteChrome,
    StandardPage,
)

LISTS = [
    (
        "licences",
        "行政许可公示",
        ListKind.LICENCES,
        "<p>各部门作出的行政许可决定，自作出决定之日起7个工作日内公示，有效期内持续公示。</p>",
        "行政许可决定，有效期内公示",
    ),
    (
        "penalties",
        "行政处罚公示",
        ListKind.PENALTIES,
        "<p>一般失信行为的行政处罚信息公示期最短3个月、最长1年；严重失信行为最短1年、最长3年。"
        "仅给予警告的处罚不予公示。</p>",
        "按失信程度确定公示期限",
    ),
    (
        "red-list",
        "红名单",
        ListKind.RED,
        "<p>纳税信用A级纳税人、表彰奖励等守信主体，依法享受守信激励措施。</p>",
        "守信激励对象",
    ),
    (
        "black-list",
        "黑名单",
        ListKind.BLACK,
        "<p>失信被执行人、严重违法失信名单等严重失信主体，依法依规实施失信惩戒。</p>",
        "严重失信主体名单",
    ),
]

NEWS = [
    (
        "platform-launch",
        "惠州市公共信用信息公示平台正式上线",
        -40,
        "平台实现信用信息统一查询、双公示、异议申诉、信用修复和信用报告在线办理。",
        "<p>为深入推进社会信用体系建设，惠州市公共信用信息公示平台正式上线运行。平台归集全市各部门"
        "报送的行政许可、行政处罚、红黑名单等公共信用信息，向社会提供统一查询服务。</p>"
        "<p>企业和群众可通过平台查询信用主体的公示信息，下载信用报告，对公示信息提出异议，"
        "并在线申请信用修复，全程免费。</p>",
    ),
    (
        "penalty-disclosure-periods",
        "行政处罚信息公示期限新规4月1日起施行",
        -20,
        "轻微、一般、严重失信行为的行政处罚信息分别适用不同公示期限。",
        "<p>根据新规，涉及轻微失信行为的行政处罚信息原则上不公示，确需公示的最长公示3个月；"
        "一般失信行为的行政处罚信息最短公示3个月、最长公示1年；严重失信行为的行政处罚信息"
        "最短公示1年、最长公示3年。仅受到警告处罚的信息不予公示。</p>"
        "<p>公示期满的信息将自动停止公示；最短公示期届满后，信用主体可申请信用修复。</p>",
    ),
    (
        "credit-repair-online",
        "信用修复实现“网上办、免费办、限时办”",
        -7,
        "信用修复申请全程网上办理，认定部门3个工作日内作出决定。",
        "<p>符合条件的信用主体可通过平台提交信用修复申请，上传整改证明材料并签署信用承诺书。"
        "认定部门自收到申请之日起3个工作日内作出决定，申请人10个工作日内获知结果。</p>"
        "<p>信用修复不收取任何费用，请勿相信任何收费代办信息。</p>",
    ),
]

POLICIES = [
    (
        "guofa-2016-33",
        "国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见",
        "国务院",
        "国发〔2016〕33号",
        PolicyLevel.NATIONAL,
        dt.date(2016, 5, 30),
        None,
        "建立完善守信联合激励和失信联合惩戒制度的总体要求和主要措施。",
    ),
    (
        "guobanfa-2020-49",
        "国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见",
        "国务院办公厅",
        "国办发〔2020〕49号",
        PolicyLevel.NATIONAL,
        dt.date(2020, 12, 7),
        None,
        "规范失信行为认定、公共信用信息公开、严重失信主体名单认定和信用修复。",
    ),
    (
        "ndrc-order-58",
        "失信行为纠正后的信用信息修复管理办法（试行）",
        "国家发展和改革委员会",
        "国家发展改革委令2023年第58号",
        PolicyLevel.NATIONAL,
        dt.date(2023, 1, 13),
        dt.date(2023, 3, 1),
        "信用信息修复的方式、条件、程序和时限。",
    ),
    (
        "huizhou-disclosure-rules",
        "惠州市公共信用信息公示管理办法（演示文本）",
        "惠州市社会信用体系建设工作领导小组办公室",
        "",
        PolicyLevel.MUNICIPAL,
        None,
        None,
        "本平台公共信用信息的归集、公示、异议处理和信用修复规则（演示内容）。",
    ),
]

ABOUT_BODY = (
    "<p>惠州市公共信用信息公示平台（信用惠州）是全市公共信用信息的统一公示窗口，"
    "按照“一库一网两平台”建设：一库为公共信用信息基础数据库，一网为信用门户网站，"
    "两平台为信用信息共享交换平台和信用信息发布平台。</p>"
    "<h2>信息来源</h2><p>平台公示的信息由市场监督管理、税务、法院、人力资源和社会保障、"
    "生态环境、住房和城乡建设等部门依法报送，平台如实记录、统一公示。</p>"
    "<h2>个人信息保护</h2><p>自然人的身份证件号码一律脱敏显示；未成年人的信息不予公示；"
    "平台不提供自然人信息的批量下载。</p>"
    "<h2>异议与信用修复</h2><p>认为公示信息有误的，可在记录详情页提出异议；"
    "符合条件的失信信息可申请信用修复。异议处理和信用修复均不收取任何费用。</p>"
)


class Command(BaseCommand):
    help = "Create the public site's pages, menus and demo content (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            home = self.home_page()
            lists = {slug: self.list_page(home, slug, *rest) for slug, *rest in LISTS}
            news_index = self.child(
                home,
                NewsIndexPage,
                "news",
                title="信用动态",
                intro="社会信用体系建设工作动态和通知公告。",
            )
            for slug, title, days, summary, body in NEWS:
                self.child(
                    news_index,
                    NewsPage,
                    slug,
                    title=title,
                    date=timezone.localdate() + dt.timedelta(days=days),
                    source="信用惠州",
                    summary=summary,
                    body=body,
                )
            policy_index = self.child(
                home,
                PolicyIndexPage,
                "policies",
                title="政策法规",
                intro="社会信用相关法律法规和政策文件。",
            )
            for slug, title, authority, number, level, issued, effective, summary in POLICIES:
                self.child(
                    policy_index,
                    PolicyPage,
                    slug,
                    title=title,
                    issuing_authority=authority,
                    document_number=number,
                    level=level,
                    issued_on=issued or timezone.localdate(),
                    effective_on=effective,
                    summary=summary,
                    body=f"<p>{summary}</p><p>全文以发布机关公布的文本为准。</p>",
                )
            about = self.child(home, StandardPage, "about", title="关于平台", body=ABOUT_BODY)
            self.featured(home, lists)
            self.chrome(home, lists, news_index, policy_index, about)
        self.stdout.write(f"Site ready: {Page.objects.live().descendant_of(home).count()} pages.")

    # -- pages -------------------------------------------------------------
    def home_page(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node() or self.root_page()
            home = HomePage(
                live=True,
                title="联合征信平台",
                slug="home",
                intro="一库一网两平台：公共信用信息查询、公示、异议与信用修复",
            )
            root.add_child(instance=home)
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={
                "hostname": "localhost",
                "port": 80,
                "site_name": "信用惠州",
                "root_page": home,
            },
        )
        return home

    def root_page(self) -> Page:
        """The tree's root (a flushed test database has none)."""
        language = get_supported_language_variant(settings.LANGUAGE_CODE)
        locale, _ = Locale.objects.get_or_create(language_code=language)
        return Page.add_root(instance=Page(title="Root", slug="root", locale=locale))

    def child(self, parent, model, slug, **fields):
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing is not None:
            return existing
        # Created live; the first edit in Wagtail starts the page's revision history.
        page = model(slug=slug, live=True, **fields)
        parent.add_child(instance=page)
        self.stdout.write(f"  created {model.__name__} /{slug}/")
        return page

    def list_page(self, home, slug, title, kind, intro, _blurb):
        return self.child(home, DisclosureListPage, slug, title=title, list_kind=kind, intro=intro)

    # -- home and chrome -------------------------------------------------------
    def featured(self, home, lists):
        if home.featured_lists.exists():
            return
        for order, (slug, _title, _kind, _intro, blurb) in enumerate(LISTS):
            HomeFeaturedList.objects.create(
                page=home, list_page=lists[slug], blurb=blurb, sort_order=order
            )

    def chrome(self, home, lists, news_index, policy_index, about):
        site = Site.objects.get(is_default_site=True)
        chrome, _ = SiteChrome.objects.get_or_create(
            site=site,
            defaults={
                "site_name_en": "Credit Huizhou",
                "site_subtitle_en": "Huizhou Public Credit Information Portal",
                "contact_phone": "0752-12345",
                "address": "惠州市惠城区（演示地址）",
                "icp_record": "粤ICP备00000000号（演示）",
                "footer_note": "本网站公示的信用信息由各部门依法提供。如认为信息有误，"
                "可通过异议申诉渠道提出；异议处理和信用修复均不收取任何费用。",
            },
        )
        self.links(
            chrome.main_menu_items,
            MainMenuItem,
            chrome,
            [
                ("信用查询", "Search", None, home.search_url()),
                ("行政许可", "Licences", lists["licences"], ""),
                ("行政处罚", "Penalties", lists["penalties"], ""),
                ("红名单", "Red list", lists["red-list"], ""),
                ("黑名单", "Black list", lists["black-list"], ""),
                ("信用动态", "News", news_index, ""),
                ("政策法规", "Policies", policy_index, ""),
                ("信用统计", "Statistics", None, "/statistics/"),
                ("报告核验", "Verify a report", None, "/reports/verify/"),
            ],
        )
        self.links(
            chrome.footer_links,
            FooterLink,
            chrome,
            [
                ("关于平台", "About", about, ""),
                ("异议申诉", "Objections", None, "/objections/new/"),
                ("信用修复", "Credit repair", None, "/repair/new/"),
                ("报告核验", "Verify a report", None, "/reports/verify/"),
            ],
        )

    def links(self, existing, model, chrome, rows):
        """Create a menu's links, unless editors already keep that menu."""
        if existing.exists():
            return
        for order, (title, title_en, page, url) in enumerate(rows):
            model.objects.create(
                setting=chrome,
                title=title,
                title_en=title_en,
                link_page=page,
                link_url=url,
                sort_order=order,
            )
