"""Benchmark: public search on the embedded backend, side by side with a plain ORM search.

On 200,000 subjects and 1,000,000 records (seed_demo), in one run:

- name queries of 2-6 Chinese characters (random substrings of random subjects'
  names, as people type them), each a full public search: total, the first page
  of hits with highlights, and the six facet counts;
- facet counts alone (no text, one or two filters: browsing the lists);
- name queries with a filter;
- the baseline: a plain Django ORM `icontains` search over the same names
  (current and former) with its total, first page and two facet counts —
  less work than ours (no record content, no tiers, four facets fewer);
- incremental indexing throughput (subjects whose documents must be rewritten,
  and the idempotent no-op pass), and the full-index build time (from the last
  `search_index --rebuild`, or measured now with --rebuild).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/bench_search.py

Generate the data once (minutes), into that separate SQLite file:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py seed_demo \\
        --subjects 200000 --records 1000000

Targets (issue 4): name queries and facet counts at median < 20 ms, p95 < 100 ms.
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
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ["PORTAL_SEARCH_BACKEND"] = "embedded"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402

from portal.catalog.models import CatalogItem  # noqa: E402
from portal.records.models import CreditRecord  # noqa: E402
from portal.subjects.models import Subject  # noqa: E402
from search import rebuild  # noqa: E402
from search.backends import get_backend  # noqa: E402
from search.indexing import index_subjects  # noqa: E402
from search.models import IndexBuild  # noqa: E402
from search.service import SearchQuery, search_public  # noqa: E402

MEDIAN_TARGET_MS = 20.0
P95_TARGET_MS = 100.0
CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(label, times_ms, target=True):
    median = statistics.median(times_ms)
    p95 = percentile(times_ms, 0.95)
    verdict = ""
    if target:
        ok = median < MEDIAN_TARGET_MS and p95 < P95_TARGET_MS
        verdict = "  meets target" if ok else "  MISSES target"
    print(
        f"  {label:<44} n={len(times_ms):<4} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {max(times_ms):7.1f} ms{verdict}"
    )
    return median, p95


def name_queries(count, rng):
    """Random 2-6 character substrings of random subjects' names (CJK only)."""
    ids = list(Subject.objects.values_list("pk", flat=True))
    queries = []
    while len(queries) < count:
        name = Subject.objects.values_list("name", flat=True).get(pk=rng.choice(ids))
        length = rng.randint(2, 6)
        if len(name) < length:
            continue
        start = rng.randint(0, len(name) - length)
        fragment = name[start : start + length]
        if CJK.match(fragment):
            queries.append(fragment)
    return queries


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def ours(q, **filters):
    return search_public(SearchQuery(q=q, **filters))


