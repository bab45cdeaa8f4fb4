"""English labels that the catalogues' merge used to hide or that share their Chinese with another word."""

from django.utils import translation

from portal.incidents.models import EntryKind
from portal.records.models import CreditRecord


def test_an_incident_log_note_is_a_note_not_a_record():
    with translation.override("en"):
        assert str(EntryKind.NOTE.label) == "Note"
    with translation.override("zh-hans"):
        assert str(EntryKind.NOTE.label) == "记录"


def test_a_records_department_reads_the_same_in_every_place():
    with translation.override("en"):
        assert (
            str(CreditRecord._meta.get_field("department").verbose_name) == "Providing department"
        )
        assert translation.gettext("提供部门") == "Providing department"
        assert (
            str(CreditRecord._meta.get_field("public_state").verbose_name) == "Publication status"
        )
