"""Benchmark: screen a 10,000-row list against 200,000 subjects and their list memberships.

Runs the set-based screening (portal.measures.screening.screen: bulk code
queries, name candidates through the stored name keys with blocking and
rapidfuzz, memberships in bulk) and, in the same run, a per-row ORM baseline
(a few queries per row), then prints both side by side and checks they agree.
Organisations whose stored keys are stale are keyed in memory by screening;
`--backfill` writes them first (timed) so the figure is the usual one.

    DATABASE_URL=sqlite:////tmp/bench-screen.sqlite3 .venv/bin/python benchmarks/bench_screen.py

The data set is generated into that separate SQLite file with seed_demo when
it holds fewer subjects than asked (never committed; delete the file to start
over). The target: the 10,000-row list in under 10 s on the embedded default.
"""

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench-screen.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from portal.catalog.models import ListType  # noqa: E402
from portal.core.spreadsheets import write_xlsx  # noqa: E402
from portal.measures import names  # noqa: E402
from portal.measures.models import Channel, Measure, Scenario  # noqa: E402
from portal.measures.reader import read_list  # noqa: E402
from portal.measures.screening import CANDIDATE_LIMIT, SCORE_CUTOFF, classify_code, screen  # noqa: E402
from portal.measures.services import run_lookup  # noqa: E402
from portal.records.disclosure import PUBLIC_STATES  # noqa: E402
from portal.records.models import CreditRecord  # noqa: E402
from portal.subjects import stored_keys  # noqa: E402
from portal.subjects.models import Subject, SubjectKind, SubjectNameKey  # noqa: E402
from portal.subjects.name_keys import syllables  # noqa: E402

FULL_WIDTH = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789()",
    "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ０１２３４５６７８９（）",
)


def ensure_data(subjects: int, records: int, seed: int) -> None:
    call_command("migrate", verbosity=0)
    have = Subject.objects.count()
    if have >= subjects:
        return
    print(f"Generating {subjects:,} subjects and {records:,} records (once)…", flush=True)
    started = time.perf_counter()
    call_command(
        "seed_demo", subjects=subjects, records=records, seed=seed, flush=bool(have), verbosity=0
    )
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)


def typo(name: str, rng: random.Random) -> str:
    """The name with a typo in the first characters of the trade name (past a city prefix):
    a homophone or another character, which blocking by the first two characters missed."""
    start = (
        3 if name.startswith(("惠州市", "惠城区", "惠阳区", "博罗县", "惠东县", "龙门县")) else 0
    )
    i = rng.randrange(start, min(start + 2, len(name)))
    sound = syllables(name[i])[0]
    homophones = [c for c in HOMOPHONES.get(sound, "") if c != name[i]]
    if homophones and rng.random() < 0.5:
        return name[:i] + rng.choice(homophones) + name[i + 1 :]
    return (
        name[:i]
        + rng.choice([c for c in "东江中恒鼎盛华美新宇汇通" if c != name[i]])
        + name[i + 1 :]
    )


