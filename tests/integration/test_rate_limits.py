"""Rate limits key on the real client and hold across worker processes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from portal.core.ratelimit import client_key

ROOT = Path(__file__).resolve().parents[2]


def request(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/v1/search", **extra)


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.PORTAL_TRUST_X_FORWARDED_FOR = False
    assert client_key(request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_the_right_most_address_our_proxy_appended_is_the_client(settings):
    settings.PORTAL_TRUST_X_FORWARDED_FOR = True
    settings.PORTAL_TRUSTED_PROXIES = []
    # The client wrote "1.2.3.4"; our proxy (the peer) appended the address it saw.
    assert client_key(request("10.0.0.2", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    # Varying the forged part changes nothing: the counters stay on one client.
    keys = {client_key(request("10.0.0.2", f"9.9.9.{n}, 203.0.113.9")) for n in range(150)}
    assert keys == {"203.0.113.9"}


def test_several_proxy_hops_are_skipped_by_network(settings):
    settings.PORTAL_TRUST_X_FORWARDED_FOR = True
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.0/8", "172.16.0.0/12"]
    assert client_key(request("10.0.0.2", "6.6.6.6, 203.0.113.9, 172.16.3.4")) == "203.0.113.9"
    # A peer outside our proxies sent the request itself: its header is its own.
    assert client_key(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"
    # Only proxies in the chain: the peer is all we know.
    assert client_key(request("10.0.0.2", "10.1.1.1")) == "10.0.0.2"


COUNT_HITS = """
import django, json
django.setup()
from portal.core.ratelimit import hit
print(json.dumps([hit("case_lookup", "203.0.113.9", 10, 600)[0] for _ in range(6)]))
"""


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="the embedded mode's file cache")
def test_counters_are_shared_by_separate_worker_processes(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "test-only",
    }
    env.pop("REDIS_URL", None)
    answers = []
    for _worker in range(2):
        run = subprocess.run(
            [sys.executable, "-c", COUNT_HITS],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        answers += json.loads(run.stdout.strip().splitlines()[-1])
    # Ten allowed in all, not ten per process.
    assert answers == [True] * 10 + [False] * 2


COUNT_AT_ONCE = """
import django, sys, time
django.setup()
from portal.core.ratelimit import hit
start, limit, times = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
print(sum(hit("case_lookup", "203.0.113.10", limit, 600)[0] for _ in range(times)))
"""


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="the embedded mode's file cache")
def test_workers_counting_at_the_same_moment_lose_no_hit(tmp_path):
    """Four processes counting one client at once: every hit is counted, none overwritten."""
    import time

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "test-only",
    }
    env.pop("REDIS_URL", None)

    def count(start, limit, times):
        return subprocess.Popen(
            [sys.executable, "-c", COUNT_AT_ONCE, str(start), str(limit), str(times)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )

    workers = [count(time.time() + 4, 10_000, 150) for _ in range(4)]
    assert [int(w.communicate(timeout=120)[0]) for w in workers] == [150] * 4
    # 600 hits were made: under a limit of 602 two more pass, and no third.
    last = count(0, 602, 3)
    assert int(last.communicate(timeout=120)[0]) == 2


OPEN_AT_ONCE = """
import django, sys, time
django.setup()
from django.core.cache import caches
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.0005)
caches["counters"].add("first", 1)
"""


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="the embedded mode's file cache")
def test_workers_opening_a_new_counter_file_at_once_all_get_in(tmp_path):
    """Eight workers starting together on a fresh installation: none is told 'locked'."""
    import time

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "test-only",
    }
    env.pop("REDIS_URL", None)
    start = str(time.time() + 5)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_ONCE, start],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    errors = [w.communicate(timeout=120)[1] for w in workers]
    assert [w.returncode for w in workers] == [0] * 8, errors
