"""Property-based: whatever the records, every public reader shows exactly what
portal.records.visibility allows — no more, no less.

Random worlds mix catalog items, record statuses and public states (derived, or
any state a stale row could hold: derivation never gives a minor's conduct a
public state, and nothing changes that without deriving again), item openness
changed after the states were derived, organisations, individual businesses,
adults, minors and adults with conduct from their minority, and catalog fields
made not public.
An independent statement of the rule (`allowed` below) checks the module
itself; each reader is then compared with the module.
"""

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cms import lists, profiles
from portal.catalog.models import CatalogField, CatalogItem, FieldType, Openness
from portal.core.codes import make_resident_id
from portal.records import visibility
from portal.records.disclosure import PUBLIC_STATES, PublicState, RecordStatus
from portal.records.models import CreditRecord
from portal.reports.services import collect
from search.documents import RECORD, SUBJECT, SUBJECT_KEYS, build_documents
from search.profiles import published_profile
from tests.factories import OrganisationFactory, PersonFactory, make_record, next_uscc

TODAY = timezone.localdate()
ITEMS = [
    "ADM_PENALTY",
    "ADM_LICENSE",
    "COURT_DISHONEST",
    "HONOUR",
    "TAX_A_GRADE",
    "SOCIAL_INSURANCE_ARREARS",
]
KINDS = ["enterprise", "business", "adult", "minor", "grown"]
# Fields a test may make not public; the first five are items' title fields.
HIDEABLE = ["violation_type", "decision_name", "honour_name", "rating_year"]
HIDEABLE += ["dishonest_behaviour", "content", "penalty_types", "authority"]
HIDEABLE += ["licence_category", "valid_to", "remarks"]
MARKED = [*HIDEABLE, "arrears_period"]

record_spec = st.fixed_dictionaries(
    {
        "subject": st.integers(min_value=0, max_value=2),
        "kind": st.sampled_from(KINDS),
        "item": st.sampled_from(ITEMS),
        "status": st.sampled_from(list(RecordStatus.values)),
        # None: the state the rules derive; otherwise any state, even a stale one.
        "state": st.none() | st.sampled_from(list(PublicState.values)),
        "days_ago": st.integers(min_value=0, max_value=2500),
    }
)
world_spec = st.fixed_dictionaries(
    {
        "records": st.lists(record_spec, min_size=1, max_size=7),
        "openness": st.dictionaries(
            st.sampled_from(ITEMS), st.sampled_from(list(Openness.values)), max_size=3
        ),
        "hidden": st.sets(st.sampled_from(HIDEABLE), max_size=4),
        "id_field_public": st.booleans(),
    }
)

_serial = itertools.count(100)


def value_of(key: str):
    """A value no other key holds, so a leak shows in any output."""
    return [f"X{key}X"] if key == "penalty_types" else f"X{key}X"


def make_subject(kind: str, index: int):
    """A subject and, for a person, the identity number in clear."""
    if kind == "enterprise":
        return OrganisationFactory(name=f"惠州市测试{index}号华信有限公司"), ""
    if kind == "business":
        return OrganisationFactory(uscc=next_uscc(kind="2"), name=f"惠城区华信{index}号商店"), ""
    birth = {
        "adult": dt.date(1990, 3, 1),
        "minor": TODAY.replace(year=TODAY.year - 15, day=1),
        # Of age about a year ago: older decisions were a minor's conduct.
        "grown": TODAY.replace(year=TODAY.year - 19, day=1),
    }[kind]
    number = make_resident_id("441302", f"{birth:%Y%m%d}", f"{next(_serial) % 1000:03d}")
    return PersonFactory(name=f"张华信{index}", identity_number=number), number


