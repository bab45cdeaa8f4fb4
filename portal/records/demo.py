"""Deterministic, realistic demo data for the demo city (惠州市).

The same seed and as-of date give the same subjects and records, byte for
byte: every random choice comes from one `random.Random(seed)`, in a fixed
order. Codes are valid (USCC with its embedded organisation code, resident
identity numbers with their check digit); people's numbers are hashed and
masked like any other.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from portal.audit.services import record_event
from portal.catalog.models import CatalogItem
from portal.core.codes import make_resident_id, make_uscc
from portal.departments.models import Department
from portal.records.disclosure import RecordStatus
from portal.records.models import ChangeReason, CreditRecord, RecordVersion
from portal.records.services import announce
from portal.records.writing import derive_columns, new_version
from portal.subjects.districts import DISTRICTS
from portal.subjects.models import Subject, SubjectKind, SubjectName
from portal.subjects.stored_keys import write_new_subject_keys

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

TRADE_NAMES = (
    "华信 鹏程 东江 西湖 罗浮 惠民 粤安 新宇 恒通 泰丰 宏达 金桥 嘉华 瑞丰 博远 天成 汇通 鼎盛 "
    "南粤 凯旋 顺达 永安 兴业 富源 明远 大亚湾 龙腾 海宁 中恒 广源 德利 华美 旭日 长青 高盛 "
    "联创 智汇 星海 银河 青松 翠峰 鸿运 锦程 信达 宝利 万和 合众 安信 康宁 正泰 力拓 晨光"
).split()
INDUSTRIES = (
    "科技 电子 建材 食品 贸易 物流 餐饮管理 环保工程 房地产开发 建筑工程 医药 五金制品 "
    "服装 塑胶制品 新能源 化工 机械设备 装饰工程 信息技术 农业发展 石化 家具 印刷 运输"
).split()
COMPANY_FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
SHOP_KINDS = ["商行", "便利店", "餐馆", "五金店", "服装店", "汽车维修部", "士多店", "水果店"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余叶".replace(
        "", " "
    ).split()
)
GIVEN = "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 文 华 建国 志强 海燕 晓东 春梅".split()
INSTITUTIONS = ["人民医院", "疾病预防控制中心", "图书馆", "妇幼保健院", "中医医院", "文化馆"]
# Towns and sub-districts of the city, for the many institutions named after them.
TOWNS = (
    "陈江 沥林 潼湖 水口 小金口 横沥 芦洲 马安 淡水 秋长 新圩 沙田 良井 平潭 永汉 龙田 园洲 "
    "石湾 杨村 观音阁 公庄 湖镇 柏塘 平山 稔山 多祝 白花 吉隆 铁涌 霞涌 澳头 西区"
).split()
TOWN_INSTITUTIONS = ["卫生院", "中心小学", "中学", "文化站", "社区卫生服务中心", "农业技术推广站"]
ORDINALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六".split()
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1-99 in Chinese numerals, as schools are numbered (十二, 二十, 五十三)."""
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[units] if units else "")


SOCIAL_ORGS = ["商会", "行业协会", "慈善会", "志愿者协会", "养老服务中心"]
# The GB/T 4754-2017 industry a word of a demo name implies (portal.subjects.industries);
# derived from the name, so adding it drew nothing more from the seeded generator.
INDUSTRY_OF_WORD = {
    # shops and institutions first: their words are more specific than the trades
    "汽车维修部": "O81",
    "餐馆": "H62",
    "商行": "F52",
    "便利店": "F52",
    "五金店": "F52",
    "服装店": "F52",
    "士多店": "F52",
    "水果店": "F52",
    "第一中学": "P83",
    "职业技术学院": "P83",
    "人民医院": "Q84",
    "疾病预防控制中心": "Q84",
    "妇幼保健院": "Q84",
    "图书馆": "R88",
    "养老服务中心": "Q85",
    "商会": "S95",
    "行业协会": "S95",
    "慈善会": "S95",
    "志愿者协会": "S95",
    "餐饮管理": "H62",
    "环保工程": "N77",
    "房地产开发": "K70",
    "建筑工程": "E48",
    "装饰工程": "E50",
    "五金制品": "C33",
    "塑胶制品": "C29",
    "机械设备": "C34",
    "信息技术": "I65",
    "农业发展": "A01",
    "新能源": "D44",
    "科技": "M75",
    "电子": "C39",
    "建材": "C30",
    "食品": "C14",
    "贸易": "F51",
    "物流": "G58",
    "医药": "C27",
    "服装": "C18",
    "化工": "C26",
    "石化": "C25",
    "家具": "C21",
    "印刷": "C23",
    "运输": "G54",
}


