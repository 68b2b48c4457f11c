"""The portal's error pages: what happened and what to do, in the portal's layout and the user's
language; under /api/ the same as JSON {"detail": …, "errors": …} like every other API answer.

Wired as Django's handler400/403/404/500 (metrology_portal/urls.py); 405 responses of plain
views are turned into the same page by metrology_portal.middleware.ErrorPagesMiddleware.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy

# status → (title, what to do), shown on the page and sent as the API's message.
PAGES = {
    400: (gettext_lazy("The request could not be read"), gettext_lazy(
        "Something in the address or the form was not valid (for example a character that is not allowed). "
        "Go back, check what was entered and try again."
    )),
    403: (gettext_lazy("Not allowed"), gettext_lazy(
        "Your role or unit does not give access to this page. If you need it, ask the portal's administrator."
    )),
    404: (gettext_lazy("Page not found"), gettext_lazy(
        "There is nothing at this address: the link may be out of date or mistyped. Start again from the menu."
    )),
    405: (gettext_lazy("Not possible this way"), gettext_lazy(
        "This page cannot be used like that (for example by opening a form's address directly). Go back and use the page's buttons."
    )),
    413: (gettext_lazy("Too large"), gettext_lazy(
        "What was sent is larger than the portal accepts. Send a smaller file or fewer rows at a time."
    )),
    429: (gettext_lazy("Too many attempts"), gettext_lazy("Wait a moment and try again.")),
    500: (gettext_lazy("Something went wrong on our side"), gettext_lazy(
        "The portal could not complete this request; nothing you did caused it. What was saved before is safe. "
        "Try again in a moment; if it keeps happening, tell the portal's administrator the time it happened."
    )),
    503: (gettext_lazy("The portal is briefly unavailable"), gettext_lazy(
        "The database could not be reached just now (for example during a restart). Nothing from this request was "
        "saved; what was saved before is safe. Wait a minute and try again."
    )),
}
# How long a client should wait before trying again after a 503, in seconds.
RETRY_AFTER = 30


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_response(request, status: int) -> HttpResponse:
    """Return the error page (or the API's JSON) for `status`."""
    title, advice = PAGES.get(status, PAGES[400])
    if is_api(request):
        message = f"{title}: {advice}"
        return JsonResponse({"detail": message, "errors": {"non_field_errors": [message]}}, status=status)
    # A 500 or 503 may come from the database itself: render without the context processors (no
    # user, no messages), from a template that needs nothing but the static files.
    bare = status in (500, 503)
    context = {"status": status, "title": title, "advice": advice}
    body = loader.render_to_string("errors/500.html" if bare else "errors/error.html", context, None if bare else request)
    return HttpResponse(body, status=status)


def _database_lost(exception: BaseException | None) -> bool:
    """Return whether `exception` arose from a lost database connection: itself, or what it was
    raised from or during (Django's SessionInterrupted, a 400, is raised when saving the session
    failed — during a PostgreSQL restart that is the connection, not the request)."""
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, (OperationalError, InterfaceError)):
            return True
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return False


def _unavailable(request) -> HttpResponse:
    response = error_response(request, 503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def bad_request(request, exception=None):
    if _database_lost(exception):
        return _unavailable(request)
    return error_response(request, 413 if type(exception).__name__ == "RequestDataTooBig" else 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    """The answer to an unhandled exception; a lost database connection (PostgreSQL restarting or
    unreachable) is a 503 saying to try again, not "something went wrong"."""
    if _database_lost(sys.exc_info()[1]):
        return _unavailable(request)
    return error_response(request, 500)


def not_allowed(request) -> HttpResponse:
    return error_response(request, 405)


__all__ = ["bad_request", "error_response", "not_allowed", "page_not_found", "permission_denied", "server_error"]
