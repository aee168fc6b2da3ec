"""The Redis cache backend reuses one client per connection pool (workbench/cache.py)."""

import secrets
import threading

from workbench.cache import ReusedClientRedisCache

URL = "redis://127.0.0.1:6379/13"


def _cache():
    return ReusedClientRedisCache(URL, {"KEY_PREFIX": secrets.token_hex(8)})


def test_one_client_serves_every_call():
    cache = _cache()
    first = cache._cache.get_client("a")
    assert cache._cache.get_client("b", write=True) is first


def test_it_stores_reads_and_counts_like_djangos_from_many_threads():
    cache = _cache()
    cache.set("greeting", {"text": "hello"}, 30)
    assert cache.get("greeting") == {"text": "hello"}
    assert cache.get_many(["greeting", "missing"]) == {"greeting": {"text": "hello"}}
    cache.set("count", 0, 30)

    def bump():
        for _ in range(50):
            cache.incr("count")

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("count") == 200
    cache.delete_many(["greeting", "count"])
    assert cache.get("greeting") is None
