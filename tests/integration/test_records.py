import datetime as dt

import pytest
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.records.disclosure import PublicState, RecordStatus
from portal.records.models import CreditRecord, RecordVersion
from portal.records.services import change_record, refresh_public_states
from portal.records.signals import records_changed
from tests.factories import PersonFactory, make_record

pytestmark = pytest.mark.django_db


def test_catalog_rule_from_the_database_drives_the_state():
    today = dt.date(2026, 11, 24)
    record = make_record(decision_date=dt.date(2025, 11, 24), severity="general", today=today)
    assert record.disclosure_ends == dt.date(2026, 11, 23)
    assert record.public_state == PublicState.EXPIRED
    fresh = make_record(decision_date=dt.date(2026, 1, 1), severity="serious", today=today)
    assert fresh.public_state == PublicState.PUBLISHED


def test_change_keeps_a_version_an_audit_entry_and_announces(django_capture_on_commit_callbacks):
    record = make_record()
    seen = []

    def listener(sender, record_ids, reason, **kwargs):
        seen.append((record_ids, reason))

    records_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            change_record(record, reason="objection", reference="objection:1", under_objection=True)
    finally:
        records_changed.disconnect(listener)
    record.refresh_from_db()
    assert record.public_state == PublicState.UNDER_OBJECTION
    assert record.version == 2
    version = RecordVersion.objects.get(record=record, number=2)
    assert version.reason == "objection"
    assert version.snapshot["under_objection"] is True
    assert seen == [([record.pk], "objection")]
    assert AuditEvent.objects.filter(action="record.objection", target_id=str(record.pk)).exists()
    assert verify_chain().ok


def test_change_refuses_unknown_fields():
    record = make_record()
    with pytest.raises(AttributeError):
        change_record(record, reason="operator", no_such_field=1)


def test_repair_takes_a_record_out_of_public_view():
    record = make_record()
    assert record.is_public
    change_record(record, reason="repair", status=RecordStatus.REPAIRED)
    assert CreditRecord.objects.public().filter(pk=record.pk).count() == 0
    assert CreditRecord.objects.get(pk=record.pk).public_state == PublicState.REPAIRED


def test_scheduled_expiry_moves_only_records_past_their_end():
    today = timezone.localdate()
    from dateutil.relativedelta import relativedelta

    last_day_today = today - relativedelta(months=12) + dt.timedelta(days=1)
    ending = make_record(decision_date=last_day_today, severity="general")
    assert ending.public_state == PublicState.PUBLISHED  # its last day is today
    lasting = make_record(decision_date=today - dt.timedelta(days=30), severity="general")
    assert refresh_public_states(today) == 0
    assert refresh_public_states(today + dt.timedelta(days=1)) == 1
    ending.refresh_from_db()
    lasting.refresh_from_db()
    assert ending.public_state == PublicState.EXPIRED
    assert ending.versions.filter(reason="schedule").count() == 1
    assert lasting.public_state == PublicState.PUBLISHED
    # Idempotent: running again changes nothing.
    assert refresh_public_states(today + dt.timedelta(days=1)) == 0


def test_records_of_a_minor_are_never_public():
    today = timezone.localdate()
    minor = PersonFactory(birth=f"{today.year - 15}0101")
    record = make_record(subject=minor)
    assert record.public_state == PublicState.NOT_PUBLIC


def test_person_is_stored_hashed_and_masked_only():
    from tests.factories import next_resident_id

    number = next_resident_id("19800101")
    person = PersonFactory(identity_number=number)
    stored = CreditRecord._meta.apps.get_model("subjects", "Subject").objects.filter(pk=person.pk)
    values = stored.values().get()
    assert number not in repr(values)
    assert person.identity_masked == number[:4] + "**********" + number[-4:]
    assert person.public_code == person.identity_masked
    assert person.code.startswith("P") and len(person.code) == 18


def test_changed_catalog_rule_is_reapplied_to_existing_records():
    from portal.catalog.models import DisclosurePeriod
    from portal.records.services import reapply_disclosure_rule

    today = dt.date(2026, 11, 24)
    record = make_record(decision_date=dt.date(2026, 3, 1), severity="general", today=today)
    assert record.public_state == PublicState.PUBLISHED
    item = record.catalog_item
    # Operators shorten the general period to six months.
    DisclosurePeriod.objects.filter(catalog_item=item, severity="general").update(max_months=6)
    assert reapply_disclosure_rule(item.pk, today=today) == 1
    record.refresh_from_db()
    assert record.disclosure_ends == dt.date(2026, 8, 31)
    assert record.public_state == PublicState.EXPIRED
    assert record.versions.filter(reason="operator", reference="catalog:ADM_PENALTY").exists()
    assert reapply_disclosure_rule(item.pk, today=today) == 0  # idempotent


def test_catalog_edit_in_the_admin_is_audited_and_reapplied(rf, django_capture_on_commit_callbacks):
    from wagtail import hooks

    from portal.accounts import roles
    from portal.audit.models import AuditEvent
    from portal.catalog.models import DisclosurePeriod
    from tests.factories import UserFactory

    operator = UserFactory(role=roles.OPERATORS)
    record = make_record(
        decision_date=timezone.localdate() - dt.timedelta(days=200), severity="general"
    )
    item = record.catalog_item
    DisclosurePeriod.objects.filter(catalog_item=item, severity="general").update(max_months=6)
    request = rf.post("/admin/snippets/catalog/catalogitem/edit/")
    request.user = operator
    with django_capture_on_commit_callbacks(execute=True):
        for hook in hooks.get_hooks("after_edit_snippet"):
            hook(request, item)
    assert AuditEvent.objects.filter(action="catalog.edited", actor=operator).exists()
    record.refresh_from_db()
    assert record.public_state == PublicState.EXPIRED


def test_editing_a_catalog_items_columns_moves_its_template_version():
    from portal.catalog.models import CatalogField
    from tests.factories import catalog_item

    item = catalog_item("ADM_LICENSE")
    before = item.schema_version
    item.description = "已编辑"  # a description is not what a file must contain
    item.save()
    assert item.schema_version == before
    CatalogField.objects.filter(catalog_item=item, key="licence_no").update(label="许可证编号")
    item.save()
    assert item.schema_version == before + 1


def test_in_force_counts_shared_items_and_drops_repaired_and_expired():
    today = dt.date(2026, 11, 24)
    shared = make_record(
        item_code="SOCIAL_INSURANCE_ARREARS",
        department_code="HRSS",
        severity="",
        today=today,
        decision_date=dt.date(2026, 6, 1),
    )
    assert shared.public_state == PublicState.NOT_PUBLIC
    live = make_record(today=today, decision_date=dt.date(2026, 6, 1))
    expired = make_record(today=today, decision_date=dt.date(2025, 6, 1))
    repaired = make_record(
        today=today, decision_date=dt.date(2026, 6, 1), status=RecordStatus.REPAIRED
    )
    in_force = set(CreditRecord.objects.in_force(today).values_list("pk", flat=True))
    assert {shared.pk, live.pk} <= in_force
    assert not {expired.pk, repaired.pk} & in_force
