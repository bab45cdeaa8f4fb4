"""Credit reports: what goes in, issuing one, and verifying a copy (docs/domain.md, Credit reports).

A report shows a subject's published records by the sections of the national
report. Reports are public outputs of the site: a record ended by repair leaves
them (the specialised report says such records are not counted). The specialised report (专项信用报告) covers a
chosen period of up to five years and states whether the subject has
penalties, coercive measures or serious dishonesty listings in it.

Every issued report is kept as a row; the printed checksum and the digest of
the PDF let anyone detect an altered copy on the verification page.
"""

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit.services import record_event
from portal.records import visibility
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord
from portal.reports import sections
from portal.reports.models import IssuedReport, ReportKind
from portal.subjects.models import Subject

MAX_YEARS = 5
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
# Fields shown for a record in the report, by item: (key, label) beyond the common columns.
DETAIL_KEYS = ("penalty_types", "content", "licence_category", "valid_to", "reason")


class ReportError(ValueError):
    """A report that cannot be issued (bad period, subject not public)."""


@dataclass
class Entry:
    record_id: int
    item: str
    decision_no: str
    decision_date: dt.date
    department: str
    title: str
    state: str  # PublicState value
    details: list = field(default_factory=list)  # [(label, value)]
    repair_note: str = ""
    # The subject's own statement beside the record (本人声明), as the public reads it.
    statement: str = ""

    @property
    def repaired(self) -> bool:
        return self.state == PublicState.REPAIRED

    @property
    def state_label(self) -> str:
        return str(PublicState(self.state).label)


@dataclass
class Finding:
    """One statement of the specialised report: has the subject any X in the period?"""

    key: str
    label: str
    count: int
    repaired: int

    @property
    def statement(self) -> str:
        if not self.count and not self.repaired:
            return _("无%(label)s记录") % {"label": self.label}
        text = _("有%(label)s记录 %(n)d 条") % {
            "label": self.label,
            "n": self.count + self.repaired,
        }
        if self.repaired:
            text += _("（其中 %(n)d 条已信用修复）") % {"n": self.repaired}
        return text


@dataclass
class ReportContent:
    subject: Subject
    kind: str
    period_start: dt.date | None
    period_end: dt.date | None
    as_of: dt.date
    sections: list  # [(Section, [Entry])]
    findings: list = field(default_factory=list)  # specialised only
    repair_suggestions: list = field(default_factory=list)
    # record id -> [version, content hash]: any later change to a record changes the digest.
    _record_hashes: dict = field(default_factory=dict)

    @property
    def entries(self) -> list[Entry]:
        return [entry for _section, entries in self.sections for entry in entries]

    def summary(self) -> dict:
        """What the verification page shows of the content, to compare with the paper."""
        data = {
            "sections": {s.key: len(entries) for s, entries in self.sections},
            "repaired": sum(1 for e in self.entries if e.repaired),
        }
        with_statement = sum(1 for e in self.entries if e.statement)
        if with_statement:
            # Records printed with the subject's own statement (本人声明) beneath them.
            data["statements"] = with_statement
        if self.findings:
            data["findings"] = {f.key: [f.count, f.repaired] for f in self.findings}
        return data

    def digest(self) -> str:
        """A digest of exactly what the report states (records, versions, states, period)."""
        canonical = {
            "subject": self.subject.code,
            "kind": self.kind,
            "period": [str(self.period_start or ""), str(self.period_end or "")],
            "records": [
                [e.record_id, e.state, e.decision_no, str(e.decision_date)] for e in self.entries
            ],
            "hashes": self._record_hashes,
        }
        statements = {str(e.record_id): e.statement for e in self.entries if e.statement}
        if statements:
            # Only when there are any, so reports without statements keep their digest form.
            canonical["statements"] = statements
        payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def _covered_records(subject: Subject, start: dt.date | None, end: dt.date | None):
    """The published records, as visibility allows (a repaired record is not among them)."""
    records = (
        visibility.report_records(CreditRecord.objects.filter(subject=subject))
        .select_related("catalog_item", "department")
        .prefetch_related("catalog_item__fields")
        .order_by("catalog_item__sort_order", "-decision_date", "-id")
    )
    if start:
        records = records.filter(decision_date__gte=start)
    if end:
        records = records.filter(decision_date__lte=end)
    return list(records)


