"""The withdrawal feed: public records that left public view, oldest first, in pages.

Commercial credit sites that copied a record read it to take their copy down.
Each entry says only what portal.records.visibility lets the public see of a
withdrawal: the record's id, its subject's public code (a person's masked),
the ground and the time. An entry's `id` and the cursor (`since`) are its feed
position, given only after the withdrawal has committed and never below one
given before (portal.records.feed_positions explains why row ids would not do):
a reader that keeps the last position it saw misses nothing and sees nothing
twice. A withdrawal appears on the feed a moment after it commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import feedgenerator, timezone
from django.utils.translation import gettext as _

from portal.records import visibility

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class CursorError(ValueError):
    """A `since` or `limit` the feed cannot read; the message is for the caller."""


@dataclass
class FeedPage:
    entries: list  # [visibility.PublicWithdrawal]
    since: int
    next_since: int
    has_more: bool
    limit: int


def parse_cursor(since, limit) -> tuple[int, int]:
    """(since, limit) from request parameters; CursorError for anything else."""
    try:
        since_value = int(since) if since not in (None, "") else 0
    except (TypeError, ValueError):
        raise CursorError(_("since 须为上一页最后一条的编号（非负整数）。")) from None
    try:
        limit_value = int(limit) if limit not in (None, "") else DEFAULT_LIMIT
    except (TypeError, ValueError):
        raise CursorError(_("limit 须为 1 至 %(max)d 的整数。") % {"max": MAX_LIMIT}) from None
    if since_value < 0:
        raise CursorError(_("since 须为上一页最后一条的编号（非负整数）。"))
    if not 1 <= limit_value <= MAX_LIMIT:
        raise CursorError(_("limit 须为 1 至 %(max)d 的整数。") % {"max": MAX_LIMIT})
    return since_value, limit_value


def feed_page(since: int = 0, limit: int = DEFAULT_LIMIT) -> FeedPage:
    """The withdrawals after position `since`, at most `limit` of them; only numbered ones."""
    rows = list(
        visibility.public_withdrawals()
        .filter(feed_position__isnull=False, feed_position__gt=since)
        .order_by("feed_position")[: limit + 1]
    )
    entries = [visibility.public_withdrawal(row) for row in rows[:limit]]
    return FeedPage(
        entries=entries,
        since=since,
        next_since=entries[-1].position if entries else since,
        has_more=len(rows) > limit,
        limit=limit,
    )


def entry_json(entry, record_url: str) -> dict:
    return {
        "id": entry.position,
        "record_id": entry.record_id,
        "subject_code": entry.subject_code,
        "natural_person": entry.is_natural_person,
        "ground": entry.ground,
        "ground_label": entry.ground_label,
        "withdrawn_at": timezone.localtime(entry.withdrawn_at).isoformat(),
        "url": record_url,
    }


def page_json(page: FeedPage, record_url, next_url: str) -> dict:
    """`record_url(record_id)` gives a record's old address (it answers 410)."""
    return {
        "since": page.since,
        "next_since": page.next_since,
        "has_more": page.has_more,
        "next": next_url,
        "entries": [entry_json(e, record_url(e.record_id)) for e in page.entries],
    }


class _PagedAtom(feedgenerator.Atom1Feed):
    """Atom with a rel="next" link to the following page (RFC 5005 paging)."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("next_url"):
            handler.addQuickElement("link", "", {"rel": "next", "href": self.feed["next_url"]})


def page_atom(page: FeedPage, *, feed_url: str, site_url: str, record_url, next_url: str) -> bytes:
    feed = _PagedAtom(
        title=_("撤下公示的信用记录"),
        link=site_url,
        description=_("已撤下公示的信用记录：记录编号、主体代码、撤下原因和时间。"),
        feed_url=feed_url,
        feed_guid=feed_url.split("?")[0],
        language="zh-hans",
        next_url=next_url if page.has_more else "",
    )
    for entry in page.entries:
        when = timezone.localtime(entry.withdrawn_at)
        feed.add_item(
            title=_("记录 %(id)s 已撤下公示（%(ground)s）")
            % {"id": entry.record_id, "ground": entry.ground_label},
            link=record_url(entry.record_id),
            description=_("主体代码：%(code)s；撤下原因：%(ground)s；撤下时间：%(when)s。")
            % {
                "code": entry.subject_code,
                "ground": entry.ground_label,
                "when": when.strftime("%Y-%m-%d %H:%M"),
            },
            unique_id=f"{feed_url.split('?')[0]}#{entry.position}",
            unique_id_is_permalink=False,
            pubdate=when,
            updateddate=when,
            categories=[entry.ground],
        )
    return feed.writeString("utf-8").encode("utf-8")
