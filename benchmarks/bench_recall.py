"""Benchmark: does public search find an organisation however its name is typed?

From the seeded demo data, generates (seeded RNG) at least --per-kind queries of
each kind of variant of a real organisation's name, runs each through
`search_public` and prints recall@10 (the organisation among the first ten
subject hits) per kind, with near names on (today) and off (the old, literal
behaviour: PORTAL_SEARCH_NEAR_NAMES = False), and the share of 500 unrelated
names (not in the register) that put any subject in the top 3 (false hits).

    DATABASE_URL=sqlite:////tmp/fuzzy-recall.sqlite3 .venv/bin/python benchmarks/bench_recall.py

Data (once; the index must be built with today's analysis):

    DATABASE_URL=sqlite:////tmp/fuzzy-recall.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/fuzzy-recall.sqlite3 .venv/bin/python manage.py seed_demo \\
        --subjects 30000 --records 60000
    DATABASE_URL=sqlite:////tmp/fuzzy-recall.sqlite3 .venv/bin/python manage.py search_index --rebuild

Targets (issue 12): recall@10 >= 95% for every kind, false top-3 hits <= 5%.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/fuzzy-recall.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ["PORTAL_SEARCH_BACKEND"] = os.environ.get("PORTAL_SEARCH_BACKEND", "embedded")

import django  # noqa: E402

django.setup()

import opencc  # noqa: E402
from django.conf import settings  # noqa: E402

from portal.records.demo import COMPANY_FORMS, INDUSTRIES, TRADE_NAMES  # noqa: E402
from portal.subjects.models import Subject, SubjectKind  # noqa: E402
from portal.subjects.name_keys import parts, syllables  # noqa: E402
from search.service import SearchQuery, search_public  # noqa: E402

RECALL_TARGET = 0.95
FALSE_TARGET = 0.05
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "公司"]
_FORM = re.compile(r"(股份有限公司|有限责任公司|有限公司)")
KINDS = (
    "city dropped",
    "bracketed city",
    "form swapped",
    "traditional",
    "homophone typo",
    "one char wrong",
    "one char missing",
    "one char extra",
)


def common_chars() -> list[str]:
    """The 3,755 level-1 characters of GB 2312: what people type."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


class Variants:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.chars = common_chars()
        self.by_sound: dict[str, list[str]] = {}
        for char in self.chars:
            self.by_sound.setdefault(syllables(char)[0], []).append(char)
        self.s2t = opencc.OpenCC("s2t")

    def _core_span(self, name: str) -> tuple[int, int] | None:
        """Where the trade name (between place prefix and form) lies in `name`."""
        core = parts(name).core
        start = name.find(core[:2])
        if start < 0 or not core:
            return None
        end = start + len(core)
        digits = re.search(r"\d+$", core)
        if digits:  # demo names end in a serial number after the form: keep it intact
            end = start + len(core) - len(digits.group())
            form = _FORM.search(name)
            if form and form.start() < end:
                end = form.start()
        return (start, end) if end - start >= 2 else None

    def make(self, kind: str, name: str) -> str | None:
        rng = self.rng
        if kind == "city dropped":
            for prefix in ("惠州市", "惠城区", "惠阳区", "博罗县", "惠东县", "龙门县"):
                if name.startswith(prefix):
                    rest = name[len(prefix) :]
                    return rng.choice([prefix[:-1] + rest, rest])
            return None
        if kind == "bracketed city":
            if not name.startswith("惠州市") or not _FORM.search(name):
                return None
            return _FORM.sub(lambda m: "（惠州）" + m.group(), name[3:], count=1)
        if kind == "form swapped":
            found = _FORM.search(name)
            if not found:
                return None
            other = rng.choice([f for f in FORMS if f != found.group()])
            return name[: found.start()] + other + name[found.end() :]
        if kind == "traditional":
            converted = self.s2t.convert(name)
            return converted if converted != name else None
        span = self._core_span(name)
        if span is None:
            return None
        start, end = span
        i = rng.randrange(start, end)
        if kind == "homophone typo":
            positions = list(range(start, end))
            rng.shuffle(positions)
            for i in positions:
                sound = syllables(name[i])[0]
                others = [c for c in self.by_sound.get(sound, []) if c != name[i]]
                if others:
                    return name[:i] + rng.choice(others) + name[i + 1 :]
            return None
        if kind == "one char wrong":
            return name[:i] + rng.choice([c for c in self.chars if c != name[i]]) + name[i + 1 :]
        if kind == "one char missing":
            return name[:i] + name[i + 1 :]
        if kind == "one char extra":
            return name[:i] + rng.choice(self.chars) + name[i:]
        raise ValueError(kind)