def industry_of_name(name: str) -> str | None:
    """The industry a demo organisation's name implies (None when no word matches)."""
    for word, code in INDUSTRY_OF_WORD.items():
        if word in name:
            return code
    return None


# Each department's violations with the law each one breaks (a penalty cites the law of
# its own violation: a water-pollution penalty never cites the air-pollution law).
VIOLATIONS = {
    "MARKET": [
        ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条"),
        ("虚假宣传", "《中华人民共和国反不正当竞争法》第二十条"),
        ("销售无中文标签的进口商品", "《中华人民共和国产品质量法》第五十四条"),
        ("价格欺诈", "《中华人民共和国价格法》第四十条"),
    ],
    "ENV": [
        ("超标排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条"),
        ("未批先建", "《中华人民共和国环境影响评价法》第三十一条"),
        ("未按规定设置危险废物识别标志", "《中华人民共和国固体废物污染环境防治法》第一百一十二条"),
        ("违法排放水污染物", "《中华人民共和国水污染防治法》第八十三条"),
    ],
    "EMERGENCY": [
        ("未按规定开展安全生产教育培训", "《中华人民共和国安全生产法》第九十七条"),
        ("未建立事故隐患排查治理制度", "《中华人民共和国安全生产法》第一百零一条"),
        ("特种作业人员无证上岗", "《中华人民共和国安全生产法》第九十七条"),
    ],
    "HOUSING": [
        ("未取得施工许可证擅自施工", "《建设工程质量管理条例》第五十七条"),
        ("违反工程建设强制性标准", "《建设工程质量管理条例》第五十六条"),
        ("未按规定办理竣工验收备案", "《建设工程质量管理条例》第五十六条"),
    ],
    "TRANSPORT": [
        ("未取得道路运输经营许可擅自从事经营", "《中华人民共和国道路运输条例》第六十三条"),
        ("超限运输", "《公路安全保护条例》第六十四条"),
        ("未按规定进行车辆维护", "《中华人民共和国道路运输条例》第七十条"),
    ],
    "TAX": [
        ("未按期申报纳税", "《中华人民共和国税收征收管理法》第六十二条"),
        ("虚开发票", "《中华人民共和国发票管理办法》第三十五条"),
        ("未按规定保管发票", "《中华人民共和国发票管理办法》第三十三条"),
    ],
    "CUSTOMS": [
        ("申报不实", "《中华人民共和国海关行政处罚实施条例》第十五条"),
        ("未按规定办理手续", "《中华人民共和国海关行政处罚实施条例》第十八条"),
    ],
    "HRSS": [
        ("拖欠劳动者工资", "《保障农民工工资支付条例》第五十四条"),
        ("未依法缴纳社会保险费", "《中华人民共和国社会保险法》第八十六条"),
    ],
    "FUND": [("未按规定缴存住房公积金", "《住房公积金管理条例》第三十八条")],
}
# The licences each department is competent to grant: (decision, certificate).
LICENCES = {
    "MARKET": [("食品经营许可决定书", "食品经营许可证")],
    "ENV": [("排污许可决定书", "排污许可证")],
    "HOUSING": [("建筑工程施工许可决定书", "建筑工程施工许可证")],
    "TRANSPORT": [("道路运输经营许可决定书", "道路运输经营许可证")],
    "EMERGENCY": [("危险化学品经营许可决定书", "危险化学品经营许可证")],
}
# Which departments issue each item, where the catalog leaves it open to any department.
COMPETENT = {
    "ADM_LICENSE": tuple(LICENCES),
    "ADM_PENALTY": tuple(VIOLATIONS),
    "CREDIT_COMMITMENT": tuple(LICENCES),
    "HONOUR": ("MARKET", "TAX", "HRSS"),
}
# Entries that cannot stand side by side on one subject (docs/domain.md): a red list
# and a black list, and tax arrears with an A-grade taxpayer rating. Tags are an item's
# list type and its code.
CONFLICTS = {
    "red": {"black"},
    "black": {"red"},
    "TAX_ARREARS": {"TAX_A_GRADE"},
    "TAX_A_GRADE": {"TAX_ARREARS"},
}
DEPT_ABBREVIATION = {
    "MARKET": "惠市监",
    "TAX": "惠税",
    "COURT": "惠中法",
    "HRSS": "惠人社",
    "ENV": "惠环",
    "HOUSING": "惠建",
    "EMERGENCY": "惠应急",
    "CUSTOMS": "惠关",
    "TRANSPORT": "惠交",
    "FUND": "惠金",
}
PENALTY_TYPE_SETS = [
    (["警告"], 8),
    (["罚款"], 40),
    (["警告", "罚款"], 20),
    (["罚款", "没收违法所得"], 12),
    (["责令停产停业", "罚款"], 6),
    (["吊销许可证件"], 4),
    (["通报批评"], 5),
    (["限制从业"], 5),
]
SEVERITY_WEIGHTS = [("轻微", 10), ("一般", 65), ("严重", 25)]
SEVERITY_CODE = {"轻微": "minor", "一般": "general", "严重": "serious"}


