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
        dt.date(2023, 5, 1),
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

# Where the official text of a starter policy is published. Only addresses confirmed
# against what the issuers publish are linked: the NDRC lists its orders at the address
# below; the State Council documents' own pages could not be confirmed, so their pages
# link www.gov.cn and say where on it the document is.
POLICY_SOURCES = {
    "guofa-2016-33": "https://www.gov.cn/",
    "guobanfa-2020-49": "https://www.gov.cn/",
    "ndrc-order-58": "https://www.ndrc.gov.cn/xxgk/zcfb/fzggwl/",
}
# Addresses earlier starter sites linked without confirmation: replaced where still unchanged.
RETIRED_SOURCES = {
    "guofa-2016-33": "https://www.gov.cn/zhengce/content/2016-06/12/content_5081222.htm",
    "guobanfa-2020-49": "https://www.gov.cn/zhengce/content/2020-12/18/content_5570954.htm",
}
# Dates earlier starter sites got wrong: (slug, field) -> (wrong, right). The order's
# preamble says it takes effect on 1 May 2023.
CORRECTED_DATES = {("ndrc-order-58", "effective_on"): (dt.date(2023, 3, 1), dt.date(2023, 5, 1))}
# Where on the issuer's site the full text is (Chinese, English): the body of the page.
POLICY_WHERE = {
    "guofa-2016-33": (
        "<p>全文由国务院在中国政府网（www.gov.cn）公布，可在其“政策”栏目的国务院政策文件库"
        "按发文字号“国发〔2016〕33号”检索。</p>",
        "<p>The full text is published by the State Council on the Chinese Government website "
        "(www.gov.cn): search the State Council policy library in its Policies section for "
        "document number 国发〔2016〕33号.</p>",
    ),
    "guobanfa-2020-49": (
        "<p>全文由国务院办公厅在中国政府网（www.gov.cn）公布，可在其“政策”栏目的国务院政策文件库"
        "按发文字号“国办发〔2020〕49号”检索。</p>",
        "<p>The full text is published by the General Office of the State Council on the Chinese "
        "Government website (www.gov.cn): search the State Council policy library in its "
        "Policies section for document number 国办发〔2020〕49号.</p>",
    ),
    "ndrc-order-58": (
        "<p>全文由国家发展和改革委员会以委令形式公布，列于该委网站“发展改革委令”栏目"
        "（国家发展改革委令2023年第58号）。</p>",
        "<p>The full text is published by the National Development and Reform Commission as "
        "NDRC Order No. 58 of 2023, listed among the Commission's orders on its website.</p>",
    ),
}
# The demo municipal rules are this portal's own text: their page carries it in full.
MUNICIPAL_RULES_BODY = (
    "<h2>第一条　适用范围</h2><p>本办法适用于本市公共信用信息的归集、公示、异议处理和信用修复。</p>"
    "<h2>第二条　信息归集</h2><p>各部门按照公共信用信息目录，通过信用信息共享交换平台报送本部门"
    "产生的公共信用信息，并对报送信息的真实性、准确性负责。</p>"
    "<h2>第三条　公示期限</h2><p>行政许可信息在许可有效期内公示；行政处罚信息按失信程度确定公示"
    "期限，公示期满自动停止公示。</p>"
    "<h2>第四条　异议处理</h2><p>信用主体认为公示信息有误的，可以提出异议申请，平台在规定的工作"
    "日内作出处理。</p>"
    "<h2>第五条　信用修复</h2><p>信用主体纠正失信行为、履行相关义务后，可以按规定申请信用修复。</p>"
)
MUNICIPAL_RULES_BODY_EN = (
    "<h2>Article 1 Scope</h2><p>These measures govern how the city's public credit "
    "information is gathered, disclosed, objected to and repaired.</p>"
    "<h2>Article 2 Gathering</h2><p>Departments submit the public credit information they "
    "produce, following the public credit information catalog, through the credit "
    "information exchange platform, and answer for its truth and accuracy.</p>"
    "<h2>Article 3 Disclosure periods</h2><p>Licences are shown while valid; penalties are "
    "shown for a period set by the severity of the dishonesty and stop being shown when it "
    "ends.</p>"
    "<h2>Article 4 Objections</h2><p>A subject who believes published information is wrong "
    "may object; the portal answers within the set number of working days.</p>"
    "<h2>Article 5 Credit repair</h2><p>A subject who has corrected the dishonest conduct and "
    "met its obligations may apply for credit repair as the rules provide.</p>"
)

