"""Pytest plugin with the test run's environment, loaded (pyproject `-p`) before Django's settings.

The settings refuse to start without SECRET_KEY outside development, and production static
storage needs `collectstatic`; a test run gets a throwaway key and plain static storage.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("WORKBENCH_PLAIN_STATIC", "1")
os.environ.setdefault("PSEUDONYM_KEY", "test-pseudonym-key")
