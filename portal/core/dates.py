"""Dates in the forms departments write them (docs/domain.md, The catalog).

2024-05-01, 2024/5/1, 2024.5.1, 2024年5月1日, 20240501, and Excel date cells
(a date, a datetime, or the serial number Excel stores).
"""

import datetime as dt
import re

from portal.core.text import normalise_text

_SEPARATED = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# A datetime as text, as CSV exports of spreadsheets often carry: keep the date.
_WITH_TIME = re.compile(r"^(.+?)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class DateFormatError(ValueError):
    pass


def parse_date(value: object) -> dt.date | None:
    """The date that `value` names, None for an empty value; DateFormatError otherwise."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_excel_serial(value)
    text = normalise_text(value)
    if not text:
        return None
    timed = _WITH_TIME.match(text)
    if timed:
        text = timed.group(1).strip()
    match = _SEPARATED.match(text) or _COMPACT.match(text)
    if not match:
        raise DateFormatError(text)
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateFormatError(text) from exc


def _from_excel_serial(serial: float) -> dt.date:
    # Serial numbers of plausible dates only (1950-2100): a bare number elsewhere is a mistake.
    if not 18264 <= serial <= 73051:
        raise DateFormatError(str(serial))
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