@dataclass
class SeedResult:
    subjects: int = 0
    records: int = 0
    by_item: dict = field(default_factory=dict)
    by_state: dict = field(default_factory=dict)


class DemoDataGenerator:
    def __init__(self, seed: int, as_of: dt.date):
        self.rng = random.Random(seed)  # nosec B311  # demo and sample data, not security
        self.as_of = as_of
        self._used_names: set[str] = set()
        self._used_codes: set[str] = set()

    # -- subjects ---------------------------------------------------------
    def _org_body(self) -> str:
        return "".join(self.rng.choice(USCC_ALPHABET) for _ in range(8))

    def _unique_uscc(self, authority: str, kind: str, region: str) -> str:
        while True:
            code = make_uscc(authority, kind, region, self._org_body())
            if code not in self._used_codes:
                self._used_codes.add(code)
                return code

    def _unique_name(self, make, richer, roomy=None) -> str:
        """A name not used yet: the plain pattern first, then a richer one (two trade
        names, a town) that has room for many more, then (for kinds with few names, at
        benchmark sizes) a roomier one; never a number stuck on the end."""
        for attempt in range(200):
            if attempt < 40:
                name = make()
            elif attempt < 120 or roomy is None:
                name = richer()
            else:
                name = roomy()
            if name not in self._used_names:
                self._used_names.add(name)
                return name
        raise RuntimeError("demo names exhausted: ask for fewer subjects")

    def _person_name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def subjects(self, count: int) -> list[Subject]:
        rng = self.rng
        kinds = [
            (SubjectKind.ENTERPRISE, 60),
            (SubjectKind.INDIVIDUAL_BUSINESS, 15),
            (SubjectKind.NATURAL_PERSON, 15),
            (SubjectKind.PUBLIC_INSTITUTION, 5),
            (SubjectKind.SOCIAL_ORGANISATION, 5),
        ]
        population = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        result = []
        for _ in range(count):
            kind = rng.choices(population, weights)[0]
            region, district_name = rng.choice(DISTRICTS)
            registered = self.as_of - dt.timedelta(days=rng.randint(200, 9000))
            if kind == SubjectKind.NATURAL_PERSON:
                result.append(self._person(region))
                continue
            if kind == SubjectKind.ENTERPRISE:
                code = self._unique_uscc("9", "1", region)
                name = self._unique_name(
                    lambda: (
                        "惠州市"
                        + rng.choice(TRADE_NAMES)
                        + rng.choice(INDUSTRIES)
                        + rng.choice(COMPANY_FORMS)
                    ),
                    lambda: (
                        "惠州市"
                        + "".join(rng.sample(TRADE_NAMES, 2))
                        + rng.choice(INDUSTRIES)
                        + rng.choice(COMPANY_FORMS)
                    ),
                )
            elif kind == SubjectKind.INDIVIDUAL_BUSINESS:
                code = self._unique_uscc("9", "2", region)
                name = self._unique_name(
                    lambda d=district_name: d + rng.choice(TRADE_NAMES) + rng.choice(SHOP_KINDS),
                    lambda d=district_name: (
                        d + rng.choice(TOWNS) + rng.choice(TRADE_NAMES) + rng.choice(SHOP_KINDS)
                    ),
                )
            elif kind == SubjectKind.PUBLIC_INSTITUTION:
                code = self._unique_uscc("1", "2", region)
                name = self._unique_name(
                    lambda d=district_name: "惠州市" + d + rng.choice(INSTITUTIONS),
                    lambda d=district_name: rng.choice(
                        [
                            "惠州市" + rng.choice(TOWNS) + rng.choice(TOWN_INSTITUTIONS),
                            "惠州市" + d + "第" + rng.choice(ORDINALS) + "中学",
                            "惠州市" + d + "第" + rng.choice(ORDINALS) + "小学",
                        ]
                    ),
                    lambda d=district_name: (
                        "惠州市"
                        + d
                        + rng.choice(TOWNS)
                        + "第"
                        + chinese_number(rng.randint(1, 99))
                        + rng.choice(["中学", "小学"])
                    ),
                )
            else:
                code = self._unique_uscc("5", rng.choice("123"), region)
                name = self._unique_name(
                    lambda: "惠州市" + rng.choice(TRADE_NAMES) + rng.choice(SOCIAL_ORGS),
                    lambda: (
                        "惠州市"
                        + rng.choice(INDUSTRIES)
                        + rng.choice(["行业协会", "商会", "促进会"])
                        + ("" if rng.random() < 0.5 else rng.choice(TOWNS) + "分会")
                    ),
                    lambda: (
                        "惠州市" + "".join(rng.sample(TRADE_NAMES, 2)) + rng.choice(SOCIAL_ORGS)
                    ),
                )
            result.append(
                Subject.for_organisation(
                    code,
                    name,
                    kind=kind,
                    district=region,
                    registered_on=registered,
                    legal_representative=self._person_name(),
                    industry=industry_of_name(name),
                )
            )
        return result

    def _person(self, region: str) -> Subject:
        rng = self.rng
        while True:
            # About one person in forty is a minor: their records must never be published.
            if rng.random() < 0.025:
                birth = self.as_of - dt.timedelta(days=rng.randint(12 * 365, 17 * 365))
            else:
                birth = dt.date(rng.randint(1955, 2002), rng.randint(1, 12), rng.randint(1, 28))
            number = make_resident_id(
                self._birth_region(region, birth.year),
                birth.strftime("%Y%m%d"),
                f"{rng.randint(0, 999):03d}",
            )
            if number not in self._used_codes:
                self._used_codes.add(number)
                break
        return Subject.for_person(number, self._person_name(), district=region)

    @staticmethod
    def _birth_region(region: str, year: int) -> str:
        """The division code where the number was first assigned: residents born before
        惠州 became a prefecture-level city (1988) carry either the old county code (a
        number assigned then) or today's (a number first assigned later)."""
        if year < 1988 and year % 2:
            return "442521"  # 惠阳县, retired in 1994
        if region == "441303" and year < 2003:
            return "441302"
        return region

    # -- records ----------------------------------------------------------
    def records(self, count, subjects, items, departments) -> list[CreditRecord]:
        rng = self.rng
        by_kind = {
            "org": [
                s
                for s in subjects
                if s.kind not in (SubjectKind.NATURAL_PERSON, SubjectKind.INDIVIDUAL_BUSINESS)
            ],
            "ib": [s for s in subjects if s.kind == SubjectKind.INDIVIDUAL_BUSINESS],
            "person": [s for s in subjects if s.kind == SubjectKind.NATURAL_PERSON],
        }
        item_weights = {
            "ADM_LICENSE": 30,
            "ADM_PENALTY": 35,
            "TAX_ARREARS": 4,
            "TAX_A_GRADE": 6,
            "COURT_DISHONEST": 5,
            "SOCIAL_INSURANCE_ARREARS": 3,
            "ABNORMAL_OPERATION": 6,
            "SERIOUS_ILLEGAL_DISHONEST": 2,
            "HONOUR": 4,
            "CREDIT_COMMITMENT": 5,
        }
        active = [i for i in items if i.code in item_weights] or items
        weights = [item_weights.get(i.code, 1) for i in active]
        dept_by_code = {d.code: d for d in departments}
        rules = {i.pk: i.disclosure_rule() for i in active}
        issuers = {i.pk: self._issuers(i, dept_by_code) for i in active}
        counters: dict[str, int] = {}
        keys: set[tuple] = set()
        tags: dict[int, set] = {}  # subject -> the list types and items it already has
        result = []
        while len(result) < count:
            item = rng.choices(active, weights)[0]
            if not issuers[item.pk]:
                continue
            item_tags = {t for t in (item.list_type, item.code) if t}
            blocked = set().union(*(CONFLICTS.get(t, set()) for t in item_tags))
            subject = None
            for _attempt in range(5):
                candidate = self._subject_for(item, by_kind)
                if candidate is not None and not (tags.get(id(candidate), set()) & blocked):
                    subject = candidate
                    break
            if subject is None:
                continue
            dept_code = rng.choice(issuers[item.pk])
            department = dept_by_code[dept_code]
            counters[dept_code] = counters.get(dept_code, 0) + 1
            decided = self.as_of - dt.timedelta(days=rng.randint(0, 4 * 365))
            number = f"{DEPT_ABBREVIATION[dept_code]}〔{decided.year}〕{counters[dept_code]}号"
            data = self._fields(item, subject, department, decided, number)
            record = self._record(item, subject, department, decided, number, data, rules[item.pk])
            key = (item.pk, department.pk, record.natural_key)
            if key in keys:
                continue
            keys.add(key)
            tags.setdefault(id(subject), set()).update(item_tags)
            result.append(record)
        return result

    @staticmethod
    def _issuers(item, dept_by_code) -> list[str]:
        """The departments competent for `item`: the catalog's providers, else the
        demo's own competence list; only departments that exist."""
        named = [d.code for d in item.departments.all()] or list(
            COMPETENT.get(item.code, DEPT_ABBREVIATION)
        )
        return [code for code in named if code in dept_by_code and code in DEPT_ABBREVIATION]

    def _subject_for(self, item, by_kind):
        rng = self.rng
        pools = []
        if item.for_organisations:
            pools += [by_kind["org"]] * 6
        if item.for_individual_businesses:
            pools += [by_kind["ib"]] * 2
        if item.for_natural_persons:
            pools += [by_kind["person"]] * 2
        pools = [p for p in pools if p]
        if not pools:
            return None
        # Some subjects collect many records, as in life.
        pool = rng.choice(pools)
        if rng.random() < 0.3:
            return pool[int(len(pool) * rng.random() ** 3)]
        return rng.choice(pool)

    def _subject_columns(self, subject: Subject) -> dict:
        if subject.is_natural_person:
            return {
                "subject_name": subject.name,
                "subject_kind": "自然人",
                "id_type": "身份证",
                "id_number": subject.identity_masked,
            }
        kind_label = (
            "个体工商户" if subject.kind == SubjectKind.INDIVIDUAL_BUSINESS else "法人及非法人组织"
        )
        return {
            "subject_name": subject.name,
            "subject_kind": kind_label,
            "uscc": subject.uscc,
            "legal_rep": subject.legal_representative,
        }

    def _fields(self, item, subject, department, decided, number) -> dict:
        rng = self.rng
        data = self._subject_columns(subject)
        data.update(
            {
                "decision_no": number,
                "decision_date": decided.isoformat(),
                "source_name": department.name,
                "source_uscc": department.uscc,
            }
        )
        code = item.code
        if code == "ADM_PENALTY":
            types = rng.choices(
                [t for t, _ in PENALTY_TYPE_SETS], [w for _, w in PENALTY_TYPE_SETS]
            )[0]
            violation, basis = rng.choice(VIOLATIONS[department.code])
            data.update(
                {
                    "violation_type": violation,
                    "facts": f"经查，当事人存在{violation}的行为。",
                    "basis": basis,
                    "penalty_types": list(types),
                    "content": "；".join(types),
                    "authority": department.name,
                    "authority_uscc": department.uscc,
                    "severity": rng.choices(
                        [s for s, _ in SEVERITY_WEIGHTS], [w for _, w in SEVERITY_WEIGHTS]
                    )[0],
                }
            )
            if "罚款" in types:
                data["fine_amount"] = f"{rng.randint(1, 5000) / 10:.1f}"
        elif code == "ADM_LICENSE":
            category = rng.choice(["普通", "登记", "核准", "认可", "特许"])
            valid_from = decided
            years = rng.choice([1, 3, 5])
            decision_name, certificate = rng.choice(LICENCES[department.code])
            data.update(
                {
                    "decision_name": decision_name,
                    "licence_category": category,
                    "certificate_name": certificate,
                    "licence_no": f"XK{decided:%Y}{rng.randint(1, 99999):05d}",
                    "content": "准予许可",
                    "valid_from": valid_from.isoformat(),
                    "valid_to": (
                        valid_from.replace(year=valid_from.year + years)
                        if not (valid_from.month == 2 and valid_from.day == 29)
                        else valid_from + dt.timedelta(days=365 * years)
                    ).isoformat(),
                    "authority": department.name,
                    "authority_uscc": department.uscc,
                    "status": "有效" if rng.random() > 0.05 else "无效",
                }
            )
        elif code == "TAX_ARREARS":
            data.update(
                {
                    "tax_type": rng.choice(
                        ["增值税", "企业所得税", "城市维护建设税", "个人所得税"]
                    ),
                    "arrears_amount": f"{rng.randint(1000, 900000)}.00",
                }
            )
        elif code == "TAX_A_GRADE":
            data.update({"rating_year": str(decided.year - 1)})
        elif code == "COURT_DISHONEST":
            data.update(
                {
                    "court": "惠州市中级人民法院",
                    "basis_doc": f"（{decided.year}）粤13民初{rng.randint(1, 9999)}号",
                    "obligation": "支付货款及利息",
                    "performance": rng.choice(["全部未履行", "部分未履行"]),
                    "dishonest_behaviour": rng.choice(
                        ["有履行能力而拒不履行生效法律文书确定义务", "违反限制消费令"]
                    ),
                }
            )
        elif code == "SOCIAL_INSURANCE_ARREARS":
            data.update(
                {
                    "arrears_period": f"{decided.year}年{decided.month}月",
                    "arrears_amount": f"{rng.randint(5000, 500000)}.00",
                }
            )
        elif code == "ABNORMAL_OPERATION":
            data.update(
                {
                    "reason": rng.choice(["未按规定报送年度报告", "通过登记的住所无法联系"]),
                    "authority": department.name,
                }
            )
        elif code == "SERIOUS_ILLEGAL_DISHONEST":
            data.update(
                {
                    "reason": "被列入经营异常名录届满3年仍未履行相关义务",
                    "authority": department.name,
                }
            )
        elif code == "HONOUR":
            data.update(
                {
                    "honour_name": rng.choice(
                        ["守合同重信用企业", "诚信示范单位", "纳税百强企业", "优秀志愿服务组织"]
                    ),
                    "awarding_body": "惠州市人民政府",
                    "level": rng.choice(["省级", "市级", "区县级"]),
                }
            )
        elif code == "CREDIT_COMMITMENT":
            data.update(
                {
                    "commitment_type": rng.choice(["审批替代型", "证明事项型", "主动公示型"]),
                    "commitment_content": "本单位承诺所提供材料真实有效，如有虚假愿承担相应责任。",
                    "fulfilment": "履约" if rng.random() > 0.05 else "未履约",
                }
            )
        return data

    def _record(self, item, subject, department, decided, number, data, rule) -> CreditRecord:
        rng = self.rng
        severity = SEVERITY_CODE.get(data.get("severity", ""), "")
        valid_until = None
        if data.get("valid_to"):
            valid_until = dt.date.fromisoformat(data["valid_to"])
        status = RecordStatus.ACTIVE
        roll = rng.random()
        if roll < 0.02:
            status = RecordStatus.REVOKED
        elif roll < 0.04 and item.code == "ADM_PENALTY":
            status = RecordStatus.REPAIRED
        if item.code == "ADM_LICENSE" and data.get("status") == "无效":
            status = RecordStatus.REVOKED
        # Personal numbers never go into record data in clear.
        stored = {k: v for k, v in data.items() if k != "id_number"}
        if subject.is_natural_person:
            stored["id_number_masked"] = subject.identity_masked
        record = CreditRecord(
            subject=subject,
            catalog_item=item,
            department=department,
            natural_key=f"{number}|{subject.code}",
            decision_no=number,
            decision_date=decided,
            severity=severity,
            title=str(data.get(item.title_field, ""))[:300],
            valid_until=valid_until,
            data=stored,
            status=status,
            under_objection=rng.random() < 0.01,
        )
        record.catalog_item = item
        record.public_state = derive_columns(
            record,
            self.as_of,
            rule=rule,
            data_changed=True,
            item_is_public=item.is_public,
            subject_is_minor=subject.is_minor(decided),
        )
        return record


