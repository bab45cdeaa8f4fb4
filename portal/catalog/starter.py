"""The starter catalog and the demo city's departments (docs/domain.md, The catalog).

Installed by a data migration and re-applied by `manage.py install_catalog`.
Re-applying brings the starter items' fields and rules back to these
definitions and leaves items that operators added alone.

Reserved natural-key part: `subject_code`, the resolved subject's code (the
USCC, or the person code derived from the identity number's keyed hash).
"""

from portal.core.codes import make_uscc

CITY = "惠州市"
CITY_REGION = "441300"

DEPARTMENTS = [
    # code, name, English name, organisation code body (8 characters)
    ("MARKET", "市场监督管理局", "Market Regulation Administration", "MB1A0001"),
    ("TAX", "税务局", "Tax Service", "MB1A0002"),
    ("COURT", "中级人民法院", "Intermediate People's Court", "MB1A0003"),
    ("HRSS", "人力资源和社会保障局", "Human Resources and Social Security Bureau", "MB1A0004"),
    ("ENV", "生态环境局", "Ecology and Environment Bureau", "MB1A0005"),
    ("HOUSING", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau", "MB1A0006"),
    ("EMERGENCY", "应急管理局", "Emergency Management Bureau", "MB1A0007"),
    ("CUSTOMS", "海关", "Customs", "MB1A0008"),
    ("TRANSPORT", "交通运输局", "Transport Bureau", "MB1A0009"),
    ("FUND", "住房公积金管理中心", "Housing Provident Fund Centre", "MB1A0010"),
]


def department_uscc(org_body: str) -> str:
    # 1 = registered by the establishment authority, 1 = government organ.
    return make_uscc("1", "1", CITY_REGION, org_body[-8:])


SUBJECT_KINDS = ["法人及非法人组织", "个体工商户", "自然人"]
ID_TYPES = [
    "身份证",
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "外国人永久居留身份证",
]
PENALTY_TYPES = [
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
]


def f(key, label, field_type="text", required=False, **rules):
    return {"key": key, "label": label, "field_type": field_type, "required": required, **rules}


def subject_block(natural_persons=True):
    kinds = SUBJECT_KINDS if natural_persons else SUBJECT_KINDS[:2]
    block = [
        f("subject_name", "行政相对人名称", required=True, label_en="Subject name"),
        f(
            "subject_kind",
            "行政相对人类别",
            "choice",
            required=True,
            choices="\n".join(kinds),
            label_en="Subject kind",
        ),
        f(
            "uscc",
            "统一社会信用代码",
            "uscc",
            required_if_field="subject_kind",
            required_if_op="not_equals",
            required_if_value="自然人",
            label_en="Unified social credit code",
        ),
        f("legal_rep", "法定代表人", label_en="Legal representative"),
        f(
            "industry",
            "所属行业",
            label_en="Industry",
            help_text="国民经济行业分类（GB/T 4754-2017）门类字母，可加两位大类代码，"
            "例如 C 或 C39；自然人不填",
        ),
    ]
    if natural_persons:
        block += [
            f(
                "id_type",
                "证件类型",
                "choice",
                required_if_field="subject_kind",
                required_if_op="equals",
                required_if_value="自然人",
                choices="\n".join(ID_TYPES),
                label_en="ID document type",
            ),
            f(
                "id_number",
                "证件号码",
                "id_number",
                required_if_field="subject_kind",
                required_if_op="equals",
                required_if_value="自然人",
                is_public=False,
                label_en="ID document number",
            ),
        ]
    return block


def source_block():
    return [
        f("source_name", "数据来源单位", required=True, label_en="Source unit"),
        f(
            "source_uscc",
            "数据来源单位统一社会信用代码",
            "uscc",
            required=True,
            label_en="Source unit USCC",
        ),
    ]


PENALTY_FIELDS = subject_block() + [
    f("decision_no", "行政处罚决定书文号", required=True, label_en="Decision number"),
    f("violation_type", "违法行为类型", required=True, label_en="Violation type"),
    f("facts", "违法事实", required=True, label_en="Facts"),
    f("basis", "处罚依据", required=True, label_en="Legal basis"),
    f(
        "penalty_types",
        "处罚类别",
        "multi_choice",
        required=True,
        choices="\n".join(PENALTY_TYPES),
        label_en="Penalty types",
    ),
    f("content", "处罚内容", required=True, label_en="Penalty content"),
    f(
        "fine_amount",
        "罚款金额（万元）",
        "decimal",
        min_value=0,
        required_if_field="penalty_types",
        required_if_op="includes",
        required_if_value="罚款",
        label_en="Fine (10k CNY)",
    ),
    f(
        "confiscated_amount",
        "没收违法所得、没收非法财物的金额（万元）",
        "decimal",
        min_value=0,
        label_en="Confiscated amount (10k CNY)",
    ),
    f("licence_affected", "暂扣或吊销证照名称及编号", label_en="Licence suspended or revoked"),
    f(
        "decision_date",
        "处罚决定日期",
        "date",
        required=True,
        not_in_future=True,
        label_en="Decision date",
    ),
    f(
        "valid_until",
        "处罚有效期",
        "date",
        not_before_field="decision_date",
        label_en="Penalty valid until",
    ),
    f(
        "publish_until",
        "公示截止期",
        "date",
        not_before_field="decision_date",
        label_en="Publish until",
    ),
    f("authority", "处罚机关", required=True, label_en="Deciding authority"),
    f(
        "authority_uscc",
        "处罚机关统一社会信用代码",
        "uscc",
        required=True,
        label_en="Authority USCC",
    ),
    *source_block(),
    f(
        "severity",
        "失信程度",
        "choice",
        choices="轻微\n一般\n严重",
        default="一般",
        label_en="Severity",
    ),
    f("remarks", "备注", label_en="Remarks"),
]

LICENCE_FIELDS = subject_block() + [
    f("decision_name", "行政许可决定文书名称", required=True, label_en="Decision document name"),
    f("decision_no", "行政许可决定文书号", required=True, label_en="Decision number"),
    f(
        "licence_category",
        "许可类别",
        "choice",
        required=True,
        choices="普通\n特许\n认可\n核准\n登记\n其他",
        label_en="Licence category",
    ),
    f("certificate_name", "许可证书名称", label_en="Certificate name"),
    f("licence_no", "许可编号", label_en="Licence number"),
    f("content", "许可内容", required=True, label_en="Licence content"),
    f(
        "decision_date",
        "许可决定日期",
        "date",
        required=True,
        not_in_future=True,
        label_en="Decision date",
    ),
    f("valid_from", "有效期自", "date", required=True, label_en="Valid from"),
    f("valid_to", "有效期至", "date", not_before_field="valid_from", label_en="Valid to"),
    f("authority", "许可机关", required=True, label_en="Licensing authority"),
    f(
        "authority_uscc",
        "许可机关统一社会信用代码",
        "uscc",
        required=True,
        label_en="Authority USCC",
    ),
    f("status", "当前状态", "choice", choices="有效\n无效", default="有效", label_en="Status"),
    *source_block(),
    f("remarks", "备注", label_en="Remarks"),
]


def simple_item_fields(natural_persons, own_fields, date_label, number_label):
    return subject_block(natural_persons) + [
        f("decision_no", number_label, required=True, label_en="Document number"),
        *own_fields,
        f(
            "decision_date",
            date_label,
            "date",
            required=True,
            not_in_future=True,
            label_en="Decision date",
        ),
        *source_block(),
        f("remarks", "备注", label_en="Remarks"),
    ]


# Penalty disclosure periods in force from 2026-04-01 (months from the decision date).
PENALTY_PERIODS = [
    {"severity": "minor", "min_months": 0, "max_months": 3, "published": False},
    {"severity": "general", "min_months": 3, "max_months": 12, "published": True},
    {"severity": "serious", "min_months": 12, "max_months": 36, "published": True},
]

ITEMS = [
    {
        "code": "ADM_LICENSE",
        "name": "行政许可",
        "name_en": "Administrative licence",
        "departments": [],
        "openness": "public",
        "list_type": "",
        "double_publicity": True,
        "disclosure_basis": "validity",
        "natural_key": "decision_no,subject_code",
        "title_field": "decision_name",
        "fields": LICENCE_FIELDS,
        "periods": [],
    },
    {
        "code": "ADM_PENALTY",
        "name": "行政处罚",
        "name_en": "Administrative penalty",
        "departments": [],
        "openness": "public",
        "list_type": "",
        "double_publicity": True,
        "disclosure_basis": "period",
        "warning_only_unpublished": True,
        "natural_key": "decision_no,subject_code",
        "title_field": "violation_type",
        "fields": PENALTY_FIELDS,
        "periods": PENALTY_PERIODS,
    },
    {
        "code": "TAX_ARREARS",
        "name": "欠税公告",
        "name_en": "Tax arrears announcement",
        "departments": ["TAX"],
        "openness": "public",
        "list_type": "",
        "disclosure_basis": "until_revoked",
        "natural_key": "decision_no,subject_code",
        "title_field": "tax_type",
        "periods": [],
        "fields": simple_item_fields(
            True,
            [
                f("tax_type", "欠税税种", required=True, label_en="Tax type"),
                f(
                    "arrears_amount",
                    "欠税余额（元）",
                    "decimal",
                    required=True,
                    min_value=0,
                    label_en="Arrears (CNY)",
                ),
                f(
                    "new_arrears_amount",
                    "当期新发生欠税余额（元）",
                    "decimal",
                    min_value=0,
                    label_en="New arrears (CNY)",
                ),
            ],
            "公告日期",
            "公告文号",
        ),
    },
    {
        "code": "TAX_A_GRADE",
        "name": "纳税信用A级",
        "name_en": "A-grade taxpayer",
        "departments": ["TAX"],
        "openness": "public",
        "list_type": "red",
        "disclosure_basis": "period",
        "natural_key": "rating_year,subject_code",
        "title_field": "rating_year",
        "periods": [{"severity": "", "min_months": 0, "max_months": 12, "published": True}],
        "fields": simple_item_fields(
            False,
            [
                f("rating_year", "评价年度", required=True, max_length=4, label_en="Rating year"),
            ],
            "认定日期",
            "认定文号",
        ),
    },
    {
        "code": "COURT_DISHONEST",
        "name": "失信被执行人",
        "name_en": "Dishonest judgment debtor",
        "departments": ["COURT"],
        "openness": "public",
        "list_type": "black",
        "disclosure_basis": "until_revoked",
        "natural_key": "decision_no,subject_code",
        "title_field": "dishonest_behaviour",
        "periods": [],
        "fields": simple_item_fields(
            True,
            [
                f("court", "执行法院", required=True, label_en="Enforcing court"),
                f("basis_doc", "执行依据文号", required=True, label_en="Enforcement basis"),
                f("obligation", "生效法律文书确定的义务", required=True, label_en="Obligation"),
                f(
                    "performance",
                    "被执行人的履行情况",
                    "choice",
                    required=True,
                    choices="全部未履行\n部分未履行",
                    label_en="Performance",
                ),
                f(
                    "dishonest_behaviour",
                    "失信被执行人行为具体情形",
                    required=True,
                    label_en="Dishonest conduct",
                ),
            ],
            "发布日期",
            "案号",
        ),
    },
    {
        "code": "SOCIAL_INSURANCE_ARREARS",
        "name": "社保欠费",
        "name_en": "Social insurance arrears",
        "departments": ["HRSS"],
        "openness": "shared",
        "list_type": "",
        "disclosure_basis": "until_revoked",
        "natural_key": "decision_no,subject_code",
        "title_field": "arrears_period",
        "periods": [],
        "fields": simple_item_fields(
            False,
            [
                f("arrears_period", "欠费所属期", required=True, label_en="Arrears period"),
                f(
                    "arrears_amount",
                    "欠费金额（元）",
                    "decimal",
                    required=True,
                    min_value=0,
                    label_en="Arrears (CNY)",
                ),
            ],
            "认定日期",
            "认定文号",
        ),
    },
    {
        "code": "ABNORMAL_OPERATION",
        "name": "经营异常名录",
        "name_en": "Abnormal operation list",
        "departments": ["MARKET"],
        "openness": "public",
        "list_type": "",
        "disclosure_basis": "until_revoked",
        "natural_key": "decision_no,subject_code",
        "title_field": "reason",
        "periods": [],
        "fields": simple_item_fields(
            False,
            [
                f("reason", "列入经营异常名录原因", required=True, label_en="Reason"),
                f("authority", "作出决定机关", required=True, label_en="Deciding authority"),
            ],
            "列入日期",
            "列入决定书文号",
        ),
    },
    {
        "code": "SERIOUS_ILLEGAL_DISHONEST",
        "name": "严重违法失信名单",
        "name_en": "Serious illegal and dishonest list",
        "departments": ["MARKET"],
        "openness": "public",
        "list_type": "black",
        "disclosure_basis": "period",
        "natural_key": "decision_no,subject_code",
        "title_field": "reason",
        "periods": [{"severity": "", "min_months": 12, "max_months": 36, "published": True}],
        "fields": simple_item_fields(
            False,
            [
                f("reason", "列入严重违法失信名单原因", required=True, label_en="Reason"),
                f("authority", "作出决定机关", required=True, label_en="Deciding authority"),
            ],
            "列入日期",
            "列入决定书文号",
        ),
    },
    {
        "code": "HONOUR",
        "name": "表彰奖励",
        "name_en": "Commendation and award",
        "departments": [],
        "openness": "public",
        "list_type": "red",
        "disclosure_basis": "period",
        "natural_key": "decision_no,subject_code",
        "title_field": "honour_name",
        "periods": [{"severity": "", "min_months": 0, "max_months": 36, "published": True}],
        "fields": simple_item_fields(
            True,
            [
                f("honour_name", "荣誉名称", required=True, label_en="Honour"),
                f("awarding_body", "授予单位", required=True, label_en="Awarding body"),
                f(
                    "level",
                    "级别",
                    "choice",
                    required=True,
                    choices="国家级\n省级\n市级\n区县级",
                    label_en="Level",
                ),
            ],
            "授予日期",
            "表彰文号",
        ),
    },
    {
        "code": "CREDIT_COMMITMENT",
        "name": "信用承诺",
        "name_en": "Credit commitment",
        "departments": [],
        "openness": "public",
        "list_type": "",
        "disclosure_basis": "period",
        "natural_key": "decision_no,subject_code",
        "title_field": "commitment_type",
        "periods": [{"severity": "", "min_months": 0, "max_months": 36, "published": True}],
        "fields": simple_item_fields(
            True,
            [
                f(
                    "commitment_type",
                    "承诺类型",
                    "choice",
                    required=True,
                    choices="审批替代型\n证明事项型\n主动公示型\n行业自律型\n信用修复型",
                    label_en="Commitment type",
                ),
                f("commitment_content", "承诺内容", required=True, label_en="Commitment"),
                f(
                    "fulfilment",
                    "履约状态",
                    "choice",
                    choices="履约\n未履约",
                    default="履约",
                    label_en="Fulfilment",
                ),
            ],
            "承诺日期",
            "承诺书编号",
        ),
    },
]


# Years an adverse record is kept after its disclosure window ends (the credit
# regulation's five years, docs/domain.md); other items are kept without limit.
ADVERSE_RETENTION_YEARS = 5


def _meaning(category, section, adverse=False, repair="none"):
    return {
        "category": category,
        "report_section": section,
        "is_adverse": adverse,
        "repair_rule": repair,
        "retention_years": ADVERSE_RETENTION_YEARS if adverse else None,
    }


# What each starter item means: which pages list it, which report section holds
# it, whether it counts against its subject and whether repair applies.
MEANINGS = {
    "ADM_LICENSE": _meaning("licence", "licence_penalty"),
    "ADM_PENALTY": _meaning("penalty", "licence_penalty", adverse=True, repair="after_minimum"),
    "TAX_ARREARS": _meaning("list_entry", "other", adverse=True),
    "TAX_A_GRADE": _meaning("list_entry", "honour_red"),
    "COURT_DISHONEST": _meaning("list_entry", "serious_dishonesty", adverse=True),
    "SOCIAL_INSURANCE_ARREARS": _meaning("list_entry", "other", adverse=True),
    "ABNORMAL_OPERATION": _meaning("list_entry", "abnormal", adverse=True),
    "SERIOUS_ILLEGAL_DISHONEST": _meaning("list_entry", "serious_dishonesty", adverse=True),
    "HONOUR": _meaning("honour", "honour_red"),
    "CREDIT_COMMITMENT": _meaning("commitment", "commitment"),
}


def install_starter_meanings(CatalogItem):
    """Set the meaning attributes of the starter items (for installations made before them)."""
    known = {field.name for field in CatalogItem._meta.get_fields()}
    for code, meaning in MEANINGS.items():
        CatalogItem.objects.filter(code=code).update(
            **{key: value for key, value in meaning.items() if key in known}
        )


def install_starter_catalog(Department, CatalogItem, CatalogField, DisclosurePeriod):
    """Create or bring up to date the departments and starter items. Idempotent.

    Takes the model classes so a data migration can pass its historical models.
    """
    departments = {}
    for code, name, name_en, org_body in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": CITY + name,
                "name_en": name_en,
                "uscc": department_uscc(org_body),
                "is_active": True,
            },
        )
    for order, spec in enumerate(ITEMS):
        spec = dict(spec)
        fields = spec.pop("fields")
        periods = spec.pop("periods")
        department_codes = spec.pop("departments")
        spec.update(MEANINGS[spec["code"]])
        # A data migration passes a historical model that may predate some attributes.
        known = {field.name for field in CatalogItem._meta.get_fields()}
        spec = {key: value for key, value in spec.items() if key in known}
        item, _ = CatalogItem.objects.update_or_create(
            code=spec.pop("code"), defaults={**spec, "sort_order": (order + 1) * 10}
        )
        item.departments.set([departments[c] for c in department_codes])
        CatalogField.objects.filter(catalog_item=item).exclude(
            key__in=[field["key"] for field in fields]
        ).delete()
        for position, field in enumerate(fields):
            field = dict(field)
            CatalogField.objects.update_or_create(
                catalog_item=item,
                key=field.pop("key"),
                defaults={**_field_defaults(), **field, "sort_order": position},
            )
        DisclosurePeriod.objects.filter(catalog_item=item).delete()
        for position, period in enumerate(periods):
            DisclosurePeriod.objects.create(catalog_item=item, sort_order=position, **period)
        # The real model (not a migration's historical one) keeps its template version.
        refresh = getattr(item, "refresh_template_version", None)
        if refresh is not None:
            refresh()


def _field_defaults():
    # Every rule reset to its empty value, so re-installing removes stale rules.
    return {
        "label_en": "",
        "required": False,
        "required_if_field": "",
        "required_if_op": "",
        "required_if_value": "",
        "choices": "",
        "default": "",
        "max_length": None,
        "min_value": None,
        "not_before_field": "",
        "not_in_future": False,
        "is_public": True,
        "help_text": "",
    }