# The starter pages in English: (Chinese slug) -> fields of the English translation.
HOME_EN = {
    "title": "Joint Credit Portal",
    "intro": "One database, one network, two platforms: search, disclosure, objections and "
    "credit repair",
    "search_hint": "Enter a company name, unified social credit code or decision number",
}
LISTS_EN = {
    "licences": (
        "Administrative licences",
        "<p>Licensing decisions of the city's departments, published within 7 working days "
        "of the decision and shown while the licence is valid.</p>",
        "Licensing decisions, shown while valid",
    ),
    "penalties": (
        "Administrative penalties",
        "<p>Penalties for general dishonesty are shown for at least 3 months and at most 1 "
        "year; for serious dishonesty at least 1 year and at most 3 years. Penalties of a "
        "warning only are not published.</p>",
        "Shown for a period set by the severity",
    ),
    "red-list": (
        "Red list",
        "<p>Trustworthy subjects, such as A-grade taxpayers and holders of commendations, "
        "who enjoy joint incentives.</p>",
        "Subjects of joint incentives",
    ),
    "black-list": (
        "Black list",
        "<p>Seriously dishonest subjects, such as dishonest judgment debtors and the serious "
        "illegal and dishonest list, who are subject to joint penalties.</p>",
        "Seriously dishonest subjects",
    ),
}
NEWS_INDEX_EN = ("News", "News and notices on building the social credit system.")
NEWS_EN = {
    "platform-launch": (
        "Huizhou Public Credit Information Portal goes live",
        "Search, double publicity, objections, credit repair and credit reports, all online.",
        "<p>The Huizhou Public Credit Information Portal is now live. It gathers the licences, "
        "penalties and red and black list entries that the city's departments submit and "
        "offers one place to search them.</p><p>Companies and citizens can read a subject's "
        "public information, download a credit report, object to a record and apply for "
        "credit repair online, free of charge.</p>",
    ),
    "penalty-disclosure-periods": (
        "New disclosure periods for administrative penalties from 1 April",
        "Penalties for minor, general and serious dishonesty are shown for different periods.",
        "<p>Under the new rules, penalties for minor dishonesty are in principle not "
        "published, and at most for 3 months where they must be; penalties for general "
        "dishonesty are shown for 3 months to 1 year; penalties for serious dishonesty for 1 "
        "to 3 years. Penalties of a warning only are not published.</p><p>Information stops "
        "being shown when its period ends; after the shortest period, the subject may apply "
        "for credit repair.</p>",
    ),
    "credit-repair-online": (
        "Credit repair: online, free and within set time limits",
        "Apply for credit repair online; the deciding department answers within 3 working days.",
        "<p>Eligible subjects can apply for credit repair on the portal, upload proof of "
        "rectification and sign a credit commitment. The deciding department decides within "
        "3 working days of receiving the application, and the applicant learns the result "
        "within 10 working days.</p><p>Credit repair is free of charge: do not trust anyone "
        "offering it for a fee.</p>",
    ),
}
POLICY_INDEX_EN = ("Policies", "Laws, regulations and policy documents on social credit.")
POLICIES_EN = {
    "guofa-2016-33": (
        "Guiding Opinions of the State Council on Establishing and Improving the Joint "
        "Incentive System for Trustworthiness and the Joint Punishment System for "
        "Dishonesty",
        "State Council",
        "General requirements and main measures of joint incentives and joint penalties.",
    ),
    "guobanfa-2020-49": (
        "Guiding Opinions of the General Office of the State Council on Further Improving the "
        "System of Constraints on Dishonesty",
        "General Office of the State Council",
        "Identifying dishonest conduct, disclosing public credit information, the serious "
        "dishonesty list and credit repair.",
    ),
    "ndrc-order-58": (
        "Measures for Repairing Credit Information after Dishonest Conduct Is Corrected (Trial)",
        "National Development and Reform Commission",
        "How, when and on what conditions credit information is repaired.",
    ),
    "huizhou-disclosure-rules": (
        "Huizhou Measures on the Disclosure of Public Credit Information (demo text)",
        "Huizhou Social Credit System Leading Group Office",
        "How this portal gathers, discloses and corrects public credit information (demo content).",
    ),
}
ABOUT_EN = (
    "About the portal",
    "<p>The Huizhou Public Credit Information Portal (Credit Huizhou) is the city's single "
    "window for public credit information, built as one database, one network and two "
    "platforms: the public credit database, the credit website, and the platforms for "
    "exchanging and for publishing credit information.</p>"
    "<h2>Where the information comes from</h2><p>The information shown is submitted by the "
    "departments of market regulation, taxation, the courts, human resources and social "
    "security, ecology and environment, housing and urban-rural development and others, as "
    "the law requires; the portal records and publishes it as submitted.</p>"
    "<h2>Personal information</h2><p>Identity numbers of natural persons are always masked; "
    "information on minors is never published; natural persons' information cannot be "
    "downloaded in bulk.</p>"
    "<h2>Objections and credit repair</h2><p>If you believe published information is wrong, "
    "object to it from the record's page; eligible dishonesty records can be repaired. Both "
    "are free of charge.</p>",
)

