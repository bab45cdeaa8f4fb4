"""Benchmark: in-process server time of the pages bench_load.py drives, without the network.

    PORTAL_VAR_DIR=/path/to/var .venv/bin/python benchmarks/bench_render.py [--runs 200] [--profile]

Django test client against a set-up database (the checkout's `var/` after `make setup`, or
PORTAL_VAR_DIR / DATABASE_URL), settings as `make run` (portal.settings.dev, DEBUG off, the
embedded file caches). Measures, per request, after one warm-up:

1. uncached searches: /search/?q=<word>&n=<counter>, a new address each time (rendered,
   then kept in the page cache as the server does);
2. cached hits: a profile and the home page served from the page cache (rate-limit counted);
3. one rate-limit hit (portal.core.ratelimit.hit) alone.

Prints wall-clock median and p95 and the CPU time per request (time.process_time: on a
machine other work keeps busy, the figure that moves least).

--profile prints the top functions (cProfile, cumulative and own time) of the uncached
searches instead. The public rate limits are raised (they still count every request).
"""

import argparse
import cProfile
import importlib
import itertools
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault(
    "PORTAL_RATE_LIMITS", "public_search=100000000/60,public_profile=100000000/60"
)

# As gunicorn loads it (portal/wsgi.py sets Django up, then freezes what is loaded).
importlib.import_module("portal.wsgi")

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from portal.core.ratelimit import hit  # noqa: E402
from portal.records import visibility  # noqa: E402
from portal.subjects.models import Subject  # noqa: E402


def words(seed: int) -> list[str]:
    """Words cut from enterprises' names, as bench_load.py searches them."""
    rng = random.Random(seed)
    names = list(Subject.objects.filter(kind="enterprise").values_list("name", flat=True)[:2000])
    found = set()
    for name in names:
        core = name.removeprefix("惠州市")
        for size in (2, 3, 4):
            if len(core) >= size:
                start = rng.randrange(0, len(core) - size + 1)
                found.add(core[start : start + size])
    return sorted(found)


def timed(call, runs: int) -> tuple[list[float], float]:
    """Wall-clock ms of each call, and the process's mean CPU ms per call (what other
    engineers' work on a shared machine changes least)."""
    call()  # warm: templates compiled, URL resolver populated
    timings = []
    cpu_started = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, (time.process_time() - cpu_started) * 1000 / runs


def line(label: str, measured: tuple[list[float], float]) -> str:
    timings, cpu = measured
    ordered = sorted(timings)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return (
        f"| {label} | {statistics.median(timings):.2f} ms | {p95:.2f} ms | {cpu:.2f} ms | "
        f"{1000 / cpu:.0f} |"
    )


def get(client: Client, url: str, header: str | None = None):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if header is not None:
        assert response.get("X-Page-Cache") == header, (url, response.get("X-Page-Cache"))
    return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the uncached searches")
    args = parser.parse_args()

    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(args.seed)
    vocabulary = words(args.seed)
    counter = itertools.count()
    run = f"{time.time():.0f}"  # no address of an earlier run's cache

    def search():
        word = rng.choice(vocabulary)
        page = 1 + (rng.random() < 0.2)
        get(client, f"/search/?q={word}&page={page}&n={run}-{next(counter)}", "miss")

    if args.profile:
        timed(search, 5)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            search()
        profiler.disable()
        if os.environ.get("BENCH_PROFILE_OUT"):
            profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        return

    code = visibility.public_records().values_list("subject__code", flat=True).first()
    profile = f"/subjects/{code}/"
    get(client, profile)
    get(client, "/")
    print(
        f"Database: {settings.DATABASES['default']['NAME']}; {args.runs} requests each; "
        f"page cache {settings.PORTAL_PAGE_CACHE_SECONDS} s.\n"
    )
    print("| request | median | p95 | CPU per request | per CPU second |")
    print("| --- | --- | --- | --- | --- |")
    print(line("uncached search (rendered, then kept)", timed(search, args.runs)))
    print(
        line("cached hit: a credit profile", timed(lambda: get(client, profile, "hit"), args.runs))
    )
    print(line("cached hit: home page", timed(lambda: get(client, "/", "hit"), args.runs)))
    print(
        line(
            "one rate-limit count (ratelimit.hit)",
            timed(lambda: hit("bench", "203.0.113.1", 10**9, 60), args.runs),
        )
    )


if __name__ == "__main__":
    main()