def make_world(spec):
    subjects, numbers = {}, []
    for row in spec["records"]:
        key = (row["subject"], row["kind"])
        if key not in subjects:
            subjects[key] = make_subject(row["kind"], row["subject"])
            numbers.append(subjects[key][1])
        subject, number = subjects[key]
        data = {k: value_of(k) for k in MARKED}
        data["subject_name"] = subject.name
        if number:
            # As a faulty submission could hold it: the clear number in record data.
            data["id_number"] = number
        record = make_record(
            subject,
            item_code=row["item"],
            decision_date=TODAY - dt.timedelta(days=row["days_ago"]),
            status=row["status"],
            data=data,
        )
        minors_conduct = subject.is_minor(record.decision_date)
        if minors_conduct:
            assert record.public_state not in PUBLIC_STATES
        if row["state"] is not None and not (minors_conduct and row["state"] in PUBLIC_STATES):
            CreditRecord.objects.filter(pk=record.pk).update(public_state=row["state"])
    # Changed after the states were derived: the stored states are now stale.
    for code, openness in spec["openness"].items():
        CatalogItem.objects.filter(code=code).update(openness=openness)
    CatalogField.objects.filter(key__in=spec["hidden"]).update(is_public=False)
    if spec["id_field_public"]:
        CatalogField.objects.filter(field_type=FieldType.ID_NUMBER).update(is_public=True)
    return [subject for subject, _number in subjects.values()], [n for n in numbers if n]


def allowed(record, states=PUBLIC_STATES) -> bool:
    """The rule, stated independently of the module under test."""
    adult_on = record.subject.adult_on
    return (
        record.public_state in states
        and record.catalog_item.openness == Openness.PUBLIC
        and (adult_on is None or (adult_on <= TODAY and adult_on <= record.decision_date))
    )


def ids(records) -> set:
    return {r.pk for r in records}


def public_keys(record) -> set:
    return {
        f.key
        for f in record.catalog_item.fields.all()
        if f.is_public and f.field_type != FieldType.ID_NUMBER
    }


