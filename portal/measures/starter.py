"""The starter scenarios and measures list (docs/domain.md, Joint rewards and penalties).

Installed by a data migration and re-applied by `manage.py install_measures`.
Re-applying brings the starter entries back to these definitions and leaves
scenarios and measures that operators added alone. Measures whose list item
is missing (an operator deleted it) are skipped.
"""

SCENARIOS = [
    # code, name, English name
    ("PROCUREMENT", "政府采购", "Government procurement"),
    ("BIDDING", "招标投标", "Tendering and bidding"),
    ("SUBSIDY", "财政资金与补贴", "Public funds and subsidies"),
    ("HONOUR", "评优评先", "Honours and awards"),
    ("HIRING", "公职人员招录", "Civil service recruitment"),
    ("LICENSING", "行政审批与资质认定", "Administrative approval and qualification"),
    ("SUPERVISION", "日常监管", "Routine supervision"),
]

GUIDELINE = (
    "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》"
    "（国发〔2016〕33号）"
)
COURT_MEMO = "《关于对失信被执行人实施联合惩戒的合作备忘录》（发改财金〔2016〕141号）"
SID_RULES = "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第十二条"
TAX_A_MEMO = "《关于对纳税信用A级纳税人实施联合激励措施的合作备忘录》（发改财金〔2016〕1467号）"