def _homophones() -> dict[str, str]:
    """Level-1 GB 2312 characters (what people type) by their pinyin."""
    by_sound: dict[str, str] = {}
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                char = bytes([high, low]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            sound = syllables(char)[0]
            by_sound[sound] = by_sound.get(sound, "") + char
    return by_sound


HOMOPHONES = _homophones()


def variant(name: str, rng: random.Random) -> str:
    """A spelling of the name a reviewer's list might carry."""
    choice = rng.randrange(9)
    if choice >= 7:
        return typo(name, rng)
    if choice == 0 and name.startswith("惠州市"):
        base = name[3:]
        for form in ("有限责任公司", "股份有限公司", "有限公司"):
            if base.endswith(form):
                return base[: -len(form)] + form + "（惠州）"
        return base
    if choice == 1:
        return (
            name.replace("有限责任公司", "有限公司")
            if "有限责任" in name
            else name.replace("有限公司", "有限责任公司")
        )
    if choice == 2:
        return " " + name[:4] + " " + name[4:] + " "
    if choice == 3:
        return name.translate(FULL_WIDTH)
    if choice == 4:
        return "广东省" + name
    if choice == 5 and len(name) > 8:
        # A dropped character: a fuzzy candidate, not an exact key.
        cut = rng.randrange(4, len(name) - 4)
        return name[:cut] + name[cut + 1 :]
    return name


# Row index (0-based, header excluded) -> the code of the organisation a name-only row means.
INTENDED: dict[int, str] = {}


def build_list(rows: int, seed: int) -> list[list]:
    rng = random.Random(seed)
    list_items = list(
        CreditRecord.objects.filter(
            catalog_item__list_type__in=[ListType.RED, ListType.BLACK],
            public_state__in=list(PUBLIC_STATES),
        )
        .values_list("subject_id", flat=True)
        .distinct()[:50000]
    )
    organisations = list(
        Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON).values_list("id", "code", "name")
    )
    people = list(
        Subject.objects.filter(kind=SubjectKind.NATURAL_PERSON).values_list("code", flat=True)
    )
    listed = set(rng.sample(list_items, min(len(list_items), rows // 5)))
    by_id = {pk: (code, name) for pk, code, name in organisations}
    table = [["名称", "统一社会信用代码"]]
    for n in range(rows):
        roll = rng.random()
        if roll < 0.40:  # a code (and the name as registered), a fifth of them listed
            if listed and rng.random() < 0.25:
                pk = rng.choice(tuple(listed))
                code, name = by_id.get(pk) or (rng.choice(people), "")
            else:
                _pk, code, name = rng.choice(organisations)
            table.append([name, code.lower() if rng.random() < 0.1 else code])
        elif roll < 0.45:  # a person, by the person code a reviewer was given
            table.append(["", rng.choice(people)])
        elif roll < 0.80:  # a name only, in some other spelling
            _pk, code, name = rng.choice(organisations)
            table.append([variant(name, rng), ""])
            INTENDED[n] = code
        else:  # nobody we know
            table.append([f"深圳市未登记{n}号贸易有限公司", ""])
    return table


def baseline(rows, scenario) -> list[tuple]:
    """Per row: the queries a straightforward implementation makes, one row at a time."""
    measures = Measure.objects.for_scenario(scenario)
    answers = []
    for row in rows:
        code = classify_code(row.code)
        subject = None
        if code.subject_code:
            subject = Subject.objects.filter(code=code.subject_code).first()
        elif code.identity_hash:
            subject = Subject.objects.filter(identity_hash=code.identity_hash).first()
        candidates = []
        if subject is None and row.name and not code.is_person:
            key = names.match_key(row.name)
            block = Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON).filter(
                name_normalised__startswith=names.block_key(key)
            )
            choices = {}
            for pk, normalised in block.values_list("id", "name_normalised"):
                choices.setdefault(names.refine_key(normalised), []).append(pk)
            for choice, _score, _i in process.extract(
                key,
                list(choices),
                scorer=fuzz.ratio,
                score_cutoff=SCORE_CUTOFF,
                limit=CANDIDATE_LIMIT,
            ):
                candidates += choices[choice]
        lists, applying = [], set()
        if subject is not None:
            for record in CreditRecord.objects.filter(
                subject=subject,
                catalog_item__list_type__in=[ListType.RED, ListType.BLACK],
                public_state__in=list(PUBLIC_STATES),
            ).select_related("catalog_item", "department"):
                lists.append(record.catalog_item.code)
                applying |= set(
                    measures.filter(list_type=record.catalog_item.list_type)
                    .filter(Q(catalog_item=None) | Q(catalog_item=record.catalog_item))
                    .values_list("code", flat=True)
                )
        answers.append(
            (subject.code if subject else None, bool(candidates), sorted(lists), sorted(applying))
        )
    return answers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenario", default="PROCUREMENT")
    parser.add_argument(
        "--baseline-rows", type=int, default=0, help="rows for the baseline (default: all)"
    )
    parser.add_argument(
        "--backfill", action="store_true", help="write stale stored name keys before screening"
    )
    parser.add_argument(
        "--compare-computed",
        action="store_true",
        help="also screen with every organisation's stored keys stale (computed in memory, "
        "as before the keys were stored; rolled back) and compare the candidates",
    )
    args = parser.parse_args()

    ensure_data(args.subjects, args.records, args.seed)
    stale = stored_keys.stale_subjects().count()
    if stale and args.backfill:
        started = time.perf_counter()
        subjects, keys = stored_keys.backfill()
        print(
            f"stored name keys written for {subjects:,} stale subjects ({keys:,} keys) "
            f"in {time.perf_counter() - started:.0f} s"
        )
        stale = 0
    scenario = Scenario.objects.get(code=args.scenario)
    subjects = Subject.objects.count()
    members = CreditRecord.objects.filter(
        catalog_item__list_type__in=[ListType.RED, ListType.BLACK],
        public_state__in=list(PUBLIC_STATES),
    ).count()
    path = Path("/tmp/bench-screen-list.xlsx")
    path.write_bytes(write_xlsx({"名单": build_list(args.rows, args.seed)}))

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"subjects: {subjects:,}; current red/black list records: {members:,}")
    print(
        f"stored name keys: {SubjectNameKey.objects.count():,}; organisations with stale keys "
        f"(keyed in memory while screening): {stale:,}"
    )
    print(
        f"list: {args.rows:,} rows ({path}, {path.stat().st_size / 1024:.0f} KB), scenario {scenario.code}"
    )

    started = time.perf_counter()
    rows = read_list(path.read_bytes(), path.name)
    t_read = time.perf_counter() - started

    started = time.perf_counter()
    results = screen(rows, scenario)
    t_screen = time.perf_counter() - started

    if args.compare_computed:
        with transaction.atomic():
            Subject.objects.update(name_keys_version="")
            started = time.perf_counter()
            computed = screen(rows, scenario)
            t_computed = time.perf_counter() - started
            transaction.set_rollback(True)
        same = sum(
            [(c.subject.code, c.score) for c in a.candidates]
            == [(c.subject.code, c.score) for c in b.candidates]
            for a, b in zip(results, computed, strict=True)
        )
        print(
            f"screen with every key computed in memory (stale): {t_computed:.2f} s "
            f"(stored keys: {t_screen:.2f} s); rows with the same candidates: {same:,} of {len(rows):,}"
        )

    started = time.perf_counter()
    lookup, _ = run_lookup(
        user=None, scenario=scenario, purpose="benchmark", rows=rows, channel=Channel.CLI
    )
    t_lookup = time.perf_counter() - started

    sample = rows[: args.baseline_rows] if args.baseline_rows else rows
    started = time.perf_counter()
    expected = baseline(sample, scenario)
    t_base = time.perf_counter() - started
    base_total = t_base * len(rows) / len(sample)

    agree = sum(
        (
            r.subject.code if r.subject else None,
            bool(r.candidates),
            sorted(e["list"] for e in r.lists),
            sorted(m["code"] for m in r.measures),
        )
        == e
        for r, e in zip(results, expected, strict=False)
    )
    counts = {k: sum(r.match == k for r in results) for k in ("exact", "candidates", "none")}
    meant = [(results[n], code) for n, code in INTENDED.items() if n < len(results)]
    found = sum(code in {c.subject.code for c in r.candidates} for r, code in meant)
    recall = found / len(meant) if meant else 0.0
    listed = sum(bool(r.lists) for r in results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"matches: {counts}; rows on a list: {listed:,}")
    print(
        f"name-only rows (other spellings, 2 in 9 with a typo in the first characters): "
        f"intended organisation among the candidates {found:,} of {len(meant):,} = {recall:.1%} "
        f"(target >= 95%: {'met' if recall >= 0.95 else 'MISSED'})"
    )
    print()
    print(f"{'step':<44}{'seconds':>10}{'rows/s':>12}")
    print(f"{'read XLSX (python-calamine)':<44}{t_read:>10.2f}{len(rows) / t_read:>12,.0f}")
    print(f"{'screen, set-based':<44}{t_screen:>10.2f}{len(rows) / t_screen:>12,.0f}")
    print(
        f"{'screen + log (Lookup, rows, audit event)':<44}{t_lookup:>10.2f}{len(rows) / t_lookup:>12,.0f}"
    )
    label = "per-row ORM baseline" + (
        f" ({len(sample):,} rows, scaled)" if args.baseline_rows else ""
    )
    print(f"{label:<44}{base_total:>10.2f}{len(sample) / t_base:>12,.0f}")
    print()
    print(f"speed-up of set-based screening over the baseline: {base_total / t_screen:.1f}x")
    print(f"results agreeing with the baseline: {agree:,} of {len(sample):,}")
    print(
        f"target < 10 s for read + screen + log: {'met' if t_read + t_lookup < 10 else 'MISSED'} ({t_read + t_lookup:.2f} s)"
    )
    print(f"peak memory: {peak:.0f} MB; lookup #{lookup.pk} logged")


if __name__ == "__main__":
    main()