def orm_baseline(q):
    """What a plain ORM search would do: icontains over current and former names."""
    matches = Subject.objects.filter(Q(name__icontains=q) | Q(names__name__icontains=q))
    ids = matches.values("pk").distinct()
    base = Subject.objects.filter(pk__in=ids)
    total = base.count()
    page = list(base.order_by("name")[:20])
    kinds = list(base.values("kind").annotate(n=Count("pk")))
    districts = list(base.values("district").annotate(n=Count("pk")))
    return total, page, kinds, districts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline-queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true", help="Measure a full rebuild now.")
    parser.add_argument("--subjects-to-reindex", type=int, default=2000)
    args = parser.parse_args()

    subjects = Subject.objects.count()
    records = CreditRecord.objects.count()
    if subjects == 0:
        sys.exit("No data: generate it with seed_demo first (see the docstring).")
    call_command("migrate", "search", verbosity=0)
    print(f"Data: {subjects} subjects, {records} records ({connection.vendor}).")

    backend = get_backend()
    if args.rebuild or not rebuild.is_current(backend):
        print("Full rebuild …")
        build = rebuild.rebuild()
        measured = "measured now"
    else:
        build = IndexBuild.objects.filter(finished_at__isnull=False, failed=False).first()
        measured = f"last `search_index --rebuild`, {build.finished_at:%Y-%m-%d %H:%M}"
    status = backend.status()
    print(
        f"Index {status.name}: {status.documents} documents. Full build: {build.seconds:.0f} s "
        f"for {build.documents} documents ({build.documents / build.seconds:.0f} docs/s; "
        f"{measured})."
    )

    rng = random.Random(args.seed)
    queries = name_queries(args.queries, rng)
    for q in queries[:20]:  # warm the page cache; not measured
        ours(q)

    print("\nEmbedded backend (FTS5), full public searches incl. six facet counts:")
    name_times, totals = [], []
    for q in queries:
        ms, result = timed(ours, q)
        name_times.append(ms)
        totals.append(result.total)
    summary("name queries (2-6 characters)", name_times)
    print(
        f"    matches per query: median {statistics.median(totals):.0f}, "
        f"p95 {percentile(totals, 0.95)}, max {max(totals)}"
    )
    by_length = {}
    for q, ms in zip(queries, name_times, strict=True):
        by_length.setdefault(len(q), []).append(ms)
    for length in sorted(by_length):
        summary(f"  of which {length} characters", by_length[length], target=False)

    items = list(CatalogItem.objects.values_list("code", flat=True))
    years = sorted({d.year for d in CreditRecord.objects.dates("decision_date", "year")})
    facet_times = []
    for _ in range(100):
        filters = rng.choice(
            [
                {"list_type": rng.choice(["red", "black"])},
                {"item": rng.choice(items)},
                {"item": rng.choice(items), "year": rng.choice(years)},
                {"district": rng.choice(["441302", "441303", "441322", "441323", "441324"])},
                {"kind": "enterprise", "list_type": "black"},
                {"department": "MARKET", "year": rng.choice(years)},
            ]
        )
        ms, _ = timed(lambda f=filters: ours("", **f))
        facet_times.append(ms)
    summary("facet counts, no text (1-2 filters)", facet_times)
    filtered = []
    for q in queries[:100]:
        ms, _ = timed(lambda q=q: ours(q, kind="enterprise"))
        filtered.append(ms)
    summary("name queries + kind filter", filtered)

    print("\nBaseline: plain Django ORM icontains (names only, 2 facets):")
    sample = queries[: args.baseline_queries]
    baseline_times = []
    for q in sample:
        ms, _ = timed(orm_baseline, q)
        baseline_times.append(ms)
    base_median, base_p95 = summary("name queries (same first queries)", baseline_times, False)
    our_median = statistics.median(name_times[: len(sample)])
    our_p95 = percentile(name_times[: len(sample)], 0.95)
    print(
        f"  ratio on the same {len(sample)} queries: median {base_median / our_median:.0f}x, "
        f"p95 {base_p95 / our_p95:.0f}x faster than the ORM baseline"
    )

    print("\nIncremental indexing (through index_subjects, as the outbox task does):")
    with_records = list(
        CreditRecord.objects.public().values_list("subject_id", flat=True).distinct()[:200000]
    )
    chosen = rng.sample(with_records, min(args.subjects_to_reindex, len(with_records)))
    versions = backend.document_versions()
    doc_keys = {f"s:{pk}" for pk in chosen if f"s:{pk}" in versions}
    record_keys = list(
        CreditRecord.objects.public().filter(subject_id__in=chosen).values_list("pk", flat=True)
    )
    doc_keys |= {f"r:{pk}" for pk in record_keys if f"r:{pk}" in versions}
    backend.delete_documents(sorted(doc_keys))
    ms, written = timed(index_subjects, chosen)
    print(
        f"  {len(chosen)} subjects, {written} documents written in {ms / 1000:.1f} s: "
        f"{written / (ms / 1000):.0f} documents/s, {len(chosen) / (ms / 1000):.0f} subjects/s"
    )
    ms, written = timed(index_subjects, chosen)
    print(
        f"  same subjects again (idempotent, nothing changed): {written} written in "
        f"{ms / 1000:.1f} s ({len(chosen) / (ms / 1000):.0f} subjects/s)"
    )


if __name__ == "__main__":
    main()
