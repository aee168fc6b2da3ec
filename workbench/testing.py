"""Pytest plugin with the test run's environment, loaded (pyproject `-p`) before Django's settings.

The settings refuse to start without SECRET_KEY outside development, and production static
storage needs `collectstatic`; a test run gets a throwaway key, plain static storage and plain HTTP.
"""

import os

# No local environment file (`make run` writes `.env`): forced, not defaulted, so that a
# developer's working tree and a fresh clone test the same settings.
os.environ["WORKBENCH_ENV_FILE"] = ""

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("WORKBENCH_PLAIN_STATIC", "1")
os.environ.setdefault("PSEUDONYM_KEY", "test-pseudonym-key")
# One process, local memory (tests/conftest.py gives each test a fresh one).
os.environ.setdefault("CACHE_URL", "locmem://")
# The test client and live_server speak plain HTTP.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