def assert_no_leak(text: str, hidden: set, numbers: list):
    for key in hidden:
        assert f"X{key}X" not in text, key
    for number in numbers:
        assert number not in text


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=world_spec)
# The edges every run must cover, whatever hypothesis draws: a minor's repaired
# conduct, a stale state of an item made shared, hidden fields (a title field among
# them) and a public identity-number field.
@example(
    spec={
        "records": [
            {
                "subject": 0,
                "kind": "grown",
                "item": "ADM_PENALTY",
                "status": "repaired",
                "state": None,
                "days_ago": 2000,
            },
            {
                "subject": 0,
                "kind": "grown",
                "item": "ADM_PENALTY",
                "status": "active",
                "state": None,
                "days_ago": 10,
            },
            {
                "subject": 1,
                "kind": "minor",
                "item": "HONOUR",
                "status": "active",
                "state": "published",
                "days_ago": 10,
            },
            {
                "subject": 0,
                "kind": "enterprise",
                "item": "ADM_LICENSE",
                "status": "active",
                "state": None,
                "days_ago": 10,
            },
            {
                "subject": 1,
                "kind": "adult",
                "item": "ADM_PENALTY",
                "status": "repaired",
                "state": None,
                "days_ago": 400,
            },
            {
                "subject": 1,
                "kind": "adult",
                "item": "COURT_DISHONEST",
                "status": "active",
                "state": None,
                "days_ago": 30,
            },
        ],
        "openness": {"ADM_LICENSE": "shared"},
        "hidden": {"content", "penalty_types", "violation_type"},
        "id_field_public": True,
    }
)
def test_every_public_reader_shows_exactly_what_visibility_allows(spec):
    with transaction.atomic():
        subjects, numbers = make_world(spec)
        hidden = set(spec["hidden"])
        records = list(
            CreditRecord.objects.select_related("subject", "catalog_item", "department")
            .prefetch_related("catalog_item__fields")
            .order_by("pk")
        )
        expected = {r.pk for r in records if allowed(r)}

        # The module states the rule.
        assert ids(visibility.public_records()) == expected
        assert {r.pk for r in records if visibility.is_public_record(r)} == expected
        reported = {r.pk for r in records if allowed(r, PUBLIC_STATES)}
        assert ids(visibility.report_records()) == reported
        shown = {
            s.pk
            for s in subjects
            if not s.is_minor(TODAY)
            and (
                not s.is_natural_person
                or any(r.subject_id == s.pk for r in records if r.pk in expected)
            )
        }
        assert {s.pk for s in subjects if visibility.find_public_subject(s.code)} == shown
        for record in records:
            fields = visibility.public_fields(record.catalog_item)
            assert {f.key for f in fields} == public_keys(record)
            assert set(visibility.public_data(record)) <= public_keys(record)

        # The profile page and the record page.
        for subject in subjects:
            own = {r.pk for r in records if r.subject_id == subject.pk and r.pk in expected}
            if subject.pk in shown:
                profile = profiles.build_profile(subject)
                rows = [r for g in profile.groups for r in g.records]
                assert {r.pk for r in rows} == own
                assert profile.total == len(own)
                assert_no_leak(repr([r.title for r in rows]), hidden, numbers)
        for record in records:
            found = visibility.find_public_record(record.pk)
            assert (found is not None) == (record.pk in expected)
            if found is not None:
                rows = profiles.record_fields(found)
                assert_no_leak(visibility.public_title(found), hidden, numbers)
                shown_labels = {label for label, _value in rows}
                labels = {
                    f.label for f in found.catalog_item.fields.all() if f.key in public_keys(found)
                }
                assert shown_labels <= labels
                assert_no_leak(repr(rows), hidden, numbers)

        # Disclosure lists and their CSV export.
        for kind in lists.ListKind.values:
            items = set(lists.items_for(kind).values_list("pk", flat=True))
            in_list = {r.pk for r in records if r.pk in expected and r.catalog_item_id in items}
            assert ids(lists.list_records(kind)) == in_list
            header, *rows = list(lists.export_rows(kind))
            exportable = [r for r in records if r.pk in in_list and not r.subject.is_natural_person]
            assert len(rows) == len(exportable)
            assert_no_leak(repr(rows), hidden, numbers)
            page = lists.record_page(lists.list_records(kind), 1, 50)
            cells = [
                column.value(r) for r in page.object_list for column in lists.columns_for(kind)
            ]
            assert_no_leak(repr(cells), hidden, numbers)

        # Search documents.
        documents = build_documents([s.pk for s in subjects], today=TODAY)
        docs = [d for docs in documents.values() for d in docs]
        assert {d.record_id for d in docs if d.type == RECORD} == expected
        assert {d.subject_id for d in docs if d.type == SUBJECT} == shown
        for doc in docs:
            subject = next(s for s in subjects if s.pk == doc.subject_id)
            assert doc.public_code == visibility.public_identity(subject).public_code
            assert_no_leak(repr(doc.as_dict()), hidden, numbers)

        # The subject API.
        for subject in subjects:
            payload = published_profile(subject.code, TODAY)
            assert (payload is not None) == (subject.pk in shown)
            if payload is None:
                continue
            got = [r for g in payload["groups"] for r in g["records"]]
            own = {r.pk for r in records if r.subject_id == subject.pk and r.pk in expected}
            assert {r["id"] for r in got} == own
            by_id = {r.pk: r for r in records}
            for row in got:
                record = by_id[row["id"]]
                keys = {k for k in public_keys(record) - SUBJECT_KEYS if record.data.get(k)}
                assert {f["key"] for f in row["fields"]} == keys
            if subject.is_natural_person:
                assert payload["public_code"] == subject.identity_masked
                assert payload["legal_representative"] == ""
            assert_no_leak(repr(payload), hidden, numbers)

        # Credit reports.
        for subject in subjects:
            content = collect(subject, today=TODAY)
            own = {r.pk for r in records if r.subject_id == subject.pk and r.pk in reported}
            assert {e.record_id for e in content.entries} == own
            printed = [(e.title, e.details) for e in content.entries]
            assert_no_leak(repr(printed), hidden, numbers)
        transaction.set_rollback(True)