# list_type, catalog item code (None = every list of that type), scenarios
MEASURES = [
    {
        "code": "BLACK_PROCUREMENT_BAN",
        "name": "限制参加政府采购活动",
        "name_en": "Barred from government procurement",
        "list_type": "black",
        "item": None,
        "scenarios": ["PROCUREMENT"],
        "legal_basis": "《中华人民共和国政府采购法》第二十二条；" + GUIDELINE,
        "description": "列入失信惩戒名单的供应商不得参加政府采购活动，已中标的依法处理。",
        "implementing_body": "财政局及各采购人、采购代理机构",
    },
    {
        "code": "BLACK_BIDDING_RESTRICT",
        "name": "限制参与招标投标活动",
        "name_en": "Restricted from bidding",
        "list_type": "black",
        "item": None,
        "scenarios": ["BIDDING"],
        "legal_basis": "《中华人民共和国招标投标法实施条例》；"
        "《关于在招标投标活动中对失信被执行人实施联合惩戒的通知》（法〔2016〕285号）",
        "description": "在招标投标活动中依法限制其投标资格，或在评标中作为否决投标、扣减信用分的依据。",
        "implementing_body": "发展改革、住房城乡建设、交通运输、水利等招投标监管部门",
    },
    {
        "code": "BLACK_SUBSIDY_EXCLUDE",
        "name": "限制申请财政性资金项目和政策性补贴",
        "name_en": "Excluded from public funds and subsidies",
        "list_type": "black",
        "item": None,
        "scenarios": ["SUBSIDY"],
        "legal_basis": GUIDELINE,
        "description": "限制申报、承担财政资金支持项目，停止享受政策性资金补贴。",
        "implementing_body": "财政局及资金主管部门",
    },
    {
        "code": "BLACK_HONOUR_EXCLUDE",
        "name": "取消评优评先资格",
        "name_en": "Excluded from honours",
        "list_type": "black",
        "item": None,
        "scenarios": ["HONOUR"],
        "legal_basis": GUIDELINE,
        "description": "不得参加评优评先，已获得的荣誉称号依规撤销。",
        "implementing_body": "各评选表彰组织单位",
    },
    {
        "code": "BLACK_LICENSING_STRICT",
        "name": "列为行政审批重点审查对象，不适用告知承诺制",
        "name_en": "Strict review in approvals, no notification-and-commitment",
        "list_type": "black",
        "item": None,
        "scenarios": ["LICENSING"],
        "legal_basis": GUIDELINE,
        "description": "在行政审批、资质认定中从严审核，不适用告知承诺、容缺受理等便利措施。",
        "implementing_body": "各行政审批部门",
    },
    {
        "code": "BLACK_SUPERVISION_INTENSIFY",
        "name": "列为重点监管对象，提高检查比例和频次",
        "name_en": "Closer supervision, more inspections",
        "list_type": "black",
        "item": None,
        "scenarios": ["SUPERVISION"],
        "legal_basis": GUIDELINE,
        "description": "在“双随机、一公开”监管中提高抽查比例和频次。",
        "implementing_body": "各行业主管部门",
    },
    {
        "code": "COURT_DISHONEST_HIRING_BAN",
        "name": "不得录用为公务员或事业单位工作人员",
        "name_en": "Not recruited as a civil servant or public institution employee",
        "list_type": "black",
        "item": "COURT_DISHONEST",
        "scenarios": ["HIRING"],
        "legal_basis": COURT_MEMO + "；《公务员录用规定》",
        "description": "失信被执行人不得录用为公务员或事业单位工作人员，在职人员依法依规处理。",
        "implementing_body": "组织、人力资源和社会保障部门",
    },
    {
        "code": "COURT_DISHONEST_LICENSING_RESTRICT",
        "name": "限制设立金融类机构和从事特定行业",
        "name_en": "Restricted from founding financial institutions and certain trades",
        "list_type": "black",
        "item": "COURT_DISHONEST",
        "scenarios": ["LICENSING"],
        "legal_basis": COURT_MEMO,
        "description": "限制作为发起人设立金融机构、从事民爆物品、特许经营等行业的审批。",
        "implementing_body": "相关行政审批部门",
    },
    {
        "code": "SID_PROCUREMENT_BIDDING_BAN",
        "name": "依法限制参加政府采购、工程招投标",
        "name_en": "Barred from procurement and construction bidding while listed",
        "list_type": "black",
        "item": "SERIOUS_ILLEGAL_DISHONEST",
        "scenarios": ["PROCUREMENT", "BIDDING"],
        "legal_basis": SID_RULES,
        "description": "列入严重违法失信名单期间，依法限制参加政府采购、工程招投标。",
        "implementing_body": "财政局、招投标监管部门",
    },
    {
        "code": "SID_HONOUR_BAN",
        "name": "不得授予相关荣誉称号",
        "name_en": "No honours while listed",
        "list_type": "black",
        "item": "SERIOUS_ILLEGAL_DISHONEST",
        "scenarios": ["HONOUR"],
        "legal_basis": SID_RULES,
        "description": "列入严重违法失信名单期间，不得授予市场监督管理部门荣誉称号等表彰奖励。",
        "implementing_body": "市场监督管理局",
    },
    {
        "code": "RED_LICENSING_GREEN_CHANNEL",
        "name": "行政审批“绿色通道”，容缺受理",
        "name_en": "Green channel and incomplete-file acceptance in approvals",
        "list_type": "red",
        "item": None,
        "scenarios": ["LICENSING"],
        "legal_basis": GUIDELINE,
        "description": "在行政审批中开辟绿色通道，对非关键材料缺失的可先行受理。",
        "implementing_body": "各行政审批部门",
    },
    {
        "code": "RED_SUPERVISION_FEWER_INSPECTIONS",
        "name": "降低抽查比例和频次",
        "name_en": "Fewer inspections",
        "list_type": "red",
        "item": None,
        "scenarios": ["SUPERVISION"],
        "legal_basis": GUIDELINE,
        "description": "在“双随机、一公开”监管中适当降低抽查比例和频次。",
        "implementing_body": "各行业主管部门",
    },
    {
        "code": "RED_SUBSIDY_PRIORITY",
        "name": "同等条件下优先安排财政资金和政策支持",
        "name_en": "Priority for public funds and policy support",
        "list_type": "red",
        "item": None,
        "scenarios": ["SUBSIDY"],
        "legal_basis": GUIDELINE,
        "description": "在财政资金项目安排、政策扶持中，同等条件下列为优先选择对象。",
        "implementing_body": "财政局及资金主管部门",
    },
    {
        "code": "RED_PROCUREMENT_BIDDING_CREDIT",
        "name": "政府采购和招标投标中予以信用加分或优先考虑",
        "name_en": "Credit bonus in procurement and bidding",
        "list_type": "red",
        "item": None,
        "scenarios": ["PROCUREMENT", "BIDDING"],
        "legal_basis": GUIDELINE,
        "description": "在依法可以实施信用评价的采购和招投标活动中，给予信用加分或同等条件下优先。",
        "implementing_body": "采购人、招标人及评审委员会",
    },
    {
        "code": "RED_HONOUR_PRIORITY",
        "name": "评优评先中同等条件下优先考虑",
        "name_en": "Priority in honours",
        "list_type": "red",
        "item": None,
        "scenarios": ["HONOUR"],
        "legal_basis": GUIDELINE,
        "description": "在各类评优评先中，同等条件下优先推荐。",
        "implementing_body": "各评选表彰组织单位",
    },
    {
        "code": "TAX_A_GRADE_INVOICE_CONVENIENCE",
        "name": "发票按需领用，办税绿色通道",
        "name_en": "Invoices on demand and a tax green channel",
        "list_type": "red",
        "item": "TAX_A_GRADE",
        "scenarios": ["LICENSING"],
        "legal_basis": TAX_A_MEMO,
        "description": "纳税信用A级纳税人可按需领用增值税发票，办理涉税事项享受绿色通道。",
        "implementing_body": "税务局",
    },
]


