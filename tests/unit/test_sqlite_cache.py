"""The embedded mode's shared cache (portal.core.caching.SQLiteCache): Django's cache
semantics, counters added to in SQL, no file until something is written, and nothing left
behind of the file-per-entry cache its folders held before."""

import time

import pytest

from portal.core.caching import SQLiteCache


@pytest.fixture
def make_cache(tmp_path):
    def make(**options):
        return SQLiteCache(str(tmp_path / "cache" / "counters"), {"OPTIONS": options})

    return make


def test_reading_leaves_no_trace_and_the_first_write_makes_the_file(make_cache, tmp_path):
    cache = make_cache()
    assert cache.get("x") is None and cache.get_many(["x"]) == {} and not cache.has_key("x")
    assert not cache.delete("x") and not cache.touch("x")
    cache.clear()
    assert not (tmp_path / "cache").exists()
    cache.set("x", {"a": 1})
    assert (tmp_path / "cache" / "counters" / "cache.sqlite3").exists()
    # Another process (a new instance, as each worker has) reads what this one wrote.
    assert make_cache().get("x") == {"a": 1}


def test_add_incr_and_expiry_follow_djangos_cache_semantics(make_cache):
    cache = make_cache()
    assert cache.add("n", 0, timeout=60) is True
    assert cache.add("n", 5, timeout=60) is False  # a live entry stays
    assert [cache.incr("n"), cache.incr("n", 3), cache.decr("n")] == [1, 4, 3]
    assert cache.get("n") == 3
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.set("word", "text")
    with pytest.raises(ValueError):  # only integers are counted
        cache.incr("word")

    cache.set("short", 1, timeout=0.2)
    time.sleep(0.3)
    assert cache.get("short", "gone") == "gone" and not cache.has_key("short")
    with pytest.raises(ValueError):
        cache.incr("short")  # an expired counter is not counted on
    assert cache.add("short", 7, timeout=60) is True  # replaces the expired entry
    assert cache.get("short") == 7

    cache.set("zero", 1, timeout=0)  # Django: a timeout of 0 keeps nothing
    assert cache.get("zero") is None
    cache.set("forever", [1, 2], timeout=None)
    assert cache.touch("forever", 60) and cache.get("forever") == [1, 2]
    assert cache.delete("forever") and cache.get("forever") is None


def test_get_many_and_set_many_read_and_write_together(make_cache):
    cache = make_cache(MAX_ENTRIES=10_000)
    cache.set_many({f"tag:{n}": f"v{n}" for n in range(600)}, timeout=None)
    keys = [f"tag:{n}" for n in range(600)] + ["absent"]
    found = cache.get_many(keys)
    assert len(found) == 600 and found["tag:599"] == "v599" and "absent" not in found


def test_past_max_entries_the_soonest_expiring_go_first_and_tags_last(make_cache):
    cache = make_cache(MAX_ENTRIES=30, CULL_FREQUENCY=3)
    cache.CULL_EVERY = 1
    cache.set_many({f"tag:{n}": n for n in range(5)}, timeout=None)
    for n in range(40):
        cache.set(f"page:{n}", n, timeout=1000 + n)
    kept = cache.get_many([f"page:{n}" for n in range(40)])
    assert 20 <= len(kept) <= 31
    assert "page:39" in kept and "page:0" not in kept
    assert len(cache.get_many([f"tag:{n}" for n in range(5)])) == 5


def test_cull_frequency_zero_empties_the_cache_past_max_entries_as_in_django(make_cache):
    cache = make_cache(MAX_ENTRIES=5, CULL_FREQUENCY=0)
    cache.CULL_EVERY = 1
    for n in range(6):
        cache.set(f"page:{n}", n, timeout=60)
    cache.set("page:6", 6, timeout=60)  # culls the six before it: more than MAX_ENTRIES
    assert cache.get_many([f"page:{n}" for n in range(7)]) == {"page:6": 6}


def _old_file_cache(folder):
    """What the file-per-entry cache (Django's FileBasedCache) left in a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("40c40980323d1a5c9306781e97f2e5f5.djcache", "counters.lock"):
        (folder / name).write_bytes(b"old")
    (folder / "notes.txt").write_text("not the cache's")


def test_clear_removes_what_the_old_file_cache_left(make_cache, tmp_path):
    folder = tmp_path / "cache" / "counters"
    _old_file_cache(folder)
    make_cache().clear()  # before this cache wrote anything
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]

    cache = make_cache()
    cache.set("x", 1)
    _old_file_cache(folder)
    cache.clear()
    assert not list(folder.glob("*.djcache")) and not (folder / "counters.lock").exists()
    assert (folder / "notes.txt").exists() and (folder / "cache.sqlite3").exists()
    assert cache.get("x") is None


def test_culling_removes_them_on_a_process_first_write_then_every_cull_every(make_cache, tmp_path):
    folder = tmp_path / "cache" / "counters"
    _old_file_cache(folder)
    cache = make_cache()
    cache.CULL_EVERY = 3
    cache.set("n", 0)  # a process's first write culls
    assert not list(folder.glob("*.djcache"))
    _old_file_cache(folder)
    cache.add("a", 1)
    cache.set("b", 2)
    assert len(list(folder.glob("*.djcache"))) == 1  # the 2nd and 3rd writes do not
    cache.set("c", 3)  # the 4th does
    assert not list(folder.glob("*.djcache")) and not (folder / "counters.lock").exists()
    assert cache.get_many(["n", "a", "b", "c"]) == {"n": 0, "a": 1, "b": 2, "c": 3}
