"""Request middleware of the portal."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Show Chinese unless the user chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language header; an official
    whose browser happens to be set to English must still get the Chinese portal first, so only
    the language cookie (set by the switcher) counts.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ErrorPagesMiddleware:
    """Refuse input no page can use, and give plain 405 answers the portal's error page.

    A NUL character in the address, the query or a form field is never meaningful here, and
    PostgreSQL cannot store or even compare it: such a request gets a clear 400 (JSON under /api/)
    before any view runs, instead of a database error deep inside. A 405 from a view that only
    takes some methods (`require_http_methods`) comes without a body: it gets the portal's page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.exceptions import BadRequest

        if self._holds_nul(request):
            raise BadRequest("NUL character in the request")
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            from targets.views.errors import not_allowed

            page = not_allowed(request)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response

    @staticmethod
    def _holds_nul(request) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return True
        # The API reads JSON bodies itself (its fields refuse NUL); reading a multipart body here
        # would use up the stream that its parsers need.
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data") \
                and not request.path.startswith("/api/"):
            return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists())
        return False
