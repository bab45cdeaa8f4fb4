"""Starter reporting deadlines per grade (minutes from detection; None: not required).

Operators edit them in the admin; this only fills grades that have no row yet.
"""

from portal.incidents.models import Grade

STARTER_POLICIES = {
    Grade.EXTRAORDINARY: {"leader_minutes": 15, "city_office_minutes": 30, "province_minutes": 60},
    Grade.MAJOR: {"leader_minutes": 30, "city_office_minutes": 60, "province_minutes": 120},
    Grade.LARGE: {"leader_minutes": 60, "city_office_minutes": 240, "province_minutes": None},
    Grade.GENERAL: {"leader_minutes": 240, "city_office_minutes": None, "province_minutes": None},
}


def install_grade_policies(policy_model=None) -> int:
    """Create the missing grades' policies with the starter values. Idempotent."""
    if policy_model is None:
        from portal.incidents.models import GradePolicy as policy_model
    created = 0
    for grade, minutes in STARTER_POLICIES.items():
        _, was_created = policy_model.objects.get_or_create(grade=grade.value, defaults=minutes)
        created += was_created
    return created
