"""Settings of the gunicorn processes the fault tests start: production's, with the one change
the in-process tests make too (tests/conftest.py: static files from the source tree, since
production's manifest needs `collectstatic` first)."""

from metrology_portal.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