CHROME_EN = {
    "organiser_en": "Huizhou Social Credit System Leading Group Office",
    "address_en": "Huicheng District, Huizhou (demo address)",
    "footer_note_en": "The credit information on this site is provided by the departments as "
    "the law requires. If you believe it is wrong, object to it; objections and credit repair "
    "are free of charge.",
}

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
                source = POLICY_SOURCES.get(slug, "")
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
                    source_url=source,
                    body=POLICY_WHERE[slug][0] if source else MUNICIPAL_RULES_BODY,
                )
            self.correct_policy_sources()
            about = self.child(home, StandardPage, "about", title="关于平台", body=ABOUT_BODY)
            self.featured(home, lists)
            self.chrome(home, lists, news_index, policy_index, about)
            self.english_tree(home, lists, news_index, policy_index, about)
        self.stdout.write(f"Site ready: {Page.objects.live().descendant_of(home).count()} pages.")

    def correct_policy_sources(self):
        """Starter policies of earlier sites: a blank or retired source link gets the confirmed
        one, and a blank body the note saying where the text is (in the page's language),
        published as a new revision so editors see it. What editors changed is left alone."""
        for page in PolicyPage.objects.filter(slug__in=POLICY_SOURCES).select_related("locale"):
            slug = page.slug
            draft = page.get_latest_revision_as_object()
            changed = False
            if draft.source_url in ("", RETIRED_SOURCES.get(slug)):
                draft.source_url, changed = POLICY_SOURCES[slug], True
            if not draft.body_text():
                chinese, english = POLICY_WHERE[slug]
                draft.body = english if page.locale.language_code == "en" else chinese
                changed = True
            for (date_slug, field), (wrong, right) in CORRECTED_DATES.items():
                if date_slug == slug and getattr(draft, field) == wrong:
                    setattr(draft, field, right)
                    changed = True
            if changed:
                draft.save_revision().publish()
                self.stdout.write(f"  corrected policy source {page.url_path}")

    # -- the English tree ------------------------------------------------------
    def english_tree(self, home, lists, news_index, policy_index, about):
        """The starter pages translated into English (served under /en/), each once."""
        self.english, _ = Locale.objects.get_or_create(language_code="en")
        home_en = self.translated(home, **HOME_EN)
        lists_en = {}
        for slug, page in lists.items():
            title, intro, _blurb = LISTS_EN[slug]
            lists_en[slug] = self.translated(page, title=title, intro=intro)
        self.featured_en(home_en, lists_en)
        title, intro = NEWS_INDEX_EN
        self.translated(news_index, title=title, intro=intro)
        for article in NewsPage.objects.child_of(news_index):
            if article.slug in NEWS_EN:
                title, summary, body = NEWS_EN[article.slug]
                self.translated(
                    article, title=title, summary=summary, body=body, source="Credit Huizhou"
                )
        title, intro = POLICY_INDEX_EN
        self.translated(policy_index, title=title, intro=intro)
        for policy in PolicyPage.objects.child_of(policy_index):
            if policy.slug in POLICIES_EN:
                title, authority, summary = POLICIES_EN[policy.slug]
                fields = {"title": title, "issuing_authority": authority, "summary": summary}
                if policy.slug == "huizhou-disclosure-rules":
                    fields["body"] = MUNICIPAL_RULES_BODY_EN
                elif policy.slug in POLICY_WHERE:
                    fields["body"] = POLICY_WHERE[policy.slug][1]
                self.translated(policy, **fields)
        title, body = ABOUT_EN
        self.translated(about, title=title, body=body)

    def translated(self, page, **fields):
        """`page`'s English translation: Wagtail's copy for the locale with English text,
        published. An existing translation is left as editors made it."""
        existing = page.get_translation_or_none(self.english)
        if existing is not None:
            return existing.specific
        translation = page.specific.copy_for_translation(self.english)
        for name, value in fields.items():
            setattr(translation, name, value)
        translation.save_revision().publish()
        translation.refresh_from_db()
        self.stdout.write(f"  translated {type(translation).__name__} {translation.url_path}")
        return translation

    def featured_en(self, home_en, lists_en):
        """The English home features the English list pages with English blurbs."""
        if home_en.featured_lists.filter(list_page__locale=self.english).exists():
            return
        home_en.featured_lists.all().delete()
        for order, (slug, *_rest) in enumerate(LISTS):
            HomeFeaturedList.objects.create(
                page=home_en, list_page=lists_en[slug], blurb=LISTS_EN[slug][2], sort_order=order
            )

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
        chrome, created = SiteChrome.objects.get_or_create(
            site=site,
            defaults={
                "site_name_en": "Credit Huizhou",
                "site_subtitle_en": "Huizhou Public Credit Information Portal",
                "contact_phone": "0752-12345",
                "address": "惠州市惠城区（演示地址）",
                **CHROME_EN,
                "icp_record": "粤ICP备00000000号（演示）",
                "footer_note": "本网站公示的信用信息由各部门依法提供。如认为信息有误，"
                "可通过异议申诉渠道提出；异议处理和信用修复均不收取任何费用。",
            },
        )
        if not created:
            # English fields added after the site was set up: fill only the blank ones.
            blank = {
                name: value
                for name, value in CHROME_EN.items()
                if not getattr(chrome, name) and getattr(chrome, name.removesuffix("_en"))
            }
            if blank:
                SiteChrome.objects.filter(pk=chrome.pk).update(**blank)
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
