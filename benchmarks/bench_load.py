"""Benchmark: the public site under load, served as `make run` serves it (gunicorn, 2 workers).

    .venv/bin/python benchmarks/bench_load.py [--duration 30] [--users 8]

Needs a set-up database: by default the checkout's own after `make setup` (var/portal.sqlite3:
2,000 demo subjects, 20,000 records, the search index, the site's pages); PORTAL_VAR_DIR or
DATABASE_URL point it at another (e.g. a copy). Nothing in it is changed; the page cache under
PORTAL_VAR_DIR/cache/pages is emptied first.

The script starts gunicorn itself on a free loopback port with the options of
scripts/run-embedded.sh (gthread, 2 workers x 4 threads, access log to a file; the scheduler is
left out), and drives it with locust (headless, FastHttpUser, no wait between requests) for a
bounded time per run:

1. cached pages (page cache on): home, the four disclosure lists and their page 2, 150 credit
   profiles and 150 record pages, a fifth of them in English, each requested once to warm up;
2. uncached searches (page cache on): words cut from subjects' names, with a fresh counter in
   each query so that no answer comes from the cache;
3. baseline, today (page cache off, PORTAL_PAGE_CACHE_SECONDS=0, a second server): the issue's
   mix of home, search and profile;
4. baseline: the cached-pages mix of run 1 with the page cache off;
5. baseline: the searches of run 2 with the page cache off (what keeping each answer costs).

Every client of a benchmark is one address, so the server runs with the public rate limits
raised (PORTAL_RATE_LIMITS); the limits still count every request. Prints requests/s, p50, p95
and errors per run beside the targets (>= 500 req/s cached, >= 150 req/s searches, p95 <= 300 ms,
0 errors).
"""

# locust patches the standard library for gevent; it must come before anything else.
import locust  # noqa: I001

import argparse
import itertools
import os
import random
import signal
import socket
import subprocess  # nosec B404  # starts our own gunicorn, fixed arguments
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import gevent
from locust import FastHttpUser, constant
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")

TARGETS = {"cached": (500.0, 300.0), "search": (150.0, 300.0)}
RAISED_LIMITS = "public_search=100000000/60,public_profile=100000000/60"
PROFILES = 150
RECORDS = 150


