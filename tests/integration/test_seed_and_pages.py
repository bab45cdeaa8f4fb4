import datetime as dt

import pytest
from django.core.management import call_command

from portal.core.codes import is_valid_uscc
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord
from portal.subjects.models import Subject, SubjectKind

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 24)


def snapshot_demo_data():
    subjects = list(Subject.objects.order_by("code").values_list("code", "name", "kind"))
    records = list(
        CreditRecord.objects.order_by("natural_key", "catalog_item__code").values_list(
            "natural_key", "catalog_item__code", "decision_date", "public_state", "data"
        )
    )
    return subjects, records


def test_seed_is_deterministic_and_realistic():
    call_command("seed_demo", subjects=150, records=1200, seed=11, as_of=AS_OF)
    first = snapshot_demo_data()
    call_command("seed_demo", subjects=150, records=1200, seed=11, as_of=AS_OF, flush=True)
    assert snapshot_demo_data() == first
    call_command("seed_demo", subjects=150, records=1200, seed=12, as_of=AS_OF, flush=True)
    assert snapshot_demo_data() != first

    assert Subject.objects.count() == 150
    assert CreditRecord.objects.count() == 1200
    organisations = Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON)
    assert all(is_valid_uscc(s.uscc) for s in organisations)
    assert Subject.objects.filter(kind=SubjectKind.NATURAL_PERSON).exists()
    items = set(CreditRecord.objects.values_list("catalog_item__code", flat=True))
    assert len(items) == 10
    states = set(CreditRecord.objects.values_list("public_state", flat=True))
    assert {PublicState.PUBLISHED, PublicState.EXPIRED, PublicState.NOT_PUBLIC} <= states
    assert CreditRecord.objects.filter(catalog_item__list_type="red").exists()
    assert CreditRecord.objects.filter(catalog_item__list_type="black").exists()


def test_seed_refuses_to_mix_with_existing_data():
    call_command("seed_demo", subjects=5, records=10, seed=1, as_of=AS_OF)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", subjects=5, records=10, seed=1, as_of=AS_OF)
    call_command("seed_demo", subjects=5, records=10, seed=1, as_of=AS_OF, if_empty=True)
    assert Subject.objects.count() == 5


def test_home_page_answers_with_counters(client):
    call_command("seed_demo", subjects=20, records=100, seed=3)
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "联合征信平台" in body
    public = CreditRecord.objects.public().count()
    assert f"{public:,}" in body or str(public) in body


def test_admin_login_page_answers(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_operator_finds_the_catalog_and_records_in_the_admin(client):
    from io import StringIO

    call_command("seed_demo", subjects=10, records=30, seed=5)
    out = StringIO()
    call_command("create_demo_accounts", stdout=out)
    password = next(
        line.split()[-1] for line in out.getvalue().splitlines() if " operator " in line
    )
    assert client.login(username="operator", password=password)
    for url in [
        "/admin/snippets/catalog/catalogitem/",
        "/admin/snippets/departments/department/",
        "/admin/snippets/subjects/subject/",
        "/admin/snippets/records/creditrecord/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    listing = client.get("/admin/snippets/catalog/catalogitem/").content.decode()
    assert "ADM_PENALTY" in listing and "COURT_DISHONEST" in listing


def test_health_and_robots(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert b"Disallow: /admin/" in client.get("/robots.txt").content


def test_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/").content.decode()
    assert 'lang="zh-hans"' in chinese and "跳到主要内容" in chinese
    english = client.get("/en/").content.decode()
    assert 'lang="en"' in english and "Skip to main content" in english