PROCUREMENT_SUPPLIER_RULE = (
    "《中华人民共和国政府采购法》第二十二条第一款第（五）项；"
    "《中华人民共和国政府采购法实施条例》第十九条：参加政府采购活动前三年内"
    "在经营活动中有重大违法记录的供应商，不符合参加政府采购活动的条件。"
)

# Conditions beyond the lists (ScreeningCondition), by scenario; keyed by code.
CONDITIONS = {
    "PROCUREMENT": [
        {
            "code": "SERIOUS_PENALTY_3Y",
            "name": "近三年内失信程度为严重的行政处罚",
            "name_en": "Serious administrative penalties in the last three years",
            "category": "penalty",
            "adverse_only": True,
            "years": 3,
            "severity": "serious",
            "legal_basis": PROCUREMENT_SUPPLIER_RULE,
        }
    ],
}


def install_starter_conditions(Scenario, ScreeningCondition):
    """Create or bring up to date the starter conditions; operators' own are left alone."""
    for scenario_code, specs in CONDITIONS.items():
        scenario = Scenario.objects.filter(code=scenario_code).first()
        if scenario is None:
            continue
        for order, spec in enumerate(specs):
            spec = dict(spec)
            ScreeningCondition.objects.update_or_create(
                scenario=scenario,
                code=spec.pop("code"),
                defaults={**spec, "sort_order": order},
            )


def install_starter_measures(CatalogItem, Scenario, Measure):
    """Create or bring up to date the starter scenarios and measures. Idempotent.

    Takes the model classes so a data migration can pass its historical models.
    """
    scenarios = {}
    for order, (code, name, name_en) in enumerate(SCENARIOS):
        scenarios[code], _ = Scenario.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "sort_order": (order + 1) * 10},
        )
    items = {item.code: item for item in CatalogItem.objects.filter(list_type__in=["red", "black"])}
    for order, spec in enumerate(MEASURES):
        spec = dict(spec)
        item_code = spec.pop("item")
        scenario_codes = spec.pop("scenarios")
        if item_code is not None and item_code not in items:
            continue
        measure, _ = Measure.objects.update_or_create(
            code=spec.pop("code"),
            defaults={
                **spec,
                "catalog_item": items.get(item_code) if item_code else None,
                "sort_order": (order + 1) * 10,
            },
        )
        measure.scenarios.set([scenarios[c] for c in scenario_codes])
