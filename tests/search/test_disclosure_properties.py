"""Property-based: whatever the records and their states, search shows only what the
public may see, and never an identity number in clear — on every backend."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.catalog.models import Openness
from portal.core.codes import make_resident_id
from portal.records.disclosure import PUBLIC_STATES, PublicState
from portal.records.models import CreditRecord
from search.backends import get_backend
from tests.factories import OrganisationFactory, PersonFactory, make_record
from tests.search.helpers import TODAY, reindex, search

ITEMS = ["ADM_PENALTY", "ADM_LICENSE", "COURT_DISHONEST", "HONOUR", "SOCIAL_INSURANCE_ARREARS"]
SUBJECTS = ["org", "person", "minor"]

record_spec = st.fixed_dictionaries(
    {
        "subject": st.integers(min_value=0, max_value=3),
        "subject_kind": st.sampled_from(SUBJECTS),
        "item": st.sampled_from(ITEMS),
        "state": st.sampled_from(list(PublicState.values)),
        "days_ago": st.integers(min_value=0, max_value=2000),
    }
)

_serial = iter(range(100, 999))


def make_world(specs):
    subjects = {}
    numbers = []
    records = []
    for spec in specs:
        key = (spec["subject"], spec["subject_kind"])
        if key not in subjects:
            if spec["subject_kind"] == "org":
                subjects[key] = OrganisationFactory(name=f"惠州市测试{key[0]}号华信有限公司")
            else:
                birth = f"{TODAY.year - 15}0301" if spec["subject_kind"] == "minor" else "19900301"
                number = make_resident_id("441302", birth, f"{next(_serial):03d}")
                numbers.append(number)
                subjects[key] = PersonFactory(name=f"张华信{key[0]}", identity_number=number)
        record = make_record(
            subjects[key],
            item_code=spec["item"],
            decision_date=TODAY - dt.timedelta(days=spec["days_ago"]),
            data={"violation_type": "虚假宣传", "content": "华信测试"},
        )
        # Any state at all, even one the rules would not give this record.
        CreditRecord.objects.filter(pk=record.pk).update(public_state=spec["state"])
        records.append(record.pk)
    return subjects, numbers


def visible_records():
    return set(
        CreditRecord.objects.filter(
            public_state__in=PUBLIC_STATES, catalog_item__openness=Openness.PUBLIC
        )
        .exclude(subject__adult_on__gt=TODAY)
        .values_list("pk", flat=True)
    )


def all_hits(**filters):
    hits = []
    page = 1
    while True:
        results = search(q="", per_page=50, page=page, **filters)
        hits += results.hits
        if page >= results.pages:
            return results.total, hits
        page += 1


@pytest.mark.django_db
class DisclosureProperties:
    backend_kind = "fts"

    @pytest.fixture(autouse=True)
    def _backend(self, search_backend):
        self.backend = search_backend

    @settings(
        max_examples=12,
        deadline=None,
        # One subclass per backend runs this method: the data never depends on which.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.differing_executors,
        ],
    )
    @given(specs=st.lists(record_spec, min_size=1, max_size=7))
    def test_only_public_records_of_public_items_are_ever_found(self, specs):
        with transaction.atomic():
            self.backend.drop_all()
            subjects, numbers = make_world(specs)
            reindex()
            visible = visible_records()
            # Browsing lists no natural person: theirs are found by full name only.
            expected = set(
                CreditRecord.objects.filter(pk__in=visible)
                .exclude(subject__kind="natural_person")
                .values_list("pk", flat=True)
            )
            total, hits = all_hits()
            found = {h.record_id for h in hits if h.type == "record"}
            assert found == expected
            assert total == len(hits)
            assert all(hit.kind != "natural_person" for hit in hits)
            for person in (s for s in subjects.values() if s.is_natural_person):
                by_name = search(q=person.name, per_page=50).hits
                assert {h.record_id for h in by_name if h.record_id} <= visible
                if person.records.filter(pk__in=visible).exists():
                    assert person.code in {h.subject_code for h in by_name}
            for hit in hits:
                if hit.type == "record":
                    record = CreditRecord.objects.select_related("catalog_item").get(
                        pk=hit.record_id
                    )
                    assert record.public_state in PUBLIC_STATES
                    assert record.catalog_item.openness == Openness.PUBLIC
            # A person is findable only through a published record.
            for hit in hits:
                if hit.type == "subject" and hit.kind == "natural_person":
                    assert CreditRecord.objects.filter(
                        subject__code=hit.subject_code, pk__in=expected
                    ).exists()
            organisations = {s.code for s in subjects.values() if not s.is_natural_person}
            assert organisations <= {h.subject_code for h in hits}
            # Name queries and filters never widen the set.
            named = {h.record_id for h in search(q="虚假宣传", per_page=50).hits}
            assert named <= visible | {None}
            black = {h.record_id for h in all_hits(list_type="black")[1] if h.record_id}
            assert black <= expected
            # Identity numbers are never in the index in clear.
            for number in numbers:
                assert search(q=number).total == 0
                for hit in hits:
                    assert number not in str(hit.as_json())
            transaction.set_rollback(True)


class TestEmbeddedFtsProperties(DisclosureProperties):
    backend_kind = "fts"


class TestEmbeddedTokenTableProperties(DisclosureProperties):
    backend_kind = "ngram"


@pytest.mark.elasticsearch
class TestElasticsearchProperties(DisclosureProperties):
    backend_kind = "elasticsearch"

    def test_server_is_real(self):
        assert get_backend().name == "elasticsearch"
