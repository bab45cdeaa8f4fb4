"""Factories for test data. Codes they make are valid unless a test says otherwise."""

import datetime as dt
import itertools

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from portal.accounts.models import User
from portal.catalog.models import CatalogItem
from portal.core.codes import make_resident_id, make_uscc
from portal.departments.models import Department
from portal.records.disclosure import RecordStatus
from portal.records.models import CreditRecord
from portal.records.services import content_hash
from portal.subjects.models import Subject

_org_serial = itertools.count(1)
_person_serial = itertools.count(1)
_decision_serial = itertools.count(1)


def next_uscc(kind: str = "1", region: str = "441302") -> str:
    body = f"T{next(_org_serial):07d}"
    return make_uscc("9", kind, region, body)


def next_resident_id(birth: str = "19900315", region: str | None = None) -> str:
    # Numbers carry the division code in force at birth: 惠阳县 before 1988.
    region = region or ("442521" if int(birth[:4]) < 1988 else "441302")
    return make_resident_id(region, birth, f"{next(_person_serial) % 1000:03d}")


def department(code: str = "MARKET") -> Department:
    """The starter departments are installed by migration; tests use them."""
    return Department.objects.get(code=code)


def catalog_item(code: str = "ADM_PENALTY") -> CatalogItem:
    return CatalogItem.objects.prefetch_related("disclosure_periods", "fields").get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        uscc = kwargs.pop("uscc", None) or next_uscc()
        name = kwargs.pop("name", None) or f"惠州市测试{next(_org_serial)}科技有限公司"
        subject = model_class.for_organisation(uscc, name, **kwargs)
        subject.save()
        return subject


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        number = kwargs.pop("identity_number", None) or next_resident_id(
            kwargs.pop("birth", "19900315")
        )
        name = kwargs.pop("name", "张三")
        subject = model_class.for_person(number, name, **kwargs)
        subject.save()
        return subject


def make_record(
    subject=None,
    item_code: str = "ADM_PENALTY",
    department_code: str = "MARKET",
    decision_date: dt.date | None = None,
    severity: str = "general",
    status: str = RecordStatus.ACTIVE,
    today: dt.date | None = None,
    data: dict | None = None,
    **fields,
) -> CreditRecord:
    """A saved record with its window and public state derived as the loaders do."""
    subject = subject or OrganisationFactory()
    item = catalog_item(item_code)
    decision_date = decision_date or (today or timezone.localdate()) - dt.timedelta(days=30)
    number = fields.pop("decision_no", None) or f"惠市监罚〔2026〕{next(_decision_serial)}号"
    data = (
        data
        if data is not None
        else {
            "subject_name": subject.name,
            "decision_no": number,
            "violation_type": "虚假宣传",
            "penalty_types": ["罚款"],
            "fine_amount": "1.5",
            "content": "罚款1.5万元",
        }
    )
    record = CreditRecord(
        subject=subject,
        catalog_item=item,
        department=department(department_code),
        natural_key=f"{number}|{subject.code}",
        decision_no=number,
        decision_date=decision_date,
        severity=severity,
        title=data.get(item.title_field, ""),
        data=data,
        content_hash=content_hash(data),
        status=status,
        **fields,
    )
    record.apply_disclosure_rule()
    record.public_state = record.derive_public_state(today)
    record.save()
    return record


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()
