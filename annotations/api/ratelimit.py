"""Per-token rate limiting: at most API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS.

A fixed window counted in the shared cache (Redis in production, so every worker counts
the same requests): `cache.add` starts a window's counter, `cache.incr` counts atomically.
A request over the limit is refused with 429 and `Retry-After`, the seconds until the
window ends. Requests made with a session are counted per user, those made with a token
per token (a person's scripts do not starve their browser, nor each other).
"""

import math
import time

from django.conf import settings
from django.core.cache import cache

from .errors import RATE_LIMITED, ApiProblem


def rate_limit(key: str) -> None:
    """Count one request for `key`; ApiProblem 429 when the window's limit is spent."""
    window = settings.API_RATE_WINDOW_SECONDS
    now = time.time()
    window_index = int(now // window)
    counter = f"api-rate:{key}:{window_index}"
    cache.add(counter, 0, timeout=window + 1)
    try:
        count = cache.incr(counter)
    except ValueError:
        # The counter expired between add and incr (a window's last instant): a new one.
        cache.set(counter, 1, timeout=window + 1)
        count = 1
    if count > settings.API_RATE_LIMIT:
        retry_after = max(1, math.ceil((window_index + 1) * window - now))
        raise ApiProblem(
            429,
            f"This token made more than {settings.API_RATE_LIMIT} requests in "
            f"{window} seconds. Retry after {retry_after} seconds.",
            problem_type=RATE_LIMITED,
            headers={"Retry-After": str(retry_after)},
        )
