"""Generated administrative-penalty rows, for benchmarks and tests (never committed as data).

Deterministic for a seed; every code carries a valid check character; a share
of rows are natural persons, and subjects recur across rows as in real data.
"""

import csv
import datetime as dt
import io
import random

from django.utils import timezone

from portal.catalog.starter import CITY_REGION, department_uscc
from portal.core.codes import make_resident_id, make_uscc

PENALTY_COLUMNS = [
    "subject_name",
    "subject_kind",
    "uscc",
    "legal_rep",
    "id_type",
    "id_number",
    "decision_no",
    "violation_type",
    "facts",
    "basis",
    "penalty_types",
    "content",
    "fine_amount",
    "confiscated_amount",
    "licence_affected",
    "decision_date",
    "valid_until",
    "publish_until",
    "authority",
    "authority_uscc",
    "source_name",
    "source_uscc",
    "severity",
    "remarks",
]

_WORDS = "华信德正泰安康宏远鑫源博达恒通瑞丰盛世嘉禾兴隆万和永昌"
_TRADES = ["科技", "贸易", "餐饮", "建材", "物流", "电子", "食品", "医药", "服装", "印刷"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_VIOLATIONS = [
    ("虚假宣传", "《中华人民共和国反不正当竞争法》第八条第一款"),
    ("销售不合格产品", "《中华人民共和国产品质量法》第四十九条"),
    ("未按规定公示年度报告", "《企业信息公示暂行条例》第八条"),
    ("无照经营", "《无证无照经营查处办法》第十三条"),
    ("违反食品安全规定", "《中华人民共和国食品安全法》第一百二十四条"),
]
_TYPES = [("罚款",), ("警告", "罚款"), ("警告",), ("罚款", "没收违法所得"), ("通报批评",)]
_SEVERITIES = ["一般", "一般", "一般", "严重", "轻微"]


def _org_body(n: int) -> str:
    return f"G{n:07d}"


def penalty_rows(
    count: int, *, seed: int = 7, subjects: int | None = None, today: dt.date | None = None
):
    """Yield `count` rows (lists in PENALTY_COLUMNS order) of valid penalty data."""
    rng = random.Random(seed)  # nosec B311  # demo and sample data, not security
    today = today or timezone.localdate()
    subjects = subjects or max(1, count // 4)
    authority_name = "市场监督管理局"
    authority_uscc = department_uscc("MB1A0001")
    start = today - dt.timedelta(days=700)
    cache: dict[int, tuple] = {}
    for n in range(1, count + 1):
        s = rng.randrange(subjects)
        subject = cache.get(s)
        if subject is None:
            srng = random.Random(seed * 1_000_003 + s)  # nosec B311  # demo and sample data, not security
            if s % 10 == 9:
                birth = (
                    f"{srng.randint(1990, 2005)}{srng.randint(1, 12):02d}{srng.randint(1, 28):02d}"
                )
                number = make_resident_id("441302", birth, f"{s % 1000:03d}")
                name = _SURNAMES[srng.randrange(len(_SURNAMES))] + "".join(
                    srng.choice(_WORDS) for _ in range(2)
                )
                subject = (name, "自然人", "", "", "身份证", number)
            else:
                uscc = make_uscc("9", "1", CITY_REGION, _org_body(s))
                name = (
                    "惠州市"
                    + "".join(srng.choice(_WORDS) for _ in range(2))
                    + f"{s}"
                    + srng.choice(_TRADES)
                    + "有限公司"
                )
                rep = _SURNAMES[srng.randrange(len(_SURNAMES))] + srng.choice(_WORDS)
                subject = (name, "法人及非法人组织", uscc, rep, "", "")
            if len(cache) < 500_000:
                cache[s] = subject
        violation, basis = _VIOLATIONS[n % len(_VIOLATIONS)]
        types = _TYPES[rng.randrange(len(_TYPES))]
        decided = start + dt.timedelta(days=rng.randrange(690))
        fine = f"{rng.randint(1, 500) / 10:.1f}" if "罚款" in types else ""
        yield [
            subject[0],
            subject[1],
            subject[2],
            subject[3],
            subject[4],
            subject[5],
            f"惠市监罚〔{decided.year}〕{n}号",
            violation,
            f"经查，当事人存在{violation}的行为，违法经营额{rng.randint(1, 99)}千元。",
            basis,
            "、".join(types),
            "；".join(types) + (f"，罚款{fine}万元" if fine else ""),
            fine,
            "",
            "",
            decided.isoformat() if n % 3 else f"{decided.year}/{decided.month}/{decided.day}",
            "",
            "",
            authority_name,
            authority_uscc,
            authority_name,
            authority_uscc,
            _SEVERITIES[n % len(_SEVERITIES)],
            "",
        ]


def header_labels(item) -> list[str]:
    by_key = {f.key: f.label for f in item.fields.all()}
    return [by_key.get(key, key) for key in PENALTY_COLUMNS]


def write_penalty_csv(
    path, count: int, *, item=None, seed: int = 7, encoding: str = "utf-8", **kwargs
) -> None:
    """A CSV of generated penalty rows with the template's labels (or keys) as header."""
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header_labels(item) if item is not None else PENALTY_COLUMNS)
        writer.writerows(penalty_rows(count, seed=seed, **kwargs))


def penalty_csv_bytes(
    count: int, *, item=None, seed: int = 7, encoding: str = "utf-8", **kwargs
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header_labels(item) if item is not None else PENALTY_COLUMNS)
    writer.writerows(penalty_rows(count, seed=seed, **kwargs))
    return buffer.getvalue().encode(encoding)


def write_penalty_xlsx(path, count: int, *, item=None, seed: int = 7, **kwargs) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("数据")
    sheet.append(header_labels(item) if item is not None else PENALTY_COLUMNS)
    for row in penalty_rows(count, seed=seed, **kwargs):
        sheet.append(row)
    workbook.save(path)


# -- the templates' example rows ---------------------------------------------------------------
# One plausible row per starter item, in that item's own terms (a licence is not a penalty):
# what importers.templates writes under the header, marked 【示例】 and skipped on upload.
# Dates are filled in relative to the day the template is made; codes come from the item's
# providing department.
_MARKET = {
    "authority": "惠州市市场监督管理局",
    "source_name": "惠州市市场监督管理局",
}
ITEM_EXAMPLES = {
    "ADM_PENALTY": {
        **_MARKET,
        "subject_name": "惠州市示例科技有限公司",
        "decision_no": "惠市监罚〔2026〕1号",
        "violation_type": "虚假宣传",
        "facts": "经查，当事人在其网店发布虚假宣传内容。",
        "basis": "《中华人民共和国反不正当竞争法》第二十条第一款",
        "penalty_types": "警告、罚款",
        "content": "警告；罚款1.5万元",
        "fine_amount": "1.5",
    },
    "ADM_LICENSE": {
        **_MARKET,
        "subject_name": "惠州市示例餐饮管理有限公司",
        "decision_name": "食品经营许可决定书",
        "decision_no": "惠市监食许〔2026〕1号",
        "licence_category": "普通",
        "certificate_name": "食品经营许可证",
        "licence_no": "JY14413020000001",
        "content": "预包装食品（含冷藏冷冻食品）销售；热食类食品制售",
        "status": "有效",
    },
    "TAX_ARREARS": {
        "subject_name": "惠州市示例贸易有限公司",
        "decision_no": "惠税欠告〔2026〕1号",
        "tax_type": "增值税",
        "arrears_amount": "125000.00",
        "new_arrears_amount": "25000.00",
        "source_name": "国家税务总局惠州市税务局",
    },
    "TAX_A_GRADE": {
        "subject_name": "惠州市示例电子有限公司",
        "decision_no": "惠税信〔2026〕1号",
        "source_name": "国家税务总局惠州市税务局",
    },
    "COURT_DISHONEST": {
        "subject_name": "惠州市示例建材有限公司",
        "decision_no": "（2026）粤1302执1234号",
        "court": "惠州市惠城区人民法院",
        "basis_doc": "（2025）粤1302民初5678号",
        "obligation": "支付货款人民币12万元及逾期付款利息",
        "performance": "全部未履行",
        "dishonest_behaviour": "有履行能力而拒不履行生效法律文书确定义务",
        "source_name": "惠州市中级人民法院",
    },
    "SOCIAL_INSURANCE_ARREARS": {
        "subject_name": "惠州市示例物流有限公司",
        "decision_no": "惠人社欠〔2026〕1号",
        "arrears_period": "2026年1月至3月",
        "arrears_amount": "36000.00",
        "source_name": "惠州市人力资源和社会保障局",
    },
    "ABNORMAL_OPERATION": {
        **_MARKET,
        "subject_name": "惠州市示例服装有限公司",
        "decision_no": "惠市监异〔2026〕1号",
        "reason": "未按照《企业信息公示暂行条例》规定的期限公示年度报告",
    },
    "SERIOUS_ILLEGAL_DISHONEST": {
        **_MARKET,
        "subject_name": "惠州市示例印刷有限公司",
        "decision_no": "惠市监严〔2026〕1号",
        "reason": "被列入经营异常名录届满3年仍未履行相关义务",
    },
    "HONOUR": {
        "subject_name": "惠州市示例食品有限公司",
        "decision_no": "惠府〔2026〕1号",
        "honour_name": "惠州市守合同重信用企业",
        "awarding_body": "惠州市人民政府",
        "level": "市级",
        "source_name": "惠州市市场监督管理局",
    },
    "CREDIT_COMMITMENT": {
        "subject_name": "惠州市示例医药有限公司",
        "decision_no": "惠信诺〔2026〕1号",
        "commitment_type": "审批替代型",
        "commitment_content": "承诺所提交的申请材料真实、合法、有效，如有不实，愿承担相应法律责任",
        "source_name": "惠州市市场监督管理局",
    },
}
# Any other item (an operator's own): only what every item shares.
COMMON_EXAMPLES = {"subject_name": "惠州市示例科技有限公司", "legal_rep": "张三"}


def example_values(item, today: dt.date) -> dict:
    """Example cell values by field key for the item's template (keys it lacks are ignored)."""
    values = {**COMMON_EXAMPLES, **ITEM_EXAMPLES.get(item.code, {})}
    ten_days_ago = today - dt.timedelta(days=10)
    values.setdefault("decision_date", ten_days_ago.isoformat())
    if item.code == "ADM_LICENSE":
        values["valid_from"] = ten_days_ago.isoformat()
        years_on = ten_days_ago.year + 5
        try:
            valid_to = ten_days_ago.replace(year=years_on)
        except ValueError:  # 29 February
            valid_to = ten_days_ago.replace(year=years_on, day=28)
        values["valid_to"] = valid_to.isoformat()
    if item.code == "TAX_A_GRADE":
        values["rating_year"] = str(today.year - 1)
    return values