def unrelated_names(rng: random.Random, count: int, chars: list[str]) -> list[str]:
    """Plausible names nobody in the demo register has: trade names of other characters."""
    used = set("".join(TRADE_NAMES))
    pool = [c for c in chars if c not in used]
    return [
        "惠州市" + "".join(rng.sample(pool, 2)) + rng.choice(INDUSTRIES) + rng.choice(COMPANY_FORMS)
        for _ in range(count)
    ]


def subject_hits(q: str, size: int) -> tuple[list[str], float]:
    started = time.perf_counter()
    results = search_public(SearchQuery(q=q, per_page=size))
    elapsed = (time.perf_counter() - started) * 1000
    return [h.subject_code for h in results.hits if h.type == "subject"], elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=1000)
    parser.add_argument("--unrelated", type=int, default=500)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    organisations = list(
        Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON)
        .order_by("pk")
        .values_list("code", "name")
    )
    print(f"{len(organisations):,} organisations in the register; seed {args.seed}")
    variants = Variants(rng)
    queries: dict[str, list[tuple[str, str]]] = {}
    for kind in KINDS:
        made: list[tuple[str, str]] = []
        for _ in range(args.per_kind * 50):
            if len(made) >= args.per_kind:
                break
            code, name = rng.choice(organisations)
            q = variants.make(kind, name)
            if q and q != name:
                made.append((q, code))
        queries[kind] = made
    unrelated = unrelated_names(rng, args.unrelated, variants.chars)

    print(f"\n{'kind':<18} {'queries':>7}  {'recall@10 old':>13}  {'recall@10 new':>13}  target")
    timings: list[float] = []
    failures = []
    for kind, made in queries.items():
        recall = {}
        for near in (False, True):
            settings.PORTAL_SEARCH_NEAR_NAMES = near
            found = 0
            for q, code in made:
                codes, ms = subject_hits(q, 10)
                if near:
                    timings.append(ms)
                if code in codes[:10]:
                    found += 1
                elif near and len(failures) < 12:
                    failures.append((kind, q))
            recall[near] = found / len(made) if made else 0.0
        verdict = "met" if recall[True] >= RECALL_TARGET else "MISSED"
        print(
            f"{kind:<18} {len(made):>7}  {recall[False]:>12.1%}  {recall[True]:>13.1%}  "
            f">= {RECALL_TARGET:.0%} {verdict}"
        )
    settings.PORTAL_SEARCH_NEAR_NAMES = True
    false_hits = sum(1 for q in unrelated if subject_hits(q, 3)[0])
    share = false_hits / len(unrelated)
    verdict = "met" if share <= FALSE_TARGET else "MISSED"
    print(
        f"\nunrelated names with a subject in the top 3: {false_hits}/{len(unrelated)} "
        f"= {share:.1%} (target <= {FALSE_TARGET:.0%}: {verdict})"
    )
    timings.sort()
    print(
        f"search_public with near names: median {statistics.median(timings):.1f} ms, "
        f"p95 {timings[int(0.95 * (len(timings) - 1))]:.1f} ms over {len(timings):,} queries"
    )
    if failures:
        print("\nsome misses:", "; ".join(f"{k}: {q}" for k, q in failures))


if __name__ == "__main__":
    main()