def _entry(record: CreditRecord, today: dt.date) -> Entry:
    entry = Entry(
        record_id=record.pk,
        item=record.catalog_item.name,
        decision_no=record.decision_no,
        decision_date=record.decision_date,
        department=record.department.name,
        title=visibility.public_title(record),
        state=record.public_state,
    )
    if entry.repaired:
        return entry  # listed, never detailed
    labels = {f.key: f.label for f in visibility.public_fields(record.catalog_item)}
    for key in DETAIL_KEYS:
        value = record.data.get(key)
        if key in labels and value not in (None, "", []):
            if isinstance(value, list):
                value = "、".join(str(v) for v in value)
            entry.details.append((labels[key], str(value)))
    if record.catalog_item.is_adverse:
        entry.repair_note = _repair_note(record, today)
    return entry


def _repair_note(record: CreditRecord, today: dt.date) -> str:
    if record.repair_from and record.repair_from <= today:
        return _("已满最短公示期，纠正失信行为、履行相关义务后可申请信用修复。")
    if record.repair_from:
        return _("自 %(day)s 起可申请信用修复。") % {"day": record.repair_from.isoformat()}
    return _("履行相关义务、纠正失信行为后，可向认定部门申请信用修复或移出名单。")


def collect(
    subject: Subject, kind: str = ReportKind.STANDARD, years: int = 3, today: dt.date | None = None
) -> ReportContent:
    """The content of a report on `subject` as of `today`."""
    today = today or timezone.localdate()
    if kind not in ReportKind.values:
        raise ReportError(_("未知的报告类型。"))
    start = end = None
    if kind == ReportKind.SPECIALISED:
        if not 1 <= int(years) <= MAX_YEARS:
            raise ReportError(_("专项信用报告的查询期间为 1 至 5 年。"))
        start, end = today - relativedelta(years=int(years)) + dt.timedelta(days=1), today
    records = _covered_records(subject, start, end)
    statements = visibility.public_statements(r.pk for r in records if r.catalog_item.is_adverse)
    grouped = {section.key: [] for section in sections.SECTIONS}
    hashes = {}
    for record in records:
        entry = _entry(record, today)
        if record.pk in statements and not entry.repaired:
            entry.statement = statements[record.pk].text
        grouped[sections.section_of(record.catalog_item)].append(entry)
        hashes[str(record.pk)] = [record.version, record.content_hash]
    content = ReportContent(
        subject=subject,
        kind=kind,
        period_start=start,
        period_end=end,
        as_of=today,
        sections=[(section, grouped[section.key]) for section in sections.SECTIONS],
        _record_hashes=hashes,
    )
    adverse = [e for e in content.entries if e.repair_note]
    content.repair_suggestions = [
        f"{e.item} {e.decision_no}（{e.decision_date:%Y-%m-%d}）：{e.repair_note}" for e in adverse
    ]
    if kind == ReportKind.SPECIALISED:
        content.findings = _findings(records)
    return content


FINDING_LABELS = {
    "penalty": gettext_lazy("行政处罚"),
    "coercive": gettext_lazy("行政强制"),
    "serious_dishonesty": gettext_lazy("严重失信主体名单"),
}
FINDING_TESTS = {
    "penalty": sections.is_penalty,
    "coercive": sections.is_coercive_measure,
    "serious_dishonesty": lambda item: sections.section_of(item) == sections.SERIOUS_DISHONESTY,
}


def _findings(records) -> list[Finding]:
    findings = []
    for key, test in FINDING_TESTS.items():
        matching = [r for r in records if test(r.catalog_item)]
        repaired = sum(1 for r in matching if r.public_state == PublicState.REPAIRED)
        findings.append(Finding(key, str(FINDING_LABELS[key]), len(matching) - repaired, repaired))
    return findings


# -- keys, codes and digests ---------------------------------------------------
def _key() -> bytes:
    configured = settings.PORTAL_REPORT_SIGNING_KEY or settings.SECRET_KEY
    return hashlib.sha256(b"portal.reports:" + configured.encode()).digest()


def _mac(*parts) -> str:
    message = "|".join(str(part) for part in parts).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def new_code(issued: dt.datetime) -> str:
    """XY + issue date + 8 unambiguous random characters, e.g. XY20261124K7M2Q9TD."""
    random_part = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"XY{timezone.localtime(issued):%Y%m%d}{random_part}"


def checksum_for(code, subject_code, kind, start, end, issued_at, content_digest) -> str:
    """The 16-character checksum printed on the report, in groups of four."""
    raw = _mac(
        code, subject_code, kind, start or "", end or "", issued_at.isoformat(), content_digest
    )
    short = raw[:16].upper()
    return "-".join(short[i : i + 4] for i in range(0, 16, 4))


