"""Health checks that open incidents by themselves.

Each check answers (ok, detail) and never raises: a check that cannot run counts as
failing. `run_health_checks` is idempotent: a failing check opens at most one
incident per category, later runs only note it on that incident's timeline, and a
passing check notes the recovery (operators close the incident).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.incidents import services
from portal.incidents.models import Category, Grade

logger = logging.getLogger("portal.operations")

BACKUP_PATTERNS = ("*.tar.gz", "*.zip")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str = ""


def check_search(now: dt.datetime) -> Verdict:
    from search.backends import get_backend

    # status() asks the engine for its live index: it fails when the engine is unreachable.
    status = get_backend().status()
    return Verdict(
        True,
        _("搜索索引 %(name)s，%(count)d 条文档")
        % {"name": status.name or "-", "count": status.documents},
    )


def check_outbox(now: dt.datetime) -> Verdict:
    from search.models import OutboxEntry

    entries = OutboxEntry.objects.count()
    oldest = OutboxEntry.objects.order_by("created_at").values_list("created_at", flat=True).first()
    age = int((now - oldest).total_seconds() // 60) if oldest else 0
    max_entries = settings.PORTAL_INCIDENT_OUTBOX_MAX_ENTRIES
    max_age = settings.PORTAL_INCIDENT_OUTBOX_MAX_AGE_MINUTES
    detail = _("待索引变更 %(entries)d 条，最早的已等待 %(age)d 分钟") % {
        "entries": entries,
        "age": age,
    }
    return Verdict(entries <= max_entries and age <= max_age, detail)


def check_backup(now: dt.datetime) -> Verdict:
    folder = Path(settings.PORTAL_BACKUP_DIR)
    archives = [p for pattern in BACKUP_PATTERNS for p in folder.glob(pattern) if p.is_file()]
    if not archives:
        return Verdict(False, _("备份目录 %(dir)s 中没有备份文件") % {"dir": folder})
    newest = max(archives, key=lambda p: p.stat().st_mtime)
    made = dt.datetime.fromtimestamp(newest.stat().st_mtime, tz=dt.UTC)
    hours = (now - made).total_seconds() / 3600
    detail = _("最新备份 %(name)s 生成于 %(hours).1f 小时前") % {
        "name": newest.name,
        "hours": hours,
    }
    return Verdict(hours <= settings.PORTAL_INCIDENT_BACKUP_MAX_AGE_HOURS, detail)


def check_audit_chain(now: dt.datetime) -> Verdict:
    from portal.audit.services import verify_chain

    verdict = verify_chain()
    if verdict.ok:
        return Verdict(True, _("审计链完整，已核验 %(count)d 条") % {"count": verdict.checked})
    return Verdict(
        False,
        _("审计链在第 %(at)s 条处断裂：%(reason)s")
        % {"at": verdict.broken_at or "-", "reason": verdict.reason},
    )


def check_batches(now: dt.datetime) -> Verdict:
    from exchange.models import Batch, BatchStatus

    since = now - dt.timedelta(hours=1)
    # A rejected file is saved (updated_at moves); a crashed run only writes last_failure.
    failed = Batch.objects.filter(
        Q(status=BatchStatus.FAILED, updated_at__gte=since)
        | (~Q(last_failure="") & Q(started_at__gte=since))
    ).count()
    detail = _("最近一小时失败的报送批次 %(count)d 个") % {"count": failed}
    return Verdict(failed < settings.PORTAL_INCIDENT_FAILED_BATCHES_PER_HOUR, detail)


def check_holiday_calendar(now: dt.datetime) -> Verdict:
    from portal.objections.workdays import library_version, uncovered_years

    years = uncovered_years(timezone.localdate(now))
    if not years:
        return Verdict(True, _("法定节假日日历已覆盖本年及下一年"))
    return Verdict(
        False,
        _(
            "chinese-calendar %(version)s 尚未包含 %(years)s 年的放假安排：请升级该库，"
            "或在“办理期限与工作日”页按国务院办公厅通知录入调整；否则办理期限按周一至周五计算。"
        )
        % {"version": library_version(), "years": "、".join(str(y) for y in years)},
    )


@dataclass(frozen=True)
class HealthCheck:
    category: str
    grade: str
    title: object  # lazy: the incident's title, in the platform's language
    run: object
    # Checks whose cost grows with the data run at most this often; between runs the last
    # verdict stands.
    every: dt.timedelta | None = None


CHECKS = (
    HealthCheck(
        Category.SEARCH_UNREACHABLE, Grade.LARGE, gettext_lazy("搜索引擎不可用"), check_search
    ),
    HealthCheck(
        Category.OUTBOX_BACKLOG, Grade.GENERAL, gettext_lazy("搜索索引待处理变更积压"), check_outbox
    ),
    HealthCheck(
        Category.BACKUP_MISSED, Grade.GENERAL, gettext_lazy("未按时完成备份"), check_backup
    ),
    HealthCheck(
        Category.AUDIT_CHAIN_BROKEN,
        Grade.MAJOR,
        gettext_lazy("审计链完整性校验失败"),
        check_audit_chain,
        every=dt.timedelta(hours=1),  # walks the whole trail
    ),
    HealthCheck(
        Category.BATCHES_FAILING, Grade.GENERAL, gettext_lazy("报送批次反复失败"), check_batches
    ),
    HealthCheck(
        Category.HOLIDAY_CALENDAR,
        Grade.GENERAL,
        gettext_lazy("法定节假日日历未覆盖"),
        check_holiday_calendar,
        every=dt.timedelta(hours=6),
    ),
)


def _verdict_key(check: HealthCheck) -> str:
    return f"incidents:verdict:{check.category}"


def forget_verdicts(checks=None) -> None:
    """Make every check run afresh on the next round (after a repair, and in tests)."""
    cache.delete_many([_verdict_key(check) for check in checks or CHECKS])


def run_check(check: HealthCheck, now: dt.datetime) -> Verdict:
    if check.every:
        kept = cache.get(_verdict_key(check))
        if kept is not None and dt.timedelta(0) <= now - kept[0] < check.every:
            return kept[1]
    try:
        verdict = check.run(now)
    except Exception as exc:  # a check that cannot run is a failing check
        logger.warning("Health check %s could not run: %s", check.category, exc)
        verdict = Verdict(False, f"{type(exc).__name__}: {exc}"[:1000])
    if check.every:
        cache.set(_verdict_key(check), (now, verdict), int(check.every.total_seconds()))
    return verdict


def run_health_checks(now: dt.datetime | None = None, checks=CHECKS) -> dict[str, str]:
    """Run every check and update the register; returns {category: "ok" | "opened" | "failing"}."""
    from django.utils import translation

    now = now or timezone.now()
    outcome = {}
    with translation.override(settings.LANGUAGE_CODE):
        for check in checks:
            verdict = run_check(check, now)
            if verdict.ok:
                services.report_recovery(check.category, verdict.detail, now)
                outcome[check.category] = "ok"
                continue
            incident, opened = services.report_failure(
                check.category, check.grade, str(check.title), verdict.detail, now
            )
            outcome[check.category] = "opened" if opened else "failing"
            if opened:
                logger.warning("Incident %s opened: %s", incident.pk, verdict.detail)
                services.notify_operators(incident)
    return outcome
