"""The starter reporting duties (docs/domain.md, Reporting duties and assessment).

Double-publicity decisions reach the site within 7 working days of the decision,
and a revoked decision leaves it within 5; an entry of a list published until it is
revoked or removed (欠税公告, 失信被执行人…) leaves it within 5 of its removal (移出). Installed by a data migration and by
`manage.py install_duties`; existing duties are left as operators edited them.
"""

DECISION_DAYS = 7
REVOCATION_DAYS = 5
DELISTING_DAYS = 5
# A revocation's clock starts on the day the withdrawal register says it was decided: the
# import's 撤销或移出日期 column (key withdrawal_date) and the workspace form's date. A
# revocation sent without it is counted as untimed (portal.assessment.revocations).
REVOCATION_START_FIELD = "withdrawal_date"


def install_starter_duties(Department, CatalogItem, ReportingDuty) -> int:
    """Create the starter duties of every active department that lack them; returns
    how many were created. Takes model classes so a data migration can pass its own."""
    created = 0
    active = CatalogItem.objects.filter(is_active=True)
    duties = {}
    for item in active.filter(double_publicity=True):
        duties[item] = [
            ("decision", DECISION_DAYS, "decision_date"),
            ("revocation", REVOCATION_DAYS, REVOCATION_START_FIELD),
        ]
    for item in active.filter(disclosure_basis="until_revoked"):
        duties.setdefault(item, []).append(("delisting", DELISTING_DAYS, REVOCATION_START_FIELD))
    providers = {item.pk: set(item.departments.values_list("pk", flat=True)) for item in duties}
    for department in Department.objects.filter(is_active=True):
        for item, events in duties.items():
            if providers[item.pk] and department.pk not in providers[item.pk]:
                continue
            for event, days, start_field in events:
                _, made = ReportingDuty.objects.get_or_create(
                    department=department,
                    catalog_item=item,
                    event=event,
                    defaults={
                        "frequency": "realtime",
                        "deadline_working_days": days,
                        "start_field": start_field,
                        "note": (
                            f"双公示：{days}个工作日"
                            if event != "delisting"
                            else f"移出名单：{days}个工作日"
                        ),
                    },
                )
                created += made
    return created
