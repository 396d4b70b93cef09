"""Settings for the test suite: the real settings with a throwaway SECRET_KEY.

DATABASE_URL still decides the database (SQLite by default, PostgreSQL in CI).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-only-for-the-test-suite")
# Never the developer's local file (.env.local, DEBUG on): the suite, and the server
# processes some tests start, see only the environment they are given.
os.environ["LOCAL_ENV_FILE"] = ""

from backoffice.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user creation in tests
