"""Every API error as JSON: {"detail": first message, "errors": {field: [messages]}}.

Refusals of the actions (ActionError and its kinds) keep their HTTP status (400, 403, 409); a 409
about a submission carries the record as it now stands under "current", so that the caller can see
what changed. Messages are in the active language (the actions and DRF translate theirs).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext, gettext_noop
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from ..actions import ActionError, StaleVersion


# DRF's texts that would reach users in English: "No data provided" DRF raises without gettext (so it
# is translated here); the others DRF translates, but its zh_Hans catalogue lacks them. Named here so
# that `make messages` keeps them in our catalogue, which LOCALE_PATHS puts before DRF's own.
_NOT_TRANSLATED_BY_DRF = gettext_noop("No data provided")
_MISSING_IN_DRF_CATALOGUE = (
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop("The number of days must be between {min_days} and {max_days}."),
)


def _printable(message) -> str:
    text = str(message)
    if text == _NOT_TRANSLATED_BY_DRF:
        text = gettext(text)
    # A message may echo input; a lone surrogate in it could not be encoded as UTF-8.
    return text.encode("utf-8", "replace").decode("utf-8")


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _messages(value)]
    if isinstance(detail, (list, tuple)):
        return [message for item in detail for message in _messages(item)]
    return [_printable(detail)]


def errors_from(detail) -> dict[str, list[str]]:
    """Return {field: [messages]} from a DRF error detail or an action's errors."""
    if isinstance(detail, dict):
        if set(detail) == {"detail"} and not isinstance(detail["detail"], (dict, list)):
            detail = [detail["detail"]]
        else:
            return {
                api_settings.NON_FIELD_ERRORS_KEY if key == "__all__" else _printable(key): _messages(value)
                for key, value in detail.items()
            }
    return {api_settings.NON_FIELD_ERRORS_KEY: _messages(detail)}


def _body(errors: dict[str, list[str]]) -> dict:
    first = next((messages[0] for messages in errors.values() if messages), "")
    return {"detail": first, "errors": errors}


def _current(exc, context) -> dict | None:
    """Return the submission the refused request was about, as the caller may see it."""
    from ..selectors.api import submission_for_api
    from ..serializers import SubmissionDetailSerializer

    request = context.get("request")
    pk = exc.current.pk if isinstance(exc, StaleVersion) else (context.get("kwargs") or {}).get("pk")
    if request is None or pk is None:
        return None
    try:
        submission = submission_for_api(request.user, pk)
    except Http404:
        return None
    return SubmissionDetailSerializer(submission, context={"request": request}).data


def exception_handler(exc, context):
    """Return the JSON response for an exception raised in an API view (None lets a 500 through)."""
    if isinstance(exc, ActionError):
        body = _body(errors_from(exc.errors))
        if exc.status == 409:
            current = _current(exc, context)
            if current is not None:
                body["current"] = current
        set_rollback()
        return Response(body, status=exc.status)
    # The default messages, translated, rather than the internal texts of Http404("…").
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _body(errors_from(response.data))
    return response