def pick_urls(seed: int) -> tuple[list[str], list[str]]:
    """The cached-pages set and words for searches, from the database."""
    import django

    django.setup()
    from django.core.cache import caches

    from cms.models import DisclosureListPage
    from portal.records import visibility
    from portal.subjects.models import Subject

    caches["pages"].clear()
    rng = random.Random(seed)
    rows = list(visibility.public_records().values_list("id", "subject__code").order_by("id"))
    if not rows:
        raise SystemExit(
            "No public records: run `make setup` (or point PORTAL_VAR_DIR at a set-up database)."
        )
    chosen = rng.sample(rows, min(len(rows), max(PROFILES, RECORDS)))
    urls = ["/", "/en/"]
    for page in DisclosureListPage.objects.live():
        urls += [page.url, f"{page.url}?page=2"]
    urls += [f"/subjects/{code}/" for _id, code in chosen[:PROFILES]]
    urls += [f"/records/{pk}/" for pk, _code in chosen[:RECORDS]]
    urls = [
        f"/en{url}" if rng.random() < 0.2 and url != "/" and not url.startswith("/en/") else url
        for url in urls
    ]
    names = list(Subject.objects.filter(kind="enterprise").values_list("name", flat=True)[:2000])
    names = names or list(Subject.objects.values_list("name", flat=True)[:2000])
    words = set()
    for name in names:
        core = name.removeprefix("惠州市")
        for size in (2, 3, 4):
            if len(core) >= size:
                start = rng.randrange(0, len(core) - size + 1)
                words.add(core[start : start + size])
    from django.db import connections

    connections.close_all()
    return urls, sorted(words)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as scripts/run-embedded.sh starts it, on a free loopback port."""

    def __init__(self, workers: int, log_dir: Path, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        bin_dir = Path(sys.executable).parent
        self.process = subprocess.Popen(  # nosec B603  # our own gunicorn, fixed arguments
            [
                str(bin_dir / "gunicorn"),
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--timeout",
                "300",
                "--access-logfile",
                str(log_dir / f"access-{self.port}.log"),
                "--error-logfile",
                str(log_dir / f"portal-{self.port}.log"),
            ],
            cwd=ROOT,
            env={**os.environ, "PORTAL_RATE_LIMITS": RAISED_LIMITS, **env},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):  # nosec B310  # loopback
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start; see {log_dir}") from None
                time.sleep(0.3)

    def warm(self, urls: list[str]) -> list[str]:
        """Each URL once (fills the page cache); only those answering 200 are kept."""
        kept = []
        for url in urls:
            try:
                with urllib.request.urlopen(self.base + url, timeout=60) as response:  # nosec B310  # loopback
                    if response.status == 200:
                        kept.append(url)
            except OSError:
                continue
        return kept

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run(base: str, label: str, next_url, users: int, duration: float) -> dict:
    """One headless locust run: `users` clients without pauses for `duration` seconds."""

    class Visitor(FastHttpUser):
        host = base
        wait_time = constant(0)

        @locust.task
        def visit(self):
            url = next_url()
            with self.client.get(url, name=label, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code} for {url}")

    env = Environment(user_classes=[Visitor])
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(2)  # let every client start before counting
    env.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(duration)
    elapsed = time.monotonic() - started
    total = env.stats.total
    result = {
        "label": label,
        "requests": total.num_requests,
        "rps": total.num_requests / elapsed,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "errors": total.num_failures,
    }
    runner.quit()
    return result


def cycle(urls: list[str], seed: int):
    rng = random.Random(seed)
    shuffled = urls[:]
    rng.shuffle(shuffled)
    it = itertools.cycle(shuffled)
    return lambda: next(it)


def searches(words: list[str], seed: int):
    """A new query each time: a word, sometimes a second page, and a counter in the address."""
    rng = random.Random(seed)
    counter = itertools.count()
    return lambda: (
        f"/search/?q={rng.choice(words)}&page={1 + (rng.random() < 0.2)}&n={next(counter)}"
    )


def todays_mix(urls: list[str], words: list[str], seed: int):
    """The issue's measurement: home, search and profile in equal parts."""
    rng = random.Random(seed)
    profiles = [u for u in urls if "/subjects/" in u]
    search = searches(words, seed)
    choices = [lambda: "/", search, lambda: rng.choice(profiles)]
    return lambda: rng.choice(choices)()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds per run (default 30)")
    parser.add_argument("--users", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    urls, words = pick_urls(args.seed)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    results = []
    server = Server(args.workers, log_dir)
    try:
        urls = server.warm(urls)
        print(f"{len(urls)} cached pages warmed; {len(words)} search words", flush=True)
        results.append(
            run(server.base, "cached pages", cycle(urls, args.seed), args.users, args.duration)
        )
        results.append(
            run(
                server.base,
                "uncached searches",
                searches(words, args.seed),
                args.users,
                args.duration,
            )
        )
    finally:
        server.stop()
    server = Server(args.workers, log_dir, PORTAL_PAGE_CACHE_SECONDS="0")
    try:
        mix = todays_mix(urls, words, args.seed)
        results.append(
            run(
                server.base,
                "baseline: today, home/search/profile, no page cache",
                mix,
                args.users,
                args.duration,
            )
        )
        results.append(
            run(
                server.base,
                "baseline: cached-pages mix, no page cache",
                cycle(urls, args.seed),
                args.users,
                args.duration,
            )
        )
        results.append(
            run(
                server.base,
                "baseline: uncached searches, no page cache",
                searches(words, args.seed),
                args.users,
                args.duration,
            )
        )
    finally:
        server.stop()

    targets = [TARGETS["cached"], TARGETS["search"]] + [(None, None)] * 3
    print(
        f"\n{args.users} clients, {args.workers} gunicorn workers, {args.duration:.0f} s per run; logs in {log_dir}\n"
    )
    print("| run | req/s | p50 | p95 | errors | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for result, (rps, p95) in zip(results, targets, strict=True):
        target = f">= {rps:.0f} req/s, p95 <= {p95:.0f} ms, 0 errors" if rps else "—"
        print(
            f"| {result['label']} | {result['rps']:.0f} | {result['p50']:.0f} ms | {result['p95']:.0f} ms"
            f" | {result['errors']} of {result['requests']} | {target} |"
        )


if __name__ == "__main__":
    main()
