"""(being written by the API work) — DRF's default handler until then."""

from rest_framework.views import exception_handler  # noqa: F401
