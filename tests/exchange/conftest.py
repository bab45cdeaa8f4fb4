import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exchange import services
from exchange.models import BatchSource
from portal.accounts.roles import DEPARTMENT_OFFICERS
from portal.departments.models import DepartmentToken
from tests.factories import UserFactory, catalog_item, department

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def fixture_path(name: str) -> Path:
    return FIXTURES / name


@pytest.fixture
def market():
    return department("MARKET")


@pytest.fixture
def tax():
    return department("TAX")


@pytest.fixture
def penalty():
    return catalog_item("ADM_PENALTY")


@pytest.fixture
def officer(market):
    return UserFactory(role=DEPARTMENT_OFFICERS, department=market, username="market-officer")


@pytest.fixture
def tax_officer(tax):
    return UserFactory(role=DEPARTMENT_OFFICERS, department=tax, username="tax-officer")


@pytest.fixture
def market_token(market):
    token, key = DepartmentToken.issue(market, "tests")
    return key


@pytest.fixture
def tax_token(tax):
    token, key = DepartmentToken.issue(tax, "tests")
    return key


def submit(
    content: bytes | str,
    name: str = "data.csv",
    *,
    department=None,
    item=None,
    auto_commit=False,
    dry_run=False,
    source=BatchSource.CLI,
    **kwargs,
):
    """A received batch for the file (validation not yet run)."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    batch, _ = services.submit_batch(
        department=department or services.Department.objects.get(code="MARKET"),
        item=item or catalog_item("ADM_PENALTY"),
        fileobj=io.BytesIO(content),
        file_name=name,
        source=source,
        auto_commit=auto_commit,
        dry_run=dry_run,
        enqueue=False,
        **kwargs,
    )
    return batch


def load(content, name="data.csv", **kwargs):
    """Submit, validate and load in one go (as `import_records` does)."""
    batch = submit(content, name, auto_commit=True, **kwargs)
    return services.validate_batch(batch.pk)


def upload(content: bytes, name: str, content_type="text/csv"):
    return SimpleUploadedFile(name, content, content_type=content_type)


_serial = iter(range(1, 10**6))


def penalty_row(**overrides) -> dict:
    """A valid administrative-penalty row (by field key); overrides change single cells."""
    from portal.catalog.starter import department_uscc
    from tests.factories import next_uscc

    authority = department_uscc("MB1A0001")
    n = next(_serial)
    row = {
        "subject_name": f"惠州市测试{n}贸易有限公司",
        "subject_kind": "法人及非法人组织",
        "uscc": next_uscc(),
        "legal_rep": "李四",
        "decision_no": f"惠市监罚〔2026〕T{n}号",
        "violation_type": "虚假宣传",
        "facts": "经查，当事人发布虚假广告。",
        "basis": "《中华人民共和国广告法》第五十五条",
        "penalty_types": "警告、罚款",
        "content": "警告；罚款2万元",
        "fine_amount": "2",
        "decision_date": "2026-03-15",
        "authority": "惠州市市场监督管理局",
        "authority_uscc": authority,
        "source_name": "惠州市市场监督管理局",
        "source_uscc": authority,
        "severity": "一般",
    }
    row.update(overrides)
    return row


def penalty_csv(rows, *, header="labels", encoding="utf-8", item=None) -> bytes:
    """CSV bytes of penalty rows with the template's labels (or keys) as header."""
    import csv

    item = item or catalog_item("ADM_PENALTY")
    fields = list(item.fields.all().order_by("sort_order", "id"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f.label if header == "labels" else f.key for f in fields])
    for row in rows:
        writer.writerow([row.get(f.key, "") for f in fields])
    return buffer.getvalue().encode(encoding)
