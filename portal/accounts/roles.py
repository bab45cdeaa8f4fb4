"""The roles of DESIGN §2, kept as Django groups so operators assign them in the admin."""

from django.utils.translation import gettext_lazy as _

OPERATORS = "operators"
DEPARTMENT_OFFICERS = "department_officers"
REVIEWERS = "reviewers"

ROLE_LABELS = {
    OPERATORS: _("平台运营人员"),
    DEPARTMENT_OFFICERS: _("部门数据专员"),
    REVIEWERS: _("政府审查人员"),
}