def row_signature(report: IssuedReport) -> str:
    return _mac(
        report.code,
        report.subject.code,
        report.kind,
        report.period_start or "",
        report.period_end or "",
        report.issued_at.isoformat(),
        report.content_digest,
        report.checksum,
        report.pdf_sha256,
    )


def normalise_checksum(value: str) -> str:
    compact = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# -- issuing -------------------------------------------------------------------
def issue_report(
    subject: Subject,
    kind: str = ReportKind.STANDARD,
    years: int = 3,
    verify_url: str = "",
    now: dt.datetime | None = None,
) -> tuple[IssuedReport, bytes]:
    """Collect, render, fingerprint and keep one report; returns the row and the PDF bytes."""
    from portal.reports.pdf import render_report

    now = (now or timezone.now()).replace(microsecond=0)
    with translation.override("zh-hans"):  # an official document: always in Chinese
        content = collect(subject, kind, years, today=timezone.localtime(now).date())
    content_digest = content.digest()
    code = new_code(now)
    checksum = checksum_for(
        code, subject.code, kind, content.period_start, content.period_end, now, content_digest
    )
    link = f"{verify_url}?code={code}&checksum={checksum}" if verify_url else ""
    pdf = render_report(content, code=code, checksum=checksum, issued_at=now, verify_link=link)
    identity = visibility.public_identity(subject)
    report = IssuedReport(
        code=code,
        subject=subject,
        subject_name=identity.name,
        subject_public_code=identity.public_code,
        kind=kind,
        period_start=content.period_start,
        period_end=content.period_end,
        issued_at=now,
        record_count=len(content.entries),
        summary=content.summary(),
        content_digest=content_digest,
        checksum=checksum,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pdf_size=len(pdf),
    )
    report.signature = row_signature(report)
    with transaction.atomic():
        report.save()
        record_event(
            "report.issued",
            target=report,
            data={
                "code": code,
                "subject": subject.code,
                "kind": kind,
                "records": report.record_count,
            },
        )
    return report, pdf


# -- verifying -----------------------------------------------------------------
AUTHENTIC = "authentic"
NOT_FOUND = "not_found"
CHECKSUM_MISMATCH = "checksum_mismatch"
FILE_ALTERED = "file_altered"
ROW_TAMPERED = "row_tampered"


@dataclass
class Verification:
    status: str
    report: IssuedReport | None = None
    checksum_ok: bool | None = None  # None: not given
    file_ok: bool | None = None  # None: no file given

    @property
    def authentic(self) -> bool:
        return self.status == AUTHENTIC


def verify(code: str = "", checksum: str = "", pdf: bytes | None = None) -> Verification:
    """Check a report by its code (and printed checksum) and/or an uploaded copy of the PDF."""
    code = (code or "").strip().upper()
    report = None
    if code:
        report = IssuedReport.objects.select_related("subject").filter(code=code).first()
    elif pdf:
        digest = hashlib.sha256(pdf).hexdigest()
        report = IssuedReport.objects.select_related("subject").filter(pdf_sha256=digest).first()
        if report is None:
            return Verification(NOT_FOUND, file_ok=False)
    if report is None:
        return Verification(NOT_FOUND)
    if not hmac.compare_digest(report.signature, row_signature(report)):
        return Verification(ROW_TAMPERED, report)
    result = Verification(AUTHENTIC, report)
    if checksum:
        result.checksum_ok = hmac.compare_digest(normalise_checksum(checksum), report.checksum)
        if not result.checksum_ok:
            result.status = CHECKSUM_MISMATCH
    if pdf is not None:
        result.file_ok = hmac.compare_digest(hashlib.sha256(pdf).hexdigest(), report.pdf_sha256)
        if not result.file_ok:
            result.status = FILE_ALTERED
    return result


def summary_rows(report: IssuedReport) -> dict:
    """The issued report's content summary, for the verification page."""
    counts = report.summary.get("sections", {})
    findings = [
        Finding(key, str(FINDING_LABELS.get(key, key)), count, repaired)
        for key, (count, repaired) in report.summary.get("findings", {}).items()
    ]
    return {
        "sections": [(s.number, s.title, counts.get(s.key, 0)) for s in sections.SECTIONS],
        "findings": findings,
        "repaired": report.summary.get("repaired", 0),
        # Reports issued before statements were counted have none recorded.
        "statements": report.summary.get("statements", 0),
    }
