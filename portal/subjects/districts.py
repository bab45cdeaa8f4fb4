"""The demo city's districts (administrative division codes of 惠州市)."""

DISTRICTS = [
    ("441302", "惠城区"),
    ("441303", "惠阳区"),
    ("441322", "博罗县"),
    ("441323", "惠东县"),
    ("441324", "龙门县"),
]
DISTRICT_NAMES = dict(DISTRICTS)