def seed_demo_data(
    subjects: int, records: int, seed: int, as_of: dt.date | None = None
) -> SeedResult:
    """Create `subjects` subjects and `records` records in one transaction."""
    as_of = as_of or timezone.localdate()
    generator = DemoDataGenerator(seed, as_of)
    items = list(
        CatalogItem.objects.filter(is_active=True).prefetch_related(
            "departments", "disclosure_periods"
        )
    )
    departments = list(Department.objects.all())
    if not items or not departments:
        raise RuntimeError(
            "The catalog is empty: run `manage.py migrate` (or install_catalog) first."
        )
    with transaction.atomic():
        new_subjects = generator.subjects(subjects)
        Subject.objects.bulk_create(new_subjects, batch_size=2000)
        SubjectName.objects.bulk_create(
            [
                SubjectName(
                    subject=s,
                    name=s.name,
                    name_normalised=s.name_normalised,
                    used_from=s.registered_on,
                )
                for s in new_subjects
            ],
            batch_size=2000,
        )
        write_new_subject_keys(new_subjects)
        new_records = generator.records(records, new_subjects, items, departments)
        CreditRecord.objects.bulk_create(new_records, batch_size=2000)
        RecordVersion.objects.bulk_create(
            [
                new_version(r, reason=ChangeReason.SEED, reference=f"seed:{seed}")
                for r in new_records
            ],
            batch_size=2000,
        )
        result = SeedResult(subjects=len(new_subjects), records=len(new_records))
        for record in new_records:
            result.by_item[record.catalog_item.code] = (
                result.by_item.get(record.catalog_item.code, 0) + 1
            )
            result.by_state[record.public_state] = result.by_state.get(record.public_state, 0) + 1
        record_event(
            "demo.seeded",
            data={
                "seed": seed,
                "subjects": result.subjects,
                "records": result.records,
                "as_of": as_of.isoformat(),
            },
        )
        announce([r.pk for r in new_records], ChangeReason.SEED)
    return result
