"""The demo city's districts (administrative division codes of 惠州市), with English names."""

from portal.core.languages import is_english

DISTRICTS = [
    ("441302", "惠城区"),
    ("441303", "惠阳区"),
    ("441322", "博罗县"),
    ("441323", "惠东县"),
    ("441324", "龙门县"),
]
DISTRICT_NAMES = dict(DISTRICTS)
DISTRICT_NAMES_EN = {
    "441302": "Huicheng District",
    "441303": "Huiyang District",
    "441322": "Boluo County",
    "441323": "Huidong County",
    "441324": "Longmen County",
}


def district_name(code: str) -> str:
    """A district's name in the reader's language ('' for no district)."""
    if is_english() and code in DISTRICT_NAMES_EN:
        return DISTRICT_NAMES_EN[code]
    return DISTRICT_NAMES.get(code, code or "")


def district_choices() -> list[tuple[str, str]]:
    return [(code, district_name(code)) for code, _name in DISTRICTS]
