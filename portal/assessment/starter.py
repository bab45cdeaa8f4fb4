"""The starter reporting duties (docs/domain.md, Reporting duties and assessment).

Double-publicity decisions reach the site within 7 working days of the decision,
and a revoked decision leaves it within 5. Installed by a data migration and by
`manage.py install_duties`; existing duties are left as operators edited them.
"""

DECISION_DAYS = 7
REVOCATION_DAYS = 5
# The templates' field for the date a decision was annulled (no starter template has
# it yet: such revocations are counted as untimed until departments send it).
REVOCATION_START_FIELD = "revocation_date"


def install_starter_duties(Department, CatalogItem, ReportingDuty) -> int:
    """Create the starter duties of every active department that lack them; returns
    how many were created. Takes model classes so a data migration can pass its own."""
    created = 0
    items = list(CatalogItem.objects.filter(double_publicity=True, is_active=True))
    providers = {item.pk: set(item.departments.values_list("pk", flat=True)) for item in items}
    for department in Department.objects.filter(is_active=True):
        for item in items:
            if providers[item.pk] and department.pk not in providers[item.pk]:
                continue
            for event, days, start_field in (
                ("decision", DECISION_DAYS, "decision_date"),
                ("revocation", REVOCATION_DAYS, REVOCATION_START_FIELD),
            ):
                _, made = ReportingDuty.objects.get_or_create(
                    department=department,
                    catalog_item=item,
                    event=event,
                    defaults={
                        "frequency": "realtime",
                        "deadline_working_days": days,
                        "start_field": start_field,
                        "note": f"双公示：{days}个工作日",
                    },
                )
                created += made
    return created
