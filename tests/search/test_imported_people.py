"""People imported through a department's file, with Huizhou identity numbers of every age,
are found by their full name and by nothing shorter (the numbers' 4413xx county codes date
from 1988: residents born before then carry codes a strict birth-year check would refuse)."""

import pytest

from exchange.models import BatchStatus
from portal.core.codes import make_resident_id
from portal.subjects.models import Subject, SubjectKind
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.search.helpers import reindex, search

PEOPLE = [("何丽", "19600101"), ("欧阳建国", "19751102"), ("林晓东", "19990615")]


@pytest.mark.django_db
class ImportedPeople:
    backend_kind = "fts"

    def test_people_imported_with_huizhou_codes_are_found_by_full_name_only(self, search_backend):
        found_by_full_name_only()


class TestEmbedded(ImportedPeople):
    backend_kind = "fts"


@pytest.mark.elasticsearch
class TestElasticsearch(ImportedPeople):
    backend_kind = "elasticsearch"


def found_by_full_name_only():
    rows = [
        penalty_row(
            subject_kind="自然人",
            subject_name=name,
            uscc="",
            legal_rep="",
            id_type="身份证",
            id_number=make_resident_id("441302", birth, "126"),
        )
        for name, birth in PEOPLE
    ]
    batch = load(penalty_csv(rows))
    assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.COMMITTED, 3, 0)
    reindex()
    for name, _birth in PEOPLE:
        person = Subject.objects.get(name=name, kind=SubjectKind.NATURAL_PERSON)
        assert person.code in {h.subject_code for h in search(q=name).hits}, name
        for fragment in {name[0], name[-1], name[:2], name[1:]} - {name}:
            assert person.code not in {h.subject_code for h in search(q=fragment).hits}, fragment
